"""Exporting published entries: the JSON view and command, and NORD text that imports back to the same entry."""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from disorders import publication
from disorders.export import entry_as_dict, entry_as_nord_text, export_queryset
from disorders.importers.nord import load_abstracts, parse_abstract, read_abstract
from disorders.models import (
    Code,
    Disclaimer,
    Disorder,
    DisorderSign,
    Gene,
    PreviousSlug,
    Section,
    Source,
    Subdivision,
)
from resources.models import Organization, Phone
from tests.conftest import DEMO_NORD_DIR
from tests.factories import (
    make_classification,
    make_code,
    make_disorder,
    make_disorder_sign,
    make_gene_association,
    make_organization,
    republish,
)
from tests.sample_entries import JMML_COPYRIGHT, JMML_DISCUSSION, JMML_SOURCE_DISCLAIMERS, NORD_NAME, make_jmml_entry

pytestmark = pytest.mark.django_db

JMML = DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt"
EXAMPLITIS = DEMO_NORD_DIR / "examplitis-syndrome.txt"
FULL_REPORT = Path(__file__).resolve().parent / "data" / "nord" / "varrow-lymphatic-dysplasia.txt"
SITE = "http://testserver.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def json_url(disorder):
    return reverse("disorders:detail-json", kwargs={"slug": disorder.slug})


def exported(disorder):
    """The entry as the export reads it: fetched with everything prefetched."""
    return export_queryset().get(pk=disorder.pk)


def run_export(*args):
    out = io.StringIO()
    call_command("export_entries", *map(str, args), stdout=out)
    return out.getvalue()


def empty_the_database():
    """What a fresh database holds: no entries, organizations or sources (site disclaimers come with migrations)."""
    Disorder.objects.all().delete()
    Organization.objects.all().delete()
    Source.objects.all().delete()


def without_dates(data):
    # An import stamps its own dates: the content changed, and was published, when it was imported.
    return {key: value for key, value in data.items() if key not in ("last_updated", "published")}


@pytest.fixture
def jmml():
    disorder = make_jmml_entry(summary="A rare blood cancer of young children.", prevalence="1-9 / 1 000 000")
    root = make_classification("WHO classification")
    group = make_classification("Myelodysplastic/myeloproliferative neoplasms", parent=root)
    disorder.classifications.add(group)
    republish(disorder)
    make_code(disorder, Code.System.ORPHA, "86834")
    make_code(disorder, Code.System.ICD10, "C93.3", relation=Code.Relation.NARROWER)
    make_code(disorder, Code.System.UMLS, "C0349639")
    return disorder


# --- JSON -----------------------------------------------------------------------------------------------------------


def test_json_view_serves_everything_the_page_shows(client, jmml):
    subtype = make_disorder("JMML with Noonan syndrome")
    draft_subtype = make_disorder("JMML, unpublished subtype", published=False)
    Subdivision.objects.create(disorder=jmml, name="Noonan-associated JMML", linked_disorder=subtype, position=0)
    Subdivision.objects.create(disorder=jmml, name="Unpublished subtype", linked_disorder=draft_subtype, position=1)
    republish(jmml)

    response = client.get(json_url(jmml))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert json_url(jmml) == "/disorders/juvenile-myelomonocytic-leukemia.json"
    assert (data["title"], data["slug"], data["url"]) == (
        "Juvenile Myelomonocytic Leukemia",
        "juvenile-myelomonocytic-leukemia",
        f"{SITE}/disorders/juvenile-myelomonocytic-leukemia/",
    )
    assert data["summary"] == "A rare blood cancer of young children."
    assert data["title_notice"].startswith("It is possible that the main title of the report Juvenile Myelomonocytic")
    assert data["synonyms"] == ["chronic myelomonocytic leukemia of infancy", "JMML"]
    assert data["subdivisions"] == [
        {"name": "Noonan-associated JMML", "url": f"{SITE}{subtype.get_absolute_url()}"},
        {"name": "Unpublished subtype", "url": None},
    ]
    assert data["facts"] == {"prevalence": "1-9 / 1 000 000", "age_of_onset": "", "inheritance": ""}
    assert data["sections"] == [
        {
            "kind": "general_discussion",
            "heading": "General discussion",
            "body": "\n\n".join(JMML_DISCUSSION),
            "source": NORD_NAME,
        }
    ]
    (classification,) = data["classifications"]
    assert classification["name"] == "Myelodysplastic/myeloproliferative neoplasms"
    assert classification["path"] == ["WHO classification", "Myelodysplastic/myeloproliferative neoplasms"]
    assert classification["url"].startswith(f"{SITE}/classifications/")
    assert data["codes"] == [
        {
            "system": "ICD-10",
            "value": "C93.3",
            "relation": "narrower",
            "url": "https://icd.who.int/browse10/2019/en#/C93.3",
        },
        {
            "system": "ORPHA",
            "value": "86834",
            "relation": "exact",
            "url": "https://www.orpha.net/en/disease/detail/86834",
        },
        {"system": "UMLS", "value": "C0349639", "relation": "exact", "url": None},
    ]


def test_json_view_serves_sources_resources_disclaimers_and_dates(client, jmml):
    data = client.get(json_url(jmml)).json()

    (source,) = data["sources"]
    assert source["name"] == NORD_NAME
    assert (source["reference"], source["source_updated_on"], source["copyright"]) == (
        "nord1234",
        "2013-05-08",
        JMML_COPYRIGHT,
    )
    assert source["complete_report"].startswith("This is an abstract of a report from the National Organization")
    assert source["disclaimers"] == JMML_SOURCE_DISCLAIMERS
    assert source["acknowledgement"] == ""
    assert [resource["name"] for resource in data["resources"]] == [
        "Children's Tumor Foundation",
        "Leukemia & Lymphoma Society",
        "World Health Organization (WHO)",
        "Rare Cancer Alliance",
    ]
    foundation = data["resources"][0]
    assert foundation == {
        "name": "Children's Tumor Foundation",
        "url": f"{SITE}/organizations/childrens-tumor-foundation/",
        "address_lines": ["95 Pine Street", "16th Floor", "New York, NY 10005-4002"],
        "phones": [
            {"kind": "tel", "number": "(212)344-6633"},
            {"kind": "fax", "number": "(212)747-0004"},
            {"kind": "toll_free", "number": "(800)323-7938"},
            {"kind": "tdd", "number": "(212)344-6633"},
        ],
        "email": "info@ctf.example.org",
        "website": "https://www.ctf.example.org/",
    }
    assert data["resources"][2]["address_lines"] == ["Avenue Appia 20", "Geneva 27, 1211", "Switzerland"]
    site_disclaimers = Disclaimer.objects.exclude(kind=Disclaimer.Kind.TITLE_NOTICE)
    assert [item["title"] for item in data["disclaimers"]] == [disclaimer.title for disclaimer in site_disclaimers]
    assert data["last_updated"] == "2024-03-15T12:00:00+00:00"
    assert data["published"] == jmml.published_at.isoformat()
    # Nothing about the editorial workflow leaks out.
    assert not {"status", "version", "last_reviewed_on", "next_review_due", "id"} & set(data)


def test_json_view_is_not_found_for_drafts_archived_entries_and_unknown_slugs(client, editor_client):
    draft = make_disorder("Unfinished Syndrome", published=False)
    archived = make_disorder("Old Syndrome")
    publication.unpublish(archived, user=None)
    for disorder in (draft, archived):
        assert client.get(json_url(disorder)).status_code == 404
        # The export is public data only, even for staff who can preview the page.
        assert editor_client.get(json_url(disorder)).status_code == 404
    assert client.get("/disorders/no-such-entry.json").status_code == 404


def test_json_view_serves_prevalences_most_relevant_first_genes_and_signs(client, jmml, monkeypatch):
    # The gene page (disorders:gene) is another branch's; its address here is the one that page answers at.
    monkeypatch.setattr(Gene, "get_absolute_url", lambda gene: f"/genes/{gene.symbol}/")
    jmml.prevalences.create(kind="Annual incidence", prevalence_class="1-9 / 1 000 000", geography="Europe")
    jmml.prevalences.create(
        kind="Point prevalence",
        prevalence_class="1-9 / 1 000 000",
        mean_value=Decimal("0.12"),
        geography="Worldwide",
        qualification="Value and class",
        source="16325700[PMID]_ORPHANET",
    )
    make_gene_association(jmml, "PTPN11", name="protein tyrosine phosphatase", hgnc_id="9644", omim_id="176876")
    make_disorder_sign(jmml, "HP:0001744", "Splenomegaly", DisorderSign.Frequency.VERY_FREQUENT)
    make_disorder_sign(jmml, "HP:0001263", "Global developmental delay", DisorderSign.Frequency.OCCASIONAL)

    data = client.get(json_url(jmml)).json()

    assert data["prevalences"] == [
        {
            "type": "Point prevalence",
            "class": "1-9 / 1 000 000",
            "mean_value": 0.12,
            "geography": "Worldwide",
            "qualification": "Value and class",
            "source": "16325700[PMID]_ORPHANET",
        },
        {
            "type": "Annual incidence",
            "class": "1-9 / 1 000 000",
            "mean_value": None,
            "geography": "Europe",
            "qualification": "",
            "source": "",
        },
    ]
    assert data["genes"] == [
        {
            "symbol": "PTPN11",
            "name": "protein tyrosine phosphatase",
            "association": "Disease-causing germline mutation(s) in",
            "hgnc_id": "9644",
            "omim_id": "176876",
            "url": f"{SITE}/genes/PTPN11/",
        }
    ]
    assert data["signs"] == [
        {"hpo_id": "HP:0001744", "name": "Splenomegaly", "frequency": "very_frequent"},
        {"hpo_id": "HP:0001263", "name": "Global developmental delay", "frequency": "occasional"},
    ]
    assert (data["facts"]["age_of_onset"], data["facts"]["inheritance"]) == ("", "")


def test_json_view_query_count_does_not_grow_with_the_entry(client, jmml, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(Gene, "get_absolute_url", lambda gene: f"/genes/{gene.symbol}/")  # as above
    for number in range(5):
        make_gene_association(jmml, f"GENE{number}")
        make_disorder_sign(jmml, f"HP:000000{number}", f"Sign {number}")
        jmml.prevalences.create(kind="Point prevalence", geography=f"Region {number}")
    for number in range(20):
        jmml.synonyms.create(name=f"Synonym {number}", position=number + 10)
    for number in range(10):
        make_organization(
            f"Helpers {number}",
            phones=[(Phone.Kind.TEL, f"(212)555-01{number:02}"), (Phone.Kind.FAX, f"(212)555-02{number:02}")],
            disorder=jmml,
        )
    jmml.classifications.add(make_classification(parent=make_classification(parent=make_classification())))
    republish(jmml)
    for number in range(10):
        make_code(jmml, Code.System.OMIM, f"6000{number:02}")

    # The entry, one per related list (classifications with their paths), and the site disclaimers.
    with django_assert_max_num_queries(13):
        data = client.get(json_url(jmml)).json()

    assert len(data["synonyms"]) == 22
    assert (len(data["genes"]), len(data["signs"]), len(data["prevalences"])) == (5, 5, 5)
    assert len(data["resources"]) == 14
    assert len(data["codes"]) == 13
    assert sorted(len(item["path"]) for item in data["classifications"]) == [2, 3]


# --- The command ----------------------------------------------------------------------------------------------------


def test_command_prints_one_json_array_of_published_entries_in_title_order(jmml):
    make_disorder("Aardvark Syndrome")
    make_disorder("Unfinished Syndrome", published=False)

    printed = json.loads(run_export())

    assert [entry["title"] for entry in printed] == ["Aardvark Syndrome", "Juvenile Myelomonocytic Leukemia"]
    assert printed[1] == entry_as_dict(exported(jmml))


def test_command_prints_an_empty_array_when_nothing_is_published():
    make_disorder("Unfinished Syndrome", published=False)
    assert json.loads(run_export("--format", "json")) == []


def test_command_writes_one_json_file_per_entry(tmp_path, jmml):
    make_disorder("Aardvark Syndrome")
    output = tmp_path / "json"

    message = run_export("--output", output)

    assert sorted(path.name for path in output.iterdir()) == [
        "aardvark-syndrome.json",
        "juvenile-myelomonocytic-leukemia.json",
    ]
    assert "Wrote 2 json files" in message
    written = json.loads((output / "juvenile-myelomonocytic-leukemia.json").read_text(encoding="utf-8"))
    assert written == entry_as_dict(exported(jmml))


def test_command_writes_one_nord_text_per_entry_that_parses(tmp_path, jmml):
    make_disorder("Unfinished Syndrome", published=False)

    run_export("--format", "nord", "--output", tmp_path)

    (path,) = tmp_path.iterdir()
    assert path.name == "juvenile-myelomonocytic-leukemia.txt"
    assert read_abstract(path).title == "Juvenile Myelomonocytic Leukemia"


def test_nord_format_needs_an_output_directory():
    with pytest.raises(CommandError, match="--output"):
        run_export("--format", "nord")


def test_command_streams_entries_in_chunks_with_a_fixed_number_of_queries_each(
    monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("disorders.export.CHUNK_SIZE", 10)
    for number in range(30):
        disorder = make_disorder(f"Streamed Syndrome {number:02}", synonyms=[f"SS{number}"])
        make_organization(f"Streamed Helpers {number}", phones=[(Phone.Kind.TEL, "(212)555-0100")], disorder=disorder)

    # The site disclaimers, the entries (one server-side cursor), and each related list once per chunk of 10.
    with django_assert_max_num_queries(2 + 3 * 11):
        printed = json.loads(run_export())

    assert [entry["title"] for entry in printed] == [f"Streamed Syndrome {number:02}" for number in range(30)]
    assert printed[29]["synonyms"] == ["SS29"]
    assert printed[29]["resources"][0]["phones"] == [{"kind": "tel", "number": "(212)555-0100"}]


def test_entry_as_dict_gives_the_same_for_an_entry_fetched_without_prefetching(jmml):
    Subdivision.objects.create(disorder=jmml, name="Linked subtype", linked_disorder=make_disorder("Subtype Entry"))
    assert entry_as_dict(Disorder.objects.get(pk=jmml.pk)) == entry_as_dict(exported(jmml))


# --- NORD text ------------------------------------------------------------------------------------------------------


def test_nord_text_is_in_the_healthwise_layout(jmml):
    text = entry_as_nord_text(exported(jmml))

    assert text.startswith("Health Encyclopedia\n\n\n\nJuvenile Myelomonocytic Leukemia\n\n" + NORD_NAME + "\n")
    assert "\n\nImportant\n\nIt is possible that the main title of the report Juvenile Myelomonocytic" in text
    assert "Synonyms\n\n  • chronic myelomonocytic leukemia of infancy\n  • JMML\n" in text
    assert "Disorder Subdivisions\n\n  • None\n" in text
    assert "\n\nGeneral Discussion\n\n" in text
    # A toll-free number is printed as NORD prints it; a US address without its country line.
    assert "Tel: (212)344-6633\n\nFax: (212)747-0004\n\nTel: (800)323-7938\n\nTDD: (212)344-6633" in text
    assert "New York, NY 10005-4002\n\nTel:" in text
    assert "Geneva 27, 1211\n\nSwitzerland\n\nTel: 41227912111" in text
    assert "Email: info@ctf.example.org\n\nInternet: https://www.ctf.example.org/" in text
    assert "Last Updated: 5/8/2013\n\nCopyright 2013 National Organization for Rare Disorders, Inc." in text


def test_markdown_sub_headings_and_bullets_become_plain_lines():
    body = "### Summary\n\nA first paragraph\nwrapped by an editor.\n\n- one item\n- another item\n\n## Later\n\nMore."
    disorder = make_disorder("Layout Syndrome", sections=[(Section.Kind.DIAGNOSIS, body)])

    text = entry_as_nord_text(exported(disorder))

    assert "Diagnosis\n\n\n\nSummary\n\n\n\nA first paragraph wrapped by an editor.\n\n\n\n" in text
    assert "  • one item\n  • another item\n\n\n\nLater\n\n\n\nMore." in text
    (section,) = parse_abstract(text).sections
    assert (section.heading, section.body) == (
        "Diagnosis",
        "### Summary\n\nA first paragraph wrapped by an editor.\n\n- one item\n- another item\n\n### Later\n\nMore.",
    )


def test_section_heading_nord_would_not_recognize_is_printed_as_the_standard_one():
    disorder = make_disorder("Heading Syndrome")
    Section.objects.create(
        disorder=disorder, kind=Section.Kind.SIGNS_SYMPTOMS, heading="What people notice", body="Text."
    )
    Section.objects.create(disorder=disorder, kind=Section.Kind.CAUSES, heading="Causes", body="More text.", position=1)

    headings = [section.heading for section in parse_abstract(entry_as_nord_text(exported(disorder))).sections]

    assert headings == ["Signs & Symptoms", "Causes"]


@pytest.mark.parametrize("path", [JMML, EXAMPLITIS], ids=["jmml", "examplitis"])
def test_exported_text_parses_back_to_the_imported_abstract(path):
    load_abstracts([path], publish=True)

    text = entry_as_nord_text(exported(Disorder.objects.get()))

    original = read_abstract(path)
    assert parse_abstract(text, reference=original.reference).as_dict() == original.as_dict()


def test_full_report_exports_back_to_the_same_abstract_with_nords_name_as_source_line():
    load_abstracts([FULL_REPORT], publish=True)

    reparsed = parse_abstract(entry_as_nord_text(exported(Disorder.objects.get()))).as_dict()

    original = read_abstract(FULL_REPORT).as_dict()
    # The report printed no source line; the entry's source has NORD's name, and the text prints it.
    assert reparsed.pop("source") == NORD_NAME
    original.pop("source")
    assert reparsed == original
    assert reparsed["acknowledgement"].startswith("NORD is very grateful to Dr. Imogen Testwell")


def test_exported_text_imports_into_a_fresh_database_as_the_same_entries(tmp_path):
    load_abstracts([JMML, EXAMPLITIS, FULL_REPORT], publish=True)
    before = {disorder.slug: without_dates(entry_as_dict(disorder)) for disorder in export_queryset()}
    run_export("--format", "nord", "--output", tmp_path)
    empty_the_database()

    load_abstracts(sorted(tmp_path.iterdir()), publish=True)

    after = {disorder.slug: without_dates(entry_as_dict(disorder)) for disorder in export_queryset()}
    assert after == before
    assert len(after) == 3


def test_json_view_is_cacheable_by_a_proxy_and_sets_no_cookie(client, jmml):
    response = client.get(reverse("disorders:detail-json", args=[jmml.slug]))

    assert "public" in response["Cache-Control"]
    assert not response.cookies


def test_json_view_follows_an_old_address_like_the_page(client, jmml):
    PreviousSlug.objects.create(disorder=jmml, slug="jmml-old-address")

    response = client.get(reverse("disorders:detail-json", args=["jmml-old-address"]))

    assert response.status_code == 301
    assert response["Location"] == reverse("disorders:detail-json", args=[jmml.slug])
