"""The entry page in a real browser: it holds together on a desktop, a 360px phone and paper, and passes axe."""

import pytest
from django.urls import reverse

from disorders.models import Code, DisorderSign, Gene, GeneAssociation, Prevalence, Sign
from tests.factories import make_classification, make_code
from tests.sample_entries import JMML_COPYRIGHT, JMML_DISCUSSION, JMML_TITLE, make_jmml_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def entry_url(live_server):
    disorder = make_jmml_entry(inheritance="Not applicable", age_of_onset="Childhood, Infancy")
    tree = make_classification("Orphanet classification of rare hematologic diseases")
    group = make_classification("Myelodysplastic/myeloproliferative disease", parent=tree)
    disorder.classifications.add(make_classification("Myelodysplastic/myeloproliferative neoplasms"), group)
    for kind, geography in [
        ("Point prevalence", "Worldwide"),
        ("Annual incidence", "Europe"),
        ("Annual incidence", "Japan"),
    ]:
        Prevalence.objects.create(
            disorder=disorder, kind=kind, prevalence_class="1-9 / 1 000 000", geography=geography, source="1[PMID]"
        )
    for number, frequency in enumerate(DisorderSign.Frequency):
        sign = Sign.objects.create(hpo_id=f"HP:{number + 1:07}", name=f"Sign number {number}")
        DisorderSign.objects.create(disorder=disorder, sign=sign, frequency=frequency)
    gene = Gene.objects.create(symbol="PTPN11", name="protein tyrosine phosphatase non-receptor type 11")
    GeneAssociation.objects.create(disorder=disorder, gene=gene, association="Disease-causing somatic mutation(s) in")
    make_code(disorder, Code.System.ICD10, "C93.3")
    for number in range(12):
        make_code(disorder, Code.System.OMIM, f"6000{number:02}", relation=Code.Relation.NARROWER)
    return live_server.url + disorder.get_absolute_url()


@pytest.mark.parametrize("page_fixture", ["page", "phone_page"], ids=["desktop", "phone"])
def test_entry_page_holds_together_and_is_accessible(
    request, page_fixture, entry_url, screenshot, assert_accessible, assert_no_horizontal_overflow
):
    page = request.getfixturevalue(page_fixture)

    response = page.goto(entry_url)

    assert response.status == 200
    heading = page.get_by_role("heading", level=1)
    assert heading.is_visible()
    assert heading.inner_text() == JMML_TITLE
    assert page.locator("link[rel=stylesheet]").first.evaluate("link => link.sheet !== null")
    assert_no_horizontal_overflow(page)
    for text in [
        "National Organization for Rare Disorders, Inc.",
        "is not the name you expected",
        "JMML",
        "95 Pine Street",
        "Avenue Appia 20",
        "May 8, 2013",
        JMML_COPYRIGHT,
    ]:
        assert page.get_by_text(text).first.is_visible(), f"{text!r} is not visible"
    resources = page.locator("section.resources")
    assert resources.is_visible()
    assert resources.locator(".organization").count() == 4
    # On a phone the organization cards stack in one column rather than squeezing side by side.
    if page_fixture == "phone_page":
        lefts = resources.locator(".organization").evaluate_all("cards => cards.map(c => c.offsetLeft)")
        assert len(set(lefts)) == 1
    screenshot(page, f"entry-{request.node.callspec.id}")
    assert_accessible(page)
    # Folded parts (rarer signs, more figures, near codes) pass too when opened.
    page.locator("details:not([open]) > summary").evaluate_all("summaries => summaries.forEach(s => s.click())")
    assert page.get_by_role("link", name="Sign number 5").is_visible()
    assert_accessible(page)


def test_on_a_phone_the_entrys_own_text_starts_in_the_first_screen(phone_page, entry_url):
    phone_page.goto(entry_url)

    first_words = phone_page.get_by_text(JMML_DISCUSSION[0][:40])
    assert first_words.bounding_box()["y"] < phone_page.viewport_size["height"] - 40, "the text starts below the fold"
    assert phone_page.get_by_role("heading", name="Key facts").is_visible()


def test_skip_link_appears_on_keyboard_focus_and_moves_to_the_content(page, entry_url):
    page.goto(entry_url)
    skip_link = page.get_by_role("link", name="Skip to content")

    page.keyboard.press("Tab")

    assert skip_link.evaluate("link => link === document.activeElement")
    assert skip_link.bounding_box()["y"] >= 0, "the focused skip link should be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_entry_page_prints_without_navigation_and_keeps_resources_and_disclaimers(page, entry_url, screenshot):
    page.goto(entry_url)

    page.emulate_media(media="print")

    assert page.locator(".skip-link").is_hidden()
    assert page.locator(".site-nav").is_hidden()
    assert page.locator("section.resources").is_visible()
    assert page.get_by_role("heading", name="Disclaimers").is_visible()
    assert page.get_by_role("heading", name="Medical disclaimer").is_visible()
    assert page.get_by_text("Source last updated").is_visible()
    assert page.locator(".last-updated > time").is_visible()
    # Printed links carry their address; a link that already shows its address does not repeat it.
    website = page.locator("a.url").first
    assert website.evaluate("link => getComputedStyle(link, '::after').content") in {"none", "normal"}
    # Codes print compact: the value only, and the near mappings stay folded.
    code = page.locator(".codes a").first
    assert code.evaluate("link => getComputedStyle(link, '::after').content") in {"none", "normal"}
    assert page.get_by_role("link", name="600000").is_hidden()
    screenshot(page, "entry-print")


def test_linked_pages_hold_together_on_a_phone_and_are_accessible(
    phone_page, live_server, screenshot, assert_accessible, assert_no_horizontal_overflow
):
    disorder = make_jmml_entry()
    classification = make_classification("Rare blood cancers")
    disorder.classifications.add(classification)
    organization = disorder.resources.first().organization
    pages = {
        "home": reverse("home"),
        "classification": classification.get_absolute_url(),
        "organization": organization.get_absolute_url(),
        "disclaimers": reverse("disclaimers"),
        "not-found": reverse("disorders:detail", kwargs={"slug": "no-such-entry"}),
    }

    for name, path in pages.items():
        phone_page.goto(live_server.url + path)

        assert phone_page.get_by_role("heading", level=1).is_visible(), name
        assert_no_horizontal_overflow(phone_page)
        screenshot(phone_page, f"{name}-phone")
        assert_accessible(phone_page)
