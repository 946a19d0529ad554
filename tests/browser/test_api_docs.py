"""The API's docs page in Chromium: Swagger UI from our own static files, under the site's real CSP."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.sample_entries import make_jmml_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_api_docs_render_from_our_own_files_under_the_csp(live_server, request, viewport, assert_accessible):
    make_jmml_entry()
    page = request.getfixturevalue(viewport)
    requested = []
    page.on("request", lambda sent: requested.append(sent.url))

    page.goto(live_server.url + reverse("api:openapi-view"))

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Rare Disorders Encyclopedia API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    # Swagger UI read our schema and nothing from anywhere else (no CDN, no validator badge).
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert_accessible(page)
