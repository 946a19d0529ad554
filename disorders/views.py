import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, TextField, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Length, Lower, Mod, RowNumber, TruncDate
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView

from disorders import history, publication, search
from disorders.export import carries_nord_text, export_document
from disorders.importers import IMPORT_COMMENT_PREFIX
from disorders.importers.orphanet import ORPHANET_SLUG
from disorders.models import (
    HPO_ID_FORMAT,
    INITIALS,
    OTHER_INITIAL,
    PLAIN_ASSOCIATIONS,
    Classification,
    Code,
    Disclaimer,
    Disorder,
    DisorderSign,
    EntryRevision,
    Gene,
    PublishedEntry,
    PublishedName,
    RetiredCode,
    Sign,
    initials_in,
)
from encyclopedia import page_cache
from encyclopedia.reader_pages import ForgivingPaginationMixin, ReaderCacheMixin, absolute_url, reader_cache, row_url


def entry_page_context(disorder, title_notice):
    """What the entry's page shows of a working copy (fetched through ``publication.entry_queryset``).

    Rendered into the published document by ``publication.build_document``, never at request time.
    """
    attributions = list(disorder.attributions.all())
    # NORD's layout (its title notice, "Subdivisions: None") belongs to entries that carry NORD's text.
    nord_text = carries_nord_text(attributions)
    sections = list(disorder.sections.all())
    prevalences = [with_references(prevalence) for prevalence in disorder.prevalences.all()]
    # Without a summary the first section is what the entry says first: it goes right under the title.
    lead_sections = [] if disorder.summary else sections[:1]
    return {
        "disorder": disorder,
        "nord_text": nord_text,
        "title_notice": title_notice.render_for(disorder) if title_notice and nord_text else "",
        "lead_sections": lead_sections,
        "sections": sections[len(lead_sections) :],
        "classification_trees": classification_trees(disorder.classifications.all()),
        "codes": codes_by_relation(disorder.codes.all()),
        # The most relevant figures plainly, the rest folded away (Orphanet lists up to a dozen).
        "prevalences": prevalences[:PREVALENCES_SHOWN],
        "more_prevalences": prevalences[PREVALENCES_SHOWN:],
        # Orphanet states the facts (prevalence, inheritance, onset) the importer fills in.
        "facts_source": next((a for a in attributions if a.source.slug == ORPHANET_SLUG), None),
        "sign_groups": signs_by_frequency(disorder.signs.all()),
        "genes": genes_with_associations(disorder.gene_associations.all()),
        "attributions": attributions,
        "complete_reports": [attribution for attribution in attributions if attribution.complete_report],
        "description": disorder.description,
        "revision_years": history.revision_years(disorder),
        "review_credit": review_credit(disorder),
    }


def review_credit(disorder):
    """``{"by": "Jane Roe, MD", "on": date}`` for the page's "Reviewed by …", or None.

    Only reviewers with a public profile are named (never a username); the date shows either way.
    """
    if not disorder.last_reviewed_on:
        return None
    reviewer = disorder.last_reviewed_by
    profile = getattr(reviewer, "reviewer_profile", None) if reviewer else None
    return {"by": profile.credit if profile else "", "on": disorder.last_reviewed_on}


class EntryDocumentMixin:
    """Renders a published document (``self.document``) through the entry page's template."""

    template_name = "disorders/disorder_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            document=self.document,
            # Site-wide texts are read live: editing one shows on every entry without republishing.
            site_disclaimers=list(Disclaimer.objects.exclude(kind=Disclaimer.Kind.TITLE_NOTICE)),
            source_disclaimers=publication.source_disclaimers(self.document),
        )
        return context


class DisorderDetailView(EntryDocumentMixin, ReaderCacheMixin, DetailView):
    """The public entry: its published document, one row read whatever the entry holds.

    Staff see the same published version, with a note when the working copy has pending changes.
    """

    context_object_name = "disorder"
    varies_by_user = True  # staff see the pending-changes note
    queryset = PublishedEntry.objects.only("disorder_id", "title", "slug", "document")

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            moved = entry_moved_from(kwargs["slug"], Disorder.objects.published())
            if moved is not None:
                return HttpResponsePermanentRedirect(moved.published.get_absolute_url())
            # Staff following a link to an entry readers cannot see yet get its preview.
            unpublished = Disorder.objects.filter(slug=kwargs["slug"]).first() if request.user.is_staff else None
            if unpublished is not None and request.user.has_perm("disorders.view_disorder"):
                return redirect("admin:disorders_disorder_preview", unpublished.pk)
            raise

    def get_object(self, queryset=None):
        entry = super().get_object(queryset)
        self.document = entry.document
        return entry

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.is_authenticated and self.request.user.is_staff:
            context["pending_changes"] = publication.has_pending_changes(self.object.disorder)
            context["preview_url"] = reverse("admin:disorders_disorder_preview", args=[self.object.pk])
        return context


def structured_data(disorder, description):
    """schema.org: a MedicalWebPage about a MedicalCondition, with every name and code the entry has."""
    url = absolute_url(disorder.get_absolute_url())
    condition = {"@type": "MedicalCondition", "name": disorder.title, "url": url}
    if synonyms := [synonym.name for synonym in disorder.synonyms.all()]:
        condition["alternateName"] = synonyms
    # Only exact mappings name this condition; a narrower or broader code is another one.
    exact = [code for code in disorder.codes.all() if code.relation == Code.Relation.EXACT]
    if exact:
        condition["code"] = [
            {"@type": "MedicalCode", "codingSystem": code.system, "codeValue": code.value} for code in exact
        ]
    if same_as := [code.url for code in exact if code.system in SAME_AS_SYSTEMS and code.url]:
        condition["sameAs"] = same_as
    # The facts box as schema.org's one free-text field for them.
    epidemiology = [
        f"{prevalence.kind}: {prevalence.prevalence_class} ({prevalence.geography or 'area not stated'})"
        for prevalence in disorder.prevalences.all()
        if prevalence.prevalence_class
    ]
    epidemiology += [f"{label}: {getattr(disorder, field)}" for label, field in FACTS if getattr(disorder, field)]
    if epidemiology:
        condition["epidemiology"] = "; ".join(epidemiology)
    if signs := [sign for sign in disorder.signs.all() if sign.frequency != DisorderSign.Frequency.EXCLUDED]:
        condition["signOrSymptom"] = [
            {
                "@type": "MedicalSignOrSymptom",
                "name": sign.sign.name,
                "code": {"@type": "MedicalCode", "codingSystem": "HPO", "codeValue": sign.sign.hpo_id},
            }
            for sign in signs
        ]
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": disorder.title,
        "description": description,
        "inLanguage": "en",
        "isPartOf": {"@type": "WebSite", "name": settings.SITE_NAME, "url": absolute_url("/")},
        "about": condition,
    }
    dates = {
        "datePublished": disorder.published_at,
        "dateModified": disorder.content_changed_at,
        "lastReviewed": disorder.last_reviewed_on,
    }
    page.update({key: value.isoformat() for key, value in dates.items() if value})
    credit = review_credit(disorder)
    if credit and credit["by"]:
        page["reviewedBy"] = {"@type": "Person", "name": credit["by"]}
    return page


FACTS = [("Inheritance", "inheritance"), ("Age of onset", "age_of_onset")]
# Terminologies whose page for a code is a page about the condition itself (schema.org sameAs).
SAME_AS_SYSTEMS = (Code.System.ORPHA, Code.System.OMIM)
# How many prevalence records show before the rest fold away behind a disclosure.
PREVALENCES_SHOWN = 2
# Orphanet names a record's sources as "16325700[PMID]_ORPHANET": PubMed numbers and the words of the rest.
_PMID = re.compile(r"^(?P<number>[0-9]+)\[PMID\]$")
# Orphanet marks a source's kind in brackets: "EUROCAT …[REG]", "European Medicines Agency[INST]", "[EXPERT]".
_SOURCE_KINDS = {"REG": "registry", "INST": "institution", "EXPERT": "expert opinion"}
_TAGGED = re.compile(r"^(?P<name>.*?)\s*\[(?P<kind>[A-Z]+)\]$")


def _reference_text(part):
    """One of a record's sources in words: "Orphanet", "expert opinion", "EUROCAT … (registry)"."""
    if part.upper() == "ORPHANET":
        return "Orphanet"
    match = _TAGGED.match(part)
    if not match:
        return part
    name, kind = match["name"], _SOURCE_KINDS.get(match["kind"], "")
    return f"{name} ({kind})" if name and kind else name or kind or part


def with_references(prevalence):
    """The record with ``references``: its sources as ``[(text, url or "")]``, PubMed articles linked."""
    prevalence.references = []
    for part in filter(None, (part.strip() for part in prevalence.source.split("_"))):
        if match := _PMID.match(part):
            number = match["number"]
            prevalence.references.append((f"PMID {number}", f"https://pubmed.ncbi.nlm.nih.gov/{number}/"))
        else:
            prevalence.references.append((_reference_text(part), ""))
    return prevalence


def signs_by_frequency(signs):
    """``[{"label", "signs": [{"name", "url"}]}]``: the entry's signs grouped by frequency, most frequent first.

    Names and addresses, not rows: an entry lists up to hundreds, and the template reads each in one lookup.
    """
    groups = {}
    for link in signs:
        groups.setdefault(link.frequency, []).append({"name": link.sign.name, "url": link.sign.get_absolute_url()})
    return [
        {"label": DisorderSign.Frequency(frequency).label, "signs": groups[frequency]}
        for frequency in DisorderSign.Frequency
        if frequency in groups
    ]


def genes_with_associations(associations):
    """``[(gene, [plain associations])]``: each gene once, however many ways it is involved."""
    genes = {}
    for association in associations:
        genes.setdefault(association.gene, []).append(association.plain_association)
    return list(genes.items())


def codes_by_relation(codes):
    """``[{"relation", "label", "count", "systems": [(system label, [codes])]}]``, exact mappings first."""
    groups = []
    for relation, label in Code.Relation.choices:
        related = [code for code in codes if code.relation == relation]
        if related:
            groups.append({"relation": relation, "label": label, "count": len(related), "systems": by_system(related)})
    return groups


def by_system(codes):
    """``[(system label, [codes])]`` in the order of ``Code.System``: each terminology named once."""
    grouped = {system: [] for system in Code.System}
    for code in codes:
        grouped[code.system].append(code)
    return [(Code.System(system).label, found) for system, found in grouped.items() if found]


# A path starts this many levels above its node (below the tree's root), more where needed to tell links apart.
SHORT_PATH = 2
PATH_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


def classification_trees(nodes):
    """The entry's classifications by tree: ``[{"name", "url", "paths": [{"url", "text"}]}]``.

    Orphanet places an entry under groups of the same name in several trees (and twice in one tree),
    so each link is named by the end of its path, long enough that no two links read the same.
    Takes nodes fetched with ``with_paths()``.
    """
    trees, links = {}, []
    for node in nodes:
        names, slugs = node.path_names, node.path_slugs
        tree = trees.setdefault(
            slugs[0], {"name": names[0], "url": row_url("disorders:classification", slugs[0]), "paths": []}
        )
        if len(names) > 1:  # a root is its tree's heading
            below_root = names[1:]
            link = {"url": node.get_absolute_url(), "names": below_root, "length": min(SHORT_PATH, len(below_root))}
            tree["paths"].append(link)
            links.append(link)
    while True:
        for link in links:
            link["text"] = PATH_SEPARATOR.join(link["names"][-link["length"] :])
        texts = [link["text"] for link in links] + [tree["name"] for tree in trees.values()]
        clashing = [link for link in links if texts.count(link["text"]) > 1 and link["length"] < len(link["names"])]
        if not clashing:
            break
        for link in clashing:
            link["length"] += 1
    for tree in trees.values():
        tree["paths"].sort(key=lambda link: link["text"].casefold())
    return sorted(trees.values(), key=lambda tree: tree["name"].casefold())


def reading_order(name):
    """The key that sorts names as people do: case and accents ignored, numbers by value ("type 2" before "type 10").

    Sorted in Python, not by an ICU collation: the embedded PostgreSQL is built without ICU.
    """
    parts = re.split(r"([0-9]+)", search.normalize_name(name))
    # Odd places hold the digit runs, so each place compares like with like.
    return [int(part) if index % 2 else part for index, part in enumerate(parts)]


class ClassificationDetailView(ReaderCacheMixin, ForgivingPaginationMixin, ListView):
    """``/classifications/<slug>/``: a node's path in its tree, its subgroups and its entries, 100 a page."""

    template_name = "disorders/classification_detail.html"
    context_object_name = "disorders"
    paginate_by = 100

    def get(self, request, *args, **kwargs):
        self.node = get_object_or_404(Classification, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # A node holds at most some 700 entries: sorting them here is one cheap query.
        entries = PublishedEntry.objects.with_classification([self.node.pk]).only("title", "slug")
        return sorted(entries, key=lambda disorder: reading_order(disorder.title))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ancestors = self.node.ancestors()
        context.update(
            classification=self.node,
            ancestors=ancestors,
            # The root introduces its tree and says whose it is (Orphanet's licence notice): every node carries it.
            tree_notice=ancestors[0].description if ancestors else "",
            children=sorted(self.node.children.all(), key=lambda child: reading_order(child.name)),
        )
        return context


def entry_moved_from(slug, entries):
    """The entry among ``entries`` whose address was ``slug`` before it changed (old addresses answer 301), or None."""
    return entries.filter(previous_slugs__slug=slug).first()


@reader_cache
def disorder_json(request, slug):
    """``/disorders/<slug>.json``: a published entry's document in the JSON export's shape (``Exporter.as_dict``)."""
    entry = PublishedEntry.objects.filter(slug=slug).only("document").first()
    if entry is None:
        moved = entry_moved_from(slug, Disorder.objects.published().select_related("published"))
        if moved is None:
            raise Http404("No published entry has this address.")
        return HttpResponsePermanentRedirect(reverse("disorders:detail-json", args=[moved.published.slug]))
    document = export_document(entry.document)
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})


@dataclass
class PublishedCode:
    """A published entry carrying a code, and how it maps to it (as its published version says)."""

    disorder: PublishedEntry
    relation: str

    def get_relation_display(self):
        return Code.Relation(self.relation).label


# A retired code may be replaced by a code that was itself retired; a few hops cover every real chain.
MAX_REPLACEMENTS = 5


@reader_cache
def code_redirect(request, system, value):
    """``/codes/<system>/<value>/``: the published entry that carries an external code.

    The system is matched case-insensitively ("icd-10"); a code no published entry
    carries but that its terminology retired leads where its replacement leads.
    An ORPHAcode of a group (a classification node, not an entry) leads to the
    group's page. The redirect is temporary (302): editors remap codes and
    terminologies retire them, and a permanent redirect would be cached by
    browsers past such changes. Several entries: the one with an exact mapping,
    else a list to choose from; a group in several trees: a list of its nodes.
    """
    system = search.code_system(system)
    if system is None:
        raise Http404("No such code system.")
    requested, replaced, nodes = value, [], []
    while True:
        # Codes are stored as their terminology prints them (uppercase letters); accept a reader's lowercase.
        values = {value, value.upper()}
        keys = search.code_keys(system, value)
        entries = search.published_codes(system, value).only("title", "slug", "codes").order_by("title", "pk")
        codes = [
            PublishedCode(entry, next(entry.codes[key] for key in keys if key in entry.codes)) for entry in entries
        ]
        if codes:
            break
        retired = RetiredCode.objects.filter(system=system, value__in=values).exclude(replaced_by="").first()
        if retired is None and system == Code.System.ORPHA:
            # Orphanet's importer marks each node of a group with the group's code.
            nodes = Classification.objects.filter(external_id=f"ORPHA:{value}").select_related("parent")
            nodes = list(nodes.order_by("parent__name", "pk"))
            if nodes:
                break
        seen = {requested.upper(), *(code.upper() for code in replaced)}
        if retired is None or retired.replaced_by.upper() in seen or len(replaced) >= MAX_REPLACEMENTS:
            raise Http404("No published entry has this code.")
        value = retired.replaced_by
        replaced.append(value)
    exact = [code for code in codes if code.relation == Code.Relation.EXACT]
    candidates = exact or codes
    if len(candidates) + len(nodes) == 1:
        return redirect(candidates[0].disorder if candidates else nodes[0])
    context = {
        "system": system,
        "value": value,
        "requested": requested,
        "replaced": replaced,
        "codes": candidates,
        "nodes": nodes,
    }
    return render(request, "disorders/code_entries.html", context)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search by any name of a disorder",
        required=False,
        max_length=search.MAX_QUERY_LENGTH,
        error_messages={"max_length": "Search terms can be at most %(limit_value)d characters long."},
    )


class SearchView(ReaderCacheMixin, ForgivingPaginationMixin, ListView):
    """``/search/?q=``: entries found by any name, misspelled too, or by words in their text."""

    template_name = "disorders/search.html"
    context_object_name = "results"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET)
        self.query = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        response = super().get(request, *args, **kwargs)
        if self.form.errors:
            response.status_code = 400
        return response

    def get_queryset(self):
        return search.search(self.query) if self.query else Disorder.objects.none()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.query:
            # Not entries, so not in the results: the gene or sign pages the query names, offered above them.
            context["related_pages"] = search.related_pages(self.query)
        if self.query and not context["paginator"].count:
            context["spellings"] = search.did_you_mean(self.query)
        context.update(form=self.form, query=self.query, box_query=self.box_query())
        return context

    def box_query(self):
        """What the search box shows again: a refused query cut to the allowed length."""
        if not self.form.errors:
            return self.query
        return self.request.GET.get("q", "")[: search.MAX_QUERY_LENGTH]


@reader_cache
def suggest(request):
    """``/search/suggest/?q=``: JSON for the search box's autocomplete, ``{"results": [...]}`` (see search.suggest)."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(form.errors["q"])}, status=400)
    return JsonResponse({"results": search.suggest(form.cleaned_data["q"])})


def index_names():
    """Names the A-Z index lists: titles and synonyms of published entries, as published."""
    return PublishedName.objects.exclude(kind=PublishedName.Kind.SUBDIVISION)


def name_initials():
    """The A-Z index's letters that list a name (once per content generation: the home and every A-Z page show them)."""
    return page_cache.per_generation("a-z:initials", lambda: index_names().initials())


def az_bar(current=None, used=None):
    """The A-Z bar's letters, each with whether anything is filed under it (``used``, by default entry names)."""
    used = name_initials() if used is None else used
    return [{"value": initial, "used": initial in used, "current": initial == current} for initial in INITIALS]


class DisorderIndexView(ReaderCacheMixin, ForgivingPaginationMixin, ListView):
    """``/disorders/?letter=J``: titles and synonyms under one letter, each leading to its entry."""

    template_name = "disorders/disorder_index.html"
    context_object_name = "names"
    paginate_by = 100

    def get(self, request, *args, **kwargs):
        self.letter = request.GET.get("letter", INITIALS[0]).upper()
        if self.letter not in INITIALS:
            raise Http404("The A-Z index has no such letter.")
        return super().get(request, *args, **kwargs)

    def letter_names(self):
        return index_names().starting_with(self.letter)

    def get_queryset(self):
        # Each listed name's entry is looked up once the page is cut (PostgreSQL runs these subqueries after
        # the LIMIT): joining the entries read every published entry first, some 20 ms at full size.
        entry = PublishedEntry.objects.filter(pk=OuterRef("entry_id")).order_by()
        return (
            self.letter_names()
            .only("name", "kind", "normalized")
            .annotate(entry_title=Subquery(entry.values("title")), entry_slug=Subquery(entry.values("slug")))
        )

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        # How many names the letter lists: once per change readers see (Paginator.count is a cached property).
        paginator.count = page_cache.per_generation(f"a-z:{self.letter}:count", paginator.object_list.count)
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = context["paginator"]
        context.update(
            letter=self.letter,
            default_letter=INITIALS[0],
            az_bar=az_bar(self.letter),
            # The names at every page's edges, numbered over the whole letter: once per change readers see.
            page_ranges=page_cache.per_generation(
                f"a-z:{self.letter}:page-ranges", lambda: page_ranges(self.letter_names(), paginator)
            )
            if paginator.num_pages > 1
            else [],
        )
        for name in context["names"]:
            name.entry_url = row_url("disorders:detail", name.entry_slug)
        return context


def page_ranges(names, paginator):
    """For jumping within a letter: each page's number with its first and last name ("Aarskog … Achondroplasia").

    One query: the names at each page's edges, numbered in the index's own order.
    """
    size = paginator.per_page
    numbered = names.annotate(row=Window(RowNumber(), order_by=[F("normalized").asc(), F("name").asc()]))
    edges = numbered.annotate(offset=Mod(F("row") - 1, size)).filter(
        Q(offset=0) | Q(offset=size - 1) | Q(row=paginator.count)
    )
    names_at = dict(edges.values_list("row", "name"))
    return [
        {
            "number": page,
            "first": names_at[(page - 1) * size + 1],
            "last": names_at[min(page * size, paginator.count)],
        }
        for page in paginator.page_range
    ]


def content_changes_by_import():
    """Revisions in which an import changed an entry's content (the revision stamped the content change)."""
    return EntryRevision.objects.filter(
        revision__comment__startswith=IMPORT_COMMENT_PREFIX, content_changed_at=F("revision__date_created")
    )


class HomeView(ReaderCacheMixin, TemplateView):
    """The search box, the A-Z bar, the classification trees and what changed lately.

    "Recently updated" lists entries whose last content change an editor made; an import
    changes thousands of entries at once, so each import day is one line with its count.
    """

    template_name = "disorders/home.html"
    recently_updated_count = 10
    import_days_shown = 3

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            # Both read every published entry's history (some 100 ms at full size): once per change readers see.
            recently_updated=page_cache.per_generation("home:recently-updated", self.recently_updated),
            recent_imports=page_cache.per_generation("home:recent-imports", self.recent_imports),
            classification_roots=Classification.objects.filter(parent=None).only("name", "slug"),
            az_bar=az_bar(),
        )
        return context

    def recently_updated(self):
        last_change_imported = content_changes_by_import().filter(
            disorder=OuterRef("pk"), content_changed_at=OuterRef("content_changed_at")
        )
        entries = PublishedEntry.objects.exclude(Exists(last_change_imported))
        entries = entries.order_by(F("content_changed_at").desc(nulls_last=True), "title")
        return list(entries.only("title", "slug", "content_changed_at")[: self.recently_updated_count])

    def recent_imports(self):
        imports = (
            content_changes_by_import()
            .filter(disorder__in=PublishedEntry.objects.values("pk"))
            .annotate(day=TruncDate("content_changed_at"))
        )
        imports = imports.order_by().values("day").annotate(entries=Count("disorder", distinct=True)).order_by("-day")
        return list(imports[: self.import_days_shown])


class DisclaimersView(ReaderCacheMixin, ListView):
    """``/disclaimers/``: the site-wide texts every entry points to."""

    # The title notice is about one entry's title, so it is shown on entries only.
    queryset = Disclaimer.objects.exclude(kind=Disclaimer.Kind.TITLE_NOTICE)
    context_object_name = "disclaimers"


def in_published_entries(model):
    """Genes or signs some published entry links to (its published ``genes`` or ``signs``): what readers see.

    Asked of each row through the GIN-indexed keys, so a page about one gene or sign, or one letter
    of the signs index, looks up its own rows only (a tenth of a millisecond); gathering every
    published entry's keys first cost 30-90 ms at full size whatever the page showed.
    """
    column = {Gene: "genes", Sign: "signs"}[model]
    linking = PublishedEntry.objects.filter(**{f"{column}__has_key": Cast(OuterRef("pk"), TextField())})
    return model.objects.filter(Exists(linking))


@dataclass
class EntryLink:
    """A published entry as a gene's or a sign's page lists it, with how it is linked."""

    disorder: PublishedEntry
    frequency: str = ""
    associations: tuple = ()
    sign: Sign | None = None

    @property
    def plain_association(self):
        return "; ".join(PLAIN_ASSOCIATIONS.get(association, association) for association in self.associations)

    def get_frequency_display(self):
        return DisorderSign.Frequency(self.frequency).label


class GeneDetailView(ReaderCacheMixin, DetailView):
    """``/genes/<symbol>/``: the gene, where to read more about it, and every published entry it is involved in."""

    context_object_name = "gene"
    slug_field = "symbol"
    slug_url_kwarg = "symbol"

    def get_queryset(self):
        return in_published_entries(Gene)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        key = str(self.object.pk)
        entries = PublishedEntry.objects.with_gene(self.object).only("title", "slug", "genes")
        links = [EntryLink(entry, associations=tuple(entry.genes[key])) for entry in entries]
        context["associations"] = sorted(links, key=lambda link: reading_order(link.disorder.title))
        return context


class SignDetailView(ReaderCacheMixin, ForgivingPaginationMixin, ListView):
    """``/signs/<HPO id>/``: the sign and every published entry that has it, the most frequent first, 100 a page."""

    template_name = "disorders/sign_detail.html"
    context_object_name = "disorder_signs"
    paginate_by = 100

    def get(self, request, *args, **kwargs):
        self.sign = get_object_or_404(in_published_entries(Sign), hpo_id=kwargs["hpo_id"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # The most frequent first (the frequencies' own order), then entries by title.
        key = str(self.sign.pk)
        entries = PublishedEntry.objects.with_sign(self.sign).only("title", "slug", "signs")
        links = [EntryLink(entry, frequency=entry.signs[key]) for entry in entries]
        frequencies = list(DisorderSign.Frequency)
        return sorted(
            links, key=lambda link: (frequencies.index(link.frequency), link.disorder.title.lower(), link.disorder.pk)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sign"] = self.sign
        return context


def signs_in_use():
    """Signs some published entry has: the signs index, find by signs and its suggestions offer these only."""
    return in_published_entries(Sign)


def sign_initials():
    """The letters of the signs index (and ``OTHER_INITIAL``) that list at least one sign (once per generation)."""
    return page_cache.per_generation("signs-index:initials", lambda: initials_in(signs_in_use(), "name", lower=True))


class SignIndexView(ReaderCacheMixin, ForgivingPaginationMixin, ListView):
    """``/signs/?letter=A``: the signs and symptoms published entries have, A-Z, each with how many entries."""

    template_name = "disorders/sign_index.html"
    context_object_name = "signs"
    paginate_by = 100

    def get(self, request, *args, **kwargs):
        self.letter = request.GET.get("letter", INITIALS[0]).upper()
        if self.letter not in INITIALS:
            raise Http404("The signs index has no such letter.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # Finding which of a letter's signs published entries have, and counting their entries, reads every
        # one of them (some 2,000 signs and 200 ms for A at full size): once per change readers see.
        return page_cache.per_generation(f"signs-index:{self.letter}", self.letter_signs)

    def letter_signs(self):
        """``[(id, HPO id, name, entries)]``: the letter's signs in use, in order (plain rows keep and load quickly)."""
        signs = signs_in_use()
        if self.letter == OTHER_INITIAL:
            signs = signs.exclude(name__iregex=r"^[a-z]")
        else:
            signs = signs.filter(name__istartswith=self.letter)
        # Counted by the published versions' GIN-indexed ``signs`` keys.
        entry_count = RawSQL(
            "SELECT count(*) FROM disorders_publishedentry p WHERE p.signs ? disorders_sign.id::text", []
        )
        signs = signs.annotate(entry_count=entry_count).order_by(Lower("name"), "pk")
        return list(signs.values_list("pk", "hpo_id", "name", "entry_count"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        signs = []
        for pk, hpo_id, name, entry_count in context["object_list"]:
            signs.append(Sign(pk=pk, hpo_id=hpo_id, name=name))
            signs[-1].entry_count = entry_count
        used = sign_initials()
        context.update(
            signs=signs,
            object_list=signs,
            letter=self.letter,
            default_letter=INITIALS[0],
            az_bar=az_bar(self.letter, used=used),
            az_url=reverse("disorders:sign-index"),
        )
        return context


# Find by signs: more signs than a person would pick are ignored, and the ranking shows the best few.
MAX_CHOSEN_SIGNS = 20
FIND_RESULTS = 30
SIGN_SUGGESTIONS = 10


def chosen_signs(request):
    """The signs in ``?sign=HP:…&sign=…`` that published entries have, in the order given; anything else is ignored."""
    wanted = [value for value in request.GET.getlist("sign") if re.fullmatch(HPO_ID_FORMAT, value)]
    wanted = list(dict.fromkeys(wanted))[:MAX_CHOSEN_SIGNS]
    found = {sign.hpo_id: sign for sign in signs_in_use().filter(hpo_id__in=wanted)}
    return [found[hpo_id] for hpo_id in wanted if hpo_id in found]


def find_url(signs, view="disorders:find-by-signs"):
    """The find-by-signs page (or its suggestions) with ``signs`` chosen."""
    return reverse(view) + "?" + urlencode([("sign", sign.hpo_id) for sign in signs])


def signs_named(text):
    """Signs in use whose name contains ``text`` (case and accents ignored), names starting with it first."""
    signs = signs_in_use().filter(name__unaccent__icontains=text)
    starts = Case(When(name__unaccent__istartswith=text, then=Value(0)), default=Value(1))
    return signs.order_by(starts, Length("name"), "name")


def rank_by_signs(signs):
    """Published entries having any of ``signs``, best match first: each matching sign counts its frequency's weight.

    Like Orphanet's clinical-signs search and Phenomizer, an entry that has a sign in most
    people ranks above one that has it rarely; a sign the entry excludes counts nothing.
    """
    weights = DisorderSign.Frequency.weight
    order = {sign.pk: place for place, sign in enumerate(signs)}  # matches listed in the order chosen
    entries = PublishedEntry.objects.filter(signs__has_any_keys=[str(sign.pk) for sign in signs])
    ranked = []
    for entry in entries.only("title", "slug", "signs"):
        found = [
            EntryLink(entry, frequency=entry.signs[str(sign.pk)], sign=sign)
            for sign in signs
            if str(sign.pk) in entry.signs
        ]
        ranked.append(
            {
                "disorder": entry,
                "score": sum(weights[DisorderSign.Frequency(link.frequency)] for link in found),
                "matches": sorted(found, key=lambda link: order[link.sign.pk]),
            }
        )
    ranked = [result for result in ranked if result["score"] > 0]
    ranked.sort(key=lambda result: (-result["score"], -len(result["matches"]), reading_order(result["disorder"].title)))
    return ranked[:FIND_RESULTS]


class FindBySignsView(ReaderCacheMixin, TemplateView):
    """``/signs/find/?sign=HP:…&sign=…``: entries ranked by how well their signs match the chosen ones.

    A plain GET form: typing part of a sign's name (``q``) lists the signs to add, each a link that keeps
    the signs chosen so far; static/js/search.js turns the box into an autocomplete fed by ``sign-suggest``.
    """

    template_name = "disorders/find_by_signs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        signs = chosen_signs(self.request)
        query = self.request.GET.get("q", "").strip()[: search.MAX_QUERY_LENGTH]
        offered = [sign for sign in signs_named(query)[:SIGN_SUGGESTIONS] if sign not in signs] if query else []
        context.update(
            chosen=[
                {"sign": sign, "remove_url": find_url([other for other in signs if other != sign])} for sign in signs
            ],
            sign_query=query,  # not `query`: the site search box in the header shows that
            offered=[{"sign": sign, "add_url": find_url([*signs, sign])} for sign in offered],
            results=rank_by_signs(signs) if signs else [],
            # The script adds "&q=…": suggestions keep the signs chosen so far.
            suggest_url=find_url(signs, "disorders:sign-suggest"),
        )
        return context


@reader_cache
def sign_suggest(request):
    """``/signs/suggest/?q=&sign=…``: JSON for the find-by-signs box, each sign with the address that adds it."""
    query = request.GET.get("q", "").strip()[: search.MAX_QUERY_LENGTH]
    if len(query) < 2:
        return JsonResponse({"results": []})
    signs = chosen_signs(request)
    offered = [sign for sign in signs_named(query)[:SIGN_SUGGESTIONS] if sign not in signs]
    results = [
        {"title": sign.name, "name": sign.name, "kind": "title", "url": find_url([*signs, sign])} for sign in offered
    ]
    return JsonResponse({"results": results})
