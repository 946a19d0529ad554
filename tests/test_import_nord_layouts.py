"""The layouts NORD abstracts really come in, one fictional document each in tests/data/nord/."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django.asserts import assertContains

from disorders.importers.nord import (
    NORD_NAME,
    SECTION_KINDS,
    abstract_paths,
    load_abstracts,
    parse_abstract,
    read_abstract,
)
from disorders.models import Disorder, Section
from tests.conftest import DEMO_NORD_DIR

LAYOUTS_DIR = Path(__file__).resolve().parent / "data" / "nord"
TITLE_TWICE = LAYOUTS_DIR / "quellbrook-syndrome.txt"
UNHEADED_SYNONYMS = LAYOUTS_DIR / "marrowind-anemia.txt"
NO_SYNONYMS = LAYOUTS_DIR / "tessaly-disease.txt"
FURNITURE = LAYOUTS_DIR / "fernhollow-syndrome.txt"
FULL_REPORT = LAYOUTS_DIR / "varrow-lymphatic-dysplasia.txt"
SUB_HEADINGS = LAYOUTS_DIR / "ostrand-myopathy.txt"
ODD_NAMES = LAYOUTS_DIR / "behcet-like-fictional-disease-type-2.txt"
ALL_LAYOUTS = sorted(LAYOUTS_DIR.glob("*.txt"))

# Lines of web-page furniture the documents carry; none may reach the entry.
FURNITURE_TEXT = ["Skip to", "Font Size", "Search Rare Diseases", "Home >", "Health Encyclopedia", "A B C", "A | B"]
NOTICE_START = "It is possible that the main title"
EN_DASHED_SYNONYM = "Müller\u2013Çelik disease"


def texts(abstract):
    """Every string the parser kept, for checks that something never gets in."""
    data = abstract.as_dict()
    found = [data["title"], data["source"], *data["synonyms"], *data["subdivisions"], *data["disclaimers"]]
    found += [data["complete_report"], data["copyright"], data["acknowledgement"]]
    found += [text for section in data["sections"] for text in (section["heading"], section["body"])]
    for organization in data["organizations"]:
        found += [organization["name"], *organization["address_lines"], organization["email"], organization["website"]]
        found += [phone["number"] for phone in organization["phones"]]
    return found


def test_layout_documents_are_all_here():
    assert len(ALL_LAYOUTS) == 7


# --- Titles and the notice ------------------------------------------------------------------------------------------


def test_title_printed_twice_on_consecutive_lines_is_read_once():
    abstract = read_abstract(TITLE_TWICE)
    assert abstract.title == "Quellbrook Syndrome"
    assert abstract.source == NORD_NAME
    assert abstract.synonyms == ["Quellbrook disease", "QBS"]


def test_title_printed_twice_as_two_paragraphs_is_read_once():
    text = TITLE_TWICE.read_text(encoding="utf-8").replace(
        "Quellbrook Syndrome\nQuellbrook Syndrome", "Quellbrook Syndrome\n\n\nQuellbrook Syndrome"
    )
    assert parse_abstract(text, reference="quellbrook-syndrome").as_dict() == read_abstract(TITLE_TWICE).as_dict()


def test_important_heading_before_the_notice_keeps_both_out_of_the_entry():
    abstract = read_abstract(TITLE_TWICE)
    assert not any(text.startswith(("Important", NOTICE_START)) for text in texts(abstract))


def test_notice_under_an_important_heading_is_skipped_however_it_is_worded():
    reworded = TITLE_TWICE.read_text(encoding="utf-8").replace(
        "It is possible that the main title of the report Quellbrook Syndrome is not the name you expected.",
        "The name you looked for may be listed below.",
    )
    abstract = parse_abstract(reworded)
    assert abstract.synonyms == ["Quellbrook disease", "QBS"]
    assert not any("may be listed below" in text for text in texts(abstract))


# --- Synonyms and subdivisions --------------------------------------------------------------------------------------


def test_synonym_bullets_right_after_the_notice_need_no_heading():
    abstract = read_abstract(UNHEADED_SYNONYMS)
    assert abstract.synonyms == ["Marrowind's anemia", "congenital marrowind anemia (CMA)"]


def test_bullets_indented_by_two_or_four_spaces_read_alike():
    abstract = read_abstract(UNHEADED_SYNONYMS)  # synonyms indented by two spaces, subdivisions by four
    assert abstract.subdivisions == ["Marrowind anemia, infantile form", "Marrowind anemia, adult form"]
    two_spaces = UNHEADED_SYNONYMS.read_text(encoding="utf-8").replace("    •", "  •")
    assert parse_abstract(two_spaces, reference=abstract.reference).as_dict() == abstract.as_dict()


def test_abstract_without_synonyms_has_none():
    abstract = read_abstract(NO_SYNONYMS)
    assert abstract.title == "Tessaly Disease"
    assert (abstract.synonyms, abstract.subdivisions) == ([], [])
    assert [section.heading for section in abstract.sections] == ["General Discussion"]


def test_abstract_without_any_names_goes_from_the_notice_to_the_text():
    text = NO_SYNONYMS.read_text(encoding="utf-8").replace("Disorder Subdivisions\n\n    • None\n\n", "")
    abstract = parse_abstract(text)
    assert (abstract.synonyms, abstract.subdivisions) == ([], [])
    assert abstract.sections[0].body.startswith("Tessaly disease is an invented condition")


# --- Site furniture -------------------------------------------------------------------------------------------------


def test_site_furniture_never_becomes_title_names_or_text():
    abstract = read_abstract(FURNITURE)
    assert abstract.title == "Fernhollow Syndrome"
    assert abstract.source == NORD_NAME
    assert abstract.synonyms == ["Fernhollow disease", "FHS"]
    assert abstract.subdivisions == []
    assert [org.name for org in abstract.organizations] == ["Fernhollow Family Network"]
    assert abstract.disclaimers == [
        "The information in this fictional abstract is for testing only and is not medical advice."
    ]
    assert abstract.copyright == "Copyright 2013 National Organization for Rare Disorders, Inc."
    for text in texts(abstract):
        assert not any(furniture in text for furniture in FURNITURE_TEXT), text
        assert len(text) != 1, "a lone letter of the A-Z bar or the font-size buttons got in"


@pytest.mark.parametrize(
    "furniture",
    [
        "Skip to content\nSkip to the navigation",
        "Font Size\nA\nA\nA",
        "Font Size: A A A",
        "Home > Rare Disease Database > Juvenile Myelomonocytic Leukemia",
        "Home \u203a Health Encyclopedia",
        " ".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        " | ".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "\n".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "Search Rare Diseases\n\nSearch",
        "Search Rare Diseases\nGo",
    ],
)
def test_furniture_around_the_founding_abstract_changes_nothing(furniture):
    original = read_abstract(DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt")
    text = (DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt").read_text(encoding="utf-8")
    wrapped = f"{furniture}\n\n{text}\n\n{furniture}\n"
    assert parse_abstract(wrapped, reference=original.reference).as_dict() == original.as_dict()


@pytest.mark.parametrize("path", ALL_LAYOUTS, ids=lambda path: path.stem)
def test_no_layout_lets_furniture_headings_or_the_notice_into_the_entry(path):
    abstract = read_abstract(path)
    for text in texts(abstract):
        assert not any(furniture in text for furniture in FURNITURE_TEXT), text
        assert not text.startswith(NOTICE_START), text
        assert "\r" not in text and "\u00a0" not in text, text
    assert not set(abstract.synonyms) & {"Synonyms", "Important", "Disorder Subdivisions", abstract.title}


# --- NORD's own full reports ----------------------------------------------------------------------------------------


def test_full_report_reads_synonyms_of_title_heading_and_subdivisions():
    abstract = read_abstract(FULL_REPORT)
    assert abstract.title == "Varrow Lymphatic Dysplasia"
    assert abstract.source == ""  # NORD's own pages print no source line
    assert abstract.synonyms == ["Varrow disease", "VLD", "lymphatic dysplasia, Varrow type"]
    assert abstract.subdivisions == ["Varrow lymphatic dysplasia type A", "Varrow lymphatic dysplasia type B"]


def test_full_report_keeps_the_acknowledgement_as_the_reviewer_credit():
    abstract = read_abstract(FULL_REPORT)
    assert abstract.acknowledgement == (
        "NORD is very grateful to Dr. Imogen Testwell, Department of Imaginary Medicine, Example University Hospital, "
        "for assistance in the preparation of this report."
    )
    assert not any("grateful" in text for text in texts(abstract) if text != abstract.acknowledgement)


def test_full_report_sections_map_to_section_kinds_in_document_order():
    abstract = read_abstract(FULL_REPORT)
    assert [(section.heading, SECTION_KINDS[section.heading.casefold()]) for section in abstract.sections] == [
        ("General Discussion", Section.Kind.GENERAL_DISCUSSION),
        ("Symptoms", Section.Kind.SIGNS_SYMPTOMS),
        ("Causes", Section.Kind.CAUSES),
        ("Affected Populations", Section.Kind.AFFECTED_POPULATIONS),
        ("Related Disorders", Section.Kind.RELATED_DISORDERS),
        ("Diagnosis", Section.Kind.DIAGNOSIS),
        ("Standard Therapies", Section.Kind.STANDARD_THERAPIES),
        ("Investigational Therapies", Section.Kind.INVESTIGATIONAL_THERAPIES),
        ("References", Section.Kind.REFERENCES),
    ]
    bodies = {section.heading: section.body for section in abstract.sections}
    assert bodies["Standard Therapies"].startswith("### Treatment\n\nTreatment is directed")
    assert bodies["Related Disorders"].count("\n\n") == 1
    references = bodies["References"].split("\n\n")
    assert len(references) == 2
    assert references[0].startswith("Testwell I, Example A.")


def test_full_report_closing_lines_and_organization():
    abstract = read_abstract(FULL_REPORT)
    (network,) = abstract.organizations
    assert (network.name, network.address_lines, network.email) == (
        "Varrow Families Network",
        ["PO Box 404", "Varrowville, VT 05001"],
        "help@varrow.example.org",
    )
    assert abstract.complete_report == ""
    assert abstract.last_updated == datetime.date(2013, 6, 30)
    assert abstract.copyright == "Copyright 1995, 2013 National Organization for Rare Disorders, Inc."
    assert abstract.disclaimers == [
        "The information in NORD's Rare Disease Database is for educational purposes only. "
        "This fictional report is not medical advice."
    ]


@pytest.mark.django_db
def test_full_report_imports_every_section_kind_and_the_acknowledgement(client):
    load_abstracts([FULL_REPORT], publish=True)
    disorder = Disorder.objects.get()
    sections = list(disorder.sections.all())
    assert [section.kind for section in sections] == [
        Section.Kind.GENERAL_DISCUSSION,
        Section.Kind.SIGNS_SYMPTOMS,
        Section.Kind.CAUSES,
        Section.Kind.AFFECTED_POPULATIONS,
        Section.Kind.RELATED_DISORDERS,
        Section.Kind.DIAGNOSIS,
        Section.Kind.STANDARD_THERAPIES,
        Section.Kind.INVESTIGATIONAL_THERAPIES,
        Section.Kind.REFERENCES,
    ]
    # Only a heading that differs from the standard one is kept.
    assert [section.heading for section in sections if section.heading] == ["Symptoms"]
    attribution = disorder.attributions.get()
    assert attribution.source.name == NORD_NAME
    assert attribution.acknowledgement.startswith("NORD is very grateful to Dr. Imogen Testwell")

    response = client.get(disorder.get_absolute_url())
    assertContains(response, '<p class="acknowledgement">NORD is very grateful to Dr. Imogen Testwell')
    assertContains(response, '<h2 id="section-signs_symptoms">Symptoms</h2>', html=True)


# --- Sub-headings, odd names, line ends -----------------------------------------------------------------------------


def test_summary_and_introduction_sub_headings_inside_general_discussion():
    (section,) = read_abstract(SUB_HEADINGS).sections
    assert section.heading == "General Discussion"
    assert section.body.split("\n\n") == [
        "### Summary",
        "Ostrand myopathy is an invented muscle condition whose General Discussion has sub-headings.",
        "### Introduction",
        "The first description of the fictional condition is dated to an imaginary year. "
        "This paragraph sits under its own sub-heading.",
    ]


def test_unbalanced_parenthesis_accents_crlf_and_non_breaking_spaces():
    assert b"\r\n" in ODD_NAMES.read_bytes() and "\u00a0" in ODD_NAMES.read_text(encoding="utf-8")
    abstract = read_abstract(ODD_NAMES)
    assert abstract.title == "Behçet-like Fictional Disease (type 2"
    assert abstract.synonyms == [
        "Behçet-like syndrome, type 2",
        EN_DASHED_SYNONYM,
        "fictional Behçet variant (ocular",
    ]
    assert abstract.sections[0].body.startswith(
        "Behçet-like fictional disease (type 2 is an invented condition. Its name"
    )
    (society,) = abstract.organizations
    assert (society.name, society.address_lines) == (
        "Société Fictive Behçet",
        ["3 place de l'Essai", "Lyon, 69002", "France"],
    )
    assert [(phone.kind, phone.number) for phone in society.phones] == [("tel", "33478000001")]
    assert abstract.last_updated == datetime.date(2010, 10, 10)


def test_crlf_and_lf_copies_of_a_layout_parse_alike():
    for path in ALL_LAYOUTS:
        text = path.read_text(encoding="utf-8")
        other = text.replace("\r\n", "\n") if "\r\n" in text else text.replace("\n", "\r\n")
        assert parse_abstract(other, reference=path.stem).as_dict() == read_abstract(path).as_dict(), path.name


@pytest.mark.django_db
def test_odd_title_gets_an_ascii_slug_and_a_working_page(client):
    load_abstracts([ODD_NAMES], publish=True)
    disorder = Disorder.objects.get()
    assert disorder.slug == "behcet-like-fictional-disease-type-2"
    response = client.get(disorder.get_absolute_url())
    assertContains(response, "<h1>Behçet-like Fictional Disease (type 2</h1>", html=True)
    assertContains(response, f"<li>{EN_DASHED_SYNONYM}</li>", html=True)


# --- A directory in one run -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_directory_of_abstracts_imports_in_one_run_and_again_changes_nothing():
    result = load_abstracts(abstract_paths([LAYOUTS_DIR]), publish=True)

    assert sorted(result.created) == sorted(read_abstract(path).title for path in ALL_LAYOUTS)
    assert Disorder.objects.published().count() == 7
    again = load_abstracts(abstract_paths([LAYOUTS_DIR]))
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 7)


@pytest.mark.django_db
def test_import_command_reads_the_directory_and_its_dry_run_json():
    out = io.StringIO()
    call_command("import_nord", str(LAYOUTS_DIR), "--dry-run", "--format", "json", stdout=out)
    printed = json.loads(out.getvalue())
    assert [entry["title"] for entry in printed] == [read_abstract(path).title for path in ALL_LAYOUTS]
    assert printed[-1]["acknowledgement"].startswith("NORD is very grateful")

    out = io.StringIO()
    call_command("import_nord", str(LAYOUTS_DIR), stdout=out)
    assert "7 files: 7 created, 0 updated, 0 unchanged" in out.getvalue()
