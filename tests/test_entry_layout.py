"""The entry page at full size: notices follow their source, codes and classifications inform, the text comes first."""

import datetime
import json
import re

import pytest
from django.contrib.auth import get_user_model
from pytest_django.asserts import assertContains, assertNotContains

from disorders.models import (
    Code,
    DisorderSign,
    DisorderSource,
    Gene,
    GeneAssociation,
    Prevalence,
    ReviewerProfile,
    Section,
    Sign,
)
from disorders.views import PATH_SEPARATOR, with_references
from tests.factories import make_classification, make_code, make_disorder, make_source, republish
from tests.sample_entries import make_jmml_entry

pytestmark = pytest.mark.django_db

DEFINITION = "Examplitis is a rare disorder of the examples."


@pytest.fixture
def orphanet_entry():
    """An entry with Orphanet's text only: a definition, no summary, no synonyms, no subdivisions."""
    orphanet = make_source(name="Orphanet", slug="orphanet")
    disorder = make_disorder("Examplitis", sections=[(Section.Kind.DEFINITION, DEFINITION)])
    disorder.sections.update(source=orphanet)
    DisorderSource.objects.create(disorder=disorder, source=orphanet, reference="ORPHA:1")
    republish(disorder)
    return disorder


def html_of(response):
    return response.content.decode()


def test_nord_notices_and_empty_lists_appear_only_on_entries_with_nord_text(client, orphanet_entry):
    republish(orphanet_entry)  # what readers see once it is published
    html = html_of(client.get(orphanet_entry.get_absolute_url()))

    assert "is not the name you expected" not in html
    assert 'id="subdivisions"' not in html
    assert 'id="synonyms"' not in html
    assert "<li>None</li>" not in html
    assert "For a Complete Report" not in html
    # The site's own medical disclaimer is on every entry.
    assert "Medical disclaimer" in html

    jmml = html_of(client.get(make_jmml_entry().get_absolute_url()))
    assert "is not the name you expected" in jmml
    assert 'id="subdivisions"' in jmml
    assert "For a Complete Report" in jmml


def test_json_export_carries_the_title_notice_only_for_nord_text(client, orphanet_entry):
    exported = client.get(orphanet_entry.get_absolute_url().rstrip("/") + ".json").json()
    assert exported["title_notice"] == ""

    jmml = make_jmml_entry()
    assert (
        "is not the name you expected"
        in client.get(jmml.get_absolute_url().rstrip("/") + ".json").json()["title_notice"]
    )


def test_entry_lists_the_synonyms_and_subdivisions_it_has_without_nord_text(client, orphanet_entry):
    orphanet_entry.synonyms.create(name="Examplosis")

    republish(orphanet_entry)  # what readers see once it is published
    html = html_of(client.get(orphanet_entry.get_absolute_url()))

    assert "<li>Examplosis</li>" in html
    assert 'id="subdivisions"' not in html


def test_without_a_summary_the_first_section_comes_right_after_the_title(client, orphanet_entry):
    orphanet_entry.synonyms.create(name="Examplosis")
    orphanet_entry.classifications.add(make_classification("Rare example disease"))
    make_code(orphanet_entry)

    republish(orphanet_entry)  # what readers see once it is published
    html = html_of(client.get(orphanet_entry.get_absolute_url()))

    title, definition = html.index("<h1>Examplitis</h1>"), html.index(f"<p>{DEFINITION}</p>")
    assert title < definition
    for later in ["<li>Examplosis</li>", 'id="classifications"', 'id="codes"']:
        assert definition < html.index(later), f"{later} comes before the definition"


def test_summary_comes_before_the_names_and_the_title_notice(client):
    jmml = make_jmml_entry(summary="A rare blood cancer of young children.")

    republish(jmml)  # what readers see once it is published
    html = html_of(client.get(jmml.get_absolute_url()))

    summary = html.index("A rare blood cancer of young children.")
    assert summary < html.index("is not the name you expected") < html.index('id="synonyms"')


def test_codes_name_each_system_once_with_exact_mappings_first_and_the_others_folded_by_relation(client):
    disorder = make_disorder("Coded Syndrome")
    make_code(disorder, Code.System.ORPHA, "558")
    make_code(disorder, Code.System.OMIM, "154700")
    make_code(disorder, Code.System.OMIM, "610168")
    for value in ["H35.5", "H35.8", "H35.9"]:
        make_code(disorder, Code.System.ICD10, value, relation=Code.Relation.NARROWER)
    make_code(disorder, Code.System.MESH, "D012174", relation=Code.Relation.BROADER)

    republish(disorder)  # what readers see once it is published
    response = client.get(disorder.get_absolute_url())
    html = html_of(response)

    assertContains(response, "<dt>OMIM</dt>", count=1, html=True)
    assertContains(
        response,
        '<dd><a href="https://omim.org/entry/154700" rel="external">154700</a>, '
        '<a href="https://omim.org/entry/610168" rel="external">610168</a></dd>',
        html=True,
    )
    narrower = html.split('<details class="related-codes">')[1].split("</details>")[0]
    assert "<summary>Narrower (the code is more specific): 3 codes</summary>" in narrower
    assert narrower.count("<dt>ICD-10</dt>") == 1
    assert "H35.5" in narrower and "H35.9" in narrower
    # The relation is said once per group, not after every code.
    assert html.count("Narrower (the code is more specific)") == 1
    assertContains(response, "<summary>Broader (the code is more general): 1 code</summary>", html=True)
    # Exact mappings are shown first, outside any disclosure.
    assert html.index("154700") < html.index("<details")


def test_classifications_show_their_path_and_no_two_links_read_the_same(client):
    endocrine = make_classification("Orphanet classification of rare endocrine diseases")
    growth = make_classification("Rare endocrine growth disease", parent=endocrine)
    pituitary = make_classification("Rare hypothalamic or pituitary disease", parent=endocrine)
    deficiency_a = make_classification("Pituitary hormone deficiency", parent=growth)
    deficiency_b = make_classification("Pituitary hormone deficiency", parent=pituitary)
    leaf_a = make_classification("Syndromic hypogonadism", parent=deficiency_a)
    leaf_b = make_classification("Syndromic hypogonadism", parent=deficiency_b)
    obesity = make_classification("Genetic obesity", parent=endocrine)
    syndromic = make_classification("Syndromic obesity", parent=obesity)
    groups = make_classification("Orphanet groups of disorders")
    flat = make_classification("Syndromic obesity", parent=groups)
    disorder = make_disorder("Classified Syndrome")
    disorder.classifications.add(leaf_a, leaf_b, syndromic, flat)

    republish(disorder)  # what readers see once it is published
    html = html_of(client.get(disorder.get_absolute_url()))

    section = html.split('id="classifications"')[1].split("</section>")[0]
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', section))
    links = {url: text.split(PATH_SEPARATOR) for url, text in links.items()}
    assert links == {
        endocrine.get_absolute_url(): ["Orphanet classification of rare endocrine diseases"],
        syndromic.get_absolute_url(): ["Genetic obesity", "Syndromic obesity"],
        # Told apart by their tree: the path grows until the two read differently.
        leaf_a.get_absolute_url(): [
            "Rare endocrine growth disease",
            "Pituitary hormone deficiency",
            "Syndromic hypogonadism",
        ],
        leaf_b.get_absolute_url(): [
            "Rare hypothalamic or pituitary disease",
            "Pituitary hormone deficiency",
            "Syndromic hypogonadism",
        ],
        groups.get_absolute_url(): ["Orphanet groups of disorders"],
        flat.get_absolute_url(): ["Syndromic obesity"],
    }
    texts = re.findall(r"<a [^>]+>([^<]+)</a>", section)
    assert len(texts) == len(set(texts)) == 6


def test_last_review_is_shown_and_in_json_ld_only_when_set(client, orphanet_entry):
    republish(orphanet_entry)  # what readers see once it is published
    response = client.get(orphanet_entry.get_absolute_url())
    assertNotContains(response, "Last reviewed")
    assert "lastReviewed" not in structured_data(response)

    reviewer = get_user_model().objects.create_user("ada.l", first_name="Ada", last_name="Lovelace")
    orphanet_entry.last_reviewed_on = datetime.date(2026, 11, 2)
    orphanet_entry.last_reviewed_by = reviewer
    orphanet_entry.save()
    republish(orphanet_entry)
    response = client.get(orphanet_entry.get_absolute_url())

    # Without a reviewer profile no one is named (never a username).
    assertContains(response, 'Last reviewed <time datetime="2026-11-02">November 2, 2026</time>')
    assertNotContains(response, "ada.l")
    assertNotContains(response, "Lovelace")
    assert structured_data(response)["lastReviewed"] == "2026-11-02"
    assert "reviewedBy" not in structured_data(response)

    ReviewerProfile.objects.create(user=reviewer, public_name="Ada Lovelace", credentials="PhD")
    republish(orphanet_entry)
    response = client.get(orphanet_entry.get_absolute_url())
    assertContains(response, 'Reviewed by Ada Lovelace, PhD on <time datetime="2026-11-02">November 2, 2026</time>')
    assert structured_data(response)["reviewedBy"] == {"@type": "Person", "name": "Ada Lovelace, PhD"}


def test_source_date_is_shown_beside_our_last_updated_date(client, orphanet_entry):
    orphanet_entry.attributions.update(source_updated_on=datetime.date(2025, 12, 9))

    republish(orphanet_entry)  # what readers see once it is published
    response = client.get(orphanet_entry.get_absolute_url())

    assertContains(response, '(Orphanet text of <time datetime="2025-12-09">December 9, 2025</time>)')


def structured_data(response):
    return json.loads(html_of(response).split('<script type="application/ld+json">')[1].split("</script>")[0])


def test_facts_box_shows_every_prevalence_most_relevant_first_with_inheritance_onset_and_source(client, orphanet_entry):
    orphanet_entry.inheritance = "Autosomal dominant"
    orphanet_entry.age_of_onset = "All ages"
    orphanet_entry.save()
    orphanet_entry.attributions.update(url="https://www.orpha.net/en/disease/detail/1")
    for position, (kind, prevalence_class, geography) in enumerate(
        [
            ("Annual incidence", "1-9 / 100 000", "Europe"),
            ("Point prevalence", "1-9 / 1 000 000", "Europe"),
            ("Prevalence at birth", "1-5 / 10 000", "Worldwide"),
            ("Point prevalence", "1-5 / 10 000", "Worldwide"),
        ]
    ):
        Prevalence.objects.create(
            disorder=orphanet_entry,
            kind=kind,
            prevalence_class=prevalence_class,
            geography=geography,
            source="16325700[PMID]_ORPHANET",
            position=position,
        )

    republish(orphanet_entry)  # what readers see once it is published
    response = client.get(orphanet_entry.get_absolute_url())
    html = html_of(response)

    facts = html.split('<section class="facts-box"')[1].split("</section>")[0]
    shown, folded = facts.split("<details")
    # The worldwide point prevalence first, then the next most relevant; the rest behind a disclosure.
    assert shown.index("1-5 / 10 000</strong>") < shown.index("1-9 / 1 000 000</strong>")
    assert "point prevalence, Worldwide" in shown
    assert "<summary>2 more figures</summary>" in folded
    assert "prevalence at birth, Worldwide" in folded and "annual incidence, Europe" in folded
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/16325700/" rel="external">PMID 16325700</a>' in shown
    assert "<dt>Inheritance</dt><dd>Autosomal dominant</dd>" in facts
    assert "<dt>Age of onset</dt><dd>All ages</dd>" in facts
    assert 'Source: <a href="https://www.orpha.net/en/disease/detail/1" rel="external">Orphanet</a>' in facts
    # Right under the entry's first words, before its names and the rest.
    assert html.index(f"<p>{DEFINITION}</p>") < html.index('class="facts-box"')
    epidemiology = structured_data(response)["about"]["epidemiology"]
    assert epidemiology.startswith("Point prevalence: 1-5 / 10 000 (Worldwide);")
    assert epidemiology.endswith("Inheritance: Autosomal dominant; Age of onset: All ages")


def test_an_entry_without_facts_has_no_facts_box(client, orphanet_entry):
    republish(orphanet_entry)  # what readers see once it is published
    html = html_of(client.get(orphanet_entry.get_absolute_url()))

    assert "facts-box" not in html
    assert "epidemiology" not in html


def test_signs_are_grouped_by_frequency_the_most_frequent_open_each_linking_to_its_page(client, orphanet_entry):
    signs = {
        ("HP:0001519", "Disproportionate tall stature"): DisorderSign.Frequency.VERY_FREQUENT,
        ("HP:0001166", "Arachnodactyly"): DisorderSign.Frequency.VERY_FREQUENT,
        ("HP:0000545", "Myopia"): DisorderSign.Frequency.FREQUENT,
        ("HP:0001634", "Mitral valve prolapse"): DisorderSign.Frequency.OCCASIONAL,
        ("HP:0001249", "Intellectual disability"): DisorderSign.Frequency.EXCLUDED,
    }
    for (hpo_id, name), frequency in signs.items():
        DisorderSign.objects.create(
            disorder=orphanet_entry, sign=Sign.objects.create(hpo_id=hpo_id, name=name), frequency=frequency
        )

    republish(orphanet_entry)  # what readers see once it is published
    response = client.get(orphanet_entry.get_absolute_url())
    html = html_of(response)

    groups = re.findall(r'<details class="sign-group"( open)?>\s*<summary>([^<]+)</summary>', html)
    assert groups == [
        (" open", "Very frequent (99–80 %): 2 signs"),
        ("", "Frequent (79–30 %): 1 sign"),
        ("", "Occasional (29–5 %): 1 sign"),
        ("", "Excluded (0 %): 1 sign"),
    ]
    tall = Sign.objects.get(hpo_id="HP:0001519")
    assertContains(response, f'<a href="{tall.get_absolute_url()}">Disproportionate tall stature</a>', html=True)
    assert tall.get_absolute_url() == "/signs/HP:0001519/"
    very_frequent = html.split('<details class="sign-group" open>')[1].split("</details>")[0]
    assert very_frequent.index("Arachnodactyly") < very_frequent.index("Disproportionate tall stature")
    # A sign the entry says is absent is no symptom of it.
    symptoms = [item["name"] for item in structured_data(response)["about"]["signOrSymptom"]]
    assert symptoms == ["Arachnodactyly", "Disproportionate tall stature", "Myopia", "Mitral valve prolapse"]


def test_genes_link_to_their_page_once_each_with_the_association_in_plain_words(client, orphanet_entry):
    ptpn11 = Gene.objects.create(symbol="PTPN11", name="protein tyrosine phosphatase non-receptor type 11")
    for association in ["Disease-causing germline mutation(s) in", "Modifying germline mutation in"]:
        GeneAssociation.objects.create(disorder=orphanet_entry, gene=ptpn11, association=association)

    republish(orphanet_entry)  # what readers see once it is published
    response = client.get(orphanet_entry.get_absolute_url())

    assertContains(response, f'<a class="gene-symbol" href="{ptpn11.get_absolute_url()}">PTPN11</a>', count=1)
    assert ptpn11.get_absolute_url() == "/genes/PTPN11/"
    assertContains(
        response,
        "Changes (mutations) in this gene cause the disorder; Changes in this gene alter how the disorder shows itself",
    )
    assertNotContains(response, "Disease-causing germline mutation(s) in")


@pytest.mark.parametrize(
    ("source", "references"),
    [
        ("16325700[PMID]_ORPHANET", [("PMID 16325700", "https://pubmed.ncbi.nlm.nih.gov/16325700/"), ("Orphanet", "")]),
        ("[EXPERT]", [("expert opinion", "")]),
        (
            "RARECARE surveillance of rare cancers in Europe[REG]_ ORPHANET",
            [("RARECARE surveillance of rare cancers in Europe (registry)", ""), ("Orphanet", "")],
        ),
        ("European Medicines Agency 2018[INST]", [("European Medicines Agency 2018 (institution)", "")]),
    ],
)
def test_prevalence_sources_read_as_words_not_orphanet_markers(source, references):
    assert with_references(Prevalence(source=source)).references == references
