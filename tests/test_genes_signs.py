"""Prevalence records, genes and signs: the rules the database keeps, their order, and the entry's history of them."""

import decimal

import pytest
from django.core.exceptions import ValidationError

from disorders import history
from disorders.models import DisorderSign, Gene, GeneAssociation, Prevalence, Sign
from tests.factories import make_disorder, make_disorder_sign, make_gene_association
from tests.test_models import violates

pytestmark = pytest.mark.django_db


def test_gene_symbol_is_unique_and_fit_for_an_address():
    Gene.objects.create(symbol="PTPN11")
    violates("gene_symbol_unique", lambda: Gene.objects.create(symbol="PTPN11"))
    violates("gene_symbol_format", lambda: Gene.objects.create(symbol="PTPN 11"))
    violates("gene_hgnc_id_digits", lambda: Gene.objects.create(symbol="KRAS", hgnc_id="HGNC:6407"))
    violates("gene_omim_id_digits", lambda: Gene.objects.create(symbol="KRAS", omim_id="OMIM 190070"))


def test_gene_links_out_to_hgnc_omim_and_clinvar():
    gene = Gene(symbol="PTPN11", hgnc_id="9644", omim_id="176876")
    assert gene.hgnc_url == "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:9644"
    assert gene.omim_url == "https://omim.org/entry/176876"
    assert gene.clinvar_url == "https://www.ncbi.nlm.nih.gov/clinvar/?term=PTPN11%5Bgene%5D"
    assert Gene(symbol="XYZ").omim_url == ""


def test_a_gene_is_linked_once_per_association_and_cannot_be_deleted_while_linked():
    disorder = make_disorder()
    association = make_gene_association(disorder, "PTPN11")
    make_gene_association(disorder, "PTPN11", "Major susceptibility factor in")
    violates("gene_association_once", lambda: make_gene_association(disorder, "PTPN11"))
    violates("gene_association_not_blank", lambda: make_gene_association(disorder, "KRAS", " "))
    assert association.plain_association == "Changes (mutations) in this gene cause the disorder"
    assert GeneAssociation(association="Something new in").plain_association == "Something new in"
    with pytest.raises(Exception, match="protected"):
        association.gene.delete()


def test_sign_hpo_id_is_unique_and_well_formed():
    Sign.objects.create(hpo_id="HP:0001519", name="Disproportionate tall stature")
    violates("sign_hpo_id_unique", lambda: Sign.objects.create(hpo_id="HP:0001519", name="Tall"))
    violates("sign_hpo_id_format", lambda: Sign.objects.create(hpo_id="HP:1519", name="Tall"))
    violates("sign_name_not_blank", lambda: Sign.objects.create(hpo_id="HP:0000098", name=""))
    with pytest.raises(ValidationError):
        Sign(hpo_id="0001519", name="Tall").full_clean()


def test_a_sign_is_listed_once_per_entry_with_a_known_frequency_most_frequent_first():
    disorder = make_disorder()
    make_disorder_sign(disorder, "HP:0000098", "Tall stature", DisorderSign.Frequency.OCCASIONAL)
    make_disorder_sign(disorder, "HP:0001519", "Disproportionate tall stature", DisorderSign.Frequency.VERY_FREQUENT)
    make_disorder_sign(disorder, "HP:0001166", "Arachnodactyly", DisorderSign.Frequency.VERY_FREQUENT)
    violates("disorder_sign_once", lambda: make_disorder_sign(disorder, "HP:0000098", "Tall stature"))
    violates("disorder_sign_frequency_known", lambda: make_disorder_sign(disorder, "HP:0000006", "AD", "often"))
    assert [str(s) for s in disorder.signs.all()] == [
        "Arachnodactyly (Very frequent (99–80 %))",
        "Disproportionate tall stature (Very frequent (99–80 %))",
        "Tall stature (Occasional (29–5 %))",
    ]


def test_frequencies_are_in_order_with_falling_weights():
    frequencies = list(DisorderSign.Frequency)
    assert [f.value for f in frequencies] == [
        "obligate",
        "very_frequent",
        "frequent",
        "occasional",
        "very_rare",
        "excluded",
    ]
    weights = [DisorderSign.Frequency.weight[f] for f in frequencies]
    assert weights == sorted(weights, reverse=True)
    assert (weights[0], weights[-1]) == (1.0, 0.0)


def test_prevalences_come_most_relevant_first():
    disorder = make_disorder()
    for kind, area, stated in [
        ("Cases/families", "Worldwide", ""),
        ("Annual incidence", "Europe", "1-5 / 10 000"),
        ("Prevalence at birth", "United Kingdom", "1-5 / 10 000"),
        ("Point prevalence", "United States", "1-5 / 10 000"),
        ("Point prevalence", "Worldwide", ""),
        ("Point prevalence", "Worldwide", "1-5 / 10 000"),
        ("Lifetime Prevalence", "Worldwide", "1-9 / 100 000"),
    ]:
        disorder.prevalences.create(kind=kind, geography=area, prevalence_class=stated)
    ordered = list(disorder.prevalences.all())
    assert [(p.kind, p.geography, p.prevalence_class) for p in ordered] == [
        ("Point prevalence", "Worldwide", "1-5 / 10 000"),
        ("Point prevalence", "Worldwide", ""),
        ("Point prevalence", "United States", "1-5 / 10 000"),
        ("Prevalence at birth", "United Kingdom", "1-5 / 10 000"),
        ("Annual incidence", "Europe", "1-5 / 10 000"),
        ("Lifetime Prevalence", "Worldwide", "1-9 / 100 000"),
        ("Cases/families", "Worldwide", ""),
    ]
    assert sorted(ordered, key=lambda p: p.relevance) == ordered
    assert [p.is_relevant for p in ordered[:2]] == [True, False]


def test_a_prevalence_record_is_stored_once_with_a_kind_and_a_positive_mean():
    disorder = make_disorder()
    record = {"kind": "Point prevalence", "prevalence_class": "1-5 / 10 000", "geography": "Europe", "source": "x"}
    disorder.prevalences.create(**record)
    violates("prevalence_record_once", lambda: disorder.prevalences.create(**record))
    violates("prevalence_kind_not_blank", lambda: disorder.prevalences.create(kind=" "))
    violates(
        "prevalence_mean_value_positive",
        lambda: disorder.prevalences.create(kind="Point prevalence", mean_value=decimal.Decimal(0)),
    )


def test_revert_brings_back_an_entrys_signs_genes_and_prevalences_but_leaves_shared_genes_and_signs(admin_user):
    disorder = make_disorder()
    make_gene_association(disorder, "PTPN11", name="protein tyrosine phosphatase")
    make_disorder_sign(disorder, "HP:0001519", "Disproportionate tall stature")
    disorder.prevalences.create(kind="Point prevalence", prevalence_class="1-5 / 10 000", geography="Worldwide")
    first = history.record_revision(disorder, user=admin_user, comment="Imported")

    history.ensure_baseline(disorder)
    disorder.signs.all().delete()
    disorder.gene_associations.all().delete()
    disorder.prevalences.all().delete()
    Gene.objects.filter(symbol="PTPN11").update(name="renamed since")
    assert history.record_revision(disorder, user=admin_user, comment="Removed") is not None

    history.revert_entry(disorder, first, user=admin_user)

    assert [str(s.sign) for s in disorder.signs.all()] == ["Disproportionate tall stature"]
    assert [a.gene.symbol for a in disorder.gene_associations.all()] == ["PTPN11"]
    assert [p.prevalence_class for p in disorder.prevalences.all()] == ["1-5 / 10 000"]
    # The gene is shared: reverting one entry does not roll it back.
    assert Gene.objects.get(symbol="PTPN11").name == "renamed since"
    assert Prevalence.objects.count() == 1
