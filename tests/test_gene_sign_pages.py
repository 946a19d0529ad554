"""The gene and sign pages, the signs index and find by signs: published entries only, in a fixed number of queries."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from disorders.models import DisorderSign
from tests.conftest import sitemap_text
from tests.factories import make_disorder, make_disorder_sign, make_gene_association

pytestmark = pytest.mark.django_db

F = DisorderSign.Frequency
TALL, ARACHNODACTYLY, LENS, STATURE = "HP:0001519", "HP:0001166", "HP:0001083", "HP:0004322"


@pytest.fixture
def entries():
    marfan = make_disorder("Marfan syndrome")
    noonan = make_disorder("Noonan syndrome")
    homocystinuria = make_disorder("Classic homocystinuria")
    draft = make_disorder("Jabberwock syndrome", published=False)
    make_gene_association(noonan, "PTPN11", name="protein tyrosine phosphatase non-receptor type 11", hgnc_id="9644")
    make_gene_association(draft, "PTPN11")
    make_gene_association(draft, "JABB1")
    make_disorder_sign(marfan, TALL, "Disproportionate tall stature", F.VERY_FREQUENT)
    make_disorder_sign(marfan, ARACHNODACTYLY, "Arachnodactyly", F.VERY_FREQUENT)
    make_disorder_sign(marfan, LENS, "Ectopia lentis", F.FREQUENT)
    make_disorder_sign(homocystinuria, TALL, "Disproportionate tall stature", F.OCCASIONAL)
    make_disorder_sign(homocystinuria, LENS, "Ectopia lentis", F.VERY_FREQUENT)
    make_disorder_sign(noonan, STATURE, "Short stature", F.VERY_FREQUENT)
    make_disorder_sign(noonan, TALL, "Disproportionate tall stature", F.EXCLUDED)
    make_disorder_sign(draft, TALL, "Disproportionate tall stature", F.OBLIGATE)
    make_disorder_sign(draft, "HP:0000001", "Jabber sign", F.OBLIGATE)
    return marfan, noonan, homocystinuria, draft


def test_gene_page_names_the_gene_links_out_and_lists_published_entries_with_how(client, entries):
    _, noonan, _, _ = entries

    response = client.get("/genes/PTPN11/")

    assertContains(response, "<h1>Gene PTPN11</h1>", html=True)
    assertContains(response, "protein tyrosine phosphatase non-receptor type 11")
    assertContains(response, "https://www.genenames.org/")
    assertContains(response, "ClinVar")
    assertContains(response, f'<a href="{noonan.get_absolute_url()}">Noonan syndrome</a>', html=True)
    assertContains(response, "Changes (mutations) in this gene cause the disorder")
    assertNotContains(response, "Jabberwock")


@pytest.mark.parametrize("symbol", ["NOSUCH", "JABB1", "PTPN11%27--"])
def test_unknown_gene_or_one_only_drafts_have_is_not_found(client, entries, symbol):
    assert client.get(f"/genes/{symbol}/").status_code == 404


def test_sign_page_lists_published_entries_most_frequent_first(client, entries):
    response = client.get(reverse("disorders:sign", args=[TALL]))

    assertContains(response, "<h1>Disproportionate tall stature</h1>", html=True)
    headings = re.findall(r'<h2 id="frequency-\d+">([^<]+)</h2>', response.content.decode())
    assert headings == ["Very frequent (99–80 %)", "Occasional (29–5 %)", "Excluded (0 %)"]
    titles = [link.disorder.title for link in response.context["disorder_signs"]]
    assert titles == ["Marfan syndrome", "Classic homocystinuria", "Noonan syndrome"]
    assertNotContains(response, "Jabberwock")


@pytest.mark.parametrize("hpo_id", ["HP:9999999", "HP:0000001", "not-an-id", "HP:1"])
def test_unknown_sign_or_one_only_drafts_have_is_not_found(client, entries, hpo_id):
    assert client.get(f"/signs/{hpo_id}/").status_code == 404


def test_signs_index_lists_signs_in_use_under_their_letter(client, entries):
    response = client.get(reverse("disorders:sign-index"), {"letter": "d"})

    assertContains(response, "Disproportionate tall stature")
    assertContains(response, "3 disorders")  # the draft does not count
    assertNotContains(response, "Arachnodactyly")
    assertContains(response, f'<a href="{reverse("disorders:sign-index")}?letter=A">A</a>', html=True)
    assertContains(response, '<span class="az-empty" title="No entries">J</span>', html=True)
    assert client.get(reverse("disorders:sign-index"), {"letter": "ÄÄ"}).status_code == 404


def test_find_by_signs_ranks_entries_by_frequency_weighted_matches(client, entries):
    response = client.get(reverse("disorders:find-by-signs"), {"sign": [TALL, ARACHNODACTYLY, LENS]})

    ranked = [result["disorder"].title for result in response.context["results"]]
    # Noonan syndrome excludes tall stature: an excluded sign is no match. The draft never appears.
    assert ranked == ["Marfan syndrome", "Classic homocystinuria"]
    assertContains(response, "This is not a diagnosis.")
    assertContains(response, "3 of 3 signs")
    assertContains(response, f'<input type="hidden" name="sign" value="{LENS}">', html=True)


def test_find_by_signs_without_javascript_offers_matching_signs_to_add(client, entries):
    response = client.get(reverse("disorders:find-by-signs"), {"sign": TALL, "q": "ECTOPIA"})

    add = reverse("disorders:find-by-signs") + "?sign=HP%3A0001519&amp;sign=HP%3A0001083"
    assertContains(
        response, f'<a href="{add}">Add <span class="visually-hidden">sign </span>Ectopia lentis</a>', html=True
    )
    assertNotContains(response, "Jabber sign")
    assertContains(response, 'id="site-search" type="search" name="q" value=""')  # the header's box stays empty


@pytest.mark.parametrize(
    "params",
    [
        {"sign": "HP:0001519\n"},
        {"sign": "'; drop table x"},
        {"sign": "HP:" + "9" * 500},
        {"q": "%" * 5000},
        {"sign": "x" * 30},
    ],
)
def test_find_by_signs_takes_hostile_input_as_just_a_string(client, entries, params):
    assert client.get(reverse("disorders:find-by-signs"), params).status_code == 200
    assert client.get(reverse("disorders:sign-suggest"), params).status_code == 200


def test_sign_suggestions_keep_the_signs_chosen_and_leave_out_drafts(client, entries):
    response = client.get(reverse("disorders:sign-suggest"), {"q": "sta", "sign": TALL})

    results = response.json()["results"]
    assert [result["name"] for result in results] == ["Short stature"]
    assert results[0]["url"] == reverse("disorders:find-by-signs") + "?sign=HP%3A0001519&sign=HP%3A0004322"
    assert client.get(reverse("disorders:sign-suggest"), {"q": "jabber"}).json() == {"results": []}


def test_query_budgets(client, entries, django_assert_max_num_queries):
    budgets = {
        "/genes/PTPN11/": 2,  # gene, its published associations
        reverse("disorders:sign", args=[TALL]): 3,  # sign, count, page
        reverse("disorders:sign-index") + "?letter=D": 3,  # letters, count, page
        reverse("disorders:find-by-signs") + f"?sign={TALL}&sign={LENS}&q=arach": 3,  # signs, offered, ranking
        reverse("disorders:sign-suggest") + f"?q=sta&sign={TALL}": 2,  # chosen signs, offered
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url


def test_sitemap_lists_gene_and_sign_pages_of_published_entries_only(client, entries, settings):
    settings.SITE_URL = "https://rare.example.org"

    sitemap = sitemap_text(client)

    assert "https://rare.example.org/genes/PTPN11/</loc>" in sitemap
    assert f"https://rare.example.org/signs/{TALL}/</loc>" in sitemap
    assert "https://rare.example.org/signs/</loc>" in sitemap
    assert "JABB1" not in sitemap
    assert "HP:0000001" not in sitemap
    assert "/signs/find/" not in sitemap  # a ranking for one reader's choice, not a page of its own


def test_new_pages_may_be_cached_publicly_and_set_no_cookies(client, entries, settings):
    settings.READER_CACHE_SECONDS = 600
    urls = ["/genes/PTPN11/", f"/signs/{TALL}/", "/signs/", f"/signs/find/?sign={TALL}", "/signs/suggest/?q=sta"]
    for url in urls:
        response = client.get(url)
        assert response["Cache-Control"] == "public, max-age=600", url
        assert not response.cookies, url
        assert client.post(url).status_code == 405, url
