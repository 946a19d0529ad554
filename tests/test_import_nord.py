"""The NORD importer: parsing the Healthwise layout field by field, and loading it idempotently, all or nothing."""

import datetime
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from disorders import history
from disorders.importers.nord import (
    NORD_NAME,
    NordImportError,
    load_abstracts,
    parse_abstract,
    read_abstract,
    structure_address,
)
from disorders.models import (
    Disorder,
    DisorderResource,
    DisorderSource,
    PreviousSlug,
    Section,
    Source,
    Subdivision,
    Synonym,
)
from disorders.signals import entries_saved
from resources.models import Organization, Phone
from tests.conftest import DEMO_NORD_DIR
from tests.factories import make_disorder, make_organization, make_source

pytestmark = pytest.mark.django_db

JMML = DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt"
EXAMPLITIS = DEMO_NORD_DIR / "examplitis-syndrome.txt"

# A third abstract that lists an organization of the founding one (in other capitals, with fewer phones).
SHARED_ORGANIZATION_ABSTRACT = """Health Encyclopedia


Sharedoma

National Organization for Rare Disorders, Inc.


  • shared tumour

Disorder Subdivisions

  • None

General Discussion


Sharedoma is a fictional disorder whose abstract lists an organization from the founding abstract.


CHILDREN'S TUMOR FOUNDATION

95 Pine Street

16th Floor

New York, NY 10005-4002

Tel: (212)000-0000



For a Complete Report

This is an abstract of a fictional report.

Last Updated:  1/2/2020

Copyright  2020 National Organization for Rare Disorders, Inc.
"""

COUNTED_MODELS = [
    Disorder,
    Synonym,
    Subdivision,
    Section,
    DisorderSource,
    Source,
    Organization,
    Phone,
    DisorderResource,
]


def row_counts():
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def organization(abstract, name):
    return next(org for org in abstract.organizations if org.name == name)


def phones(parsed_organization):
    return [(phone.kind, phone.number) for phone in parsed_organization.phones]


def run_command(*args):
    out = io.StringIO()
    call_command("import_nord", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def jmml():
    return read_abstract(JMML)


@pytest.fixture
def examplitis():
    return read_abstract(EXAMPLITIS)


# --- Parsing the founding abstract ---------------------------------------------------------------------------------


def test_founding_abstract_drops_site_furniture_and_reads_title_and_source_line(jmml):
    assert jmml.title == "Juvenile Myelomonocytic Leukemia"
    assert jmml.source == "National Organization for Rare Disorders, Inc."
    assert jmml.reference == "juvenile-myelomonocytic-leukemia"


def test_founding_abstract_has_two_unheaded_synonyms_and_none_means_no_subdivisions(jmml):
    assert jmml.synonyms == ["chronic myelomonocytic leukemia of infancy", "JMML"]
    assert jmml.subdivisions == []


def test_founding_general_discussion_has_exactly_two_paragraphs(jmml):
    assert [section.heading for section in jmml.sections] == ["General Discussion"]
    paragraphs = jmml.sections[0].body.split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("Juvenile myelomonocytic leukemia (JMML) is a rare pediatric form")
    assert paragraphs[0].endswith("The exact, underlying cause of JMML is unknown.")
    assert paragraphs[1].startswith("Over the years, several different classification systems")
    assert paragraphs[1].endswith("described in the medical literature in 1924.")


def test_founding_abstract_lists_eight_organizations_in_document_order(jmml):
    assert [org.name for org in jmml.organizations] == [
        "Children's Tumor Foundation",
        "Leukemia & Lymphoma Society",
        "American Cancer Society, Inc.",
        "World Health Organization (WHO)",
        "National Bone Marrow Transplant Link",
        "OncoLink: The University of Pennsylvania Cancer Center Resource",
        "Children's Leukemia Research Association",
        "Rare Cancer Alliance",
    ]


def test_phone_kinds_follow_the_labels_and_only_tel_lines_become_toll_free(jmml):
    assert phones(organization(jmml, "Children's Tumor Foundation")) == [
        ("tel", "(212)344-6633"),
        ("fax", "(212)747-0004"),
        ("toll_free", "(800)323-7938"),
        ("tdd", "(212)344-6633"),
    ]
    # An 866 number on a TDD line is still a TDD line.
    assert phones(organization(jmml, "American Cancer Society, Inc.")) == [
        ("tel", "(404)320-3333"),
        ("toll_free", "(800)227-2345"),
        ("tdd", "(866)228-4327"),
    ]
    assert phones(organization(jmml, "World Health Organization (WHO)")) == [
        ("tel", "41227912111"),
        ("fax", "41227913111"),
    ]
    assert phones(organization(jmml, "Rare Cancer Alliance")) == []


def test_phone_lines_after_two_blank_lines_belong_to_the_organization_above(jmml):
    society = organization(jmml, "American Cancer Society, Inc.")
    assert society.address_lines == ["250 Williams NW St", "Ste 6000", "Atlanta, GA 30303"]
    who = organization(jmml, "World Health Organization (WHO)")
    assert who.address_lines == ["Avenue Appia 20", "Geneva 27, 1211"]
    oncolink = organization(jmml, "OncoLink: The University of Pennsylvania Cancer Center Resource")
    assert phones(oncolink) == [("tel", "(215)349-8895"), ("fax", "(215)349-5445")]
    assert all(org.email == "" and org.website == "" for org in jmml.organizations)


def test_founding_closing_notes_split_into_complete_report_disclaimers_date_and_copyright(jmml):
    assert jmml.complete_report.startswith("This is an abstract of a report from the National Organization")
    assert jmml.complete_report.endswith('under "Rare Disease Information".')
    assert len(jmml.disclaimers) == 6
    assert jmml.disclaimers[0].startswith("The information provided in this report is not intended for diagnostic")
    assert jmml.disclaimers[-1].startswith("Healthwise, Healthwise for every health decision")
    # The title notice at the top maps to the site-wide notice, not to this entry's disclaimers.
    assert not any("main title of the report" in text for text in jmml.disclaimers)
    assert not any(text.startswith(("Last Updated", "Copyright")) for text in jmml.disclaimers)
    assert jmml.last_updated == datetime.date(2013, 5, 8)
    assert jmml.copyright == "Copyright 2013 National Organization for Rare Disorders, Inc."


# --- Parsing the fictional abstract ---------------------------------------------------------------------------------


def test_examplitis_reads_headed_synonyms_including_accented_ones_and_two_subdivisions(examplitis):
    assert examplitis.title == "Examplitis Syndrome"
    assert examplitis.synonyms == [
        "Example-Sample syndrome",
        "ESS",
        "familial examplitis (FE)",
        "Ëxamplitis of Müller",
    ]
    assert examplitis.subdivisions == ["Examplitis type I", "Examplitis type II (late onset)"]


def test_sub_headings_inside_general_discussion_become_markdown_headings(examplitis):
    assert examplitis.sections[0].heading == "General Discussion"
    assert examplitis.sections[0].body == (
        "### Summary\n\n"
        "Examplitis syndrome is a fictional disorder written for testing. "
        "It is used to check that every part of an abstract is read and shown.\n\n"
        "### Introduction\n\n"
        "A second paragraph exists so that multi-paragraph sections and sub-headings inside General Discussion "
        "can be tested."
    )


def test_examplitis_organizations_under_resources_heading_with_email_internet_and_toll_free(examplitis):
    assert [org.name for org in examplitis.organizations] == [
        "Examplitis Support Network",
        "Fictional Institute of Rare Conditions",
        "Société Fictive des Maladies Rares",
        "Example Registry Without Phones",
    ]
    network = organization(examplitis, "Examplitis Support Network")
    assert network.email == "info@example.org"
    assert network.website == "http://www.example.org"
    assert phones(network) == [
        ("tel", "(555)555-0100"),
        ("fax", "(555)555-0101"),
        ("toll_free", "(800)555-0102"),
        ("tdd", "(555)555-0103"),
    ]
    institute = organization(examplitis, "Fictional Institute of Rare Conditions")
    assert phones(institute) == [("tel", "(555)555-0110"), ("toll_free", "(866)555-0111"), ("tdd", "(555)555-0112")]
    assert (institute.email, institute.website) == ("", "http://www.example.net")
    french = organization(examplitis, "Société Fictive des Maladies Rares")
    assert french.address_lines == ["12 rue de l'Exemple", "Lyon, 69001", "France"]
    assert (phones(french), french.email) == ([("tel", "33478000000")], "contact@example.fr")
    registry = organization(examplitis, "Example Registry Without Phones")
    assert registry.address_lines == ["PO Box 99", "Nowhere, NV 89000"]
    assert registry.phones == []


def test_examplitis_closing_notes(examplitis):
    assert examplitis.complete_report.startswith("This is an abstract of a fictional report.")
    assert examplitis.disclaimers == [
        "The information provided in this report is for testing only and is not medical advice."
    ]
    assert examplitis.last_updated == datetime.date(2010, 11, 2)
    assert examplitis.copyright == "Copyright 1990, 2010 National Organization for Rare Disorders, Inc."


def test_parser_tolerates_crlf_non_breaking_spaces_deeper_bullets_and_trailing_spaces(jmml, examplitis):
    for path, expected in [(JMML, jmml), (EXAMPLITIS, examplitis)]:
        text = path.read_text(encoding="utf-8")
        messy = (
            text.replace("  • ", "    •\u00a0")
            .replace("Tel: ", "Tel:\u00a0")
            .replace("\n", "   \r\n")
            .replace("Last Updated:", "Last Updated:\u00a0\u00a0")
        )
        assert parse_abstract(messy, reference=expected.reference).as_dict() == expected.as_dict()


# --- Addresses ------------------------------------------------------------------------------------------------------


def test_us_address_gets_locality_region_zip_and_country():
    address = structure_address(["95 Pine Street", "16th Floor", "New York, NY 10005-4002"])
    assert address.street_address == "95 Pine Street\n16th Floor"
    assert (address.locality, address.region, address.postal_code, address.country) == (
        "New York",
        "NY",
        "10005-4002",
        "United States",
    )


def test_address_followed_by_a_country_line_keeps_that_country():
    address = structure_address(["12 rue de l'Exemple", "Lyon, 69001", "France"])
    assert (address.street_address, address.locality, address.region, address.postal_code, address.country) == (
        "12 rue de l'Exemple",
        "Lyon",
        "",
        "69001",
        "France",
    )


def test_address_without_country_line_or_us_state_leaves_country_blank():
    address = structure_address(["Avenue Appia 20", "Geneva 27, 1211"])
    assert (address.street_address, address.locality, address.postal_code, address.country) == (
        "Avenue Appia 20",
        "Geneva 27",
        "1211",
        "",
    )
    # "ST" is no US state: the place is read, the country is not guessed.
    assert structure_address(["P.O. Box 0000", "Exampleton, ST 00000"]).country == ""


def test_every_sample_address_prints_back_as_the_document_lines(jmml, examplitis):
    for parsed in [*jmml.organizations, *examplitis.organizations]:
        address = structure_address(parsed.address_lines)
        rebuilt = Organization(name=parsed.name, **vars(address))
        # NORD omits the country of US addresses; Organization.address_lines prints every country it holds.
        implied_country = ["United States"] if address.country == "United States" else []
        assert rebuilt.address_lines == parsed.address_lines + implied_country, parsed.name


# --- Bad files ------------------------------------------------------------------------------------------------------

BAD_FILES = {
    "empty": (b"", "empty"),
    "blank": (b"\r\n  \n\n", "empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    "latin1": ("Health Encyclopedia\n\nTítulo\n".encode("latin-1"), "not UTF-8"),
    "untitled": (b"Health Encyclopedia\n\n\n\nGeneral Discussion\n\nSome text.\n", "no title"),
    "furniture-only": (b"Health Encyclopedia\n", "no title"),
    "bad-date": (JMML.read_bytes().replace(b"5/8/2013", b"May 8th"), "is not a M/D/YYYY date"),
    "stray-text": (
        b"Health Encyclopedia\n\n\nSome Title\n\nA source\n\n\nA stray paragraph.\n\nGeneral Discussion\n\nText.\n",
        "expected synonym or subdivision bullets",
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_raises_an_error_naming_the_file_and_the_problem(tmp_path, kind):
    content, problem = BAD_FILES[kind]
    path = tmp_path / f"{kind}-abstract.txt"
    path.write_bytes(content)
    with pytest.raises(NordImportError, match=problem) as caught:
        read_abstract(path)
    assert str(path) in str(caught.value)
    with pytest.raises(CommandError, match=f"{kind}-abstract.txt.*{problem}"):
        run_command(path)


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_beside_good_ones_fails_the_command_and_writes_nothing(tmp_path, kind):
    (tmp_path / JMML.name).write_bytes(JMML.read_bytes())
    (tmp_path / EXAMPLITIS.name).write_bytes(EXAMPLITIS.read_bytes())
    (tmp_path / f"{kind}.txt").write_bytes(BAD_FILES[kind][0])
    with pytest.raises(CommandError, match=f"{kind}.txt"):
        run_command(tmp_path)
    assert set(row_counts().values()) == {0}


def test_failure_while_writing_a_later_file_rolls_back_the_earlier_ones():
    nord = make_source(name=NORD_NAME, slug="nord")
    other = make_disorder("Renamed Entry", published=False)
    DisorderSource.objects.create(disorder=other, source=nord, reference="examplitis-syndrome")
    # Found by title, but the file's reference belongs to another entry: a human must sort that out.
    make_disorder("Examplitis Syndrome", published=False)
    before = row_counts()
    with pytest.raises(NordImportError, match=r"examplitis-syndrome.*belongs to 'Renamed Entry'"):
        load_abstracts([JMML, EXAMPLITIS])
    assert row_counts() == before
    assert not Disorder.objects.filter(title="Juvenile Myelomonocytic Leukemia").exists()


def test_missing_path_and_directory_without_abstracts_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_command(tmp_path / "missing.txt")
    with pytest.raises(CommandError, match=r"no \.txt files"):
        run_command(tmp_path)


# --- Dry run --------------------------------------------------------------------------------------------------------


def test_dry_run_json_prints_one_object_per_file_and_writes_nothing():
    printed = json.loads(run_command(DEMO_NORD_DIR, "--dry-run", "--format", "json"))
    assert set(row_counts().values()) == {0}
    assert [entry["title"] for entry in printed] == ["Examplitis Syndrome", "Juvenile Myelomonocytic Leukemia"]
    for entry in printed:
        assert list(entry) == [
            "title",
            "source",
            "synonyms",
            "subdivisions",
            "sections",
            "organizations",
            "complete_report",
            "disclaimers",
            "last_updated",
            "copyright",
            "acknowledgement",
        ]
        assert all(set(section) == {"heading", "body"} for section in entry["sections"])
        for org in entry["organizations"]:
            assert list(org) == ["name", "address_lines", "phones", "email", "website"]
            assert all(set(phone) == {"kind", "number"} for phone in org["phones"])
    jmml = printed[1]
    assert jmml["last_updated"] == "2013-05-08"
    assert jmml["synonyms"] == ["chronic myelomonocytic leukemia of infancy", "JMML"]
    assert jmml["organizations"][0]["phones"][2] == {"kind": "toll_free", "number": "(800)323-7938"}
    assert printed[0]["synonyms"][-1] == "Ëxamplitis of Müller"


def test_json_format_without_dry_run_is_refused():
    with pytest.raises(CommandError, match="--dry-run"):
        run_command(JMML, "--format", "json")
    assert set(row_counts().values()) == {0}


# --- Loading --------------------------------------------------------------------------------------------------------


def test_import_creates_a_draft_entry_with_every_part_of_the_document():
    result = load_abstracts([JMML])
    assert (result.created, result.updated, result.unchanged) == (["Juvenile Myelomonocytic Leukemia"], [], [])

    disorder = Disorder.objects.get()
    assert (disorder.title, disorder.slug) == ("Juvenile Myelomonocytic Leukemia", "juvenile-myelomonocytic-leukemia")
    assert disorder.status == Disorder.Status.DRAFT
    assert disorder.published_at is None
    assert disorder.content_changed_at is not None
    assert disorder.version == 1
    assert [s.name for s in disorder.synonyms.all()] == ["chronic myelomonocytic leukemia of infancy", "JMML"]
    assert not disorder.subdivisions.exists()

    nord = Source.objects.get()
    assert (nord.slug, nord.short_name, nord.name, nord.website) == (
        "nord",
        "NORD",
        "National Organization for Rare Disorders, Inc.",
        "https://rarediseases.org",
    )
    section = disorder.sections.get()
    assert (section.kind, section.heading, section.source) == (Section.Kind.GENERAL_DISCUSSION, "", nord)
    assert len(section.body.split("\n\n")) == 2

    attribution = disorder.attributions.get()
    assert attribution.source == nord
    assert attribution.reference == "juvenile-myelomonocytic-leukemia"
    assert attribution.source_updated_on == datetime.date(2013, 5, 8)
    assert attribution.copyright == "Copyright 2013 National Organization for Rare Disorders, Inc."
    assert attribution.complete_report.startswith("This is an abstract of a report from the National Organization")
    disclaimers = attribution.disclaimer.split("\n\n")
    assert len(disclaimers) == 6
    assert disclaimers[0].startswith("The information provided in this report is not intended")

    links = list(disorder.resources.select_related("organization"))
    assert [link.organization.name for link in links][:2] == [
        "Children's Tumor Foundation",
        "Leukemia & Lymphoma Society",
    ]
    assert len(links) == 8
    assert [link.position for link in links] == list(range(8))


def test_imported_organizations_have_structured_addresses_and_typed_phones():
    load_abstracts([JMML, EXAMPLITIS])
    foundation = Organization.objects.get(name="Children's Tumor Foundation")
    assert foundation.slug == "childrens-tumor-foundation"
    assert (foundation.street_address, foundation.locality, foundation.region, foundation.postal_code) == (
        "95 Pine Street\n16th Floor",
        "New York",
        "NY",
        "10005-4002",
    )
    assert foundation.country == "United States"
    assert [(p.kind, p.number) for p in foundation.phones.all()] == [
        (Phone.Kind.TEL, "(212)344-6633"),
        (Phone.Kind.FAX, "(212)747-0004"),
        (Phone.Kind.TOLL_FREE, "(800)323-7938"),
        (Phone.Kind.TDD, "(212)344-6633"),
    ]
    who = Organization.objects.get(name="World Health Organization (WHO)")
    assert (who.locality, who.postal_code, who.country) == ("Geneva 27", "1211", "")
    assert [p.number for p in who.phones.all()] == ["41227912111", "41227913111"]
    assert not Organization.objects.get(name="Rare Cancer Alliance").phones.exists()
    french = Organization.objects.get(name="Société Fictive des Maladies Rares")
    assert (french.locality, french.postal_code, french.country, french.email) == (
        "Lyon",
        "69001",
        "France",
        "contact@example.fr",
    )
    network = Organization.objects.get(name="Examplitis Support Network")
    assert (network.email, network.website) == ("info@example.org", "http://www.example.org")
    for saved in Organization.objects.all():
        assert saved.address_lines, saved.name
    assert Organization.objects.get(name="Example Registry Without Phones").address_lines == [
        "PO Box 99",
        "Nowhere, NV 89000",
        "United States",
    ]


def test_examplitis_entry_gets_subdivisions_and_sub_headed_section():
    load_abstracts([EXAMPLITIS])
    disorder = Disorder.objects.get(title="Examplitis Syndrome")
    assert [s.name for s in disorder.subdivisions.all()] == ["Examplitis type I", "Examplitis type II (late onset)"]
    assert "Ëxamplitis of Müller" in [s.name for s in disorder.synonyms.all()]
    assert disorder.sections.get().body.startswith("### Summary\n\n")
    assert disorder.attributions.get().source_updated_on == datetime.date(2010, 11, 2)


def test_second_import_changes_nothing():
    load_abstracts([JMML, EXAMPLITIS])
    before = row_counts()
    stamps = {d.pk: (d.content_changed_at, d.version, d.updated_at) for d in Disorder.objects.all()}

    result = load_abstracts([JMML, EXAMPLITIS])

    assert (result.created, result.updated) == ([], [])
    assert result.unchanged == ["Juvenile Myelomonocytic Leukemia", "Examplitis Syndrome"]
    assert (result.organizations_created, result.organizations_updated) == ([], [])
    assert row_counts() == before
    assert {d.pk: (d.content_changed_at, d.version, d.updated_at) for d in Disorder.objects.all()} == stamps


def test_entries_saved_signal_is_sent_for_created_and_updated_entries_only():
    received = []

    def receiver(sender, disorders, **kwargs):
        received.extend(disorder.title for disorder in disorders)

    entries_saved.connect(receiver)
    try:
        load_abstracts([JMML])
        load_abstracts([JMML, EXAMPLITIS])
        load_abstracts([JMML], publish=True)
    finally:
        entries_saved.disconnect(receiver)
    assert received == ["Juvenile Myelomonocytic Leukemia", "Examplitis Syndrome", "Juvenile Myelomonocytic Leukemia"]


def test_changed_document_updates_the_entry_and_moves_its_dates(tmp_path):
    load_abstracts([JMML])
    disorder = Disorder.objects.get()
    changed = tmp_path / JMML.name
    changed.write_text(
        JMML.read_text(encoding="utf-8").replace("in 1924.", "in 1924 (revised).").replace("5/8/2013", "6/1/2014"),
        encoding="utf-8",
    )

    result = load_abstracts([changed])

    assert result.updated == ["Juvenile Myelomonocytic Leukemia"]
    updated = Disorder.objects.get()
    assert updated.pk == disorder.pk
    assert updated.version == disorder.version + 1
    assert updated.content_changed_at > disorder.content_changed_at
    assert updated.sections.get().body.endswith("in 1924 (revised).")
    assert updated.attributions.get().source_updated_on == datetime.date(2014, 6, 1)
    assert Section.objects.count() == 1


def test_existing_entry_is_found_by_title_in_any_case_and_keeps_what_editors_added():
    existing = make_disorder("juvenile myelomonocytic leukemia", published=False, synonyms=["JMML", "Editor's name"])
    result = load_abstracts([JMML])
    assert result.updated == ["juvenile myelomonocytic leukemia"]
    assert Disorder.objects.get().pk == existing.pk
    # The document's names are added after the editor's; a name already there (any case) is not repeated.
    assert [s.name for s in existing.synonyms.all()] == [
        "JMML",
        "Editor's name",
        "chronic myelomonocytic leukemia of infancy",
    ]


def test_existing_entry_is_found_by_nord_reference_when_its_title_differs():
    nord = make_source(name=NORD_NAME, slug="nord")
    renamed = make_disorder("JMML (juvenile myelomonocytic leukaemia)", published=False)
    DisorderSource.objects.create(disorder=renamed, source=nord, reference="juvenile-myelomonocytic-leukemia")
    load_abstracts([JMML])
    assert Disorder.objects.get().pk == renamed.pk
    assert Source.objects.count() == 1


def test_new_entry_slug_avoids_current_and_retired_slugs():
    make_disorder("Something Else", slug="juvenile-myelomonocytic-leukemia")
    retired = make_disorder("Another", slug="another")
    PreviousSlug.objects.create(disorder=retired, slug="juvenile-myelomonocytic-leukemia-2")
    load_abstracts([JMML])
    assert Disorder.objects.get(title="Juvenile Myelomonocytic Leukemia").slug == "juvenile-myelomonocytic-leukemia-3"


def test_organization_listed_by_two_abstracts_is_one_row(tmp_path):
    shared = tmp_path / "sharedoma.txt"
    shared.write_text(SHARED_ORGANIZATION_ABSTRACT, encoding="utf-8")

    result = load_abstracts([JMML, shared])

    assert result.created == ["Juvenile Myelomonocytic Leukemia", "Sharedoma"]
    foundation = Organization.objects.get(name__iexact="children's tumor foundation")
    assert foundation.name == "Children's Tumor Foundation"
    assert sorted(link.disorder.title for link in foundation.disorder_links.all()) == [
        "Juvenile Myelomonocytic Leukemia",
        "Sharedoma",
    ]
    # The second abstract's phone does not join the four the organization already has.
    assert foundation.phones.count() == 4
    assert Organization.objects.count() == 8
    assert Disorder.objects.get(title="Sharedoma").subdivisions.count() == 0


def test_existing_organization_is_completed_only_where_empty():
    make_organization("Rare Cancer Alliance")
    make_organization("leukemia & lymphoma society", phones=[(Phone.Kind.TEL, "(914)000-0000")], locality="Rye")

    result = load_abstracts([JMML])

    alliance = Organization.objects.get(name="Rare Cancer Alliance")
    assert alliance.address_lines == ["1649 North Pacana Way", "Green Valley, AZ 85614", "United States"]
    society = Organization.objects.get(name__iexact="Leukemia & Lymphoma Society")
    assert (society.name, society.locality, society.street_address) == ("leukemia & lymphoma society", "Rye", "")
    assert [p.number for p in society.phones.all()] == ["(914)000-0000"]
    assert result.organizations_updated == ["Rare Cancer Alliance"]
    assert len(result.organizations_created) == 6


def test_publish_option_publishes_new_entries():
    output = run_command(JMML, "--publish")
    disorder = Disorder.objects.get()
    assert disorder.status == Disorder.Status.PUBLISHED
    assert disorder.published_at is not None
    assert Disorder.objects.published().count() == 1
    assert "created   Juvenile Myelomonocytic Leukemia" in output
    assert "1 file: 1 created, 0 updated, 0 unchanged" in output


def test_publishing_an_existing_draft_counts_as_an_update_but_not_a_content_change():
    load_abstracts([JMML])
    draft = Disorder.objects.get()
    result = load_abstracts([JMML], publish=True)
    published = Disorder.objects.get()
    assert result.updated == ["Juvenile Myelomonocytic Leukemia"]
    assert published.status == Disorder.Status.PUBLISHED
    assert published.content_changed_at == draft.content_changed_at
    assert published.version == draft.version + 1
    # Importing without --publish later leaves the published entry published.
    assert load_abstracts([JMML]).unchanged == ["Juvenile Myelomonocytic Leukemia"]
    assert Disorder.objects.get().status == Disorder.Status.PUBLISHED


def test_command_prints_a_line_per_file_and_totals():
    run_command(JMML)
    output = run_command(DEMO_NORD_DIR)
    assert "created   Examplitis Syndrome" in output
    assert "unchanged Juvenile Myelomonocytic Leukemia" in output
    assert "2 files: 1 created, 0 updated, 1 unchanged; organizations: 4 created, 0 completed." in output


# --- Demo content ---------------------------------------------------------------------------------------------------


def test_load_demo_imports_both_entries_creates_admin_once_and_is_idempotent(
    monkeypatch, django_assert_max_num_queries
):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    first = io.StringIO()
    call_command("load_demo", stdout=first)

    assert Disorder.objects.get(title="Juvenile Myelomonocytic Leukemia").status == Disorder.Status.PUBLISHED
    assert Disorder.objects.get(title="Examplitis Syndrome").status == Disorder.Status.DRAFT
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert "with password" in first.getvalue()
    password = first.getvalue().split("with password ")[1].split(" ")[0]
    assert admin.check_password(password)

    before = row_counts()
    stamps = {d.pk: (d.content_changed_at, d.version) for d in Disorder.objects.all()}
    second = io.StringIO()
    with django_assert_max_num_queries(60):
        call_command("load_demo", stdout=second)
    assert "password" not in second.getvalue()
    assert "Demo entry unchanged: Juvenile Myelomonocytic Leukemia" in second.getvalue()
    assert row_counts() == before
    assert {d.pk: (d.content_changed_at, d.version) for d in Disorder.objects.all()} == stamps
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_load_demo_takes_the_admin_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "chosen-Passw0rd")
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "chosen-Passw0rd" not in out.getvalue()
    assert get_user_model().objects.get(username="admin").check_password("chosen-Passw0rd")


def test_command_attributes_the_import_to_the_named_user(editor):
    call_command("import_nord", str(EXAMPLITIS), "--user", editor.username, stdout=io.StringIO())

    disorder = Disorder.objects.get()
    assert history.entry_versions(disorder.pk).first().revision.user == editor


def test_command_with_an_unknown_user_imports_nothing():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_nord", str(EXAMPLITIS), "--user", "nobody", stdout=io.StringIO())

    assert not Disorder.objects.exists()
