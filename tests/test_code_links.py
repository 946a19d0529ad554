"""/codes/<system>/<value>/ leads to the entry carrying a code; entry pages link codes out to their terminologies."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from disorders.models import Code, RetiredCode
from tests.factories import make_classification, make_code, make_disorder

pytestmark = pytest.mark.django_db


def code_url(system, value):
    return reverse("disorders:code", kwargs={"system": system, "value": value})


def assert_redirects_to(response, disorder):
    # Temporary: editors remap codes, so browsers must not cache where a code led.
    assert response.status_code == 302
    assert response["Location"] == disorder.get_absolute_url()


@pytest.fixture
def jmml():
    disorder = make_disorder("Juvenile Myelomonocytic Leukemia")
    make_code(disorder, Code.System.ORPHA, "86834")
    make_code(disorder, Code.System.OMIM, "607785")
    make_code(disorder, Code.System.ICD10, "C93.3")
    return disorder


def retire(value, replaced_by="", system=Code.System.ORPHA):
    status = RetiredCode.Status.DEPRECATED if replaced_by else RetiredCode.Status.OBSOLETE
    return RetiredCode.objects.create(system=system, value=value, status=status, replaced_by=replaced_by)


# --- Redirects ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("system", "value"), [("ORPHA", "86834"), ("OMIM", "607785"), ("ICD-10", "C93.3")])
def test_code_redirects_to_the_entry_that_carries_it(client, jmml, system, value):
    assert code_url(system, value) == f"/codes/{system}/{value}/"
    assert_redirects_to(client.get(code_url(system, value)), jmml)


@pytest.mark.parametrize(("system", "value"), [("orpha", "86834"), ("Omim", "607785"), ("icd-10", "c93.3")])
def test_system_and_letters_in_the_code_match_in_any_case(client, jmml, system, value):
    assert_redirects_to(client.get(code_url(system, value)), jmml)


def test_deprecated_orphacode_leads_where_its_replacement_leads(client, jmml):
    retire("99999", replaced_by="86834")
    assert_redirects_to(client.get(code_url("ORPHA", "99999")), jmml)


def test_chain_of_replacements_is_followed(client, jmml):
    retire("11111", replaced_by="22222")
    retire("22222", replaced_by="33333")
    retire("33333", replaced_by="86834")
    assert_redirects_to(client.get(code_url("ORPHA", "11111")), jmml)


def test_replacement_loop_and_overlong_chain_end_in_not_found(client, jmml):
    retire("11111", replaced_by="22222")
    retire("22222", replaced_by="11111")
    assert client.get(code_url("ORPHA", "11111")).status_code == 404
    chain = [str(value) for value in range(50001, 50008)]
    for value, replacement in zip(chain, [*chain[1:], "86834"], strict=True):
        retire(value, replaced_by=replacement)
    assert_redirects_to(client.get(code_url("ORPHA", chain[-5])), jmml)  # five hops
    assert client.get(code_url("ORPHA", chain[0])).status_code == 404  # seven hops


def test_obsolete_code_without_replacement_is_not_found(client, jmml):
    retire("12345")
    assert client.get(code_url("ORPHA", "12345")).status_code == 404


def test_code_still_on_an_entry_leads_there_even_if_retired(client, jmml):
    older = make_disorder("Older Entry")
    make_code(older, Code.System.ORPHA, "99999")
    retire("99999", replaced_by="86834")
    assert_redirects_to(client.get(code_url("ORPHA", "99999")), older)


def test_unknown_code_and_unknown_system_are_not_found(client, jmml):
    assert client.get(code_url("ORPHA", "404404")).status_code == 404
    assert client.get(code_url("SNOMED", "86834")).status_code == 404
    # A code is looked up in its own system only.
    assert client.get(code_url("OMIM", "86834")).status_code == 404


def test_draft_entry_code_is_not_found(client, editor_client):
    draft = make_disorder("Unfinished Syndrome", published=False)
    make_code(draft, Code.System.ORPHA, "70000")
    retire("70001", replaced_by="70000")
    assert client.get(code_url("ORPHA", "70000")).status_code == 404
    assert client.get(code_url("ORPHA", "70001")).status_code == 404
    # Code links are public addresses: staff get the same answer as readers.
    assert editor_client.get(code_url("ORPHA", "70000")).status_code == 404


def test_exact_mapping_wins_over_broader_and_narrower_ones(client):
    group = make_disorder("Myeloproliferative Group")
    exact = make_disorder("Exact Entry")
    make_code(group, Code.System.ICD10, "D47.1", relation=Code.Relation.NARROWER)
    make_code(exact, Code.System.ICD10, "D47.1")
    draft = make_disorder("Draft Entry", published=False)
    make_code(draft, Code.System.ICD10, "D47.1")
    assert_redirects_to(client.get(code_url("ICD-10", "D47.1")), exact)


def test_a_published_entry_is_chosen_over_a_draft_with_an_exact_mapping(client):
    published = make_disorder("Published Entry")
    make_code(published, Code.System.MESH, "D000001", relation=Code.Relation.BROADER)
    draft = make_disorder("Draft Entry", published=False)
    make_code(draft, Code.System.MESH, "D000001")
    assert_redirects_to(client.get(code_url("MeSH", "D000001")), published)


def test_code_shared_by_several_entries_lists_them(client):
    first = make_disorder("Alpha Syndrome")
    second = make_disorder("Beta Syndrome")
    draft = make_disorder("Gamma Syndrome", published=False)
    for disorder in (first, second, draft):
        make_code(disorder, Code.System.ICD10, "Q87.8")
    retire("Q87.9", replaced_by="Q87.8", system=Code.System.ICD10)

    response = client.get(code_url("ICD-10", "Q87.9"))

    assert response.status_code == 200
    assertContains(response, "<h1>ICD-10 Q87.8</h1>", html=True)
    assertContains(response, "ICD-10 Q87.9 was withdrawn")
    assertContains(response, f'<a href="{first.get_absolute_url()}">Alpha Syndrome</a>', html=True)
    assertContains(response, f'<a href="{second.get_absolute_url()}">Beta Syndrome</a>', html=True)
    assertNotContains(response, "Gamma Syndrome")
    assertContains(response, '<meta name="robots" content="noindex">', html=True)


def test_code_shared_only_by_inexact_mappings_lists_them_with_the_relation(client):
    make_code(make_disorder("Alpha Syndrome"), Code.System.OMIM, "600001", relation=Code.Relation.NARROWER)
    make_code(make_disorder("Beta Syndrome"), Code.System.OMIM, "600001", relation=Code.Relation.BROADER)

    response = client.get(code_url("OMIM", "600001"))

    assert response.status_code == 200
    assertContains(response, "(Narrower (the code is more specific))")
    assertContains(response, "(Broader (the code is more general))")


def test_group_code_leads_to_its_classification_page(client):
    # ORPHA:79189 is a clinical group: a classification node, not an entry.
    tree = make_classification("Rare inborn errors of metabolism")
    group = make_classification("Peroxisome biogenesis disorder", parent=tree, external_id="ORPHA:79189")

    response = client.get(code_url("ORPHA", "79189"))

    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()


def test_code_withdrawn_in_favour_of_a_group_leads_to_the_group(client, django_assert_max_num_queries):
    # Orphanet withdrew ORPHA:34 (Pipecolic acidemia) in favour of that group.
    group = make_classification("Peroxisome biogenesis disorder", external_id="ORPHA:79189")
    retire("34", replaced_by="79189")

    with django_assert_max_num_queries(5):  # code, retired code; code, retired code, group
        response = client.get(code_url("ORPHA", "34"))

    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()


def test_group_in_several_trees_lists_its_nodes(client):
    first = make_classification("Rare inborn errors of metabolism")
    second = make_classification("Rare neurologic disease")
    in_first = make_classification("Peroxisome biogenesis disorder", parent=first, external_id="ORPHA:79189")
    in_second = make_classification("Peroxisome biogenesis disorder", parent=second, external_id="ORPHA:79189")

    response = client.get(code_url("ORPHA", "79189"))

    assert response.status_code == 200
    assertContains(response, "<h1>ORPHA 79189</h1>", html=True)
    for node, tree in ((in_first, first), (in_second, second)):
        link = f'<a href="{node.get_absolute_url()}">Peroxisome biogenesis disorder</a>'
        assertContains(response, f"<li>{link} under {tree.name}</li>", html=True)


def test_entry_carrying_a_code_wins_over_a_group_with_it(client, jmml):
    make_classification("Juvenile myelomonocytic leukemia group", external_id="ORPHA:86834")
    assert_redirects_to(client.get(code_url("ORPHA", "86834")), jmml)


def test_group_codes_are_orphanet_codes_only(client):
    make_classification("Some node", external_id="ORPHA:79189")
    assert client.get(code_url("OMIM", "79189")).status_code == 404


def test_redirect_costs_few_queries(client, jmml, django_assert_max_num_queries):
    retire("11111", replaced_by="22222")
    retire("22222", replaced_by="86834")
    with django_assert_max_num_queries(5):  # a code lookup and a retired-code lookup per hop
        assert_redirects_to(client.get(code_url("ORPHA", "11111")), jmml)


# --- Outbound links -------------------------------------------------------------------------------------------------

OUTBOUND = [
    (Code.System.ORPHA, "86834", "https://www.orpha.net/en/disease/detail/86834"),
    (Code.System.OMIM, "607785", "https://omim.org/entry/607785"),
    (Code.System.ICD10, "C93.3", "https://icd.who.int/browse10/2019/en#/C93.3"),
    (Code.System.MESH, "D054429", "https://meshb.nlm.nih.gov/record/ui?ui=D054429"),
    (Code.System.MONDO, "0011908", "https://purl.obolibrary.org/obo/MONDO_0011908"),
]
UNLINKED = [(Code.System.ICD11, "2A20.3"), (Code.System.UMLS, "C0349639"), (Code.System.GARD, "6815")]


@pytest.mark.parametrize(("system", "value", "url"), OUTBOUND)
def test_code_url_points_at_the_terminology_browser(system, value, url):
    assert Code(system=system, value=value).url == url


@pytest.mark.parametrize(("system", "value"), UNLINKED)
def test_code_without_a_stable_public_page_has_no_url(system, value):
    assert Code(system=system, value=value).url == ""


def test_code_url_quotes_the_value():
    assert Code(system=Code.System.OMIM, value="607785/x?y").url == "https://omim.org/entry/607785%2Fx%3Fy"


def test_entry_page_links_codes_out_and_shows_the_others_as_text(client):
    disorder = make_disorder("Examplitis Syndrome")
    for system, value, _ in OUTBOUND:
        make_code(disorder, system, value)
    for system, value in UNLINKED:
        make_code(disorder, system, value)

    response = client.get(disorder.get_absolute_url())

    for system, value, url in OUTBOUND:
        label = Code.System(system).label
        assertContains(response, f'<dt>{label}</dt><dd><a href="{url}" rel="external">{value}</a></dd>', html=True)
    for system, value in UNLINKED:
        assertContains(response, f"<dt>{Code.System(system).label}</dt><dd>{value}</dd>", html=True)


def test_code_redirect_is_cacheable_by_a_proxy_and_sets_no_cookie(client, jmml):
    response = client.get(code_url("ORPHA", "86834"))

    assert response.status_code == 302
    assert "public" in response["Cache-Control"]
    assert not response.cookies
