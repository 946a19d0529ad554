"""Every reader page in Chromium, desktop and 360px phone, axe-clean; the entry on paper; autocomplete by keyboard."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from disorders.models import Section
from tests.factories import make_classification, make_disorder, make_gene_association, make_organization
from tests.sample_entries import JMML_TITLE, make_jmml_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(live_server):
    """JMML with its organizations in a small classification tree, a few more entries, and a draft."""
    jmml = make_jmml_entry(summary="A rare blood cancer of young children.")
    root = make_classification("Rare diseases")
    group = make_classification("Rare hematologic diseases", parent=root)
    make_classification("Rare bone marrow failures", parent=group)
    jmml.classifications.add(group)
    make_gene_association(jmml, "PTPN11", name="protein tyrosine phosphatase non-receptor type 11")
    for title, synonyms in [
        ("Chronic Myelomonocytic Leukemia", ["CMML"]),
        ("Acute Myeloid Leukemia", ["AML", "acute myelogenous leukemia"]),
        ("Juvenile Idiopathic Arthritis", ["JIA", "juvenile rheumatoid arthritis"]),
        ("Ménière Disease", ["endolymphatic hydrops"]),
    ]:
        disorder = make_disorder(
            title,
            synonyms=synonyms,
            summary=f"{title} is one of the entries that keep the test pages realistic.",
            sections=[(Section.Kind.GENERAL_DISCUSSION, f"{title} is described here in a sentence or two.")],
        )
        disorder.classifications.add(group)
    make_organization("Müller Foundation for Rare Diseases", locality="Bern", country="Switzerland")
    make_disorder("Jabberwock Syndrome", published=False)
    return {
        "jmml": jmml,
        "root": root,
        "group": group,
        "organization": jmml.resources.first().organization,
        "url": live_server.url,
    }


def page_urls(site):
    return {
        "home": reverse("home"),
        "a-z": reverse("disorders:index") + "?letter=J",
        "search": reverse("disorders:search") + "?q=leukemia",
        "search-no-results": reverse("disorders:search") + "?q=juvenile+leukaemia",
        "search-gene": reverse("disorders:search") + "?q=PTPN11",
        "entry": site["jmml"].get_absolute_url(),
        "classification": site["group"].get_absolute_url(),
        "organizations": reverse("resources:organizations"),
        "organization": site["organization"].get_absolute_url(),
        "disclaimers": reverse("disclaimers"),
        "not-found": "/disorders/no-such-entry/",
    }


PAGES = [
    "home",
    "a-z",
    "search",
    "search-no-results",
    "search-gene",
    "entry",
    "classification",
    "organizations",
    "organization",
    "disclaimers",
    "not-found",
]


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_reader_page_holds_together_and_is_accessible(
    request, name, device, site, screenshot, assert_accessible, assert_no_horizontal_overflow
):
    page = request.getfixturevalue("page" if device == "desktop" else "phone_page")

    response = page.goto(site["url"] + page_urls(site)[name])

    assert response.status == (404 if name == "not-found" else 200)
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("link[rel=stylesheet]").first.evaluate("link => link.sheet !== null")
    assert_no_horizontal_overflow(page)
    # Every page but the entry's own search pages offers exactly one search box.
    assert page.get_by_role("search").count() == 1
    assert page.get_by_role("search").get_by_role("combobox").count() == 1  # enhanced by static/js/search.js
    screenshot(page, f"reader-{name}-{device}")
    assert_accessible(page)


def test_search_results_show_matched_names_and_highlights(page, site):
    page.goto(site["url"] + reverse("disorders:search") + "?q=JMML")

    first = page.locator(".result").first
    expect(first.get_by_role("heading", level=2)).to_have_text(JMML_TITLE)
    expect(first.locator(".matched-name")).to_contain_text("JMML — synonym")
    expect(first.locator(".snippet mark").first).to_have_text("JMML")


def test_entry_prints_without_navigation_or_search_and_with_its_address(page, site, screenshot):
    page.goto(site["url"] + site["jmml"].get_absolute_url())

    page.emulate_media(media="print")

    for hidden in [".site-nav", ".site-search", "[role=search]", ".skip-link", ".footer-links"]:
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.locator("section.resources").is_visible()
    assert page.get_by_role("heading", name="Disclaimers").is_visible()
    assert page.locator(".last-updated > time").is_visible()
    assert page.get_by_text("Source last updated").is_visible()
    address = page.locator(".page-address")
    assert address.is_visible()
    assert address.inner_text() == f"Printed from {settings.SITE_URL}{site['jmml'].get_absolute_url()}"
    screenshot(page, "reader-entry-print")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_autocomplete_works_by_keyboard(request, device, site, screenshot, assert_accessible):
    page = request.getfixturevalue("page" if device == "desktop" else "phone_page")
    page.goto(site["url"] + reverse("home"))
    box = page.get_by_role("combobox", name="Search by any name of a disorder")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.focus()
    page.keyboard.type("jmm")
    option = page.get_by_role("option", name=re.compile("JMML"))
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(option).to_contain_text(f"synonym of {JMML_TITLE}")
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    screenshot(page, f"reader-autocomplete-{device}")
    assert_accessible(page)
    page.keyboard.press("Enter")

    page.wait_for_url(site["url"] + site["jmml"].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(JMML_TITLE)


def test_autocomplete_arrows_wrap_and_escape_closes_then_clears(page, site):
    page.goto(site["url"] + reverse("home"))
    box = page.get_by_role("combobox", name="Search by any name of a disorder")
    box.focus()
    page.keyboard.type("leukem")
    options = page.get_by_role("option")
    expect(options).to_have_count(3)

    page.keyboard.press("ArrowUp")  # from nothing up to the last
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")  # and round to the first
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(2)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("leukem")
    page.keyboard.press("Escape")
    expect(box).to_have_value("")


def test_enter_without_a_chosen_suggestion_submits_the_search(page, site):
    page.goto(site["url"] + reverse("home"))
    box = page.get_by_role("combobox", name="Search by any name of a disorder")
    box.focus()
    page.keyboard.type("leukemia")
    expect(page.get_by_role("option").first).to_be_visible()

    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q=leukemia$"))
    expect(page.locator(".result")).to_have_count(3)


def test_search_box_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site["url"] + "/disorders/no-such-entry/")
        box = page.get_by_role("searchbox", name="Search by any name of a disorder")
        box.fill("myelomonocitic")
        box.press("Enter")

        page.wait_for_url(re.compile(r"/search/\?q=myelomonocitic$"))
        assert page.get_by_role("combobox").count() == 0
        expect(page.get_by_role("link", name=JMML_TITLE)).to_be_visible()
    finally:
        context.close()


def test_pages_and_autocomplete_work_under_the_sites_content_security_policy(page, site):
    # The conftest fails the test on any violation; here every page is visited and the autocomplete used.
    for url in page_urls(site).values():
        response = page.goto(site["url"] + url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.goto(site["url"] + reverse("home"))
    page.get_by_role("combobox").focus()
    page.keyboard.type("hydrops")
    expect(page.get_by_role("option", name=re.compile("endolymphatic hydrops"))).to_be_visible()


def test_a_content_security_policy_violation_is_caught(page, site):
    from tests.browser.conftest import csp_violations

    page.goto(site["url"] + reverse("home"))
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.evaluate("const s = document.createElement('script'); s.textContent = '1'; document.body.append(s)")
    page.wait_for_timeout(200)
    assert any("style-src" in violation for violation in csp_violations)
    assert any("script-src" in violation for violation in csp_violations)
    csp_violations.clear()  # caught on purpose
