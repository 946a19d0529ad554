"""Recording revisions: the one path every writer of an entry goes through once its rows are saved."""

import json

import reversion
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import router
from django.db.models import F, Max, OuterRef, Prefetch
from django.utils import timezone
from django.utils.encoding import force_str
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from disorders.history.registry import PARTS
from disorders.history.snapshots import (
    Snapshot,
    _normalized,
    current_snapshot,
    entry_versions,
    latest_revision,
    load_snapshots,
)
from disorders.models import Disorder, EntryRevision, PreviousSlug
from disorders.signals import entries_saved, entry_saved
from encyclopedia.database import copy_rows

# Entries recorded per round of record_revisions: a round holds their rows, snapshots and versions in memory.
BATCH_SIZE = 500

BASELINE_COMMENT = "The entry as it stood before its update history was recorded"
SYSTEM_USERNAME = "system"


def system_user():
    """The account imports are attributed to when no person ran them; it cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "System", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def user_label(user):
    """Who saved a revision, as people read it."""
    if user is None:
        return "Unknown"
    return user.get_full_name() or user.get_username()


def ensure_baseline(disorder):
    """Record the entry as it stands now if it has no revision yet, so the next save has something to compare with.

    Call before writing an existing entry. Entries made before history was kept (or by a
    script) would otherwise look entirely new, and a save without changes would move
    their "Last updated" date.
    """
    if entry_versions(disorder.pk).exists():
        return
    stored = Disorder.objects.get(pk=disorder.pk)
    _save_revision(stored, date=stored.content_changed_at or stored.updated_at, comment=BASELINE_COMMENT)


def record_revision(disorder, *, user=None, comment="", force=False, import_run=None):
    """Record one revision of the entry once it and all its rows are saved; returns it, or None if nothing changed.

    Compares the entry with its previous revision: nothing different, no revision (and
    neither ``version`` nor ``content_changed_at`` moves) unless ``force`` (a recovery
    must show in the history even when the entry is back exactly as it was). Otherwise
    ``version`` goes up by one (not for an entry's first revision), ``content_changed_at``
    moves only when content (not status or review dates) changed, and a changed slug is
    kept as a PreviousSlug. Sends ``entry_saved`` either way. Call inside the writer's
    transaction. Importers pass their ``import_run`` (an ImportRun) so the run reads as one change.
    """
    previous = latest_revision(disorder)
    old = load_snapshots([previous.pk], disorder.pk).get(previous.pk) if previous else None
    new = current_snapshot(disorder)
    revision = None
    if force or old is None or new != old:
        now = timezone.now()
        changes = {}
        if old is None or new.content != old.content:
            changes["content_changed_at"] = now
        if old is not None:
            changes["version"] = F("version") + 1
        Disorder.objects.filter(pk=disorder.pk).update(**changes)
        _keep_retired_slug(disorder.pk, old, new)
        stored = Disorder.objects.get(pk=disorder.pk)
        _save_revision(stored, date=now, user=user, comment=comment, import_run=import_run)
        disorder.version, disorder.content_changed_at = stored.version, stored.content_changed_at
        revision = latest_revision(disorder)
    entry_saved.send(sender=Disorder, disorder=disorder)
    return revision


def record_revisions(
    disorders,
    *,
    user=None,
    comments=None,
    comment="",
    forced=(),
    import_run=None,
    progress=None,
    queryset=None,
    recorded=None,
):
    """Record revisions of many entries at once, as :func:`record_revision` would one by one; returns ``{pk: revision
    or None}``.

    For bulk writers (the unit of work of an import). Per :data:`BATCH_SIZE` entries: one query for
    their previous revisions and one for those revisions' versions, one per part for their rows, then
    bulk inserts of revisions, versions (serialized as reversion serializes them, so history pages and
    :func:`load_snapshots` read them unchanged) and EntryRevision rows, and one update each for ``version``
    and ``content_changed_at``. The same rules as :func:`record_revision`: no revision when nothing
    differs (unless the entry's pk is in ``forced``), ``version`` up by one except for a first
    revision, ``content_changed_at`` moved for content only, retired slugs kept. ``comments`` maps a pk
    to the entry's own comment (else ``comment``). Sends ``entries_saved`` once per batch instead of
    ``entry_saved`` per entry, so the names index is rebuilt in one pass. ``progress(done, total)``
    after each batch.

    ``queryset`` fetches each batch's rows (entries with their parts prefetched; default: what revisions
    hold); ``recorded(rows, revisions)`` is told after each batch with those rows, as now recorded
    (``{pk: row}``, ``{pk: revision or None}``): a bulk publish builds its documents from them.
    """
    disorders = list(disorders)
    comments, forced = comments or {}, set(forced)
    revisions = {}
    for start in range(0, len(disorders), BATCH_SIZE):
        batch = disorders[start : start + BATCH_SIZE]
        rows, batch_revisions = _record_batch(batch, user, comments, comment, forced, import_run, queryset)
        revisions.update(batch_revisions)
        if recorded is not None:
            recorded(rows, batch_revisions)
        del rows
        entries_saved.send(sender=Disorder, disorders=batch)
        if progress is not None:
            progress(start + len(batch), len(disorders))
    return revisions


def _record_batch(batch, user, comments, comment, forced, import_run, queryset):
    """One round of :func:`record_revisions`: the rows fetched and ``{pk: revision or None}`` for ``batch``."""
    ids = [disorder.pk for disorder in batch]
    disorder_type = ContentType.objects.get_for_model(Disorder)
    previous = dict(
        Version.objects.filter(content_type=disorder_type, object_id__in=[str(pk) for pk in ids])
        .values("object_id")
        .annotate(last=Max("revision_id"))
        .values_list("object_id", "last")
    )
    previous = {int(object_id): revision_id for object_id, revision_id in previous.items()}
    old_snapshots = load_snapshots(previous.values())
    if queryset is None:
        parts = [Prefetch(part.name, part.model.objects.select_related(*part.label_reads)) for part in PARTS]
        queryset = Disorder.objects.prefetch_related(*parts, "classifications")
    stored = queryset.filter(pk__in=ids).in_bulk()
    now = timezone.now()
    changed = []  # (instance, stored row, old snapshot, new snapshot)
    children = {
        pk: [(part.name, child) for part in PARTS for child in getattr(row, part.name).all()]
        for pk, row in stored.items()
    }
    # An entry is serialized again once recorded (below); before, only to compare it with a previous revision.
    compared = [row for pk, row in stored.items() if pk in previous]
    texts = _serialized_each([*compared, *(child for pairs in children.values() for _, child in pairs)])
    serialized_parts = {}  # pk → its parts as serialized, for the versions of those that changed
    for disorder in batch:
        row = stored[disorder.pk]
        old = old_snapshots.get(previous.get(disorder.pk))
        serialized_parts[row.pk] = [(child, texts[id(child)]) for _, child in children[row.pk]]
        # A first revision is recorded whatever the entry holds: no snapshot to compare (an import's thousands).
        new = None if old is None else _snapshot_of(row, children[row.pk], texts)
        if disorder.pk in forced or old is None or new != old:
            changed.append((disorder, row, old, new))
    moved = {row.pk for _, row, old, new in changed if old is None or new.content != old.content}
    Disorder.objects.filter(pk__in=list(moved)).update(content_changed_at=now)
    Disorder.objects.filter(pk__in=[row.pk for _, row, old, _ in changed if old is not None]).update(
        version=F("version") + 1
    )
    _keep_retired_slugs([(row.pk, old, row.slug) for _, row, old, _ in changed])
    revisions, versions, metas = [], [], []
    for disorder, row, old, _ in changed:
        if row.pk in moved:
            row.content_changed_at = now
        if old is not None:
            row.version += 1
        revisions.append(Revision(date_created=now, user=user, comment=comments.get(row.pk, comment)))
        disorder.version, disorder.content_changed_at = row.version, row.content_changed_at
    entry_texts = _serialized_each([row for _, row, _, _ in changed])  # as they now stand (content_changed_at)
    for _, row, _, _ in changed:
        versions.append(_versions_of([(row, entry_texts[id(row)]), *serialized_parts[row.pk]]))
    Revision.objects.bulk_create(revisions)
    for revision, (_, row, _, _) in zip(revisions, changed, strict=True):
        # By id: the revision caches its EntryRevision, and callers keep the revisions; not the row and its parts.
        metas.append(
            EntryRevision(
                revision=revision, disorder_id=row.pk, content_changed_at=row.content_changed_at, import_run=import_run
            )
        )
    # COPY: a whole import's versions are most of its rows.
    copy_rows(
        Version,
        _VERSION_FIELDS,
        (
            (revision.pk, *version)
            for revision, row_versions in zip(revisions, versions, strict=True)
            for version in row_versions
        ),
    )
    EntryRevision.objects.bulk_create(metas)
    recorded = {row.pk: revision for revision, (_, row, _, _) in zip(revisions, changed, strict=True)}
    return stored, {disorder.pk: recorded.get(disorder.pk) for disorder in batch}


def _snapshot_of(row, children, texts):
    """:func:`current_snapshot` of a row fetched with its parts prefetched (``children``: (part name, part row)), from
    their serialized ``texts`` (:func:`_serialized_each`); no query."""
    snapshot = Snapshot(entry=_fields(texts[id(row)]))
    for name, child in children:
        snapshot.rows[name][child.pk] = _fields(texts[id(child)])
    return snapshot


class _EachSerializer(JSONSerializer):
    """Django's JSON serializer (reversion's format here), keeping each object's text apart: the text
    ``serializers.serialize("json", [obj])`` gives, for many objects in one pass."""

    def start_serialization(self):
        self._init_options()
        self.texts = []

    def end_object(self, obj):
        # dumps, not dump: the C encoder writes what the pure-Python one dump uses does, several times faster.
        self.texts.append(f"[{json.dumps(self.get_dump_object(obj), **self.json_kwargs)}]")
        self._current = None

    def end_serialization(self):
        pass

    def getvalue(self):
        return self.texts


def _serialized_each(objs):
    """``{id(obj): what reversion stores for obj}``, its own adapter's fields, one serializer pass per model."""
    by_model = {}
    for obj in objs:
        by_model.setdefault(type(obj), []).append(obj)
    texts = {}
    for model, rows in by_model.items():
        options = _get_options(model)
        serialized = _EachSerializer().serialize(
            rows, fields=options.fields, use_natural_foreign_keys=options.use_natural_foreign_keys
        )
        texts.update(zip(map(id, rows), serialized, strict=True))
    return texts


def _fields(text):
    """Stored fields, parsed as :func:`load_snapshots` parses them."""
    return _normalized(json.loads(text)[0]["fields"])


_VERSION_FIELDS = ("revision", "content_type", "object_id", "db", "format", "serialized_data", "object_repr")


def _versions_of(serialized):
    """The Version rows reversion would write for an entry and the parts it follows, given as ``(row, text)``
    (the entry first, as it is now), as values of :data:`_VERSION_FIELDS` after the revision id; no query."""
    versions = []
    for obj, text in serialized:
        model = type(obj)
        options = _get_options(model)
        versions.append(
            (
                ContentType.objects.get_for_model(model).pk,
                force_str(getattr(obj, options.object_id_field)),
                router.db_for_write(model, instance=obj),
                options.format,
                text,
                force_str(obj),
            )
        )
    return versions


def _keep_retired_slugs(entries):
    """:func:`_keep_retired_slug` for many ``(pk, old snapshot, slug now)``: a query per retired slug, one to
    drop the redirects of slugs entries went back to."""
    for pk, old, slug in entries:
        if old is not None and old.entry["slug"] != slug:
            PreviousSlug.objects.update_or_create(slug=old.entry["slug"], defaults={"disorder_id": pk})
    current = {(pk, slug) for pk, _, slug in entries}
    found = PreviousSlug.objects.filter(
        disorder_id__in=[pk for pk, _ in current], slug__in=[slug for _, slug in current]
    ).values_list("pk", "disorder_id", "slug")
    PreviousSlug.objects.filter(pk__in=[pk for pk, *pair in found if tuple(pair) in current]).delete()


def _save_revision(stored, *, date, user=None, comment="", import_run=None):
    """One revision of the entry ``stored`` (as just read back) and every part it follows."""
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.set_date_created(date)
        reversion.add_to_revision(stored)
        reversion.add_meta(
            EntryRevision, disorder=stored, content_changed_at=stored.content_changed_at, import_run=import_run
        )


def _keep_retired_slug(disorder_pk, old, new):
    slug = new.entry["slug"]
    if old is not None and old.entry["slug"] != slug:
        PreviousSlug.objects.update_or_create(slug=old.entry["slug"], defaults={"disorder_id": disorder_pk})
    # An entry that goes back to an old address no longer redirects from it.
    PreviousSlug.objects.filter(slug=slug, disorder_id=disorder_pk).delete()


def content_change_stamps():
    """For the outer Disorder row: the distinct "content last changed" moments its revisions stored.

    An expression, so the public page can fetch it with the entry itself instead of a query of its own.
    """
    stamps = EntryRevision.objects.filter(disorder=OuterRef("pk")).order_by().values("content_changed_at")
    return ArraySubquery(stamps.distinct())


def revision_years(disorder):
    """Years in which the entry's content changed, newest first, from its revisions (no editor identities).

    Each revision stores when the entry's content last changed, so the distinct values
    across revisions are the moments content changed, including the date an entry had
    before history was kept. Saves that changed nothing, or only status or review
    dates, add no year. Uses ``disorder.content_change_stamps`` when the entry was
    loaded with :func:`content_change_stamps`, else one query.
    """
    stamps = getattr(disorder, "content_change_stamps", None)
    if stamps is None:
        stamps = (
            Disorder.objects.filter(pk=disorder.pk)
            .annotate(stamps=content_change_stamps())
            .values_list("stamps", flat=True)
            .get()
        )
    moments = [*stamps, disorder.content_changed_at]
    return sorted({timezone.localtime(moment).year for moment in moments if moment}, reverse=True)
