"""The review workflow in a real browser: an editor changes a published entry and submits it, a reviewer
compares and sends it back, the editor fixes it, the reviewer approves, and readers see the new text with
the reviewer's credit. The pages this adds or changes pass axe at desktop and phone widths."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from disorders import editing
from disorders.models import Disorder, ReviewerProfile
from tests.browser.conftest import BLOCKING_IMPACTS, DESKTOP, PHONE
from tests.factories import make_disorder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OLD_SUMMARY = "Matrixitis is a made-up disorder of test matrices."
NEW_SUMMARY = "Matrixitis is a fictional disorder of test matrices, used to check the review workflow."


@pytest.fixture
def entry(live_server):
    make_disorder("Aardvark syndrome", summary="Older content, never submitted.")
    entry = make_disorder("Matrixitis", synonyms=["MTX"], summary=OLD_SUMMARY)
    # Published from a revision, as every real write leaves it, so "published ↔ pending" has two sides.
    with editing.entry_change(entry, user=None, comment="Created") as work:
        work.publish()
    return entry


# What this workflow adds to the entry form. The admin's own inline tables fail axe's label rules
# (Django's tabular inlines label their inputs by column header only), so the form is checked part by part.
FORM_PARTS = [[".review-notice"], [".publication-state"], [".review-step"], [".submit-row"]]


def assert_parts_accessible(page, parts):
    present = [part for part in parts if page.locator(part[0]).count()]
    # No CSSOM preload: axe would copy the admin's stylesheets into inline <style> elements, which the CSP refuses.
    options = {"resultTypes": ["violations"], "preload": False}
    violations = Axe().run(page, context={"include": present}, options=options).response["violations"]
    blocking = [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
    assert not blocking, [(violation["id"], [node["target"] for node in violation["nodes"]]) for violation in blocking]


def check_both_widths(page, assert_accessible, screenshot, name, phone, parts=None):
    """axe on ``page`` at 1280 px, and on the same address in a 360 px phone ``phone`` (only ``parts``, if given)."""
    check = assert_accessible if parts is None else (lambda on: assert_parts_accessible(on, parts))
    screenshot(page, name)
    check(page)
    phone.goto(page.url)
    screenshot(phone, f"{name}-phone")
    check(phone)


def test_editor_submits_reviewer_sends_back_then_approves_and_readers_see_it(
    live_server,
    entry,
    open_as,
    screenshot,
    assert_accessible,
    assert_no_horizontal_overflow,
    page,
    phone_page,
    browser,
    django_user_model,
):
    change_url = live_server.url + reverse("admin:disorders_disorder_change", args=[entry.pk])
    ana = open_as("ana", "Editors", first_name="Ana", last_name="Ortiz")
    jane = open_as("jane", "Reviewers", first_name="Jane", last_name="Roe")
    ReviewerProfile.objects.create(
        user=django_user_model.objects.get(username="jane"), public_name="Jane Roe", credentials="MD"
    )
    ana_phone = open_as("ana2", "Editors", viewport=PHONE)
    jane_phone = open_as("jane2", "Reviewers", viewport=PHONE)

    # Ana rewrites the summary of the published entry and submits it with a note.
    ana.goto(change_url)
    ana.locator("#id_summary").fill(NEW_SUMMARY)
    ana.locator("#id_edit_summary").fill("Clearer summary")
    ana.locator("#id_review_note").fill("Reworded the summary; please check the wording.")
    ana.get_by_role("button", name="Save and submit for review").click()
    expect(ana.locator(".messagelist")).to_contain_text("Submitted for review")
    # Readers still see the published version (in a browser of their own: reader pages may be cached).
    reader = browser.new_context(viewport=DESKTOP)
    reader_page = reader.new_page()
    reader_page.goto(live_server.url + entry.get_absolute_url())
    expect(reader_page.locator(".entry")).to_contain_text(OLD_SUMMARY)
    expect(reader_page.locator(".entry")).not_to_contain_text("fictional")
    reader.close()

    # Jane finds it first in her queue, compares, and asks for a change.
    jane.goto(live_server.url + reverse("review_queue"))
    first_row = jane.locator("#content-main tbody tr").first
    expect(first_row).to_contain_text("Matrixitis")
    expect(first_row).to_contain_text("Submitted for review")
    check_both_widths(jane, assert_accessible, screenshot, "review-queue", jane_phone)
    first_row.get_by_role("link", name="Compare").click()
    expect(jane.locator("#content-main")).to_contain_text("fictional")
    jane.goto(change_url)
    expect(jane.locator(".review-notice")).to_contain_text("Reworded the summary; please check the wording.")
    check_both_widths(jane, assert_accessible, screenshot, "review-submitted", jane_phone, FORM_PARTS)
    jane.locator("#id_review_note").fill("Say where the name comes from.")
    jane.get_by_role("button", name="Request changes").click()
    expect(jane.locator(".messagelist")).to_contain_text("Sent back to the editors")

    # Ana sees the comment at the top of her form, fixes the text and submits again.
    ana.goto(change_url)
    notice = ana.locator(".review-notice.changes-requested")
    expect(notice).to_contain_text("Say where the name comes from.")
    expect(notice).to_contain_text("Jane Roe")
    assert ana.get_by_role("button", name="Approve and publish").count() == 0
    check_both_widths(ana, assert_accessible, screenshot, "review-changes-requested", ana_phone, FORM_PARTS)
    ana.locator("#id_summary").fill(NEW_SUMMARY + " The name is invented.")
    ana.locator("#id_edit_summary").fill("Say where the name comes from")
    ana.get_by_role("button", name="Save and submit for review").click()
    expect(ana.locator(".messagelist")).to_contain_text("Submitted for review")
    expect(ana.locator(".review-notice.changes-requested")).to_have_count(0)

    # Jane approves and publishes; readers see the new text and her credit.
    jane.goto(change_url)
    jane.get_by_role("button", name="Approve and publish").click()
    expect(jane.locator(".messagelist")).to_contain_text("Approved and published")
    assert Disorder.objects.get(pk=entry.pk).status == Disorder.Status.PUBLISHED
    cache.clear()
    page.goto(live_server.url + entry.get_absolute_url())
    expect(page.locator(".entry")).to_contain_text("The name is invented.")
    expect(page.locator(".last-reviewed")).to_contain_text("Reviewed by Jane Roe, MD on")
    assert "Ana" not in page.locator(".entry-footer").inner_text()
    check_both_widths(page, assert_accessible, screenshot, "entry-reviewed-by", phone_page)
    assert_no_horizontal_overflow(phone_page)

    # The history shows every step with who and why.
    jane.goto(live_server.url + reverse("admin:disorders_disorder_history", args=[entry.pk]))
    history_table = jane.locator("#change-history")
    for comment in (
        "Submitted for review: Reworded the summary; please check the wording.",
        "Changes requested: Say where the name comes from.",
        "Approved and published",
    ):
        expect(history_table).to_contain_text(comment)
