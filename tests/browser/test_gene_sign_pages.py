"""New reader pages (gene, sign, signs, find by signs, long classification and A-Z letters) in Chromium, axe-clean."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from disorders.models import DisorderSign
from tests.factories import make_classification, make_disorder, make_disorder_sign, make_gene_association

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

F = DisorderSign.Frequency


@pytest.fixture
def site(live_server):
    """Marfan and Noonan syndromes with a gene and a few signs, in a group of 130 entries (two pages)."""
    group = make_classification("Rare genetic diseases", parent=make_classification("Rare diseases"))
    marfan = make_disorder("Marfan syndrome", summary="A disorder of the connective tissue.")
    noonan = make_disorder("Noonan syndrome", summary="A disorder present from birth.")
    make_gene_association(noonan, "PTPN11", name="protein tyrosine phosphatase non-receptor type 11", hgnc_id="9644")
    for hpo_id, name, frequency in [
        ("HP:0001519", "Disproportionate tall stature", F.VERY_FREQUENT),
        ("HP:0001166", "Arachnodactyly", F.VERY_FREQUENT),
        ("HP:0001083", "Ectopia lentis", F.FREQUENT),
    ]:
        make_disorder_sign(marfan, hpo_id, name, frequency)
    make_disorder_sign(noonan, "HP:0004322", "Short stature", F.VERY_FREQUENT)
    make_disorder_sign(noonan, "HP:0001519", "Disproportionate tall stature", F.EXCLUDED)
    for disorder in (marfan, noonan, *(make_disorder(f"Crowdosis {number}") for number in range(128))):
        disorder.classifications.add(group)
    return {"group": group, "url": live_server.url}


def page_urls(site):
    return {
        "gene": "/genes/PTPN11/",
        "sign": "/signs/HP:0001519/",
        "sign-index": reverse("disorders:sign-index") + "?letter=D",
        "find-by-signs": reverse("disorders:find-by-signs") + "?sign=HP:0001519&sign=HP:0001166&q=ecto",
        "classification-page-2": site["group"].get_absolute_url() + "?page=2",
        "a-z-jump-within-letter": reverse("disorders:index") + "?letter=C",
    }


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize(
    "name", ["gene", "sign", "sign-index", "find-by-signs", "classification-page-2", "a-z-jump-within-letter"]
)
def test_page_holds_together_and_is_accessible(
    request, name, device, site, screenshot, assert_accessible, assert_no_horizontal_overflow
):
    page = request.getfixturevalue("page" if device == "desktop" else "phone_page")

    response = page.goto(site["url"] + page_urls(site)[name])

    assert response.status == 200
    assert page.get_by_role("heading", level=1).is_visible()
    assert_no_horizontal_overflow(page)
    screenshot(page, f"reader-{name}-{device}")
    assert_accessible(page)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_find_by_signs_adds_a_sign_from_the_autocomplete_by_keyboard(request, device, site, screenshot):
    page = request.getfixturevalue("page" if device == "desktop" else "phone_page")
    page.goto(site["url"] + reverse("disorders:find-by-signs") + "?sign=HP:0001519")
    box = page.get_by_role("combobox", name="Add a sign or symptom")

    box.focus()
    page.keyboard.type("arachno")
    option = page.get_by_role("option", name="Arachnodactyly")
    expect(option).to_be_visible()
    screenshot(page, f"reader-find-by-signs-suggest-{device}")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    results = page.get_by_role("region", name="Disorders with these signs, best match first")
    expect(results.get_by_role("link").first).to_have_text("Marfan syndrome")
    expect(page.get_by_role("region", name="Signs chosen")).to_contain_text("Arachnodactyly")
