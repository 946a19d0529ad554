"""Orphanet's prevalence records, genes and HPO signs: imported per entry, merged, idempotent, and clear when malformed.

Fixtures in tests/data/orphanet/facts/ are real packets (CC BY 4.0, see tests/data/orphanet/README.md):
Marfan syndrome (558), Noonan syndrome (648) and Secondary intestinal lymphangiectasia (90363, whose
definition carries a Windows-1252 apostrophe). Other shapes are written by the tests themselves.
"""

import json
import tarfile

import pytest

from disorders import history
from disorders.importers import repair_cp1252
from disorders.importers.orphanet import OrphanetImportError, load_orphanet
from disorders.models import Disorder, DisorderSign, Gene, GeneAssociation, Prevalence, Section, Sign
from tests.conftest import PROJECT_DIR
from tests.factories import make_code, make_disorder, make_disorder_sign
from tests.test_import_orphanet import REAL_DATA, entry, row_counts

pytestmark = pytest.mark.django_db

FACTS = PROJECT_DIR / "tests" / "data" / "orphanet" / "facts"
F = DisorderSign.Frequency


def packet(tmp_path, code="900001", **lists):
    """A fictional packet with the given lists (Genes, Phenotypes, Prevalences, Children) as Orphanet shapes them."""
    data = {"ORPHAcode": code, "Label": f"Examplitis {code}", "DisorderType": {"value": "Disease"}, **lists}
    path = tmp_path / f"ORPHApacket_{code}.json"
    path.write_text(json.dumps({"Orphapacket": data}))
    return path


def gene(symbol="PTPN11", association="Disease-causing germline mutation(s) in", **fields):
    references = [{"Source": "HGNC", "Reference": "9644"}, {"Source": "OMIM", "Reference": "176876"}]
    return {
        "Symbol": symbol,
        "Name": "protein tyrosine phosphatase",
        "ExternalReferences": references,
        "DisorderGeneAssociationType": association,
        **fields,
    }


def phenotype(hpo_id="HP:0001519", term="Disproportionate tall stature", frequency="Very frequent (99-80%)"):
    return {"Phenotype": {"HPOId": hpo_id, "HPOTerm": term, "HPOFrequency": frequency}}


@pytest.fixture
def facts():
    load_orphanet(packets=FACTS)


def test_marfan_gets_its_68_signs_by_frequency_and_its_facts(facts):
    marfan = entry("558")
    signs = list(marfan.signs.select_related("sign"))
    assert len(signs) == 68
    assert [s.frequency for s in signs] == sorted((s.frequency for s in signs), key=list(F).index)
    assert sum(s.frequency == F.VERY_FREQUENT for s in signs) == 10
    assert signs[0].sign.hpo_id.startswith("HP:")
    tall = marfan.signs.get(sign__hpo_id="HP:0001519")
    assert (tall.sign.name, tall.frequency) == ("Disproportionate tall stature", F.VERY_FREQUENT)
    assert (marfan.inheritance, marfan.age_of_onset) == ("Autosomal dominant", "All ages")
    # Every record, the worldwide point prevalence first.
    records = [(p.kind, p.prevalence_class, p.geography, p.source) for p in marfan.prevalences.all()]
    assert len(records) == 6
    assert records[0] == ("Point prevalence", "1-5 / 10 000", "Worldwide", "20301510[PMID]")
    assert records[-1] == ("Annual incidence", "1-5 / 10 000", "Europe", "16325700[PMID]_ORPHANET")
    assert marfan.prevalences.filter(mean_value__isnull=False).count() == 0  # "no data"


def test_noonan_gets_its_genes_with_their_references(facts):
    noonan = entry("648")
    links = list(noonan.gene_associations.select_related("gene"))
    assert len(links) == 14
    ptpn11 = next(link for link in links if link.gene.symbol == "PTPN11")
    assert (ptpn11.gene.name, ptpn11.gene.hgnc_id, ptpn11.gene.omim_id) == (
        "protein tyrosine phosphatase non-receptor type 11",
        "9644",
        "176876",
    )
    assert ptpn11.association == "Disease-causing germline mutation(s) in"
    assert ptpn11.plain_association == "Changes (mutations) in this gene cause the disorder"
    sos1 = noonan.gene_associations.get(gene__symbol="SOS1")
    assert sos1.plain_association == "Changes (mutations) that make this gene overactive cause the disorder"
    assert noonan.signs.count() == 70


def test_windows_1252_leftovers_become_the_characters_meant(facts):
    definition = entry("90363").sections.get(kind=Section.Kind.DEFINITION).body
    assert "Crohn’s disease" in definition
    assert not any("\x80" <= character <= "\x9f" for character in definition)
    assert repair_cp1252("Shprintzen\x96Goldberg \x93x\x94 \x81") == "Shprintzen–Goldberg “x” "


def test_a_second_run_changes_nothing_and_records_no_revision(facts):
    before = row_counts() | {
        model.__name__: model.objects.count() for model in (Prevalence, Gene, GeneAssociation, Sign, DisorderSign)
    }
    again = load_orphanet(packets=FACTS)
    assert (again.created, again.updated, again.genes_created, again.signs_created) == ([], [], 0, 0)
    assert before == row_counts() | {
        model.__name__: model.objects.count() for model in (Prevalence, Gene, GeneAssociation, Sign, DisorderSign)
    }


def test_an_existing_entry_only_gains_rows_and_keeps_what_editors_changed(tmp_path):
    existing = make_disorder("Examplitis 900001")
    make_code(existing, value="900001")
    make_disorder_sign(existing, "HP:0001519", "Tall (an editor's wording)", F.FREQUENT)
    existing.prevalences.create(kind="Point prevalence", prevalence_class="1-9 / 100 000", geography="France")
    Gene.objects.create(symbol="PTPN11", name="", hgnc_id="")
    history.record_revision(existing)
    path = packet(
        tmp_path,
        Genes=[{"Gene": gene()}],
        Phenotypes=[phenotype(), phenotype("HP:0000098", "Tall stature", "Occasional (29-5%)")],
        Prevalences={
            "Prevalence": {
                "PrevalenceType": "Point prevalence",
                "PrevalenceClass": "<1 / 1 000 000",
                "ValMoy": "0.5",
                "PrevalenceGeographic": "Worldwide",
                "PrevalenceQualification": "Value and class",
                "Source": "123[PMID]",
            }
        },
    )

    result = load_orphanet(packets=path)

    assert result.updated == ["Examplitis 900001"]
    assert result.notes["sign frequency kept: the entry states it differently"] == 1
    signs = {(s.sign.hpo_id, s.sign.name, s.frequency) for s in existing.signs.select_related("sign")}
    assert signs == {
        ("HP:0001519", "Tall (an editor's wording)", F.FREQUENT),
        ("HP:0000098", "Tall stature", F.OCCASIONAL),
    }
    assert [(p.prevalence_class, str(p.mean_value)) for p in existing.prevalences.all()] == [
        ("<1 / 1 000 000", "0.5000"),
        ("1-9 / 100 000", "None"),
    ]
    # The shared gene's empty fields are filled.
    assert Gene.objects.values_list("name", "hgnc_id", "omim_id").get() == (
        "protein tyrosine phosphatase",
        "9644",
        "176876",
    )
    latest = history.latest_revision(existing)
    assert latest.comment.startswith("Imported from Orphanet")


def test_genes_as_one_object_and_the_genes_of_children_are_told_apart(tmp_path):
    path = packet(
        tmp_path,
        Genes={"Gene": [gene("KRAS"), gene("KRAS", "Major susceptibility factor in")]},
        Phenotypes={"Phenotype": [phenotype()["Phenotype"]]},
        Children=[{"Child": {"Label": "Examplitis type 2", "ORPHAcode": "900002", "Genes": [{"Gene": gene("BRAF")}]}}],
    )
    load_orphanet(packets=path)
    # The child's genes are the child's (its own packet lists them), not this entry's.
    assert set(GeneAssociation.objects.values_list("gene__symbol", "association")) == {
        ("KRAS", "Disease-causing germline mutation(s) in"),
        ("KRAS", "Major susceptibility factor in"),
    }
    assert Gene.objects.count() == 1
    assert DisorderSign.objects.get().frequency == F.VERY_FREQUENT


@pytest.mark.parametrize(
    ("lists", "message"),
    [
        ({"Genes": [{"Gene": gene(Symbol="")}]}, "ORPHA:900001: a gene has no Symbol"),
        (
            {"Genes": [{"Gene": gene(DisorderGeneAssociationType=None)}]},
            "gene PTPN11 has no DisorderGeneAssociationType",
        ),
        (
            {"Genes": [{"Gene": gene(ExternalReferences=[{"Source": "HGNC", "Reference": "HGNC:9644"}])}]},
            "gene PTPN11: HGNC 'HGNC:9644' is not a number",
        ),
        ({"Genes": ["PTPN11"]}, "unexpected Genes entry"),
        ({"Phenotypes": [phenotype(hpo_id="0001519")]}, "phenotype HPOId '0001519' is not an HPO id"),
        ({"Phenotypes": [phenotype(term="")]}, "phenotype HP:0001519 has no HPOTerm"),
        ({"Phenotypes": [phenotype(frequency="Often")]}, "phenotype HP:0001519 has an unknown HPOFrequency 'Often'"),
        (
            {"Prevalences": [{"Prevalence": {"PrevalenceType": "Point prevalence", "ValMoy": "about 3"}}]},
            "a prevalence's ValMoy 'about 3' is not a number",
        ),
    ],
)
def test_a_malformed_gene_sign_or_prevalence_names_the_file_and_writes_nothing(tmp_path, lists, message):
    path = packet(tmp_path, **lists)
    with pytest.raises(OrphanetImportError, match=f"^{path}: .*{message}"):
        load_orphanet(packets=path)
    assert not Disorder.objects.exists()
    assert not Gene.objects.exists()
    assert not Sign.objects.exists()


@pytest.mark.skipif(
    not (REAL_DATA / "orphapacket-json-2025-12.tar.gz").exists(),
    reason=f"the Orphanet open data is not in {REAL_DATA} (the shared data folder is absent)",
)
def test_real_release_gives_marfan_its_signs_and_facts_and_noonan_ptpn11(tmp_path):
    wanted = {"json/ORPHApacket_558.json", "json/ORPHApacket_648.json"}
    with tarfile.open(REAL_DATA / "orphapacket-json-2025-12.tar.gz", "r|gz") as archive:
        for member in archive:
            if member.name in wanted:
                (tmp_path / member.name.removeprefix("json/")).write_bytes(archive.extractfile(member).read())
    load_orphanet(packets=tmp_path)

    marfan = entry("558")
    assert marfan.signs.count() == 68
    assert marfan.prevalences.first().prevalence_class == "1-5 / 10 000"
    assert (marfan.inheritance, marfan.age_of_onset) == ("Autosomal dominant", "All ages")
    assert entry("648").gene_associations.filter(gene__symbol="PTPN11").exists()
