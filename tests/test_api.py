"""The read API /api/v1/: one entry shape everywhere, filters, conditional GET, CORS, rate limit, OpenAPI 3.1."""

import io
import json
from datetime import timedelta

import jsonschema
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from openapi_spec_validator import validate

from disorders import history, publication
from disorders.api import LIST_FIELDS, entry_schema
from disorders.models import (
    Code,
    Disorder,
    DisorderResource,
    DisorderSign,
    Gene,
    GeneAssociation,
    PublishedEntry,
    Sign,
)
from resources.models import Organization
from tests.factories import (
    make_classification,
    make_code,
    make_disorder,
    make_disorder_sign,
    make_gene_association,
    make_organization,
    republish,
)
from tests.sample_entries import make_jmml_entry

pytestmark = pytest.mark.django_db
SITE = "http://testserver.example"


@pytest.fixture(autouse=True)
def site_and_fresh_rate_counts(settings):
    settings.SITE_URL = SITE
    cache.clear()


@pytest.fixture
def jmml():
    disorder = make_jmml_entry(summary="A rare blood cancer of young children.", prevalence="1-9 / 1 000 000")
    root = make_classification("WHO classification")
    group = make_classification("Myeloid neoplasms", parent=root)
    # Orphanet puts an entry under groups of one name in several trees: the tie that once changed order by route.
    for tree in ("Rare haematological diseases", "Rare oncologic diseases", "Rare genetic diseases"):
        disorder.classifications.add(make_classification("Myeloid neoplasms", parent=make_classification(tree)))
    disorder.classifications.add(group)
    make_code(disorder, Code.System.ORPHA, "86834")
    make_code(disorder, Code.System.ICD10, "C93.3", relation=Code.Relation.NARROWER)
    make_code(disorder, Code.System.UMLS, "C0349639")
    make_gene_association(disorder, "PTPN11", name="protein tyrosine phosphatase", hgnc_id="9644")
    make_disorder_sign(disorder, "HP:0001744", "Splenomegaly")
    make_organization("Leukemia Helpers", disorder=disorder)
    return disorder


def api(client, name, *args, query=None, **headers):
    url = reverse(f"api:{name}", args=args)
    return client.get(url, query, **headers)


def validate_entry(document):
    jsonschema.validate(document, entry_schema(), format_checker=jsonschema.FormatChecker())


# --- One shape ------------------------------------------------------------------------------------------------------


def test_the_entry_schema_is_a_valid_json_schema_and_is_published_with_its_address():
    jsonschema.Draft202012Validator.check_schema(entry_schema())


def test_the_published_schema_is_the_repository_file_with_its_address(client):
    response = client.get(reverse("api-entry-schema"))
    assert response.status_code == 200
    served = response.json()
    assert served["$id"] == f"{SITE}/api/v1/schemas/entry.json"
    assert {key: value for key, value in served.items() if key != "$id"} == {
        key: value for key, value in entry_schema().items() if key != "$id"
    }


def test_entry_detail_json_page_and_export_give_the_same_document_in_the_same_order(client, jmml):
    from_api = api(client, "entry", jmml.slug).json()
    from_page = client.get(reverse("disorders:detail-json", args=[jmml.slug])).json()
    out = io.StringIO()
    call_command("export_entries", stdout=out)
    (from_export,) = json.loads(out.getvalue())

    validate_entry(from_api)
    assert from_api == from_page == from_export
    # The same keys in the same order too, down to the classifications that once came out in two orders.
    assert json.dumps(from_api) == json.dumps(from_page) == json.dumps(from_export)
    assert [node["path"][0] for node in from_api["classifications"]] == [
        "WHO classification",
        "Rare haematological diseases",
        "Rare oncologic diseases",
        "Rare genetic diseases",
    ]


def test_missing_values_follow_one_convention(client, jmml):
    document = api(client, "entry", jmml.slug).json()
    umls = next(code for code in document["codes"] if code["system"] == "UMLS")
    assert umls["url"] == ""  # no public page: the empty string, like a source without an address
    assert all(isinstance(source["url"], str) for source in document["sources"])


def test_the_schema_lists_every_value_the_models_allow():
    properties = entry_schema()["properties"]
    code = properties["codes"]["items"]["properties"]
    assert code["system"]["enum"] == list(Code.System.values)
    assert code["relation"]["enum"] == list(Code.Relation.values)
    assert properties["signs"]["items"]["properties"]["frequency"]["enum"] == list(DisorderSign.Frequency.values)


def test_list_items_are_the_document_cut_short(client, jmml):
    document = api(client, "entry", jmml.slug).json()
    (item,) = api(client, "entries").json()["results"]
    assert item == {field: document[field] for field in LIST_FIELDS}


# --- Routes and filters ---------------------------------------------------------------------------------------------


def test_drafts_are_nowhere_in_the_api(client, jmml):
    draft = make_disorder("Draft Syndrome", published=False)
    make_code(draft, Code.System.ORPHA, "99999")
    assert api(client, "entry", draft.slug).status_code == 404
    assert [item["slug"] for item in api(client, "entries").json()["results"]] == [jmml.slug]
    assert api(client, "entries", query={"code_system": "ORPHA", "code_value": "99999"}).json()["count"] == 0
    assert api(client, "search", query={"q": "draft syndrome"}).json()["count"] == 0


def test_entries_filter_by_code_classification_update_and_letter(client, jmml):
    Disorder.objects.filter(pk=jmml.pk).update(content_changed_at=timezone.now())
    republish(jmml)
    tree = make_classification("Body systems")
    other = make_disorder(
        "Aarskog syndrome",
        content_changed_at=timezone.now() - timedelta(days=30),
        classifications=[make_classification("Skeleton", parent=tree)],
    )
    make_code(other, Code.System.ICD10, "Q87.1")

    def slugs(**query):
        return [item["slug"] for item in api(client, "entries", query=query).json()["results"]]

    assert slugs() == [other.slug, jmml.slug]
    assert slugs(code_system="ICD-10", code_value="q87.1") == [other.slug]
    assert slugs(code_value="86834") == [jmml.slug]
    assert slugs(code_system="ICD-10") == [other.slug, jmml.slug]
    assert slugs(code_system="UMLS") == [jmml.slug]
    assert slugs(code_system="OMIM") == []
    assert slugs(classification=tree.slug) == [other.slug]  # under the root, at any depth
    assert slugs(updated_since=(timezone.now() - timedelta(days=1)).isoformat()) == [jmml.slug]
    # ISO 8601 allows offsets PostgreSQL refuses (found by schemathesis): read in UTC, never a 500.
    far_east = timezone.get_fixed_timezone(16 * 60 + 34)
    assert slugs(updated_since=(timezone.now() - timedelta(days=1)).astimezone(far_east).isoformat()) == [jmml.slug]
    assert slugs(updated_since="0001-01-01T00:00:00+16:34") == [other.slug, jmml.slug]
    assert slugs(letter="a") == [other.slug]
    assert slugs(letter="0-9") == []
    assert api(client, "entries", query={"classification": "no-such-node"}).status_code == 404
    invalid = api(client, "entries", query={"letter": "ab"})
    assert (invalid.status_code, invalid["Cache-Control"]) == (422, "no-store")
    assert invalid.json()["detail"][0]["loc"] == ["query", "letter"]


def test_pages_link_to_each_other_and_past_the_last_is_a_404(client):
    for number in range(5):
        make_disorder(f"Paged Syndrome {number}")
    first = api(client, "entries", query={"page_size": 2}).json()
    assert (first["count"], first["pages"], first["previous"]) == (5, 3, None)
    second = client.get(first["next"].removeprefix(SITE)).json()
    assert [item["title"] for item in second["results"]] == ["Paged Syndrome 2", "Paged Syndrome 3"]
    assert api(client, "entries", query={"page": 4, "page_size": 2}).status_code == 404


def test_search_and_suggest_rank_as_the_site_does(client, jmml):
    make_disorder("Juvenile Arthritis")
    results = api(client, "search", query={"q": "JMML"}).json()["results"]
    assert results[0]["slug"] == jmml.slug
    assert api(client, "search", query={"q": "ORPHA:86834"}).json()["results"][0]["slug"] == jmml.slug
    suggestions = api(client, "suggest", query={"q": "juv"}).json()["results"]
    assert {s["title"] for s in suggestions} == {"Juvenile Myelomonocytic Leukemia", "Juvenile Arthritis"}
    assert suggestions[0]["url"].startswith(SITE)
    assert api(client, "search", query={"q": "x" * 201}).status_code == 422


def test_classifications_genes_signs_and_organizations(client, jmml):
    roots = [node["name"] for node in api(client, "classifications").json()["results"]]
    assert roots == sorted(roots, key=str.casefold) and "WHO classification" in roots
    who = next(
        node for node in api(client, "classifications").json()["results"] if node["name"] == "WHO classification"
    )
    node = api(client, "classification", who["slug"]).json()
    assert [child["name"] for child in node["children"]] == ["Myeloid neoplasms"]
    child = api(client, "classification", node["children"][0]["slug"]).json()
    assert [above["name"] for above in child["path"]] == ["WHO classification"]

    gene = api(client, "gene", "PTPN11").json()
    assert (gene["hgnc_id"], [e["slug"] for e in gene["entries"]]) == ("9644", [jmml.slug])
    sign = api(client, "sign", "HP:0001744").json()
    assert sign["entries"][0]["frequency"] == "very_frequent"
    assert [g["symbol"] for g in api(client, "genes").json()["results"]] == ["PTPN11"]
    assert [s["hpo_id"] for s in api(client, "signs").json()["results"]] == ["HP:0001744"]

    organizations = api(client, "organizations").json()["results"]
    helpers = next(o for o in organizations if o["name"] == "Leukemia Helpers")
    assert [e["slug"] for e in api(client, "organization", helpers["slug"]).json()["entries"]] == [jmml.slug]
    only_for_drafts = make_organization("Draft Helpers", disorder=make_disorder("Draft Two", published=False))
    assert api(client, "organization", only_for_drafts.slug).status_code == 404


# Queries per route, whatever the number of entries listed: published rows read by id, never one query per entry.
QUERY_BUDGETS = {
    ("entries", ()): 3,  # count, the page's ids, its items
    ("search", ()): 3,
    ("entry", ("budget-syndrome-3",)): 1,
    ("gene", ("ABCC8",)): 2,
    ("sign", ("HP:0001250",)): 2,
    ("organization", ("budget-helpers",)): 3,  # the organization, its phones, its entries
    ("genes", ()): 2,
    ("signs", ()): 2,
    ("organizations", ()): 2,
}


def test_each_route_has_a_query_budget_whatever_it_lists(client, django_assert_max_num_queries):
    helpers = make_organization("Budget Helpers", phones=[("tel", "555-0100")])
    for number in range(12):
        disorder = make_disorder(f"Budget Syndrome {number}", synonyms=[f"BS{number}"])
        make_gene_association(disorder, "ABCC8")
        make_disorder_sign(disorder, "HP:0001250", "Seizure")
        DisorderResource.objects.create(disorder=disorder, organization=helpers)
        republish(disorder)
    for (name, args), budget in QUERY_BUDGETS.items():
        query = {"q": "budget", "page_size": 10} if name == "search" else {"page_size": 10}
        with django_assert_max_num_queries(budget):
            response = api(client, name, *args, query=query if name in ("entries", "search") else None)
        assert response.status_code == 200, name
    listed = api(client, "entries", query={"page_size": 10}).json()
    assert (listed["count"], len(listed["results"]), listed["results"][0]["synonyms"]) == (12, 10, ["BS0"])
    assert len(api(client, "gene", "ABCC8").json()["entries"]) == 12


# --- HTTP -----------------------------------------------------------------------------------------------------------


def test_conditional_get_answers_304_by_etag_and_by_date(client, jmml, editor, reviewer):
    first = api(client, "entry", jmml.slug)
    assert first["ETag"] and first["Last-Modified"]
    assert api(client, "entry", jmml.slug, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api(client, "entry", jmml.slug, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    listing = api(client, "entries")
    assert api(client, "entries", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304
    # A list changes when an entry leaves it, which no listed row's date says: lists have an ETag only.
    assert not listing.has_header("Last-Modified")

    history.ensure_baseline(jmml)
    jmml.summary = "Changed."
    jmml.save()
    history.record_revision(jmml, user=editor)
    # Saved, not published: what readers have is still good.
    assert api(client, "entry", jmml.slug, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    publication.publish(jmml, user=reviewer)
    changed = api(client, "entry", jmml.slug, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    # Last-Modified is when this version was published (a republish may change a document, not its content date).
    assert changed["Last-Modified"] == http_date(PublishedEntry.objects.get(pk=jmml.pk).updated_at.timestamp())
    assert api(client, "entries", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 200


def test_a_published_slug_rename_moves_the_entry_and_the_old_address_answers_301(client, jmml, editor, reviewer):
    old_slug = jmml.slug
    history.ensure_baseline(jmml)
    jmml.slug = "jmml"
    jmml.save()
    history.record_revision(jmml, user=editor, comment="Shorter address")
    # Saved, not published: the API keeps the published address; the pending one is not public.
    assert api(client, "entry", old_slug).json()["slug"] == old_slug
    assert api(client, "entry", "jmml").status_code == 404

    publication.publish(jmml, user=reviewer)
    assert api(client, "entry", "jmml").json()["url"] == f"{SITE}/disorders/jmml/"
    moved = api(client, "entry", old_slug)
    assert (moved.status_code, moved["Location"]) == (301, f"{SITE}/api/v1/entries/jmml")
    assert moved["Access-Control-Allow-Origin"] == "*"


def test_an_editors_unpublished_change_is_nowhere_in_the_api_until_it_is_published(client, jmml, editor, reviewer):
    old_title, old_slug = jmml.title, jmml.slug
    history.ensure_baseline(jmml)
    # An editor's change saved on the working copy: a new title and address, and a new code, classification,
    # gene, sign and organization.
    jmml.title, jmml.slug = "Zellweger-like leukemia", "zellweger-like-leukemia"
    jmml.save()
    Code.objects.create(disorder=jmml, system=Code.System.OMIM, value="607785")
    body_systems = make_classification("Body systems")
    jmml.classifications.add(make_classification("Blood", parent=body_systems))
    kras = Gene.objects.create(symbol="KRAS", name="KRAS proto-oncogene")
    GeneAssociation.objects.create(disorder=jmml, gene=kras, association="Disease-causing somatic mutation(s) in")
    thrombocytopenia = Sign.objects.create(hpo_id="HP:0001873", name="Thrombocytopenia")
    DisorderSign.objects.create(disorder=jmml, sign=thrombocytopenia, frequency=DisorderSign.Frequency.FREQUENT)
    helpers = Organization.objects.create(name="Blood Helpers", slug="blood-helpers")
    DisorderResource.objects.create(disorder=jmml, organization=helpers)
    history.record_revision(jmml, user=editor, comment="Renamed; more codes and links")
    recently = (timezone.now() - timedelta(hours=1)).isoformat()

    def listed(name, field, *args, key="results", **query):
        return [item[field] for item in api(client, name, *args, query=query).json()[key]]

    def count(**query):
        return api(client, "entries", query=query).json()["count"]

    def status(name, *args):
        return api(client, name, *args).status_code

    def seen():
        """Everything a client can learn of the entry through the API."""
        old, new = api(client, "entry", old_slug), api(client, "entry", "zellweger-like-leukemia")
        shown = (old if old.status_code == 200 else new).json()
        return {
            "addresses": (old.status_code, new.status_code),
            "title and codes": (shown["title"], [code["system"] for code in shown["codes"]]),
            "titles": listed("entries", "title"),
            "OMIM code": count(code_system="OMIM", code_value="607785"),
            "any OMIM": count(code_system="OMIM"),
            "classified": count(classification=body_systems.slug),
            "updated lately": count(updated_since=recently),
            "under Z": count(letter="Z"),
            "searched": listed("search", "title", q="zellweger"),
            "suggested": listed("suggest", "title", q="zellw"),
            "genes": listed("genes", "symbol"),
            "KRAS": status("gene", "KRAS"),
            "PTPN11's entries": listed("gene", "title", "PTPN11", key="entries"),
            "signs": listed("signs", "hpo_id"),
            "thrombocytopenia": status("sign", "HP:0001873"),
            "splenomegaly's entries": listed("sign", "title", "HP:0001744", key="entries"),
            "Blood Helpers listed": "blood-helpers" in listed("organizations", "slug"),
            "Blood Helpers": status("organization", "blood-helpers"),
        }

    assert seen() == {
        "addresses": (200, 404),
        "title and codes": (old_title, ["ICD-10", "ORPHA", "UMLS"]),
        "titles": [old_title],
        "OMIM code": 0,
        "any OMIM": 0,
        "classified": 0,
        "updated lately": 0,
        "under Z": 0,
        "searched": [],
        "suggested": [],
        "genes": ["PTPN11"],
        "KRAS": 404,
        "PTPN11's entries": [old_title],
        "signs": ["HP:0001744"],
        "thrombocytopenia": 404,
        "splenomegaly's entries": [old_title],
        "Blood Helpers listed": False,
        "Blood Helpers": 404,
    }

    publication.publish(jmml, user=reviewer)
    new_title = "Zellweger-like leukemia"
    validate_entry(api(client, "entry", "zellweger-like-leukemia").json())
    assert seen() == {
        "addresses": (301, 200),  # the old address moved
        "title and codes": (new_title, ["ICD-10", "OMIM", "ORPHA", "UMLS"]),
        "titles": [new_title],
        "OMIM code": 1,
        "any OMIM": 1,
        "classified": 1,
        "updated lately": 1,
        "under Z": 1,
        "searched": [new_title],
        "suggested": [new_title],
        "genes": ["KRAS", "PTPN11"],
        "KRAS": 200,
        "PTPN11's entries": [new_title],
        "signs": ["HP:0001744", "HP:0001873"],
        "thrombocytopenia": 200,
        "splenomegaly's entries": [new_title],
        "Blood Helpers listed": True,
        "Blood Helpers": 200,
    }


def test_only_get_and_head_and_cors_is_open(client, jmml):
    url = reverse("api:entries")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 405
    head = client.head(url)
    assert (head.status_code, head.content) == (200, b"")
    get = client.get(url, HTTP_ORIGIN="https://app.example")
    assert get["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in get["Access-Control-Expose-Headers"]
    preflight = client.options(url, HTTP_ORIGIN="https://app.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD"


def test_each_client_gets_its_rate_and_then_429(client, settings, jmml):
    settings.API_RATE_LIMIT = 3
    statuses = [api(client, "entries").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api(client, "entries")
    assert int(refused["Retry-After"]) <= 60
    assert refused["Cache-Control"] == "no-store"  # about this client now: no proxy may keep it
    assert refused["X-RateLimit-Remaining"] == "0"
    # Another client has its own count.
    assert api(client, "entries", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get(reverse("api:openapi-json")).json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    paths = set(document["paths"])
    assert {"/api/v1/entries", "/api/v1/entries/{slug}", "/api/v1/search", "/api/v1/signs/{hpo_id}"} <= paths
    assert all(set(operations) == {"get"} for operations in document["paths"].values())
    # The entry's schema is embedded as the repository file has it: one source for both.
    detail = document["paths"]["/api/v1/entries/{slug}"]["get"]["responses"]["200"]["content"]["application/json"]
    embedded = detail["schema"]
    assert embedded["properties"] == entry_schema()["properties"]


def test_the_docs_page_uses_our_own_static_files(client):
    html = client.get(reverse("api:openapi-view")).content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


# --- Property-based: schemathesis against a live server ------------------------------------------------------------

SCHEMATHESIS_EXAMPLES = 30  # per operation: 14 operations, some 400 cases


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schemathesis_finds_no_server_error_and_no_response_outside_the_schema(live_server, settings):
    import hypothesis
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    settings.API_RATE_LIMIT = 0
    settings.ALLOWED_HOSTS = ["*"]
    jmml = make_jmml_entry(summary="A rare blood cancer.")
    make_code(jmml, Code.System.ORPHA, "86834")
    make_gene_association(jmml, "PTPN11")
    make_disorder_sign(jmml, "HP:0001744", "Splenomegaly")
    jmml.classifications.add(make_classification("Myeloid", parent=make_classification("WHO")))

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    cases = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=SCHEMATHESIS_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case):
            cases.append(case)
            case.call_and_validate(base_url=live_server.url, checks=checks)

        run()
    assert len(cases) >= 200
