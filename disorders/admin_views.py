"""Staff pages in the admin: an entry's history, one revision, compare, revert; recent changes; the review queue;
deleted entries and their recovery.

Each page checks its own permission (viewing entries; reverting for revert and recover) on
top of ``admin_site.admin_view``, which sends anonymous visitors to the login page.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import ListView, TemplateView, View

from disorders import admin_diff, history, publication
from disorders.models import Classification, Disorder, DisorderSource, PublishedEntry, Source
from disorders.views import EntryDocumentMixin
from encyclopedia.query_params import query_int
from encyclopedia.reader_pages import add_reader_cache_headers


def may_view_entries(user):
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("disorders.view_disorder") or user.has_perm("disorders.change_disorder"))
    )


class StaffPageMixin:
    """The admin's header, sidebar and title around one of our pages, for people who may read entries."""

    admin_site = admin.site
    title = ""

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self, request):
        return may_view_entries(request.user)

    def get_title(self):
        return self.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {
            **self.admin_site.each_context(self.request),
            "title": self.get_title(),
            "opts": Disorder._meta,
            **context,
        }


class EntryPageMixin(StaffPageMixin):
    """A page about one entry, under its admin URL (``model_admin`` is passed to ``as_view``)."""

    model_admin = None

    def dispatch(self, request, *args, **kwargs):
        self.admin_site = self.model_admin.admin_site
        self.disorder = self.model_admin.get_object(request, str(kwargs["object_id"]))
        if self.disorder is None:
            raise Http404("No such entry.")
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self, request):
        return self.model_admin.has_view_or_change_permission(request, self.disorder)

    def revision_ids(self):
        """The entry's revision ids, oldest first."""
        return list(
            history.entry_versions(self.disorder.pk).order_by("revision_id").values_list("revision_id", flat=True)
        )

    def revision_number(self, revision_id):
        """The revision's number in this entry's history: 1 for its first, 2 for its second, …"""
        return self.revision_ids().index(revision_id) + 1

    def entry_version(self, revision_id):
        version = history.entry_versions(self.disorder.pk).filter(revision_id=revision_id).first()
        if version is None:
            raise Http404("This entry has no such revision.")
        return version

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            disorder=self.disorder,
            original=self.disorder,
            can_revert=self.model_admin.has_change_permission(self.request, self.disorder)
            and user.has_perm("disorders.revert_disorder"),
            **kwargs,
        )


@dataclass
class HistoryLine:
    """One revision in a list: who, when, why, and what kinds of things changed since the entry's previous one."""

    version: object  # the entry's reversion Version in that revision
    previous_revision_id: int | None
    changed: list[str]

    @property
    def revision(self):
        return self.version.revision

    @property
    def who(self):
        return history.user_label(self.revision.user)

    @property
    def is_baseline(self):
        return self.revision.comment == history.BASELINE_COMMENT


def history_lines(versions):
    """HistoryLines for versions annotated by ``history.with_previous_revision``; two queries whatever their number."""
    ids = {version.revision_id for version in versions} | {
        version.previous_revision_id for version in versions if version.previous_revision_id
    }
    snapshots = history.load_snapshots(ids)
    lines = []
    for version in versions:
        previous = snapshots.get(version.previous_revision_id)
        current = snapshots.get(version.revision_id)
        changed = admin_diff.changed_labels(previous, current) if previous and current else []
        lines.append(HistoryLine(version=version, previous_revision_id=version.previous_revision_id, changed=changed))
    return lines


class EntryHistoryView(EntryPageMixin, ListView):
    template_name = "admin/disorders/disorder/entry_history.html"
    paginate_by = 50

    def get_title(self):
        return f"History of “{self.disorder}”"

    def get_queryset(self):
        versions = history.entry_versions(self.disorder.pk).order_by("-revision_id")
        return history.with_entry_numbers(history.with_previous_revision(versions))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = history_lines(list(context["page_obj"]))
        context["latest_revision_id"] = history.entry_versions(self.disorder.pk).aggregate(latest=Max("revision_id"))[
            "latest"
        ]
        return context


class RevisionView(EntryPageMixin, TemplateView):
    template_name = "admin/disorders/disorder/revision.html"

    def get_title(self):
        return f"Revision {self.number} of “{self.disorder}”"

    def get_context_data(self, **kwargs):
        version = self.entry_version(self.kwargs["revision_id"])
        ids = self.revision_ids()
        position = ids.index(version.revision_id)
        self.number = position + 1
        snapshot = history.load_snapshots([version.revision_id], self.disorder.pk)[version.revision_id]
        return super().get_context_data(
            revision=version.revision,
            who=history.user_label(version.revision.user),
            here=f"Revision {self.number}",
            number=self.number,
            previous_revision_id=ids[position - 1] if position else None,
            latest_revision_id=ids[-1],
            contents=admin_diff.describe_snapshot(snapshot),
            **kwargs,
        )


class CompareForm(forms.Form):
    from_revision = forms.TypedChoiceField(label="Older revision", coerce=int)
    to_revision = forms.TypedChoiceField(label="Newer revision", coerce=int)

    def __init__(self, *args, revisions, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(revision.pk, revision_label(revision, numbers[revision.pk])) for revision in revisions]
        self.fields["from_revision"].choices = choices
        self.fields["to_revision"].choices = choices


# Revisions are named by their number in the entry's history (1, 2, 3 …), never by reversion's global id.
def revision_heading(revision, number):
    moment = timezone.localtime(revision.date_created)
    return f"Revision {number} ({date_format(moment, 'DATETIME_FORMAT')}, {history.user_label(revision.user)})"


def revision_label(revision, number):
    moment = timezone.localtime(revision.date_created)
    return f"{number} — {moment:%Y-%m-%d %H:%M} — {history.user_label(revision.user)}"


class CompareView(EntryPageMixin, TemplateView):
    """Two revisions of an entry side by side: ``?from=<revision>&to=<revision>`` (by default the last two)."""

    template_name = "admin/disorders/disorder/compare.html"

    def get_title(self):
        return f"Compare revisions of “{self.disorder}”"

    def chosen(self, ids):
        def revision_param(name):
            value = self.request.GET.get(name, "")
            if not value:
                return None
            revision_id = query_int(value)
            if revision_id not in ids:
                raise Http404("This entry has no such revision.")
            return revision_id

        newer, older = revision_param("to"), revision_param("from")
        if newer is None:
            newer = ids[-1]
        if older is None:
            position = ids.index(newer)
            older = ids[position - 1] if position else newer
        return min(older, newer), max(older, newer)

    def get_context_data(self, **kwargs):
        ids = self.revision_ids()
        context = {"revision_count": len(ids), "here": "Compare"}
        if not ids and (self.request.GET.get("from") or self.request.GET.get("to")):
            raise Http404("This entry has no such revision.")
        if ids:
            older, newer = self.chosen(ids)
            snapshots = history.load_snapshots([older, newer], self.disorder.pk)
            revisions = {version.revision_id: version.revision for version in history.entry_versions(self.disorder.pk)}
            numbers = {revision_id: position for position, revision_id in enumerate(ids, start=1)}
            context.update(
                older=revisions[older],
                newer=revisions[newer],
                old_heading=revision_heading(revisions[older], numbers[older]),
                new_heading=revision_heading(revisions[newer], numbers[newer]),
                latest_revision_id=ids[-1],
                comparison=admin_diff.compare(snapshots[older], snapshots[newer]),
                form=CompareForm(
                    initial={"from_revision": older, "to_revision": newer},
                    revisions=sorted(revisions.values(), key=lambda revision: -revision.pk),
                    numbers=numbers,
                ),
            )
        return super().get_context_data(**context, **kwargs)


class RevertView(EntryPageMixin, TemplateView):
    """GET: what reverting to the revision would change, and a button. POST: revert (a new revision)."""

    template_name = "admin/disorders/disorder/revert.html"

    def has_permission(self, request):
        return self.model_admin.has_change_permission(request, self.disorder) and request.user.has_perm(
            "disorders.revert_disorder"
        )

    def get_title(self):
        return f"Revert “{self.disorder}” to revision {self.revision_number(self.kwargs['revision_id'])}?"

    def get_context_data(self, **kwargs):
        version = self.entry_version(self.kwargs["revision_id"])
        target = history.load_snapshots([version.revision_id], self.disorder.pk)[version.revision_id]
        current = history.current_snapshot(self.disorder)
        # Status, publication and review dates stay as they are now; show only what a revert restores.
        current.entry = {**target.entry, **{name: current.entry.get(name) for name in history.CONTENT_FIELDS}}
        return super().get_context_data(
            revision=version.revision,
            number=self.revision_number(version.revision_id),
            who=history.user_label(version.revision.user),
            here="Revert",
            comparison=admin_diff.compare(current, target),
            expected_version=Disorder.objects.values_list("version", flat=True).get(pk=self.disorder.pk),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        version = self.entry_version(self.kwargs["revision_id"])
        try:
            expected = int(request.POST.get("expected_version", ""))
        except ValueError:
            expected = -1
        try:
            result = history.revert_entry(self.disorder, version.revision, user=request.user, expected_version=expected)
        except history.StaleEntry:
            messages.error(
                request,
                "Someone saved this entry after you opened this page. Check the differences below again before "
                "reverting.",
            )
            return self.render_to_response(self.get_context_data())
        if result.revision is None:
            number = self.revision_number(version.revision_id)
            messages.info(request, f"The entry already matched revision {number}; nothing was changed.")
        else:
            self.model_admin.log_change(request, self.disorder, result.revision.comment)
            messages.success(
                request,
                f"{result.revision.comment}. This is revision {self.revision_number(result.revision.pk)}; "
                "the history keeps both.",
            )
        for note in result.notes:
            messages.warning(request, note)
        return HttpResponseRedirect(reverse("admin:disorders_disorder_history", args=[self.disorder.pk]))


class ListedChoiceField(forms.TypedChoiceField):
    """A choice among objects fetched once: listing them and reading the chosen one is one query, not two.

    (A ModelChoiceField asks again for the chosen one; the staff pages' query budgets are tight.)
    """

    def __init__(self, objects, *, empty_label, label_of=str, **kwargs):
        by_pk = {str(obj.pk): obj for obj in objects}
        choices = [("", empty_label)] + [(pk, label_of(obj)) for pk, obj in by_pk.items()]
        super().__init__(choices=choices, coerce=by_pk.get, required=False, empty_value=None, **kwargs)


class RecentChangesForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *history.KIND_CHOICES], required=False, label="Kind")
    entry = forms.CharField(required=False, label="Entry title contains")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["kind", "source", "user", "entry", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"] = ListedChoiceField(Source.objects.all(), empty_label="Any source", label="Entries from")
        people = get_user_model().objects.filter(revision__isnull=False).distinct().order_by("username")
        self.fields["user"] = ListedChoiceField(
            people, empty_label="Anyone", label="Saved by", label_of=history.user_label
        )
        self.order_fields(self.field_order)


RUN = "revision__entry_revision__import_run"


class RecentChangesView(StaffPageMixin, ListView):
    """Every revision of every entry, newest first, filtered by kind, source, who, which entry and when.

    An import run is one line (its latest revision stands for it, with the number of its entries and a link
    to them, ``?run=<id>``), unless one entry or one run is asked for.
    """

    template_name = "admin/recent_changes.html"
    title = "Recent changes"
    paginate_by = 50

    def filtered(self):
        """The revisions the filters ask for, one line each."""
        versions = history.entry_versions()
        # From an entry's history page: that entry under every title it has had.
        self.entry_id = query_int(self.request.GET.get("entry_id"))
        if self.entry_id is not None:
            versions = versions.filter(object_id=str(self.entry_id))
        self.run = query_int(self.request.GET.get("run"))
        if self.run is not None:
            versions = versions.filter(**{RUN: self.run})
        self.form = RecentChangesForm(self.request.GET or None)
        if self.form.is_valid():
            data = self.form.cleaned_data
            if data["kind"]:
                versions = versions.filter(history.kind_condition(data["kind"]))
            if data["source"]:
                attributed = DisorderSource.objects.filter(source=data["source"]).values("disorder")
                versions = versions.filter(revision__entry_revision__disorder__in=attributed)
            if data["user"]:
                versions = versions.filter(revision__user=data["user"])
            if data["entry"]:
                versions = versions.filter(object_repr__icontains=data["entry"])
            if data["since"]:
                versions = versions.filter(revision__date_created__date__gte=data["since"])
            if data["until"]:
                versions = versions.filter(revision__date_created__date__lte=data["until"])
        return versions

    def get_queryset(self):
        versions = self.filtered()
        if (
            self.entry_id is None
            and self.run is None
            and not (self.form.is_valid() and self.form.cleaned_data["entry"])
        ):
            # A run's latest revision among those filtered stands for the run; its size counts the same ones.
            matching = versions.order_by().filter(**{f"{RUN}__isnull": False}).values(RUN)
            # Fetched first (one id per run): as a subquery inside the OR, PostgreSQL may plan it as a subplan run
            # again for every revision, which took minutes at full size where planner statistics were stale.
            latest = list(matching.annotate(latest=Max("revision_id")).values_list("latest", flat=True))
            size = matching.filter(**{RUN: OuterRef(RUN)}).annotate(n=Count("pk")).values("n")
            versions = versions.filter(Q(**{f"{RUN}__isnull": True}) | Q(revision_id__in=latest)).annotate(
                run_id=F(RUN), run_size=Subquery(size)
            )
        entry_exists = Exists(Disorder.objects.filter(pk=OuterRef("revision__entry_revision__disorder_id")))
        return history.with_entry_numbers(history.with_previous_revision(versions)).annotate(entry_exists=entry_exists)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = history_lines(list(context["page_obj"]))
        for line in lines:
            line.kind = history.revision_kind(line.revision.comment)
            line.kind_label = history.KIND_LABELS[line.kind]
            line.entry_exists = line.version.entry_exists
            line.run_id = getattr(line.version, "run_id", None)
            line.run_size = getattr(line.version, "run_size", None)
        query = self.request.GET.copy()
        query.pop("page", None)
        run_query = self.request.GET.copy()
        for name in ("page", "run"):
            run_query.pop(name, None)
        context.update(
            lines=lines,
            filter_form=self.form or RecentChangesForm(),
            query=query.urlencode(),
            run_query=run_query.urlencode(),
            run=self.run,
        )
        return context


@dataclass(frozen=True)
class QueueReason:
    """Why an entry is in the review queue: one tab of the queue, with its count."""

    key: str
    label: str
    condition: Q


def queue_reasons(today, user):
    """The queue's reasons, in tab order; an entry is in the queue for any of them (archived entries never).

    Conditions may read the annotations of ``Disorder.objects.with_publication_state()``.
    """
    return [
        QueueReason("in_review", "Submitted for review", Q(status=Disorder.Status.IN_REVIEW)),
        # Published, and the working copy has changed since (disorders.publication).
        QueueReason("pending", "Pending changes", Q(has_pending_changes=True)),
        QueueReason("due", "Review due", Q(next_review_due__lte=today) & ~Q(status=Disorder.Status.DRAFT)),
        QueueReason("overdue", "Overdue", Q(next_review_due__lt=today) & ~Q(status=Disorder.Status.DRAFT)),
        QueueReason("never", "Never reviewed", Q(last_reviewed_on__isnull=True, status=Disorder.Status.PUBLISHED)),
        QueueReason("mine", "Taken by me", Q(assigned_to=user)),
    ]


# Sort keys of the queue: label and order_by (the title breaks ties, so pages never overlap).
QUEUE_SORTS = {
    "age": ("Oldest content first", [F("content_changed_at").asc(nulls_first=True), "title", "pk"]),
    "due": ("Review due first", [F("next_review_due").asc(nulls_last=True), "title", "pk"]),
    "changed": ("Last changed first", [F("updated_at").desc(), "title", "pk"]),
}


class ReviewQueueForm(forms.Form):
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in QUEUE_SORTS.items()], required=False, label="Order"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"] = ListedChoiceField(Source.objects.all(), empty_label="Any source", label="Source")
        roots = Classification.objects.filter(parent=None)
        self.fields["tree"] = ListedChoiceField(roots, empty_label="Any classification", label="Classification")
        self.order_fields(["source", "tree", "sort"])


class ReviewQueueView(StaffPageMixin, ListView):
    """Entries a reviewer should look at (see ``queue_reasons``), filtered by source and classification tree.

    Each reason is a tab with its count (one query for all the counts); reviewers take entries to work on.
    """

    template_name = "admin/review_queue.html"
    title = "Review queue"
    paginate_by = 50

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.form = ReviewQueueForm(request.GET)
        # A filter that does not parse (a deleted source) shows the unfiltered queue with the form's error.
        self.filters = self.form.cleaned_data if self.form.is_valid() else {}
        self.reasons = queue_reasons(timezone.localdate(), request.user)

    def filtered(self):
        """Entries that may be in the queue, as narrowed by source and tree (before the reason tabs)."""
        entries = Disorder.objects.exclude(status=Disorder.Status.ARCHIVED).with_publication_state()
        if self.filters.get("source"):
            entries = entries.filter(
                pk__in=DisorderSource.objects.filter(source=self.filters["source"]).values("disorder")
            )
        if self.filters.get("tree"):
            in_tree = Classification.objects.descendants(self.filters["tree"], include_self=True)
            entries = entries.filter(
                pk__in=Disorder.classifications.through.objects.filter(classification__in=in_tree).values("disorder")
            )
        return entries

    def get_queryset(self):
        """The queue: the chosen reason (or any), flagged with every reason that applies, in the chosen order."""
        self.reason = self.request.GET.get("reason", "")
        chosen = [reason for reason in self.reasons if self.reason in ("", reason.key)]
        if not chosen:
            raise Http404("No such reason.")
        wanted = Q()
        for reason in chosen:
            wanted |= reason.condition
        flags = {
            f"is_{reason.key}": ExpressionWrapper(reason.condition, output_field=BooleanField())
            for reason in self.reasons
        }
        _, order = QUEUE_SORTS.get(self.filters.get("sort") or "age")
        # Submitted entries first, then published ones with changes waiting; within each, the chosen order.
        return (
            self.filtered()
            .filter(wanted)
            .annotate(**flags)
            .select_related("last_reviewed_by", "assigned_to")
            .order_by(F("is_in_review").desc(), F("is_pending").desc(), *order)
        )

    def counts(self):
        """How many entries each tab holds, and all of them: one query."""
        every = Q()
        for reason in self.reasons:
            every |= reason.condition
        counts = {reason.key: Count("pk", filter=reason.condition) for reason in self.reasons}
        return self.filtered().aggregate(all=Count("pk", filter=every), **counts)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = [reason for reason in self.reasons if reason.key not in ("mine",)]
        for disorder in context["object_list"]:
            disorder.review_reasons = [reason.label for reason in shown if getattr(disorder, f"is_{reason.key}")]
        counts = self.counts()
        filters = self.request.GET.copy()
        filters.pop("page", None)
        filters.pop("reason", None)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            today=timezone.localdate(),
            reason=self.reason,
            tabs=[("", "All", counts["all"])] + [(r.key, r.label, counts[r.key]) for r in self.reasons],
            filter_form=self.form,
            filters=filters.urlencode(),
            query=query.urlencode(),
            here=self.request.get_full_path(),
            can_take=self.request.user.has_perm("disorders.review_disorder"),
        )
        return context


class TakeEntryView(StaffPageMixin, View):
    """POST: a reviewer takes an entry from the review queue (``take``) or gives it back (``release``)."""

    http_method_names = ["post"]

    def has_permission(self, request):
        return may_view_entries(request.user) and request.user.has_perm("disorders.review_disorder")

    def post(self, request, *args, **kwargs):
        entries = Disorder.objects.filter(pk=kwargs["pk"])
        disorder = entries.only("title", "assigned_to").first()
        if disorder is None:
            raise Http404("No such entry.")
        if request.POST.get("action") == "release":
            # Only the person who took it gives it back; someone else's assignment stays.
            entries.filter(assigned_to=request.user).update(assigned_to=None, assigned_at=None)
            messages.info(request, f"You gave back “{disorder.title}”.")
        else:
            # update(), not save(): taking is not editing, so an editor's open form stays current.
            entries.update(assigned_to=request.user, assigned_at=timezone.now())
            messages.success(request, f"You took “{disorder.title}”; it shows under “Taken by me”.")
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("review_queue")
        return HttpResponseRedirect(back)


class DeletedEntryPageMixin(StaffPageMixin):
    """A page about deleted entries, under the entry admin's URLs (``model_admin`` is passed to ``as_view``)."""

    model_admin = None

    def dispatch(self, request, *args, **kwargs):
        self.admin_site = self.model_admin.admin_site
        return super().dispatch(request, *args, **kwargs)

    def may_recover(self):
        # Recovering makes an entry again, with its content: for people who may add entries and revert them.
        return (
            may_view_entries(self.request.user)
            and self.model_admin.has_add_permission(self.request)
            and self.request.user.has_perm("disorders.revert_disorder")
        )


class DeletedEntriesView(DeletedEntryPageMixin, ListView):
    """Entries deleted after their history was recorded, most recently deleted first; reviewers recover them.

    When and by whom comes from the admin's log of deletions; an entry deleted outside the
    admin shows only its last revision.
    """

    template_name = "admin/disorders/disorder/deleted_entries.html"
    title = "Deleted entries"
    paginate_by = 50

    def get_queryset(self):
        deletions = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Disorder),
            object_id=OuterRef("object_id"),
            action_flag=DELETION,
            # An entry deleted, recovered and deleted again: the deletion after its last revision.
            action_time__gte=OuterRef("revision__date_created"),
        ).order_by("-action_time")
        return (
            history.deleted_entries()
            .annotate(
                deleted_at=Subquery(deletions.values("action_time")[:1]),
                deleted_by_id=Subquery(deletions.values("user")[:1]),
            )
            .order_by(Coalesce("deleted_at", "revision__date_created").desc(), "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(context["page_obj"])
        deleters = get_user_model().objects.in_bulk({v.deleted_by_id for v in versions if v.deleted_by_id})
        for version in versions:
            version.deleted_by = history.user_label(deleters.get(version.deleted_by_id)) if version.deleted_at else ""
            version.saved_by = history.user_label(version.revision.user)
        context.update(versions=versions, can_recover=self.may_recover())
        return context


class RecoverView(DeletedEntryPageMixin, TemplateView):
    """GET: the deleted entry as it will come back, and a button. POST: recover it (a new revision)."""

    template_name = "admin/disorders/disorder/recover.html"

    def has_permission(self, request):
        return self.may_recover()

    def deleted_version(self):
        version = history.deleted_version(self.kwargs["object_id"])
        if version is None:
            raise Http404("No deleted entry with this id.")
        return version

    def get_title(self):
        return "Recover a deleted entry"

    def get_context_data(self, **kwargs):
        version = self.deleted_version()
        snapshot = history.load_snapshots([version.revision_id], int(version.object_id))[version.revision_id]
        context = {
            "version": version,
            "revision": version.revision,
            # Numbered in the entry's own history, as its history page numbers it.
            "number": history.entry_versions(version.object_id).count(),
            "who": history.user_label(version.revision.user),
            "was_published": snapshot.entry.get("status") == Disorder.Status.PUBLISHED,
            "refusal": history.recovery_refusal(int(version.object_id), snapshot),
            "contents": admin_diff.describe_snapshot(snapshot),
        }
        return super().get_context_data(**{**context, **kwargs})

    def post(self, request, *args, **kwargs):
        object_id = self.kwargs["object_id"]
        if Disorder.objects.filter(pk=object_id).exists():
            return self.back_already(object_id)
        self.deleted_version()
        try:
            result = history.recover_entry(object_id, user=request.user)
        except history.CannotRecover as refusal:
            if Disorder.objects.filter(pk=object_id).exists():
                return self.back_already(object_id)  # someone else recovered it at the same moment
            return self.render_to_response(self.get_context_data(refusal=str(refusal)))
        disorder = result.disorder
        self.model_admin.log_addition(request, disorder, history.RECOVERED_COMMENT)
        number = history.entry_versions(disorder.pk).count()
        messages.success(request, f"Recovered “{disorder}” as revision {number}; its history continues.")
        for note in result.notes:
            messages.warning(request, note)
        return HttpResponseRedirect(reverse("admin:disorders_disorder_change", args=[disorder.pk]))

    def back_already(self, object_id):
        messages.info(self.request, "This entry has been recovered already.")
        return HttpResponseRedirect(reverse("admin:disorders_disorder_change", args=[object_id]))


class PreviewView(EntryDocumentMixin, EntryPageMixin, TemplateView):
    """The working copy exactly as readers will see it once published: the entry page's template and document
    builder, marked as a preview, never cached or indexed."""

    def get_context_data(self, **kwargs):
        entry = publication.entry_queryset().get(pk=self.disorder.pk)
        self.document = publication.build_document(entry)
        published = PublishedEntry.objects.filter(pk=self.disorder.pk).only("slug").first()
        return super().get_context_data(
            preview=True,
            published_url=published.get_absolute_url() if published else "",
            change_url=reverse("admin:disorders_disorder_change", args=[self.disorder.pk]),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["X-Robots-Tag"] = "noindex"
        return add_reader_cache_headers(response, private=True)
