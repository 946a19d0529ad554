"""``/api/v1/``: the read-only API (django-ninja), its OpenAPI 3.1 schema and its docs page.

Everything here reads published versions only (``PublishedEntry``, ``PublishedName`` and the
published listing columns), never the working copies: an editor's saved change shows in the API
when it is published, as on the site. Entries come out in one shape, the JSON export's (their
stored documents through :func:`disorders.export.export_document`, documented by
``disorders/schemas/entry.json``); list items are that document cut to ``LIST_FIELDS``. Every
route answers GET and HEAD only (OPTIONS for CORS preflights), to anyone
(``Access-Control-Allow-Origin: *``), with an ETag (an entry also a Last-Modified), 304 to a
conditional request, and at most ``API_RATE_LIMIT`` requests a minute per client (counted in
the cache, so every process shares the count).
"""

import datetime
import hashlib
import json
from functools import cache, wraps
from pathlib import Path
from typing import Annotated, Any

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.paginator import EmptyPage, Paginator
from django.db.models import BooleanField, Exists, JSONField, OuterRef
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTransform
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from ninja import NinjaAPI, Query, Schema, Swagger
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field
from pydantic_core import core_schema

from disorders import search
from disorders.export import Exporter, export_document
from disorders.models import (
    OTHER_INITIAL,
    Classification,
    Code,
    Disorder,
    DisorderSign,
    Gene,
    PublishedEntry,
    PublishedName,
    Sign,
)
from disorders.views import entry_moved_from, in_published_entries, reading_order
from encyclopedia.middleware import client_ip
from encyclopedia.reader_pages import absolute_url
from resources.models import Organization

ENTRY_SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "entry.json"
# What a list of entries gives of each entry's document; the whole is at /api/v1/entries/{slug}.
LIST_FIELDS = ("title", "slug", "url", "summary", "synonyms", "last_updated", "published")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
SAFE_METHODS = ("GET", "HEAD")


@cache
def entry_schema():
    """The entry's JSON Schema as stored in the repository (``disorders/schemas/entry.json``)."""
    return json.loads(ENTRY_SCHEMA_PATH.read_text(encoding="utf-8"))


def list_item_schema():
    """The entry schema cut to ``LIST_FIELDS``: a list item is the same document, shorter."""
    schema = entry_schema()
    return {
        "title": "EntryListItem",
        "type": "object",
        "additionalProperties": False,
        "required": list(LIST_FIELDS),
        "properties": {field: schema["properties"][field] for field in LIST_FIELDS},
    }


class _JSONSchemaType:
    """A response type whose OpenAPI schema is a hand-written JSON Schema (the entry's), passed through as is."""

    json_schema = staticmethod(dict)

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        return core_schema.dict_schema()

    @classmethod
    def __get_pydantic_json_schema__(cls, schema, handler):
        return {key: value for key, value in cls.json_schema().items() if not key.startswith("$")}


class EntryDocument(_JSONSchemaType):
    json_schema = staticmethod(entry_schema)


class EntryListItem(_JSONSchemaType):
    json_schema = staticmethod(list_item_schema)


# --- Response shapes of the other resources ---------------------------------------------------------------------


class Problem(Schema):
    detail: Any = Field(description="What was wrong: a sentence, or for invalid parameters a list of errors.")


class Page(Schema):
    count: int = Field(description="Items in the whole list.")
    page: int
    pages: int
    next: str | None = Field(description="The next page's address, or null on the last.")
    previous: str | None


class EntryPage(Page):
    results: list[EntryListItem]


class EntryLink(Schema):
    title: str
    slug: str
    url: str


class NodeLink(Schema):
    name: str
    slug: str
    url: str


class ClassificationNode(NodeLink):
    path: list[NodeLink] = Field(description="The nodes from the tree's root down to this one's parent.")
    description: str = Field(description="The node's introduction (Markdown); a root's names its tree's licence.")
    children: list[NodeLink]
    entries: str = Field(description="The API address listing the published entries under this node.")


class ClassificationPage(Page):
    results: list[NodeLink]


class Phone(Schema):
    kind: str
    number: str


class OrganizationLink(Schema):
    name: str
    slug: str
    url: str


class OrganizationDetail(OrganizationLink):
    address_lines: list[str]
    phones: list[Phone]
    email: str
    website: str
    entries: list[EntryLink]


class OrganizationPage(Page):
    results: list[OrganizationLink]


class GeneLink(Schema):
    symbol: str
    name: str
    url: str


class GeneEntry(EntryLink):
    association: str


class GeneDetail(GeneLink):
    hgnc_id: str
    omim_id: str
    entries: list[GeneEntry]


class GenePage(Page):
    results: list[GeneLink]


class SignLink(Schema):
    hpo_id: str
    name: str
    url: str


class SignEntry(EntryLink):
    frequency: str


class SignDetail(SignLink):
    entries: list[SignEntry] = Field(description="Most frequent first.")


class SignPage(Page):
    results: list[SignLink]


class Suggestion(Schema):
    title: str
    name: str = Field(description="The name that matched: the title, a synonym or a subdivision.")
    kind: str
    url: str


class Suggestions(Schema):
    results: list[Suggestion]


class Index(Schema):
    entries: str
    search: str
    suggest: str
    classifications: str
    organizations: str
    genes: str
    signs: str
    entry_schema: str
    openapi: str
    docs: str


ERRORS = {400: Problem, 404: Problem, 422: Problem, 429: Problem}


class SiteSwagger(Swagger):
    """Swagger UI from our own static files (django-ninja ships them), in a page of our own: valid, labelled HTML."""

    template = "disorders/api_docs.html"


api = NinjaAPI(
    title="Rare Disorders Encyclopedia API",
    version="1",
    description=(
        "Read-only access to the published entries, their classifications, organizations, genes and signs. "
        "Entries have one shape, the JSON Schema at /api/v1/schemas/entry.json. GET and HEAD only; "
        "CORS open; ETag and Last-Modified with 304; at most API_RATE_LIMIT requests a minute per client "
        "(429 with Retry-After beyond). Orphanet content is CC BY 4.0 (Orphanet, INSERM); NORD text is "
        "copyright NORD."
    ),
    urls_namespace="api",
    # No validator badge (it calls swagger.io); no deep links (a link inside each operation's button fails axe).
    docs=SiteSwagger(settings={"validatorUrl": None, "deepLinking": False, "layout": "BaseLayout"}),
)


@api.exception_handler(NinjaValidationError)
def invalid_parameters(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=422)


# --- Helpers ----------------------------------------------------------------------------------------------------


def api_url(name, *args):
    return absolute_url(reverse(f"api:{name}", args=args))


def paginated(request, items, page, page_size):
    """One page of ``items`` with the addresses of the pages around it; past the last page is a 404."""
    paginator = Paginator(items, page_size, allow_empty_first_page=True)
    try:
        current = paginator.page(page)
    except EmptyPage as error:
        raise Http404(f"There is no page {page}.") from error

    def page_url(number):
        query = request.GET.copy()
        query["page"] = number
        return absolute_url(request.path) + "?" + query.urlencode()

    return current, {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "next": page_url(current.next_page_number()) if current.has_next() else None,
        "previous": page_url(current.previous_page_number()) if current.has_previous() else None,
    }


# A list item's keys read straight out of the stored document (``item_<key>``: a model field may bear the key's name).
LIST_ITEM_VALUES = {f"item_{field}": KeyTransform(field, "document") for field in LIST_FIELDS}


def linked_page(request, items, page, page_size, link):
    """One page of ``items`` (classifications, organizations, genes, signs), each as ``link(item)`` gives it."""
    current, meta = paginated(request, items, page, page_size)
    return {**meta, "results": [link(item) for item in current.object_list]}


def entry_page(request, pks, page, page_size):
    """One page of the published versions ``pks`` (ids, in order) as list items: the count, the page's items.

    Items are the documents' ``LIST_FIELDS`` only, read for the page's rows by id: selected with the
    ordered page, PostgreSQL would unpack every matching document before the limit (0.8 s for 7,724).
    """
    current, meta = paginated(request, pks, page, page_size)
    ids = list(current.object_list)
    items = {row["pk"]: row for row in PublishedEntry.objects.filter(pk__in=ids).values("pk", **LIST_ITEM_VALUES)}
    results = [{field: items[pk][f"item_{field}"] for field in LIST_FIELDS} for pk in ids if pk in items]
    return {**meta, "results": results}


def in_utc(moment):
    """``moment`` in UTC (naive means UTC): PostgreSQL refuses offsets past ±15:59, which ISO 8601 allows."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:  # year 1 minus an offset: before anything we hold
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)


def entry_link(entry):
    """A published version as other resources list it: its published title and address."""
    return {"title": entry.title, "slug": entry.slug, "url": absolute_url(entry.get_absolute_url())}


PageNumber = Annotated[int, Field(ge=1, le=100_000)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


# --- Routes -----------------------------------------------------------------------------------------------------


@api.get("/", response={200: Index, **ERRORS}, url_name="index", summary="Where everything is")
def index(request):
    return {
        "entries": api_url("entries"),
        "search": api_url("search"),
        "suggest": api_url("suggest"),
        "classifications": api_url("classifications"),
        "organizations": api_url("organizations"),
        "genes": api_url("genes"),
        "signs": api_url("signs"),
        "entry_schema": absolute_url(reverse("api-entry-schema")),
        "openapi": api_url("openapi-json"),
        "docs": api_url("openapi-view"),
    }


class EntryFilters(Schema):
    code_system: Code.System | None = Field(None, description="With code_value: entries carrying this code.")
    code_value: str | None = Field(None, max_length=50, description='e.g. "86834" (ORPHA), "C93.3" (ICD-10).')
    classification: str | None = Field(
        None, max_length=255, description="A classification node's slug: entries under it, at any depth."
    )
    updated_since: datetime.datetime | None = Field(
        None, description="Entries whose content changed at or after this time (ISO 8601)."
    )
    letter: str | None = Field(
        None, pattern=r"^([A-Za-z]|0-9)$", description='Titles starting with this letter; "0-9" for digits and symbols.'
    )
    page: PageNumber = 1
    page_size: PageSize = PAGE_SIZE


@api.get("/entries", response={200: EntryPage, **ERRORS}, url_name="entries", summary="Published entries, by title")
def entries(request, filters: Query[EntryFilters]):
    found = PublishedEntry.objects.all()
    # Codes, classifications, dates and titles as the published versions have them (GIN-indexed columns).
    if filters.code_value is not None:
        systems = [filters.code_system] if filters.code_system else list(Code.System)
        keys = [key for system in systems for key in search.code_keys(system, filters.code_value)]
        found = found.filter(codes__has_any_keys=keys)
    elif filters.code_system is not None:
        found = found.filter(carries_code_of(filters.code_system))
    if filters.classification is not None:
        node = get_object_or_404(Classification, slug=filters.classification)
        found = found.with_classification(node.descendants(include_self=True).values_list("pk", flat=True))
    if filters.updated_since is not None:
        found = found.filter(content_changed_at__gte=in_utc(filters.updated_since))
    if filters.letter is not None:
        initial = filters.letter.upper() if filters.letter != OTHER_INITIAL else OTHER_INITIAL
        titles = PublishedName.objects.filter(kind=PublishedName.Kind.TITLE).starting_with(initial)
        found = found.filter(Exists(titles.filter(entry=OuterRef("pk"))))
    return entry_page(
        request, found.order_by("title", "pk").values_list("pk", flat=True), filters.page, filters.page_size
    )


def carries_code_of(system):
    """Published versions with some code of ``system``: a key of their ``codes`` starting ``"<system>:"``."""
    sql = "EXISTS (SELECT 1 FROM jsonb_object_keys(disorders_publishedentry.codes) AS key WHERE starts_with(key, %s))"
    return RawSQL(sql, [f"{system}:"], output_field=BooleanField())


@api.get(
    "/entries/{slug}",
    response={200: EntryDocument, 301: None, **ERRORS},
    url_name="entry",
    summary="One entry, whole (an old address moves to the new one)",
)
def entry(request, slug: str):
    published = PublishedEntry.objects.filter(slug=slug).only("document", "updated_at").first()
    if published is None:
        # The site's rule for an entry whose address changed: 301 to where it is now.
        moved = entry_moved_from(slug, Disorder.objects.published().select_related("published"))
        if moved is None:
            raise Http404("No published entry has this slug.")
        return HttpResponsePermanentRedirect(api_url("entry", moved.published.slug))
    # When this version was published: a republish may change the document without a content change.
    request.api_last_modified = published.updated_at
    return export_document(published.document)


SearchText = Annotated[str, Field(min_length=1, max_length=search.MAX_QUERY_LENGTH)]


@api.get("/search", response={200: EntryPage, **ERRORS}, url_name="search", summary="Search, ranked as the site's")
def search_entries(request, q: SearchText, page: PageNumber = 1, page_size: PageSize = PAGE_SIZE):
    """Names (typos forgiven), codes (ORPHA:558, Q87.4, OMIM 154700), genes, signs and text, best first."""
    query = " ".join(q.split())
    return entry_page(request, search.search(query).pks() if query else [], page, page_size)


@api.get("/suggest", response={200: Suggestions, **ERRORS}, url_name="suggest", summary="Autocomplete")
def suggest(request, q: SearchText):
    results = search.suggest(q)
    return {"results": [{**result, "url": absolute_url(result["url"])} for result in results]}


@api.get(
    "/classifications",
    response={200: ClassificationPage, **ERRORS},
    url_name="classifications",
    summary="The classification trees (their roots)",
)
def classifications(request, page: PageNumber = 1, page_size: PageSize = PAGE_SIZE):
    roots = sorted(Classification.objects.filter(parent=None), key=lambda node: reading_order(node.name))
    return linked_page(request, roots, page, page_size, node_link)


def node_link(node):
    return {"name": node.name, "slug": node.slug, "url": absolute_url(node.get_absolute_url())}


@api.get(
    "/classifications/{slug}",
    response={200: ClassificationNode, **ERRORS},
    url_name="classification",
    summary="A node: its path, its children, where its entries are",
)
def classification(request, slug: str):
    node = get_object_or_404(Classification, slug=slug)
    children = sorted(node.children.all(), key=lambda child: reading_order(child.name))
    return {
        **node_link(node),
        "path": [node_link(above) for above in node.ancestors()],
        "description": node.description,
        "children": [node_link(child) for child in children],
        "entries": api_url("entries") + f"?classification={node.slug}",
    }


@api.get(
    "/organizations",
    response={200: OrganizationPage, **ERRORS},
    url_name="organizations",
    summary="Organizations published entries list",
)
def organizations(request, page: PageNumber = 1, page_size: PageSize = PAGE_SIZE):
    listed = Organization.objects.listed_by_published_entries().only("name", "slug").order_by("name", "pk")
    return linked_page(request, listed, page, page_size, organization_link)


def organization_link(organization):
    return {"name": organization.name, "slug": organization.slug, "url": absolute_url(organization.get_absolute_url())}


@api.get(
    "/organizations/{slug}",
    response={200: OrganizationDetail, **ERRORS},
    url_name="organization",
    summary="An organization and the entries that list it",
)
def organization(request, slug: str):
    found = get_object_or_404(Organization.objects.listed_by_published_entries().prefetch_related("phones"), slug=slug)
    listing = PublishedEntry.objects.filter(organization_ids__contains=[found.pk]).only("title", "slug")
    return {
        **Exporter.organization_dict(found),
        "slug": found.slug,
        "entries": [entry_link(entry) for entry in listing.order_by("title", "pk")],
    }


@api.get("/genes", response={200: GenePage, **ERRORS}, url_name="genes", summary="Genes of published entries")
def genes(request, page: PageNumber = 1, page_size: PageSize = PAGE_SIZE):
    found = in_published_entries(Gene).only("symbol", "name").order_by("symbol")
    return linked_page(request, found, page, page_size, gene_link)


def gene_link(gene):
    return {"symbol": gene.symbol, "name": gene.name, "url": absolute_url(gene.get_absolute_url())}


def published_value(column, key, output_field):
    """The value under ``key`` in a published version's JSON ``column`` (``genes`` or ``signs``), alone.

    Raw SQL: the keys are ids as text, which Django's key lookups would read as array indexes.
    """
    return RawSQL(f"disorders_publishedentry.{column} -> %s", [key], output_field=output_field)


@api.get(
    "/genes/{symbol}",
    response={200: GeneDetail, **ERRORS},
    url_name="gene",
    summary="A gene and the entries it is involved in",
)
def gene(request, symbol: str):
    found = get_object_or_404(in_published_entries(Gene), symbol=symbol)
    listing = PublishedEntry.objects.with_gene(found).only("title", "slug")
    listing = listing.annotate(associations=published_value("genes", str(found.pk), JSONField()))
    return {
        **gene_link(found),
        "hgnc_id": found.hgnc_id,
        "omim_id": found.omim_id,
        # One item per way the gene is involved, as the entry's published version lists them.
        "entries": [
            {**entry_link(entry), "association": association}
            for entry in listing.order_by("title", "pk")
            for association in sorted(entry.associations)
        ],
    }


@api.get(
    "/signs", response={200: SignPage, **ERRORS}, url_name="signs", summary="Signs (HPO terms) of published entries"
)
def signs(request, page: PageNumber = 1, page_size: PageSize = PAGE_SIZE):
    found = in_published_entries(Sign).only("hpo_id", "name").order_by("name", "hpo_id")
    return linked_page(request, found, page, page_size, sign_link)


def sign_link(sign):
    return {"hpo_id": sign.hpo_id, "name": sign.name, "url": absolute_url(sign.get_absolute_url())}


@api.get(
    "/signs/{hpo_id}",
    response={200: SignDetail, **ERRORS},
    url_name="sign",
    summary="A sign and the entries that have it",
)
def sign(request, hpo_id: str):
    found = get_object_or_404(in_published_entries(Sign), hpo_id=hpo_id)
    listing = PublishedEntry.objects.with_sign(found).only("title", "slug")
    listing = listing.annotate(frequency=published_value("signs", str(found.pk), JSONField()))
    # As the sign's page orders them: the most frequent first (the frequencies' own order), then by title.
    frequencies = list(DisorderSign.Frequency)
    listing = sorted(listing, key=lambda entry: (frequencies.index(entry.frequency), entry.title.lower(), entry.pk))
    return {
        **sign_link(found),
        "entries": [{**entry_link(entry), "frequency": entry.frequency} for entry in listing],
    }


# --- What every API response gets -------------------------------------------------------------------------------


def rate_limited(request):
    """Count this request against its client's minute: ``(over the limit?, seconds to the next minute)``.

    A fixed one-minute window per client address, counted in the shared cache (every worker and host sees it).
    """
    limit = settings.API_RATE_LIMIT
    if not limit:
        return False, None
    window = int(datetime.datetime.now(datetime.UTC).timestamp() // 60)
    key = f"api-rate:{client_ip(request)}:{window}"
    shared_cache.add(key, 0, timeout=120)
    try:
        count = shared_cache.incr(key)
    except ValueError:  # expired between add and incr
        shared_cache.set(key, 1, timeout=120)
        count = 1
    request.api_rate_remaining = max(limit - count, 0)
    return count > limit, 60 - int(datetime.datetime.now(datetime.UTC).timestamp()) % 60


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining",
}


def add_cors_headers(response):
    for header, value in CORS_HEADERS.items():
        response[header] = value


def api_response(view):
    """GET and HEAD only, open to every origin, rate-limited, conditional (ETag, Last-Modified, 304), cacheable."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":  # a CORS preflight (a conditional request from a page sends one)
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD"
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
            add_cors_headers(response)
            return response
        if request.method not in SAFE_METHODS:
            response = HttpResponseNotAllowed(SAFE_METHODS)
        else:
            limited, retry_after = rate_limited(request)
            if limited:
                response = JsonResponse({"detail": "Too many requests; try again in a minute."}, status=429)
                response["Retry-After"] = str(retry_after)
                response["Cache-Control"] = "no-store"  # about this client now, not about the address
            else:
                response = respond(view, request, *args, **kwargs)
        if settings.API_RATE_LIMIT and hasattr(request, "api_rate_remaining"):
            response["X-RateLimit-Limit"] = str(settings.API_RATE_LIMIT)
            response["X-RateLimit-Remaining"] = str(request.api_rate_remaining)
        add_cors_headers(response)
        return response

    return wrapped


def respond(view, request, *args, **kwargs):
    """The view's response with its validators and caching; a 304 where the client's copy is still good."""
    method = request.method
    request.method = "GET"  # ninja routes GET only; HEAD is GET without the body
    try:
        response = view(request, *args, **kwargs)
    finally:
        request.method = method
    if response.status_code == 200 and not response.streaming:
        response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        last_modified = getattr(request, "api_last_modified", None)
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        response["Cache-Control"] = f"public, max-age={settings.READER_CACHE_SECONDS}"
        response = get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=int(last_modified.timestamp()) if last_modified else None,
            response=response,
        )
    elif response.status_code in (400, 422):  # about this one request: never stored
        response["Cache-Control"] = "no-store"
    else:  # a 404 is as public as the page it stands for
        response["Cache-Control"] = f"public, max-age={settings.READER_CACHE_SECONDS}"
    if method == "HEAD":
        response.content = b""
    return response


def api_urls():
    """The API's URL patterns, every one wrapped by :func:`api_response`."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = api_response(pattern.callback)
    return patterns, app_name, namespace


@api_response
def entry_schema_view(request):
    """``/api/v1/schemas/entry.json``: the entry's JSON Schema, its ``$id`` the address it is served at."""
    schema = {**entry_schema(), "$id": absolute_url(request.path)}
    schema = {"$schema": schema.pop("$schema"), "$id": schema.pop("$id"), **schema}
    return JsonResponse(schema, json_dumps_params={"ensure_ascii": False, "indent": 2})
