"""The staff preview in a real browser: marked as a preview, readable and accessible on a desktop and a phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from disorders.models import Disorder
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import make_staff
from tests.sample_entries import JMML_TITLE, make_jmml_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_preview_shows_the_pending_version_marked_as_a_preview(
    browser, live_server, django_user_model, viewport, screenshot, assert_accessible, assert_no_horizontal_overflow
):
    entry = make_jmml_entry()
    # A pending change: the working copy moved on, the published version did not.
    Disorder.objects.filter(pk=entry.pk).update(title="Juvenile Myelomonocytic Leukaemia")
    make_staff(django_user_model, "ana", "Editors")
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + reverse("admin:index"))

    page.goto(live_server.url + reverse("admin:disorders_disorder_preview", args=[entry.pk]))

    expect(page.locator(".preview-banner")).to_contain_text("Preview — not what readers see")
    expect(page.get_by_role("heading", level=1)).to_have_text("Juvenile Myelomonocytic Leukaemia")
    screenshot(page, f"preview-{viewport['width']}")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)

    page.get_by_role("link", name="See the published version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(JMML_TITLE)
    context.close()
