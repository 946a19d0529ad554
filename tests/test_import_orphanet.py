"""The Orphanet importer: packets, nomenclature, retired codes and classification trees, merged idempotently.

Fixtures are real Orphanet data (CC BY 4.0) copied into tests/data/orphanet/ (see its README);
the spreadsheets are built here from rows copied out of the 2025 releases.
"""

import datetime
import io
import json
import logging
import shutil
import tarfile
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from disorders import history, publication
from disorders.history import recording
from disorders.importers.nord import load_abstracts
from disorders.importers.orphanet import (
    GROUPS_ROOT_NAME,
    ORPHANET_NOTICE,
    Mapping,
    OrphanetImportError,
    Reference,
    SkippedPacket,
    load_orphanet,
    read_classifications,
    read_nomenclature,
    read_packets,
)
from disorders.models import (
    Classification,
    Code,
    Disorder,
    DisorderName,
    DisorderSource,
    Publication,
    PublishedEntry,
    RetiredCode,
    Section,
    Source,
    Subdivision,
    Synonym,
)
from disorders.signals import entries_saved
from encyclopedia.markup import render_markdown
from tests.conftest import DEMO_NORD_DIR, PROJECT_DIR, SHARED_DIR
from tests.factories import make_code, make_disorder

pytestmark = pytest.mark.django_db

DATA = PROJECT_DIR / "tests" / "data" / "orphanet"
PACKETS = DATA / "packets"
TREES = DATA / "classifications"
JMML_PACKET = PACKETS / "ORPHApacket_86834.json"
REAL_DATA = SHARED_DIR / "data" / "orphanet"

# Rows copied from ORPHAnomenclature_MasterFile_en_2025.xlsx (July 2025): one row per code or synonym.
NOMENCLATURE = {
    "ICD10": [
        ("ORPHAcode", "PreferredTerm", "Synonyms", "ICDcodes"),
        ("86834", "Juvenile myelomonocytic leukemia", None, "C93.3"),
        ("86834", "Juvenile myelomonocytic leukemia", "Juvenile chronic myelomonocytic leukemia", None),
        ("86834", "Juvenile myelomonocytic leukemia", "JMML", None),
        ("2494", "Ménétrier disease", None, "K29.6"),
        ("2494", "Ménétrier disease", "Hypoproteinemic hypertrophic gastropathy", None),
        ("166421", "Orgasm-induced seizures", None, "G40.5"),
        ("375", "Anti-glomerular basement membrane disease", None, "M31.0+"),
        ("375", "Anti-glomerular basement membrane disease", "Anti-GBM syndrome", "N08.5*"),
        ("566862", "Left sided atrial isomerism", None, "Q20.6"),
        ("566862", "Left sided atrial isomerism", "LAI", None),
        ("566862", "Left sided atrial isomerism", "Isomerism of left atrial appendage", None),
    ],
    "ICD11": [
        ("ORPHAcode", "PreferredTerm", "Synonyms", "ICD-11 MMS codes", "ICD-11 URI"),
        ("86834", "Juvenile myelomonocytic leukemia", None, "2A42", "1786015803"),
        ("86834", "Juvenile myelomonocytic leukemia", "JMML", None, None),
        ("2494", "Ménétrier disease", None, "DA42.6", "1343994188"),
        ("166421", "Orgasm-induced seizures", None, "8A61.40", "551362699"),
        ("375", "Anti-glomerular basement membrane disease", None, "MF85", "591736785"),
        ("566862", "Left sided atrial isomerism", None, "LA8Y", "108224239"),
    ],
}
# Rows copied from List_of_rare_diseases_2025_en.xlsx (July 2025), header as published (with its trailing space).
RARE_DISEASE_LIST = {
    "Read_me": [(None, None, "This file is the property of Orphanet, the online knowledge base on rare diseases.")],
    "List_deprecated_obsoleted": [
        (
            "Inactive ORPHAcode ",
            "Inactive Label",
            "Type of label",
            "Classification level",
            "Status",
            "Target active ORPHAcode",
            "Target active label",
        ),
        (
            "ORPHA:1804",
            "Dyssegmental dysplasia-glaucoma syndrome",
            "Main name",
            "Disorder",
            "Deprecated",
            "ORPHA:156731",
            "Dyssegmental dysplasia, Rolland-Desbuquois type",
        ),
        ("ORPHA:202", "Crandall syndrome", "Main name", "Disorder", "Deprecated", "ORPHA:123", "Björnstad syndrome"),
        ("ORPHA:77", "OBSOLETE: Aniridia", "Main name", "Group of disorders", "Obsolete", "ORPHA:88632", "Anterior"),
        ("ORPHA:89832", "OBSOLETE: Syndromic lymphedema", "Main name", "Group of disorders", "Obsolete", None, None),
        # The published sheet ends with thousands of empty rows.
        (None, None, None, None, None, None, None),
    ],
}

COUNTED_MODELS = [
    Disorder,
    Synonym,
    Subdivision,
    Section,
    DisorderSource,
    Source,
    Code,
    Classification,
    Disorder.classifications.through,
    RetiredCode,
]


def row_counts():
    counts = {model.__name__: model.objects.count() for model in COUNTED_MODELS}
    counts["revisions"] = history.entry_versions().count()
    return counts


def write_workbook(path, sheets):
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def packet_archive(path, sources=PACKETS):
    """A .tar.gz laid out as Orphanet publishes it: json/ORPHApacket_<code>.json."""
    with tarfile.open(path, "w:gz") as archive:
        for source in sorted(sources.iterdir()):
            archive.add(source, arcname=f"json/{source.name}")
    return path


def run_command(*args, stderr=None):
    out = io.StringIO()
    call_command("import_orphanet", *map(str, args), stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def entry(code):
    return Disorder.objects.get(codes__system=Code.System.ORPHA, codes__value=code)


def names(queryset):
    return [row.name for row in queryset]


def codes_of(disorder):
    return set(disorder.codes.values_list("system", "value", "relation"))


def node(code):
    return Classification.objects.get(external_id=f"ORPHA:{code}")


@pytest.fixture
def nomenclature(tmp_path):
    return write_workbook(tmp_path / "ORPHAnomenclature_MasterFile_en_2025.xlsx", NOMENCLATURE)


@pytest.fixture
def rare_disease_list(tmp_path):
    return write_workbook(tmp_path / "List_of_rare_diseases_2025_en.xlsx", RARE_DISEASE_LIST)


@pytest.fixture
def packets():
    return {packet.code: packet for packet in read_packets(PACKETS)}


# --- Reading packets ------------------------------------------------------------------------------------------------


def test_jmml_packet_becomes_a_draft_entry_field_by_field():
    result = load_orphanet(packets=JMML_PACKET)

    assert (result.created, result.updated, result.skipped) == (["Juvenile myelomonocytic leukemia"], [], [])
    disorder = Disorder.objects.get()
    assert (disorder.title, disorder.slug) == ("Juvenile myelomonocytic leukemia", "juvenile-myelomonocytic-leukemia")
    assert (disorder.status, disorder.published_at, disorder.version) == (Disorder.Status.DRAFT, None, 1)
    assert disorder.content_changed_at is not None
    assert (disorder.prevalence, disorder.age_of_onset, disorder.inheritance) == (
        "1-9 / 1 000 000",
        "Childhood, Infancy",
        "Not applicable",
    )
    assert names(disorder.synonyms.all()) == ["Juvenile chronic myelomonocytic leukemia", "JMML"]
    assert codes_of(disorder) == {("ORPHA", "86834", "exact"), ("OMIM", "607785", "exact")}

    orphanet = Source.objects.get()
    assert (orphanet.slug, orphanet.name, orphanet.short_name, orphanet.website) == (
        "orphanet",
        "Orphanet",
        "Orphanet",
        "https://www.orpha.net",
    )
    assert orphanet.notice == ORPHANET_NOTICE
    assert "CC BY 4.0" in orphanet.notice and "INSERM" in orphanet.notice

    section = disorder.sections.get()
    assert (section.kind, section.heading, section.source, section.position) == (
        Section.Kind.DEFINITION,
        "",
        orphanet,
        0,
    )
    assert section.body.startswith("A rare myelodysplastic/myeloproliferative neoplasm characterized by")
    assert section.body.endswith("constitutional symptoms signs of infection and hepatosplenomegaly.")

    attribution = disorder.attributions.get()
    assert (attribution.source, attribution.reference, attribution.url, attribution.copyright) == (
        orphanet,
        "ORPHA:86834",
        "https://www.orpha.net/en/disease/detail/86834",
        "Orphanet (c) 2025",
    )
    # The packet's creation date is the source's own date for its text.
    assert attribution.source_updated_on == datetime.date(2025, 12, 9)
    # Genes and phenotypes are not part of an entry.
    assert Disorder.objects.count() == 1


def test_new_entry_gets_one_revision_by_the_system_user():
    load_orphanet(packets=JMML_PACKET)
    versions = list(history.entry_versions(Disorder.objects.get().pk))
    assert len(versions) == 1
    assert versions[0].revision.comment == "Imported from Orphanet (ORPHApacket_86834.json)"
    assert versions[0].revision.user.username == "system"


def test_the_shapes_orphanet_uses_for_one_list_all_read_the_same(packets):
    # Cyclic neutropenia wraps its lists once ({"Prevalence": [...]}); Ménétrier disease wraps each item.
    cyclic = packets["2686"]
    assert (cyclic.prevalence, cyclic.age_of_onset, cyclic.inheritance) == (
        "1-9 / 1 000 000",
        "All ages",
        "Autosomal dominant",
    )
    assert cyclic.parents == [Reference("101987", "Congenital neutropenia")]
    assert cyclic.mappings == [Mapping("OMIM", "162800", "exact")]
    menetrier = packets["2494"]
    assert (menetrier.prevalence, menetrier.age_of_onset, menetrier.inheritance) == (
        "Unknown",
        "Adolescent, Adult, Childhood",
        "Autosomal dominant, Not applicable, Unknown",
    )
    # CLN6 disease wraps each external reference in {"ExternalReference": {...}}.
    assert packets["228363"].mappings == [Mapping("OMIM", "204300", "narrower"), Mapping("OMIM", "601780", "narrower")]


def test_prevalence_prefers_a_point_prevalence_for_a_wide_area_over_unknown_and_local_figures(packets):
    # Neuronal ceroid lipofuscinosis: "Unknown" worldwide, figures for Italy and Norway, 1-9 / 100 000 in Europe.
    assert packets["216"].prevalence == "1-9 / 100 000"
    # CLN6 disease: cases/families without data, and a worldwide point prevalence class.
    assert packets["228363"].prevalence == "<1 / 1 000 000"
    # Mantle cell lymphoma: incidences for the United States and France, point prevalence for Europe.
    assert packets["52416"].prevalence == "1-9 / 100 000"


def test_definition_italics_and_entities_become_markdown_that_renders_as_written(packets):
    fasciolopsiasis = packets["658909"].definition
    assert "flatworm *Fasciolopsis buski* by ingestion" in fasciolopsiasis
    assert "30 to 60 days after exposure" in fasciolopsiasis  # &nbsp; became a space
    assert "<em>Fasciolopsis buski</em>" in render_markdown(fasciolopsiasis)
    # Backticks used as opening quotes must not start code spans.
    rendered = render_markdown(packets["52416"].definition)
    assert "<code>" not in rendered
    assert "``mantle zone''" in rendered


def test_omim_codes_carry_the_relation_orphanet_states_seen_from_the_omim_side():
    result = load_orphanet(packets=PACKETS)
    # BTNT: "ORPHAcode is broader than the targeted code", so the OMIM code is the narrower one.
    assert codes_of(entry("228363")) >= {("OMIM", "204300", "narrower"), ("OMIM", "601780", "narrower")}
    assert ("OMIM", "204300", "exact") in codes_of(entry("700477"))
    # NTBT: "ORPHAcode is narrower than the targeted code", so the OMIM code is the broader one.
    assert ("OMIM", "601780", "broader") in codes_of(entry("700467"))
    # Duane retraction syndrome also maps OMIM 616219 as ND (not decided): no relation to claim, no row.
    duane = {value: relation for system, value, relation in codes_of(entry("233")) if system == "OMIM"}
    assert duane == {"126800": "exact", "604356": "narrower", "617041": "narrower"}
    assert result.notes["OMIM codes mapped 'ND' (neither exact, narrower nor broader): not imported"] == 1


# --- Groups, trees and subtypes -------------------------------------------------------------------------------------


def test_groups_become_classification_nodes_under_one_root_when_no_tree_is_given():
    result = load_orphanet(packets=PACKETS)

    assert result.groups == 2
    assert len(result.created) == 13
    assert not Disorder.objects.filter(title__in=["Neuronal ceroid lipofuscinosis", "Myeloid hemopathy"]).exists()
    root = Classification.objects.get(name=GROUPS_ROOT_NAME)
    assert (root.parent, root.description) == (None, ORPHANET_NOTICE)
    group = node("216")
    assert (group.name, group.parent) == ("Neuronal ceroid lipofuscinosis", root)
    assert group.description.startswith("Neuronal ceroid lipofuscinoses (NCLs) are a group of inherited")
    assert group.description.endswith("*Source: [Orphanet](https://www.orpha.net/en/disease/detail/216), CC BY 4.0.*")
    # A parent group without a packet of its own is known by the label its children give it.
    assert (node("98261").name, node("98261").parent) == ("Progressive myoclonic epilepsy", root)
    assert set(names(entry("228363").classifications.all())) == {
        "Neuronal ceroid lipofuscinosis",
        "Progressive myoclonic epilepsy",
    }
    assert set(names(entry("86834").classifications.all())) == {
        "Myelodysplastic/myeloproliferative disease",
        "Pediatric myeloid cancer",
    }
    # A subtype's parent is an entry, not a group.
    assert not entry("700477").classifications.exists()


def test_classification_trees_nest_the_groups_and_place_entries_in_them():
    load_orphanet(packets=PACKETS, classifications=TREES)

    hematological = Classification.objects.get(name="Orphanet classification of rare hematological diseases")
    # The tree's top group ("Rare hematologic disease") is folded into the root named after the tree.
    assert (hematological.parent, hematological.external_id) == (None, "ORPHA:97992")
    group = node("98275")
    assert group.name == "Myelodysplastic/myeloproliferative disease"
    assert names(group.ancestors()) == [
        "Orphanet classification of rare hematological diseases",
        "Tumor of hematopoietic and lymphoid tissues",
        "Myeloid hemopathy",
    ]
    jmml = entry("86834")
    # A group a tree places is not repeated under the flat root; one no tree holds still is.
    assert set(jmml.classifications.all()) == {group, node("602665")}
    assert node("602665").parent.name == GROUPS_ROOT_NAME
    assert names(node("216").ancestors()) == [
        "Orphanet classification of rare inborn errors of metabolism",
        "Lysosomal disease",
    ]
    assert node("216") in entry("228363").classifications.all()
    # Subtypes sit under their disease in the tree: they become its subdivisions, not members of a group.
    assert not entry("700477").classifications.exists()
    # A tree whose root node has no disorder: the root is named after the classification and has no code.
    undetermined = Classification.objects.get(
        name="Orphanet classification of rare disorder without a determined diagnosis"
    )
    assert (undetermined.parent, undetermined.external_id, undetermined.children.count()) == (None, "", 0)


def test_classification_tree_reader_keeps_nesting_and_lifts_children_of_an_anonymous_root():
    trees = {tree.identifier: tree for tree in read_classifications(TREES)}
    assert set(trees) == {"150", "194", "235"}
    metabolism = trees["150"]
    assert metabolism.name == "Orphanet classification of rare inborn errors of metabolism"
    [top] = metabolism.roots
    assert (top.code, top.name, top.disorder_type) == ("68367", "Rare inborn errors of metabolism", "Category")
    cln6 = top.children[0].children[0].children[0]
    assert (cln6.code, cln6.disorder_type) == ("228363", "Disease")
    assert [child.name for child in cln6.children] == [
        "Adult CLN6 disease",
        "Late infantile CLN6 disease",
        "Juvenile CLN6 disease",
    ]
    assert [(root.code, root.disorder_type) for root in trees["235"].roots] == [("616874", "Disease")]


def test_subtypes_get_their_own_entries_and_are_listed_as_linked_subdivisions():
    load_orphanet(packets=PACKETS, classifications=TREES)

    cln6 = entry("228363")
    listed = [(row.name, row.linked_disorder.title, row.position) for row in cln6.subdivisions.all()]
    # Packets are read in file-name order: 700467, 700472, 700477.
    assert listed == [
        ("Late infantile CLN6 disease", "Late infantile CLN6 disease", 0),
        ("Juvenile CLN6 disease", "Juvenile CLN6 disease", 1),
        ("Adult CLN6 disease", "Adult CLN6 disease", 2),
    ]
    adult = entry("700477")
    assert names(adult.synonyms.all()) == ["Adult neuronal ceroid lipofuscinosis type 6"]
    assert adult.inheritance == "Autosomal recessive"
    assert not adult.subdivisions.exists()
    assert Subdivision.objects.count() == 3


# --- Nomenclature and retired codes ---------------------------------------------------------------------------------


def test_nomenclature_adds_icd_codes_and_the_names_packets_lack(nomenclature):
    result = load_orphanet(packets=PACKETS, nomenclature=nomenclature)

    jmml = entry("86834")
    assert codes_of(jmml) >= {("ICD-10", "C93.3", "exact"), ("ICD-11", "2A42", "exact")}
    # Names the packet already gives are not repeated.
    assert names(jmml.synonyms.all()) == ["Juvenile chronic myelomonocytic leukemia", "JMML"]
    isomerism = entry("566862")
    assert names(isomerism.synonyms.all()) == [
        "LAI",
        "Left atrial isomerism",
        "Left sided atrial isomerism",  # the preferred term of July, before the December label
        "Isomerism of left atrial appendage",
    ]
    assert names(entry("166421").synonyms.all()) == ["Orgasm-induced seizures"]
    assert codes_of(entry("166421")) >= {("ICD-10", "G40.5", "exact"), ("ICD-11", "8A61.40", "exact")}
    # ORPHA:375 has no packet in this run and no entry.
    assert result.notes["nomenclature rows for ORPHAcodes without an entry: not imported"] == 1


def test_icd10_dagger_and_asterisk_marks_are_not_part_of_the_code(nomenclature):
    anti_gbm = read_nomenclature(nomenclature)["375"]
    assert anti_gbm.codes == [
        Mapping("ICD-10", "M31.0", "exact"),
        Mapping("ICD-10", "N08.5", "exact"),
        Mapping("ICD-11", "MF85", "exact"),
    ]
    assert (anti_gbm.preferred_term, anti_gbm.synonyms) == (
        "Anti-glomerular basement membrane disease",
        ["Anti-GBM syndrome"],
    )


def test_nomenclature_on_its_own_enriches_entries_imported_before(nomenclature):
    load_orphanet(packets=PACKETS)
    before = entry("86834")

    result = load_orphanet(nomenclature=nomenclature)

    assert set(result.updated) == {
        "Juvenile myelomonocytic leukemia",
        "Ménétrier disease",
        "Orgasm-induced epilepsy",
        "Left isomerism",
    }
    after = entry("86834")
    assert after.version == before.version + 1
    assert after.content_changed_at > before.content_changed_at
    assert (
        history.latest_revision(after).comment == "Imported from Orphanet (ORPHAnomenclature_MasterFile_en_2025.xlsx)"
    )


def test_rare_disease_list_records_deprecated_and_obsolete_codes_with_their_replacement(rare_disease_list):
    result = load_orphanet(rare_disease_list=rare_disease_list)

    rows = set(RetiredCode.objects.values_list("system", "value", "status", "replaced_by"))
    assert rows == {
        ("ORPHA", "1804", "deprecated", "156731"),
        ("ORPHA", "202", "deprecated", "123"),
        ("ORPHA", "77", "obsolete", "88632"),
        ("ORPHA", "89832", "obsolete", ""),
    }
    assert (result.retired_created, result.retired_updated) == (4, 0)
    again = load_orphanet(rare_disease_list=rare_disease_list)
    assert (again.retired_created, again.retired_updated, again.retired_unchanged) == (0, 0, 4)


def test_entry_under_a_deprecated_code_is_matched_by_its_replacement(rare_disease_list):
    existing = make_disorder("Dyssegmental dysplasia-glaucoma syndrome", published=False)
    make_code(existing, value="1804")

    result = load_orphanet(packets=PACKETS / "ORPHApacket_156731.json", rare_disease_list=rare_disease_list)

    assert result.updated == ["Dyssegmental dysplasia-glaucoma syndrome"]
    merged = Disorder.objects.get()
    assert merged.title == "Dyssegmental dysplasia-glaucoma syndrome"
    assert {value for system, value, _ in codes_of(merged) if system == "ORPHA"} == {"1804", "156731"}
    assert names(merged.synonyms.all()) == ["Dyssegmental dysplasia, Rolland-Desbuquois type"]


# --- Merging with existing entries ----------------------------------------------------------------------------------


def test_orphanet_enriches_the_founding_nord_entry_and_leaves_its_text_alone():
    load_abstracts([DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt"])
    before = Disorder.objects.get()
    discussion = before.sections.get()

    result = load_orphanet(packets=JMML_PACKET, classifications=TREES)

    assert (result.created, result.updated) == ([], ["Juvenile Myelomonocytic Leukemia"])
    disorder = Disorder.objects.get()
    assert (disorder.pk, disorder.title, disorder.slug) == (before.pk, before.title, before.slug)
    assert names(disorder.synonyms.all()) == [
        "chronic myelomonocytic leukemia of infancy",
        "JMML",
        "Juvenile chronic myelomonocytic leukemia",
    ]
    assert codes_of(disorder) == {("ORPHA", "86834", "exact"), ("OMIM", "607785", "exact")}
    sections = list(disorder.sections.select_related("source"))
    assert [(s.kind, s.source.short_name, s.position) for s in sections] == [
        (Section.Kind.GENERAL_DISCUSSION, "NORD", 0),
        (Section.Kind.DEFINITION, "Orphanet", 1),
    ]
    assert (sections[0].pk, sections[0].body) == (discussion.pk, discussion.body)
    assert set(disorder.attributions.values_list("source__short_name", "reference")) == {
        ("NORD", "juvenile-myelomonocytic-leukemia"),
        ("Orphanet", "ORPHA:86834"),
    }
    assert node("98275") in disorder.classifications.all()
    assert (disorder.prevalence, disorder.age_of_onset) == ("1-9 / 1 000 000", "Childhood, Infancy")
    assert disorder.version == before.version + 1
    assert disorder.content_changed_at > before.content_changed_at
    assert (
        history.latest_revision(disorder).comment == "Imported from Orphanet (ORPHApacket_86834.json, classifications)"
    )
    assert history.entry_versions(disorder.pk).count() == 2


def test_titles_and_synonyms_match_whatever_their_case_and_accents():
    menetrier = make_disorder("MENETRIER DISEASE", published=False)
    duane = make_disorder("Stilling-Duane", published=False, synonyms=["duane RETRACTION syndrome"])

    load_orphanet(packets=PACKETS)

    assert entry("2494").pk == menetrier.pk
    assert entry("2494").title == "MENETRIER DISEASE"
    # The Orphanet label is the title with accents: nothing to add.
    assert names(menetrier.synonyms.all()) == [
        "Hypoproteinemic hypertrophic gastropathy",
        "Giant hypertrophic gastritis",
    ]
    assert entry("233").pk == duane.pk
    assert names(duane.synonyms.all()) == [
        "duane RETRACTION syndrome",
        "DRS",
        "DURS",
        "Duane syndrome",
        "Stilling-Turk-Duane syndrome",
    ]


def test_an_abbreviation_two_entries_share_does_not_merge_them():
    unrelated = make_disorder("Dental root sensitivity", published=False, synonyms=["DRS"])
    load_orphanet(packets=PACKETS / "ORPHApacket_233.json")
    assert entry("233").pk != unrelated.pk
    assert Disorder.objects.count() == 2


def test_an_entry_tied_to_another_orpha_code_is_not_matched_by_name():
    other = make_disorder("Cyclic neutropenia", published=False)
    make_code(other, value="999999")
    load_orphanet(packets=PACKETS / "ORPHApacket_2686.json")
    imported = entry("2686")
    assert imported.pk != other.pk
    assert imported.slug == "cyclic-neutropenia-2"


def test_a_packet_matching_several_entries_is_skipped_with_the_reason():
    make_disorder("Cyclic neutropenia", slug="cyclic-neutropenia", published=False)
    make_disorder("cyclic neutropenia", slug="cyclic-neutropenia-again", published=False)

    output = run_command("--packets", PACKETS / "ORPHApacket_2686.json")

    assert Disorder.objects.count() == 2
    assert not Code.objects.exists()
    assert "skipped   ORPHA:2686 Cyclic neutropenia: its names match several entries" in output
    assert "0 created, 0 updated, 0 unchanged, 1 skipped" in output
    result = load_orphanet(packets=PACKETS / "ORPHApacket_2686.json")
    assert result.skipped == [
        SkippedPacket(
            "2686", "Cyclic neutropenia", "its names match several entries: 'Cyclic neutropenia', 'cyclic neutropenia'"
        )
    ]


def test_text_and_facts_written_by_editors_are_never_overwritten():
    existing = make_disorder(
        "Cyclic neutropenia",
        published=False,
        prevalence="About 1 in a million",
        sections=[(Section.Kind.DEFINITION, "Our own definition.")],
    )

    result = load_orphanet(packets=PACKETS / "ORPHApacket_2686.json")

    existing.refresh_from_db()
    definition = existing.sections.get()
    assert (definition.body, definition.source) == ("Our own definition.", None)
    assert existing.prevalence == "About 1 in a million"
    # Empty facts are filled.
    assert (existing.age_of_onset, existing.inheritance) == ("All ages", "Autosomal dominant")
    assert result.notes["Orphanet definition not imported: the entry has one by an editor or another source"] == 1
    assert result.notes["prevalence kept: the entry states it differently"] == 1


def test_orphanets_own_definition_follows_a_new_release(tmp_path):
    load_orphanet(packets=JMML_PACKET)
    before = Disorder.objects.get()
    data = json.loads(JMML_PACKET.read_text(encoding="utf-8"))
    data["Orphapacket"]["TextSection"]["Contents"] += " A sentence added in a later release."
    changed = tmp_path / JMML_PACKET.name
    changed.write_text(json.dumps(data), encoding="utf-8")

    result = load_orphanet(packets=changed)

    assert result.updated == ["Juvenile myelomonocytic leukemia"]
    after = Disorder.objects.get()
    assert after.sections.get().body.endswith("hepatosplenomegaly. A sentence added in a later release.")
    assert after.version == before.version + 1


def test_second_import_changes_nothing(nomenclature, rare_disease_list):
    inputs = {
        "packets": PACKETS,
        "nomenclature": nomenclature,
        "rare_disease_list": rare_disease_list,
        "classifications": TREES,
    }
    first = load_orphanet(**inputs)
    before = row_counts()
    stamps = {d.pk: (d.content_changed_at, d.version, d.updated_at) for d in Disorder.objects.all()}

    again = load_orphanet(**inputs)

    assert (again.created, again.updated, again.skipped) == ([], [], [])
    assert sorted(again.unchanged) == sorted(first.created)
    assert (again.nodes_created, again.nodes_updated, again.retired_created, again.retired_updated) == (0, 0, 0, 0)
    assert row_counts() == before
    assert {d.pk: (d.content_changed_at, d.version, d.updated_at) for d in Disorder.objects.all()} == stamps


def test_entries_saved_is_sent_once_per_created_or_changed_entry():
    received = []

    def receiver(sender, disorders, **kwargs):
        received.extend(disorder.title for disorder in disorders)

    entries_saved.connect(receiver)
    try:
        load_orphanet(packets=PACKETS)
        count = len(received)
        load_orphanet(packets=PACKETS)
    finally:
        entries_saved.disconnect(receiver)
    assert count == 13
    assert len(received) == len(set(received)) == 13


def test_publish_publishes_the_entries_of_the_run_but_not_archived_ones():
    archived = make_disorder("Cyclic neutropenia", published=False, status=Disorder.Status.ARCHIVED)

    load_orphanet(packets=PACKETS, publish=True)

    archived.refresh_from_db()
    assert archived.status == Disorder.Status.ARCHIVED
    published = Disorder.objects.exclude(pk=archived.pk)
    assert published.count() == 12
    assert set(published.values_list("status", flat=True)) == {Disorder.Status.PUBLISHED}
    assert Disorder.objects.published().count() == 12


def test_a_published_import_links_subtypes_published_with_it_and_builds_what_a_rebuild_builds(
    client, forking, caplog, monkeypatch
):
    # Batches as at full size: each batch written once the next is recorded, in statements of a few entries.
    monkeypatch.setattr(recording, "BATCH_SIZE", 5)
    monkeypatch.setattr(publication, "BATCH_SIZE", 2)
    with caplog.at_level(logging.WARNING, logger="encyclopedia.workers"):
        load_orphanet(packets=PACKETS, classifications=TREES, publish=True)
    assert len(forking) == 3 and not caplog.records  # each batch's documents built in a worker, with no query

    # CLN6 comes before its subtypes: they were not yet published when its page was built.
    page = client.get(entry("228363").get_absolute_url()).content.decode()
    for code in ("700467", "700472", "700477"):
        assert f'<a href="{entry(code).get_absolute_url()}">' in page
    # Built from the rows the recording fetched, beside the next batch's recording: what a rebuild here builds.
    built = dict(PublishedEntry.objects.values_list("pk", "document"))
    assert len(built) == Disorder.objects.count()
    for pk, revision_id in PublishedEntry.objects.values_list("pk", "revision_id"):
        assert revision_id == history.latest_revision(Disorder(pk=pk)).pk
    assert Publication.objects.count() == len(built)
    publication.publish_many(list(built), user=None, rebuild=True)
    assert dict(PublishedEntry.objects.values_list("pk", "document")) == built


# --- Bad files, dry runs and limits ---------------------------------------------------------------------------------


def truncated_archive(tmp_path):
    archive = packet_archive(tmp_path / "orphapacket.tar.gz")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return ["--packets", archive], "orphapacket.tar.gz: is not a readable .tar.gz archive, or it is truncated"


def malformed_json_in_archive(tmp_path):
    packets = tmp_path / "json"
    shutil.copytree(PACKETS, packets)
    (packets / "ORPHApacket_86834.json").write_text('{"Orphapacket": {"ORPHAcode": "86834",', encoding="utf-8")
    archive = packet_archive(tmp_path / "orphapacket.tar.gz", packets)
    return ["--packets", archive], r"orphapacket.tar.gz: json/ORPHApacket_86834.json: malformed JSON \("


def malformed_json_in_directory(tmp_path):
    packets = tmp_path / "json"
    shutil.copytree(PACKETS, packets)
    (packets / "ORPHApacket_2494.json").write_text("not json", encoding="utf-8")
    return ["--packets", packets], r"ORPHApacket_2494.json: malformed JSON \(Expecting value at line 1 column 1\)"


def packet_without_label(tmp_path):
    data = json.loads(JMML_PACKET.read_text(encoding="utf-8"))
    del data["Orphapacket"]["Label"]
    path = tmp_path / "ORPHApacket_86834.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return ["--packets", path], "ORPHApacket_86834.json: ORPHA:86834 has no Label"


def jmml_packet_with(tmp_path, **changes):
    data = json.loads(JMML_PACKET.read_text(encoding="utf-8"))
    data["Orphapacket"].update(changes)
    path = tmp_path / "ORPHApacket_86834.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def packet_with_a_label_list(tmp_path):
    path = jmml_packet_with(tmp_path, Label=["Juvenile myelomonocytic leukemia", "JMML"])
    return ["--packets", path], "ORPHApacket_86834.json: ORPHA:86834: Label is a list, expected text"


def packet_with_a_fractional_code(tmp_path):
    path = jmml_packet_with(tmp_path, ORPHAcode=123.5)
    return ["--packets", path], "ORPHApacket_86834.json: ORPHAcode 123.5 is not a whole number"


def packet_with_a_code_that_is_not_a_number(tmp_path):
    path = jmml_packet_with(tmp_path, ORPHAcode="ORPHA:86834")
    return ["--packets", path], "ORPHApacket_86834.json: ORPHAcode 'ORPHA:86834' is not a number"


def packet_with_a_type_list(tmp_path):
    path = jmml_packet_with(tmp_path, DisorderType=[{"value": "Disease"}])
    return ["--packets", path], "ORPHApacket_86834.json: ORPHA:86834: DisorderType is a list, expected text"


def packet_with_a_fractional_parent_code(tmp_path):
    path = jmml_packet_with(tmp_path, Parents=[{"Parent": {"ORPHAcode": 98275.5, "Label": "Group"}}])
    expected = "ORPHApacket_86834.json: ORPHA:86834: a parent's ORPHAcode 98275.5 is not a whole number"
    return ["--packets", path], expected


def nomenclature_with_wrong_sheets(tmp_path):
    path = write_workbook(tmp_path / "nomenclature.xlsx", {"Sheet": [("ORPHAcode", "Name")]})
    expected = "nomenclature.xlsx: is not the Orphanet nomenclature master file .expected a sheet named 'ICD10'"
    return ["--packets", PACKETS, "--nomenclature", path], expected


def nomenclature_without_its_code_column(tmp_path):
    sheets = {"ICD10": [("ORPHAcode", "PreferredTerm", "Synonyms")], "ICD11": NOMENCLATURE["ICD11"]}
    path = write_workbook(tmp_path / "nomenclature.xlsx", sheets)
    return ["--packets", PACKETS, "--nomenclature", path], "nomenclature.xlsx: sheet 'ICD10' has no column 'ICDcodes'"


def rare_disease_list_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "List_of_rare_diseases.xlsx"
    path.write_text("ORPHAcode;Label\n", encoding="utf-8")
    return ["--packets", PACKETS, "--rare-disease-list", path], "List_of_rare_diseases.xlsx: is not an .xlsx workbook"


def rare_disease_list_with_wrong_sheets(tmp_path):
    path = write_workbook(tmp_path / "list.xlsx", {"List_active_by_ORPHAcode": [("ORPHAcode", "Label")]})
    expected = (
        "list.xlsx: is not the Orphanet list of rare diseases .expected a sheet named 'List_deprecated_obsoleted'"
    )
    return ["--rare-disease-list", path], expected


def malformed_classification(tmp_path):
    trees = tmp_path / "classifications"
    shutil.copytree(TREES, trees)
    cut = trees / "ORPHAclassification_194_rare_hematological_diseases_en.xml"
    cut.write_text(cut.read_text(encoding="utf-8")[:1500], encoding="utf-8")
    return ["--packets", PACKETS, "--classifications", trees], "ORPHAclassification_194_.*: malformed XML"


def xml_that_is_not_a_classification(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<?xml version='1.0'?><JDBOR><DisorderList/></JDBOR>", encoding="utf-8")
    return ["--classifications", path], "other.xml: is not an Orphanet classification"


BAD_INPUTS = [
    truncated_archive,
    malformed_json_in_archive,
    malformed_json_in_directory,
    packet_without_label,
    packet_with_a_label_list,
    packet_with_a_fractional_code,
    packet_with_a_code_that_is_not_a_number,
    packet_with_a_type_list,
    packet_with_a_fractional_parent_code,
    nomenclature_with_wrong_sheets,
    nomenclature_without_its_code_column,
    rare_disease_list_that_is_not_a_workbook,
    rare_disease_list_with_wrong_sheets,
    malformed_classification,
    xml_that_is_not_a_classification,
]


@pytest.mark.parametrize("bad_input", BAD_INPUTS, ids=lambda bad_input: bad_input.__name__)
def test_a_bad_file_fails_with_a_message_naming_it_and_nothing_is_written(tmp_path, bad_input):
    args, message = bad_input(tmp_path)
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert set(row_counts().values()) == {0}


def test_an_orphacode_written_as_a_whole_number_is_read_as_the_code(tmp_path):
    load_orphanet(packets=jmml_packet_with(tmp_path, ORPHAcode=86834.0))
    assert Code.objects.get(system=Code.System.ORPHA).value == "86834"


def test_a_bad_file_leaves_an_earlier_import_as_it_was(tmp_path):
    load_orphanet(packets=JMML_PACKET)
    before = row_counts()
    args, message = malformed_json_in_directory(tmp_path)
    with pytest.raises(OrphanetImportError, match=message):
        load_orphanet(packets=args[1])
    assert row_counts() == before


def test_missing_paths_are_reported():
    with pytest.raises(CommandError, match=r"missing\.tar\.gz: no such file or directory"):
        run_command("--packets", PACKETS / "missing.tar.gz")
    with pytest.raises(CommandError, match="Give at least one of --packets"):
        run_command()
    with pytest.raises(CommandError, match="--limit must be a positive number"):
        run_command("--packets", PACKETS, "--limit", "0")


def test_dry_run_writes_nothing_and_says_what_a_real_run_would_do(tmp_path, nomenclature):
    archive = packet_archive(tmp_path / "orphapacket.tar.gz")
    errors = io.StringIO()

    output = run_command(
        "--packets", archive, "--nomenclature", nomenclature, "--classifications", TREES, "--dry-run", stderr=errors
    )

    assert set(row_counts().values()) == {0}
    assert "Dry run, nothing written. Entries: 13 created, 0 updated, 0 unchanged, 0 skipped; groups: 2" in output
    # Progress is for terminals only.
    assert errors.getvalue() == ""


def test_limit_reads_only_the_first_packets_of_the_archive(tmp_path):
    archive = packet_archive(tmp_path / "orphapacket.tar.gz")

    output = run_command("--packets", archive, "--limit", "3", "--verbosity", "2")

    # Archive order: ORPHApacket_156731, ORPHApacket_166421, ORPHApacket_216 (a group).
    assert set(Disorder.objects.values_list("title", flat=True)) == {
        "Dyssegmental dysplasia, Rolland-Desbuquois type",
        "Orgasm-induced epilepsy",
    }
    assert "Entries: 2 created, 0 updated, 0 unchanged, 0 skipped; groups: 1;" in output
    assert "created   ORPHA:166421 Orgasm-induced epilepsy" in output


# --- The real data --------------------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not (REAL_DATA / "orphapacket-json-2025-12.tar.gz").exists(),
    reason=f"the Orphanet open data is not in {REAL_DATA} (the shared data folder is absent)",
)
def test_real_release_imports_the_first_300_packets_with_every_file_and_again_changes_nothing(client):
    inputs = {
        "packets": REAL_DATA / "orphapacket-json-2025-12.tar.gz",
        "nomenclature": REAL_DATA / "ORPHAnomenclature_MasterFile_en_2025.xlsx",
        "rare_disease_list": REAL_DATA / "List_of_rare_diseases_2025_en.xlsx",
        "classifications": REAL_DATA / "orphanet-classifications-en-2025.tar.gz",
        "limit": 300,
    }
    result = load_orphanet(**inputs)

    kinds = Counter(packet.kind for packet in read_packets(inputs["packets"], limit=300))
    assert result.skipped == []
    assert (len(result.created), result.groups) == (kinds["disorder"] + kinds["subtype"], kinds["group"])
    assert Disorder.objects.count() == len(result.created)
    assert DisorderSource.objects.filter(source__slug="orphanet").count() == len(result.created)
    assert Code.objects.filter(system=Code.System.ORPHA).count() == len(result.created)
    assert Code.objects.filter(system=Code.System.ICD10).exists()
    assert RetiredCode.objects.count() == 1311
    # 31 classification trees, plus the root of the groups no tree holds.
    assert Classification.objects.filter(parent=None).count() == 32
    assert Section.objects.filter(kind=Section.Kind.DEFINITION, source__slug="orphanet").exists()
    assert Subdivision.objects.exclude(linked_disorder=None).exists()

    before = row_counts()
    again = load_orphanet(**inputs)
    assert (again.created, again.updated) == ([], [])
    assert row_counts() == before

    # Orphanet withdrew ORPHA:34 in favour of a group, ORPHA:79189, that three trees hold: its address lists them.
    response = client.get(reverse("disorders:code", kwargs={"system": "ORPHA", "value": "34"}))
    assert response.status_code == 200
    assert [(node.name, node.parent.name) for node in response.context["nodes"]] == [
        ("Peroxisome biogenesis disorder", "Peroxisomal disease"),
        ("Peroxisome biogenesis disorder", "Rare metabolic liver disease"),
        ("Peroxisome biogenesis disorder", "Syndromic rod-cone dystrophy"),
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_leaves_the_planner_statistics_of_what_it_wrote(tmp_path):
    # Autovacuum may be off or late: without statistics the planner takes 5–12 × longer over new rows.
    run_command("--packets", packet_archive(tmp_path / "packets.tar.gz"), "--publish")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('disorders_disorder', 'disorders_disordername')"
        )
        estimates = dict(cursor.fetchall())
    assert estimates["disorders_disorder"] == Disorder.objects.count() > 0
    assert estimates["disorders_disordername"] == DisorderName.objects.count() > 0
