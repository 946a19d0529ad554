"""Search: every name an entry goes by finds it, misspelled too; only published entries; hostile input is just text."""

import io
import json
import re

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from disorders import history, publication, search
from disorders.importers.nord import load_abstracts
from disorders.models import (
    Code,
    Disorder,
    DisorderName,
    DisorderSign,
    PublishedEntry,
    PublishedName,
    Section,
    Synonym,
)
from encyclopedia.markup import plain_text
from tests.admin_forms import form_data
from tests.conftest import DEMO_NORD_DIR
from tests.factories import make_code, make_disorder, make_disorder_sign, make_gene_association

pytestmark = pytest.mark.django_db

JMML = "Juvenile Myelomonocytic Leukemia"
EXAMPLITIS = "Examplitis Syndrome"
CMML = "Chronic Myelomonocytic Leukemia"
AML = "Acute Myeloid Leukemia"
MENIERE = "Ménière Disease"
MSA = "Multiple System Atrophy"
DOWN = "Down Syndrome"
SEARCH_URL = reverse("disorders:search")
SUGGEST_URL = reverse("disorders:suggest")


@pytest.fixture
def library(db):
    """The two demo abstracts, published through the importer, plus entries that compete with them for words."""
    load_abstracts(sorted(DEMO_NORD_DIR.glob("*.txt")), publish=True)
    make_disorder(
        CMML,
        synonyms=["CMML"],
        sections=[
            (
                Section.Kind.GENERAL_DISCUSSION,
                "Chronic myelomonocytic leukemia (CMML) affects older adults. Unlike JMML it is rarely seen in "
                "children, although JMML and CMML share features.",
            )
        ],
    )
    make_disorder(AML, synonyms=["AML"], sections=[(Section.Kind.GENERAL_DISCUSSION, "A cancer of the bone marrow.")])
    make_disorder(
        MENIERE,
        synonyms=["endolymphatic hydrops"],
        sections=[(Section.Kind.SIGNS_SYMPTOMS, "Attacks of vertigo, tinnitus and hearing loss.")],
    )
    make_disorder(
        MSA,
        synonyms=["MSA", "Shy-Drager syndrome"],
        subdivisions=["MSA-C (cerebellar phenotype)", "MSA-P (parkinsonian phenotype)"],
        sections=[(Section.Kind.GENERAL_DISCUSSION, "Autonomic failure with parkinsonism or ataxia.")],
    )
    make_disorder(
        DOWN,
        sections=[
            (
                Section.Kind.RELATED_DISORDERS,
                "Children with Down syndrome have a higher risk of leukemia, and a transient disorder of infancy "
                "resembles JMML.",
            )
        ],
    )


def titles(query):
    return [result.title for result in search.search(query)]


RELEVANCE = [
    # exact title, any case
    ("Juvenile Myelomonocytic Leukemia", JMML),
    ("juvenile myelomonocytic leukemia", JMML),
    (CMML, CMML),  # its words also make up a synonym of JMML
    # synonyms and abbreviations, also where other entries' text mentions them
    ("chronic myelomonocytic leukemia of infancy", JMML),
    ("JMML", JMML),
    ("jmml", JMML),
    ("CMML", CMML),
    ("AML", AML),
    ("ESS", EXAMPLITIS),
    ("endolymphatic hydrops", MENIERE),
    ("familial examplitis", EXAMPLITIS),
    ("Shy-Drager", MSA),
    # subdivisions
    ("Examplitis type II", EXAMPLITIS),
    ("MSA-C", MSA),
    ("cerebellar phenotype", MSA),
    # misspellings
    ("myelomonocitic leukemia of infancy", JMML),
    ("juvenile myelomonocitic leukemia", JMML),
    ("juvenile myelomonocytic leukaemia", JMML),
    ("exampltis syndrom", EXAMPLITIS),
    ("menier disease", MENIERE),
    # accent-free spellings
    ("muller", EXAMPLITIS),
    ("Examplitis of Muller", EXAMPLITIS),
    ("meniere", MENIERE),
    ("Meniere's disease", MENIERE),
    # words of the text
    ("monocyte precursors", JMML),
    ("allogeneic hematopoietic stem cell transplantation", JMML),
    ("vertigo tinnitus", MENIERE),
    ("autonomic failure", MSA),
    ("fictional disorder written for testing", EXAMPLITIS),
    ('"higher risk of leukemia"', DOWN),
]


@pytest.mark.parametrize(("query", "expected"), RELEVANCE, ids=[query for query, _ in RELEVANCE])
def test_relevance_first_result(library, query, expected):
    found = titles(query)
    assert found, f"{query!r} found nothing"
    assert found[0] == expected, f"{query!r} ranked {found}"


def test_an_exact_name_outranks_entries_that_mention_it_more_often(library):
    # CMML's and Down syndrome's text mention JMML; JMML carries it as a synonym.
    assert titles("JMML") == [JMML, CMML, DOWN]


def test_a_misspelling_finds_every_entry_with_that_word_in_a_name(library):
    assert set(titles("leukaemia")) == {JMML, CMML, AML}
    assert titles("myelomonocitic")[:2] in ([JMML, CMML], [CMML, JMML])


def described(query):
    return list(search.search(query))


def test_each_result_says_which_name_matched(library):
    by_title = {result.title: result for result in described("JMML")}
    assert (by_title[JMML].matched_name, by_title[JMML].matched_kind) == ("JMML", "synonym")
    assert by_title[CMML].matched_name is None  # found by its text only
    subdivision = described("MSA-P (parkinsonian phenotype)")[0]
    assert (subdivision.matched_name, subdivision.matched_kind) == ("MSA-P (parkinsonian phenotype)", "subdivision")
    title = described(MENIERE)[0]
    assert (title.matched_name, title.matched_kind) == (MENIERE, "title")
    assert described("muller")[0].matched_name == "Ëxamplitis of Müller"


def test_results_page_shows_title_matched_name_and_highlighted_snippet(client, library):
    response = client.get(SEARCH_URL, {"q": "jmml"})

    assertContains(response, f'<h2><a href="/disorders/juvenile-myelomonocytic-leukemia/">{JMML}</a></h2>', html=True)
    assertContains(response, "JMML — synonym")
    assertContains(response, "Juvenile myelomonocytic leukemia (<mark>JMML</mark>) is a rare pediatric form")
    assertContains(response, "3 entries match")
    assertContains(response, '<meta name="robots" content="noindex, follow">', html=True)
    # The title is not repeated as "matched name" when the title itself matched.
    response = client.get(SEARCH_URL, {"q": MENIERE})
    assertNotContains(response, "— title")


def test_snippet_escapes_stored_text_and_drops_markdown(library):
    make_disorder(
        "Markup Syndrome",
        sections=[
            (
                Section.Kind.DIAGNOSIS,
                "### Tests\n\nA **trap** <b>tag</b> & <script>alert(1)</script> [linked trap](https://x.example/) "
                "\x02stray\x03 marks and 5 < 6 > 4.",
            )
        ],
    )

    [result] = described("trap")
    snippet = str(result.snippet)

    assert "<mark>trap</mark>" in snippet
    assert "<mark>linked</mark>" not in snippet
    for raw in ["<b>", "<script", "**", "###", "](", "\x02", "\x03"]:
        assert raw not in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>")
    assert "&amp;" in snippet or "&lt;" in snippet


def test_results_are_paginated(client, library):
    for number in range(25):
        make_disorder(f"Paginatosis type {number:02}")

    first = client.get(SEARCH_URL, {"q": "paginatosis"})
    second = client.get(SEARCH_URL, {"q": "paginatosis", "page": "2"})

    assert first.context["paginator"].count == 25
    assert len(first.context["results"]) == 20
    assert len(second.context["results"]) == 5
    assertContains(first, '<a href="?q=paginatosis&amp;page=2" rel="next">', html=False)
    assert '<ol class="results" start="21">' in second.content.decode()


def test_a_broad_search_lists_the_best_results_and_says_how_many_matched(client, library, monkeypatch):
    monkeypatch.setattr(search, "MAX_RESULTS", 3)  # 1,000 at full size
    for number in range(5):
        make_disorder(f"Cappedosis type {number}")
    make_disorder("Cappedosis")
    make_disorder("Quillamyelia")

    response = client.get(SEARCH_URL, {"q": "cappedosis"})

    assert [result.title for result in response.context["results"]][:1] == ["Cappedosis"]  # the exact title kept
    assert response.context["paginator"].count == 3
    assert len(titles("cappedosis")) == 3
    assertContains(response, "6 entries match")
    assertContains(response, "The best 3 are listed: add a word to narrow the search.")
    narrow = client.get(SEARCH_URL, {"q": "quillamyelia"})
    assertContains(narrow, "1 entry matches")
    assertNotContains(narrow, "are listed")


def test_no_results_offers_the_nearest_names(client, library):
    # Part of a name with one word misspelled is too far from any whole name to match, but near enough to suggest.
    response = client.get(SEARCH_URL, {"q": "juvenile leukaemia"})

    assert response.status_code == 200
    assert response.context["paginator"].count == 0
    assert response.context["spellings"][0] == JMML
    assertContains(response, "No entries match")
    assertContains(response, "Did you mean")
    link = f'<a href="{SEARCH_URL}?q=Juvenile%20Myelomonocytic%20Leukemia">{JMML}</a>'
    assertContains(response, link, html=True)
    spellings = search.did_you_mean("examplittis sindrom")
    assert spellings[0] == EXAMPLITIS and len(spellings) == 3


def test_drafts_and_scheduled_entries_are_never_found(client, library):
    draft = make_disorder(
        "Zyxomatosis",
        published=False,
        synonyms=["ZYX"],
        sections=[(Section.Kind.GENERAL_DISCUSSION, "Quintessential unpublished text.")],
    )
    make_disorder("Zyxomatosis Scheduled", published=False, status=Disorder.Status.PUBLISHED, published_at=None)
    Disorder.objects.filter(title="Zyxomatosis Scheduled").update(published_at="2999-01-01T00:00Z")
    archived = make_disorder("Zyxomatosis Archived")
    publication.unpublish(archived, user=None)
    assert DisorderName.objects.filter(disorder=draft).exists()  # indexed all the same, ready for publication

    for query in ["Zyxomatosis", "ZYX", "zyxomatosys", "quintessential"]:
        assert titles(query) == [], query
        assert search.suggest(query) == [], query
        assert not any("zyx" in name.casefold() for name in search.did_you_mean(query)), query
        assert client.get(SEARCH_URL, {"q": query}).context["paginator"].count == 0, query
        assert client.get(SUGGEST_URL, {"q": query}).json() == {"results": []}, query


HOSTILE = {
    "nul byte": "\x00",
    "nul inside": "jm\x00ml",
    "10000 characters": "leukemia " * 1111 + "x",
    "percent run": "%%%",
    "percent and underscore": "%_%",
    "markup": "<script>alert('xss')</script>",
    "attribute breakout": '"><img src=x onerror=alert(1)>',
    "double quote": '"',
    "unbalanced quotes": "'jmml\"",
    "sql": "' OR 1=1; DROP TABLE disorders_disorder; --",
    "tsquery syntax": "!(jmml & | :* <->)",
    "backslashes": "\\\\ \\",
    "only stop words": "the of and",
    "only spaces": "   ",
    "emoji and rtl": "🧬 ‏مرض",
    "control characters": "\x01\x02\x03\x1b",
}


@pytest.mark.parametrize("query", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_queries_are_just_strings(client, library, query):
    response = client.get(SEARCH_URL, {"q": query})
    suggestions = client.get(SUGGEST_URL, {"q": query})

    assert response.status_code in {200, 400}
    assert suggestions.status_code in {200, 400}
    if "\x00" not in query:  # an address with a NUL byte is refused site-wide, before the view (test_security)
        assert suggestions["Content-Type"] == "application/json"
        json.loads(suggestions.content)
    html = response.content.decode()
    for raw in ["<script>alert", "<img src=x", "\x00"]:
        assert raw not in html
    if response.status_code == 200:
        assert response.context["query"] == query.strip()


def test_reflected_query_is_escaped(client, library):
    response = client.get(SEARCH_URL, {"q": "<script>alert('xss')</script>"})

    assert response.status_code == 200
    assertContains(response, "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;")
    assertNotContains(response, "<script>alert")


def test_too_long_or_nul_queries_are_refused_with_a_message(client, library):
    too_long = client.get(SEARCH_URL, {"q": "x" * 10_000})
    nul = client.get(SEARCH_URL, {"q": "jm\x00ml"})

    assertContains(too_long, "at most 200 characters", status_code=400)
    assertContains(nul, "This address cannot be read", status_code=400)  # refused site-wide, before the view
    assert client.get(SUGGEST_URL, {"q": "x" * 10_000}).status_code == 400


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1e9", "", "2.5", "%00"])
def test_bad_page_numbers_show_a_page(client, library, page):
    response = client.get(SEARCH_URL, {"q": "leukemia", "page": page})

    assert response.status_code == 200
    assert response.context["results"]


def test_suggest_returns_title_matched_name_and_url(client, library):
    response = client.get(SUGGEST_URL, {"q": "jmm"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"title": JMML, "name": "JMML", "kind": "synonym", "url": "/disorders/juvenile-myelomonocytic-leukemia/"}
        ]
    }


def test_suggest_matches_word_starts_and_misspellings_one_row_per_entry(library):
    assert [item["title"] for item in search.suggest("hydro")] == [MENIERE]
    assert search.suggest("hydro")[0]["name"] == "endolymphatic hydrops"
    assert [item["title"] for item in search.suggest("menier")] == [MENIERE]
    leukemias = search.suggest("leukem")
    assert {item["title"] for item in leukemias} == {JMML, CMML, AML}
    assert len(leukemias) == len({item["url"] for item in leukemias})
    assert search.suggest("j") == []  # too short to be useful


def test_suggest_returns_at_most_eight(client, library):
    for number in range(12):
        make_disorder(f"Suggestosis type {number:02}")

    results = client.get(SUGGEST_URL, {"q": "suggestosis"}).json()["results"]

    assert len(results) == 8
    assert results[0]["title"] == "Suggestosis type 00"  # shortest, then alphabetical
    assert all(set(item) == {"title", "name", "kind", "url"} for item in results)


# The index follows every write path.


def test_index_follows_an_admin_save_that_only_adds_a_synonym(client, superuser, library):
    disorder = Disorder.objects.get(title=JMML)
    url = reverse("admin:disorders_disorder_change", args=[disorder.pk])
    client.force_login(superuser)
    data = form_data(client.get(url))
    data["edit_summary"] = "Names readers use."  # the history asks why a published entry changed
    index = int(data["synonyms-TOTAL_FORMS"])
    data.update(
        {
            "synonyms-TOTAL_FORMS": str(index + 1),
            f"synonyms-{index}-name": "Quokkamyelosis",
            f"synonyms-{index}-position": "9",
        }
    )
    assert titles("quokkamyelosis") == []

    saved = client.post(url, data)

    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    # Staff find the working copy at once; readers once a reviewer publishes it.
    assert DisorderName.objects.filter(disorder=disorder, name="Quokkamyelosis").exists()
    assert titles("quokkamyelosis") == []
    published = client.post(url, {**form_data(client.get(url)), "_publish": "Save and publish"})
    assert published.status_code == 302
    assert titles("quokkamyelosis") == [JMML]
    assert titles("quokamyelosis") == [JMML]  # and its misspellings
    assert search.suggest("quokk")[0]["name"] == "Quokkamyelosis"


def test_index_follows_an_admin_save_that_removes_a_synonym(client, superuser, library):
    disorder = Disorder.objects.get(title=JMML)
    url = reverse("admin:disorders_disorder_change", args=[disorder.pk])
    client.force_login(superuser)
    data = form_data(client.get(url))
    data["edit_summary"] = "Names readers use."  # the history asks why a published entry changed
    synonym = disorder.synonyms.get(name="JMML")
    row = next(key.split("-")[1] for key, value in data.items() if key.endswith("-id") and value == str(synonym.pk))
    data[f"synonyms-{row}-DELETE"] = "on"
    data["_publish"] = "Save and publish"

    response = client.post(url, data)

    assert response.status_code == 302
    assert not Synonym.objects.filter(pk=synonym.pk).exists()
    assert not DisorderName.objects.filter(disorder=disorder, name="JMML").exists()
    assert next(result for result in described("JMML") if result.title == JMML).matched_name is None


def test_index_follows_imports(library, tmp_path):
    assert titles("Fernwhistle disease") == []
    changed = tmp_path / "examplitis-syndrome.txt"
    text = (DEMO_NORD_DIR / "examplitis-syndrome.txt").read_text()
    changed.write_text(text.replace("  • ESS\n", "  • ESS\n  • Fernwhistle disease\n"))

    result = load_abstracts([changed])

    assert result.updated == [EXAMPLITIS]
    assert titles("Fernwhistle disease") == []  # a pending change, for a reviewer
    assert search.entries_named("fernwhistle").exists()  # which staff find

    load_abstracts([changed], publish=True)  # a trusted import publishes what it wrote
    assert titles("Fernwhistle disease") == [EXAMPLITIS]
    assert titles("fernwhistel") == [EXAMPLITIS]


def test_index_follows_publication_and_only_then(library):
    disorder = Disorder.objects.get(title=MENIERE)
    disorder.sections.update(body="Episodes of labyrinthine dizziness.")
    history.record_revision(disorder)
    assert titles("labyrinthine") == []  # readers' index waits for the published version

    publication.publish(disorder, user=None)

    assert titles("labyrinthine") == [MENIERE]
    assert titles("tinnitus") == []


def test_reindex_writes_normalized_names_and_a_weighted_vector(library):
    disorder = Disorder.objects.get(title=EXAMPLITIS)
    Disorder.objects.filter(pk=disorder.pk).update(summary="A quietly invented condition.")
    history.record_revision(disorder)
    publication.publish(disorder, user=None)

    names = dict(DisorderName.objects.filter(disorder=disorder).values_list("name", "normalized"))
    published_names = dict(PublishedName.objects.filter(entry=disorder.pk).values_list("name", "normalized"))
    assert published_names == names  # the published version has the working copy's names, now published
    vector = PublishedEntry.objects.filter(pk=disorder.pk).values_list("search_vector", flat=True).get()
    positions = dict(re.findall(r"'([^']+)':(\S+)", vector))

    assert names["Ëxamplitis of Müller"] == "examplitis of muller"
    assert names["Examplitis Syndrome"] == "examplitis syndrome"
    assert names["Examplitis type II (late onset)"] == "examplitis type ii (late onset)"
    assert set(DisorderName.objects.filter(disorder=disorder).values_list("kind", flat=True)) == {
        "title",
        "synonym",
        "subdivision",
    }
    assert "A" in positions["syndrom"]  # title
    assert positions["ess"].endswith("B") and "B" in positions["muller"] and "B" in positions["onset"]  # names
    assert positions["quiet"].endswith("C")  # summary
    assert not re.search("[ABC]", positions["fiction"])  # section text: weight D, which PostgreSQL leaves unprinted


def test_rebuild_search_index_command_restores_a_lost_index(library):
    DisorderName.objects.all().delete()
    PublishedName.objects.all().delete()
    PublishedEntry.objects.update(search_vector=None)
    assert titles("JMML") == []

    output = io.StringIO()
    call_command("rebuild_search_index", stdout=output)

    assert "rebuilt for 7 published entries" in output.getvalue()
    assert search.entries_named("jmml").exists()  # the working copies' names, for staff

    assert titles("JMML")[0] == JMML
    assert titles("monocyte precursors") == [JMML]


def test_disorder_name_constraints(library):
    disorder = Disorder.objects.get(title=JMML)
    with pytest.raises(IntegrityError, match="disorder_name_once_per_kind"), transaction.atomic():
        DisorderName.objects.create(disorder=disorder, name="JMML", kind="synonym", normalized="jmml")
    with pytest.raises(IntegrityError, match="disorder_name_not_blank"), transaction.atomic():
        DisorderName.objects.create(disorder=disorder, name="  ", kind="synonym", normalized="")
    with pytest.raises(ValidationError, match="already has this synonym"):
        DisorderName(disorder=disorder, name="JMML", kind="synonym", normalized="jmml").clean()
    with pytest.raises(ValidationError, match="cannot be blank"):
        DisorderName(disorder=disorder, name=" ", kind="synonym").clean()
    # The same name as title and as synonym is fine (an entry may list its title among its synonyms).
    DisorderName.objects.create(disorder=disorder, name="JMML", kind="title", normalized="jmml")


def test_search_page_query_budget(client, library, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # ranking with names, the page with snippets, the gene or sign pages
        assert client.get(SEARCH_URL, {"q": "leukemia"}).status_code == 200
    with django_assert_max_num_queries(3):  # count, the gene or sign pages, did-you-mean
        assert client.get(SEARCH_URL, {"q": "juvenile leukaemia"}).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(SUGGEST_URL, {"q": "leuk"}).status_code == 200
    with django_assert_max_num_queries(0):
        assert client.get(SEARCH_URL).status_code == 200


MARFAN = "Marfan Syndrome"


@pytest.fixture
def marfan(library):
    """Marfan syndrome and its competitors: its types (one the exact OMIM mapping), a look-alike, texts citing it."""
    marfan = make_disorder(MARFAN, sections=[(Section.Kind.GENERAL_DISCUSSION, "A disorder of connective tissue.")])
    make_code(marfan, Code.System.ORPHA, "558")
    make_code(marfan, Code.System.ICD10, "Q87.4")
    make_code(marfan, Code.System.OMIM, "154700", relation=Code.Relation.NARROWER)
    type_1 = make_disorder("Marfan Syndrome Type 1 With A Longer Name Than Its Look-Alike")
    make_code(type_1, Code.System.OMIM, "154700")
    make_code(make_disorder("Loeys-Dietz Syndrome"), Code.System.ICD10, "Q87.4")
    make_disorder(
        "Neonatal Marfan",
        sections=[(Section.Kind.GENERAL_DISCUSSION, "Marfan features at birth, unlike Marfan syndrome. Marfan.")],
    )
    make_disorder("Spastic Paraplegia", sections=[(Section.Kind.GENERAL_DISCUSSION, "Described in 558 families.")])
    return marfan


@pytest.mark.parametrize("query", ["ORPHA:558", "orpha 558", "Orphanet:558", "558", "Q87.4", "q87.4", "ICD-10 Q87.4",
                                   "OMIM 154700", "OMIM:154700"])  # fmt: skip
def test_a_code_finds_the_entry_carrying_it_first(marfan, query):
    results = described(query)

    assert results[0].title == MARFAN, [result.title for result in results]
    assert results[0].matched_kind == "code"


def test_a_code_shows_as_the_matched_name_and_text_mentions_still_count(client, marfan):
    response = client.get(SEARCH_URL, {"q": "558"})

    assert [result.title for result in response.context["results"]] == [MARFAN, "Spastic Paraplegia"]
    assertContains(response, "ORPHA:558 — code")


def test_the_code_redirect_and_the_search_read_codes_alike(client, marfan):
    assert client.get("/codes/orphanet/558/")["Location"] == marfan.get_absolute_url()
    assert client.get("/codes/icd10/q87.4/").status_code == 200  # two entries carry it: a list


def test_a_title_the_query_starts_outranks_names_that_contain_it(marfan):
    found = titles("marfan")

    assert found[:2] == [MARFAN, "Marfan Syndrome Type 1 With A Longer Name Than Its Look-Alike"], found
    assert found.index("Neonatal Marfan") == 2


def test_a_synonym_the_query_starts_outranks_names_that_contain_it(library):
    make_disorder("Amyoplasia", synonyms=["Arthrogryposis multiplex congenita type with a long synonym"])
    make_disorder("Distal arthrogryposis", sections=[(Section.Kind.GENERAL_DISCUSSION, "Arthrogryposis, again.")])

    assert titles("arthrogryposis")[0] == "Amyoplasia"


def test_a_stop_word_in_a_name_keeps_counting(library):
    for number in range(5):
        make_disorder(f"Unrelated Syndrome {number}", sections=[(Section.Kind.GENERAL_DISCUSSION, "A syndrome.")])

    assert titles("down syndrome") == [DOWN]
    assert {f"Unrelated Syndrome {number}" for number in range(5)} <= set(titles("syndrome"))  # the word alone


def test_a_gene_symbol_offers_the_gene_and_finds_its_entries_first(client, library):
    noonan = make_disorder("Noonan Syndrome")
    make_gene_association(noonan, "PTPN11", name="protein tyrosine phosphatase non-receptor type 11")
    make_disorder("Ptpn11 Text Only", sections=[(Section.Kind.GENERAL_DISCUSSION, "Mentions PTPN11 once.")])

    response = client.get(SEARCH_URL, {"q": "ptpn11"})

    assert response.context["related_pages"] == [
        {"kind": "gene", "key": "PTPN11", "name": "protein tyrosine phosphatase non-receptor type 11"}
    ]
    assertContains(response, "Gene PTPN11: protein tyrosine phosphatase non-receptor type 11")
    assert response.context["results"][0].title == "Noonan Syndrome"


def test_a_sign_name_offers_the_sign_and_finds_entries_having_it_by_frequency(client, library):
    often = make_disorder("Often Tall")
    rarely = make_disorder("Rarely Tall")
    make_disorder_sign(rarely, "HP:0001519", "Disproportionate tall stature", DisorderSign.Frequency.VERY_RARE)
    make_disorder_sign(often, "HP:0001519", "Disproportionate tall stature", DisorderSign.Frequency.VERY_FREQUENT)

    response = client.get(SEARCH_URL, {"q": "disproportionate tall stature"})

    assert response.context["related_pages"] == [
        {"kind": "sign", "key": "HP:0001519", "name": "Disproportionate tall stature"}
    ]
    assertContains(response, "Sign or symptom: Disproportionate tall stature")
    assert [result.title for result in response.context["results"]] == ["Often Tall", "Rarely Tall"]


def test_a_sign_name_matches_whatever_its_accents_and_case(client, library):
    spotted = make_disorder("Spotted Skin")
    make_disorder_sign(spotted, "HP:0000957", "Café-au-lait spot")
    make_disorder_sign(spotted, "HP:0001250", "Seizure")

    for query, name in [
        ("cafe-au-lait SPOT", "Café-au-lait spot"),
        ("Café-au-lait spot", "Café-au-lait spot"),
        ("SÉIZURE", "Seizure"),
        ("seizure", "Seizure"),
    ]:
        assert [page["name"] for page in search.related_pages(query)] == [name], query
        assert titles(query)[:1] == ["Spotted Skin"], query


def test_snippets_show_emphasis_as_text_and_fragments_without_quotes(library):
    filler = " ".join(["Unrelated words fill the space between the two passages."] * 12)
    make_disorder(
        "Gastritis Syndrome",
        sections=[
            (Section.Kind.GENERAL_DISCUSSION, f"Gastritis with *Helicobacter pylori* infection. {filler}"),
            (Section.Kind.CAUSES, "Later, _Helicobacter_ again, in **bold**."),
        ],
    )

    snippet = str(described("helicobacter")[0].snippet)

    assert "<mark>Helicobacter</mark> pylori infection" in snippet
    assert " … " in snippet  # two fragments
    for raw in ['"', "*", "_"]:
        assert raw not in snippet, snippet


# Headline-like text: plain, and with each construct Markdown reads (emphasis, links, lists, headings, code, HTML,
# entities, tables, definitions, escapes, breaks).
MARKDOWN_OR_NOT = [
    "Juvenile myelomonocytic leukemia (JMML) is a rare, aggressive blood cancer of early childhood; 2-4 years.",
    'Line one.\n\nLine two, with a trailing break  \nand more: 50% of cases (n=12), x/y, "quoted", it\'s.',
    "A *Helicobacter* pylori and __bold__ word, snake_case",
    "See [the guide](https://example.org) or <https://example.org>, ![image](x.png)",
    "1. first\n2. second",
    "Intro\n- item\n+ item\n* item",
    "# Heading\nText",
    "Title\n=====",
    "Title\n-----",
    "> quoted",
    "    indented code",
    "`code` and ```fenced```",
    "Tom &amp; Jerry & co < 3 > 2",
    "a | table\n--|--\nb | c",
    "Term\n: definition",
    "An escaped \\* star",
    "~~~\nfenced\n~~~",
    "*[HTML]: Hyper Text",
    "Text with \ue000marks\ue001 and\ttabs and \u00a0 spaces",
]


@pytest.mark.parametrize("text", MARKDOWN_OR_NOT)
def test_snippet_text_is_what_markdown_makes_of_it_with_or_without_rendering(text):
    assert search._plain(text) == plain_text(text)


def test_a_query_with_like_wildcards_starts_no_name_it_does_not_start(library):
    make_disorder("Alpha 1 Antitrypsin Deficiency")

    (found,) = [result for result in search.search("alpha_1") if result.title == "Alpha 1 Antitrypsin Deficiency"]
    assert found.rank < search.PREFIX_OTHER_NAME  # near, not started: "_" is no wildcard
    assert search.search("alpha 1")[0].rank > search.PREFIX_TITLE


def test_every_new_connection_starts_with_our_trigram_thresholds_without_setting_them():
    # As through a transaction-mode pooler: a plain server connection that ran none of our code.
    options = connection.get_connection_params()
    options.pop("cursor_factory", None)
    options.pop("context", None)
    with psycopg.connect(**options) as raw, raw.cursor() as cursor:
        for name, value in search.TRIGRAM_THRESHOLDS.items():
            cursor.execute(f"SHOW {name}")
            assert float(cursor.fetchone()[0]) == value, name
