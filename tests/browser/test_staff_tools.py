"""The staff tools in Chromium: the error summary's links focus their field, the save bar stays in view on a
97-code form, code rows filter by system, and every new staff page passes axe at 1280 and 360 px."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from disorders import history
from disorders.models import Code, Disorder
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import make_staff
from tests.factories import make_organization
from tests.sample_entries import make_jmml_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# Retinitis pigmentosa's mix in the full import: 97 codes, most of them OMIM and ICD.
CODE_MIX = [(Code.System.OMIM, 70), (Code.System.ICD10, 20), (Code.System.ORPHA, 7)]


@pytest.fixture
def long_entry(live_server):
    entry = make_jmml_entry()
    Code.objects.bulk_create(
        [Code(disorder=entry, system=system, value=str(100000 + n)) for system, count in CODE_MIX for n in range(count)]
    )
    history.record_revision(entry, comment="Created")
    entry.refresh_from_db()
    return entry


def change_url(live_server, entry):
    return live_server.url + reverse("admin:disorders_disorder_change", args=[entry.pk])


def active_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def bar_is_in_viewport(page):
    box = page.locator(".save-bar").bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height + 1


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_error_summary_links_focus_their_field(
    live_server, long_entry, open_as, screenshot, assert_accessible, viewport
):
    page = open_as("ana", "Editors", VIEWPORTS[viewport])
    page.goto(change_url(live_server, long_entry))
    page.locator("#id_summary").fill("Changed, and no edit summary given.")
    page.locator("#id_edit_summary").fill("")
    page.locator("#id_codes-5-value").fill("")
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert active_id(page) == ""  # the summary itself has focus (it has no id), so a screen reader reads it first
    screenshot(page, f"entry-form-error-summary-{viewport}")
    assert_accessible(page)
    summary.get_by_role("link", name="Codes, row 6: Value: This field is required.").click()
    assert active_id(page) == "id_codes-5-value"
    summary.get_by_role("link", name="Edit summary:", exact=False).click()
    assert active_id(page) == "id_edit_summary"
    assert bar_is_in_viewport(page)
    assert Disorder.objects.get(pk=long_entry.pk).summary != "Changed, and no edit summary given."


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_save_bar_stays_in_view_while_scrolling_a_97_code_form(
    live_server, long_entry, open_as, screenshot, assert_accessible, viewport
):
    page = open_as("ana", "Editors", VIEWPORTS[viewport])
    page.goto(change_url(live_server, long_entry))
    assert page.locator("#codes-group tbody tr.form-row:not(.empty-form)").count() == 97
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 3 * page.viewport_size["height"]  # a long form: the bar's whole point

    for fraction in (0, 0.25, 0.5, 0.75):
        page.evaluate(f"window.scrollTo(0, {int(height * fraction)})")
        assert bar_is_in_viewport(page), f"the save bar left the window at {fraction:.0%} of {height}px"
    page.locator("#id_title").scroll_into_view_if_needed()
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_in_viewport()
    expect(page.locator("#id_edit_summary")).to_be_in_viewport()
    page.screenshot(path=str(screenshot(page, f"entry-form-97-codes-{viewport}")).replace(".png", "-window.png"))
    assert_accessible(page)


def test_code_rows_filter_by_system_and_every_row_is_still_saved(live_server, long_entry, open_as):
    page = open_as("ana", "Editors")
    page.goto(change_url(live_server, long_entry))
    rows = page.locator("#codes-group tbody tr.form-row:not(.empty-form)")
    filters = page.get_by_role("group", name="Show codes of one system")

    filters.get_by_role("button", name="ICD-10 (20)").click()

    expect(rows.locator("visible=true")).to_have_count(20)
    expect(filters.get_by_role("button", name="ICD-10 (20)")).to_have_attribute("aria-pressed", "true")
    page.locator("#id_edit_summary").fill("Save with a filter on")
    page.locator("#id_summary").fill("Saved while only ICD-10 codes were shown.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Code.objects.filter(disorder=long_entry).count() == 97

    page.goto(change_url(live_server, long_entry))
    page.get_by_role("group", name="Show codes of one system").get_by_role("button", name="All (97)").click()
    expect(rows.locator("visible=true")).to_have_count(97)


@pytest.fixture
def staff_pages(live_server, django_user_model):
    """The new staff pages, with something on each: a taken entry, an import run, an organization's change."""
    entry = make_jmml_entry()
    history.record_revision(entry, comment="Created")
    reviewer = make_staff(django_user_model, "rita", "Reviewers")
    Disorder.objects.filter(pk=entry.pk).update(assigned_to=reviewer)
    organization = make_organization("Checked Long Ago", street_address="1 Main St", locality="Boston")
    return {
        "review queue": reverse("review_queue") + "?sort=due",
        "review queue, taken by me": reverse("review_queue") + "?reason=mine",
        "recent changes": reverse("recent_changes") + "?kind=edit",
        "organization history": reverse("admin:resources_organization_history", args=[organization.pk]),
        "organizations to verify": reverse("admin:resources_organization_unverified"),
    }


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_new_staff_pages_pass_axe(live_server, staff_pages, open_as, screenshot, assert_accessible, viewport):
    page = open_as("rita", "Reviewers", VIEWPORTS[viewport])
    for name, url in staff_pages.items():
        page.goto(live_server.url + url)
        assert page.locator("#content-main").is_visible(), name
        screenshot(page, f"staff-{name}-{viewport}")
        assert_accessible(page)
    # Taking an entry from the queue, in the browser.
    page.goto(live_server.url + reverse("review_queue"))
    page.get_by_role("button", name="Give back Juvenile Myelomonocytic Leukemia", exact=False).first.click()
    expect(page.locator(".messagelist")).to_contain_text("You gave back")
    page.get_by_role("button", name="Take", exact=False).first.click()
    expect(page.locator(".messagelist")).to_contain_text("You took")
