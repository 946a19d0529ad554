"""Update history of entries: one django-reversion revision per save of a whole entry.

A revision holds the Disorder and every row it owns (its *parts*: synonyms, subdivisions,
sections, codes, sources and resource links), with who
saved it, when and why. Shared rows (organizations, classifications, sources) are never
stored or rolled back here; an entry's revision only records which of them it pointed at.

Every writer of an entry (the admin, importers, revert) calls :func:`ensure_baseline`
before it writes and :func:`record_revision` once all rows are saved. That one function
decides whether anything changed, moves ``content_changed_at`` only when content did,
bumps ``version`` (so a form opened earlier is refused), keeps retired slugs, and sends
``entry_saved``. :func:`compare` explains two snapshots to people; :func:`revert_entry`
restores an entry's content from a revision and :func:`recover_entry` brings a deleted
entry back from its last one (we never use reversion's own revert, which rebuilds every
object in a revision and resets unversioned fields to their defaults).
"""

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reversion
from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from reversion.models import Revision, Version

from disorders.models import (
    Classification,
    Code,
    Disorder,
    DisorderResource,
    DisorderSource,
    PreviousSlug,
    Section,
    Subdivision,
    Synonym,
)
from disorders.signals import entry_saved

# Bookkeeping and derived columns: not stored in versions (they are not what an editor wrote).
UNVERSIONED_FIELDS = ("search_vector", "version", "updated_at")
# What readers see of the Disorder row; a change here or in any owned row moves "Last updated". Revert restores these.
CONTENT_FIELDS = ("title", "slug", "summary", "prevalence", "age_of_onset", "inheritance", "classifications")
# Stored so that a revision records when content last changed (the public page lists those years); never compared.
HIDDEN_FIELDS = ("content_changed_at", "created_at")
BASELINE_COMMENT = "The entry as it stood before its update history was recorded"
SYSTEM_USERNAME = "system"
_OWNER_FIELD = "disorder"


@dataclass(frozen=True)
class EntryPart:
    """Rows one entry owns, reached from the Disorder by ``name`` (a related name, e.g. "synonyms")."""

    name: str
    model: type[models.Model]
    # Fields that name a row for people ("Synonym added: JMML"); shown in the heading, not again below it.
    name_fields: tuple[str, ...]
    describe: Callable[["_RowReader"], str]

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def plural_label(self):
        return capfirst(self.model._meta.verbose_name_plural)


_parts: dict[str, EntryPart] = {}


def register_part(model, name, *, name_fields, describe):
    """Version ``model`` as part of every entry (its foreign key ``disorder``, related name ``name``)."""
    if not reversion.is_registered(model):
        reversion.register(model)
    _parts[name] = EntryPart(name=name, model=model, name_fields=tuple(name_fields), describe=describe)
    # The Disorder follows its parts; registration is fixed at register() time, so register it again.
    if reversion.is_registered(Disorder):
        reversion.unregister(Disorder)
    reversion.register(Disorder, exclude=UNVERSIONED_FIELDS, follow=list(_parts))


def register_entry():
    """Register the Disorder and the parts this app owns (called from ``DisordersConfig.ready``)."""
    register_part(Synonym, "synonyms", name_fields=["name"], describe=lambda row: row.text("name"))
    register_part(Subdivision, "subdivisions", name_fields=["name"], describe=lambda row: row.text("name"))
    register_part(
        Section,
        "sections",
        name_fields=["heading", "kind"],
        describe=lambda row: row.text("heading") or row.text("kind"),
    )
    register_part(
        Code,
        "codes",
        name_fields=["system", "value"],
        describe=lambda row: f"{row.raw('system')} {row.raw('value')}",
    )
    register_part(
        DisorderSource,
        "attributions",
        name_fields=["source", "reference"],
        describe=lambda row: " — ".join(filter(None, [row.text("source"), row.text("reference")])),
    )
    # The entry's list of organizations is part of its history; the organizations themselves are shared.
    register_part(
        DisorderResource, "resources", name_fields=["organization"], describe=lambda row: row.text("organization")
    )


def entry_parts():
    return list(_parts.values())


# --- Snapshots -----------------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """An entry's stored fields and owned rows, as serialized by reversion (JSON values)."""

    entry: dict[str, Any]
    rows: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)  # part name -> {pk: fields}

    def __post_init__(self):
        # Every part is present, empty or not, so that two snapshots compare equal when their rows do.
        self.rows = {part.name: dict(self.rows.get(part.name, {})) for part in entry_parts()}

    @property
    def content(self):
        return {name: self.entry.get(name) for name in CONTENT_FIELDS}, self.rows

    def rows_of(self, part_name):
        return self.rows.get(part_name, {})


def _entry_fields():
    opts = Disorder._meta
    return [f.name for f in [*opts.local_fields, *opts.local_many_to_many] if f.name not in UNVERSIONED_FIELDS]


def _normalized(fields):
    # Many-to-many lists come out in the related model's ordering; the set is what matters.
    return {name: sorted(value) if isinstance(value, list) else value for name, value in fields.items()}


def _serialized(obj, fields=None):
    """What reversion stores for ``obj``, parsed: the same serializer, the same fields."""
    data = json.loads(serializers.serialize("json", [obj], fields=fields))[0]
    return _normalized(data["fields"])


def current_snapshot(disorder):
    """The entry as the database holds it now."""
    stored = Disorder.objects.get(pk=disorder.pk)
    rows = {part.name: {row.pk: _serialized(row) for row in getattr(stored, part.name).all()} for part in entry_parts()}
    return Snapshot(entry=_serialized(stored, _entry_fields()), rows=rows)


def load_snapshots(revision_ids, disorder_pk=None):
    """``{revision id: Snapshot}`` of the entry in each revision (``disorder_pk``, or the one each holds); one query."""
    labels = {part.model._meta.label_lower: part.name for part in entry_parts()}
    entry_label = Disorder._meta.label_lower
    entries, rows = {}, {}
    versions = Version.objects.filter(revision_id__in=list(revision_ids)).only("revision_id", "serialized_data")
    for version in versions:
        data = json.loads(version.serialized_data)[0]
        fields = _normalized(data["fields"])
        if data["model"] == entry_label and disorder_pk in (None, data["pk"]):
            entries[version.revision_id] = (data["pk"], fields)
        elif data["model"] in labels:
            rows.setdefault(version.revision_id, []).append((labels[data["model"]], data["pk"], fields))
    snapshots = {}
    for revision_id, (entry_pk, entry) in entries.items():
        snapshot = Snapshot(entry=entry)
        for part_name, row_pk, fields in rows.get(revision_id, []):
            if fields.get(_OWNER_FIELD) == entry_pk:
                snapshot.rows[part_name][row_pk] = fields
        snapshots[revision_id] = snapshot
    return snapshots


def entry_versions(disorder_pk=None):
    """The Disorder's versions (one per revision of an entry), newest first, with their revision and its user."""
    versions = Version.objects.get_for_model(Disorder).select_related("revision__user")
    if disorder_pk is not None:
        versions = versions.filter(object_id=str(disorder_pk))
    return versions.order_by("-revision__date_created", "-revision_id")


def with_previous_revision(versions):
    """Annotate each entry version with ``previous_revision_id``: the entry's revision before it."""
    earlier = Version.objects.get_for_model(Disorder).filter(
        object_id=OuterRef("object_id"), revision_id__lt=OuterRef("revision_id")
    )
    return versions.annotate(previous_revision_id=Subquery(earlier.order_by("-revision_id").values("revision_id")[:1]))


def latest_revision(disorder):
    version = entry_versions(disorder.pk).order_by("-revision_id").first()
    return version.revision if version else None


# --- Recording -----------------------------------------------------------------------------------------------------


def system_user():
    """The account imports are attributed to when no person ran them; it cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "System", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def ensure_baseline(disorder):
    """Record the entry as it stands now if it has no revision yet, so the next save has something to compare with.

    Call before writing an existing entry. Entries made before history was kept (or by a
    script) would otherwise look entirely new, and a save without changes would move
    their "Last updated" date.
    """
    if entry_versions(disorder.pk).exists():
        return
    stored = Disorder.objects.get(pk=disorder.pk)
    with reversion.create_revision(manage_manually=True):
        reversion.set_comment(BASELINE_COMMENT)
        reversion.set_date_created(stored.content_changed_at or stored.updated_at)
        reversion.add_to_revision(stored)


def record_revision(disorder, *, user=None, comment="", force=False):
    """Record one revision of the entry once it and all its rows are saved; returns it, or None if nothing changed.

    Compares the entry with its previous revision: nothing different, no revision (and
    neither ``version`` nor ``content_changed_at`` moves) unless ``force`` (a recovery
    must show in the history even when the entry is back exactly as it was). Otherwise
    ``version`` goes up by one (not for an entry's first revision), ``content_changed_at``
    moves only when content (not status or review dates) changed, and a changed slug is
    kept as a PreviousSlug. Sends ``entry_saved`` either way. Call inside the writer's
    transaction.
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
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(user)
            reversion.set_comment(comment)
            reversion.set_date_created(now)
            reversion.add_to_revision(stored)
        disorder.version, disorder.content_changed_at = stored.version, stored.content_changed_at
        revision = latest_revision(disorder)
    entry_saved.send(sender=Disorder, disorder=disorder)
    return revision


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
    versions = Version.objects.get_for_model(Disorder).filter(object_id=Cast(OuterRef("pk"), models.CharField()))
    stamps = versions.annotate(data=Cast("serialized_data", models.JSONField())).annotate(
        stamp=KT("data__0__fields__content_changed_at")
    )
    return ArraySubquery(stamps.order_by().values("stamp").distinct())


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
    moments = [parse_datetime(stamp) for stamp in stamps if stamp]
    if disorder.content_changed_at:
        moments.append(disorder.content_changed_at)
    return sorted({timezone.localtime(moment).year for moment in moments if moment}, reverse=True)


# --- Showing values and differences to people ----------------------------------------------------------------------


# A word with the spaces after it; leading spaces of a text are a token of their own.
_TOKEN = re.compile(r"^\s+|\S+\s*")


def word_diff(old, new):
    """``(old, new)`` as escaped HTML: removed words in ``<del>`` on the old side, added ones in ``<ins>``.

    Lines are matched first and only changed lines are compared word by word, which keeps
    long section bodies quick (difflib is quadratic in the worst case).
    """
    a, b = (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(conditional_escape("".join(a[i1:i2])))
            right.append(conditional_escape("".join(b[j1:j2])))
        else:
            _diff_words("".join(a[i1:i2]), "".join(b[j1:j2]), left, right)
    # Every piece is escaped or built by format_html.
    return mark_safe("".join(left)), mark_safe("".join(right))


def _diff_words(old, new, left, right):
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # Words are matched without the spaces after them ("four" at the end of a line is "four " mid-line).
    words_a, words_b = [token.strip() for token in a], [token.strip() for token in b]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(conditional_escape(removed))
            right.append(conditional_escape(added))
            continue
        if removed:
            left.append(_marked("del", removed))
        if added:
            right.append(_marked("ins", added))


def _marked(tag, text):
    # The space after the last changed word is not part of the change.
    core = text.rstrip()
    return format_html("<{}>{}</{}>{}", tag, core, tag, text[len(core) :]) if core else conditional_escape(text)


class _Names:
    """Display names of the rows foreign keys point at, fetched once per model."""

    def __init__(self, snapshots):
        wanted = {}
        for snapshot in snapshots:
            self._collect(Disorder, [snapshot.entry], wanted)
            for part in entry_parts():
                self._collect(part.model, snapshot.rows_of(part.name).values(), wanted)
        self.names = {
            model: {obj.pk: str(obj) for obj in model._base_manager.filter(pk__in=pks)} for model, pks in wanted.items()
        }

    @staticmethod
    def _collect(model, rows, wanted):
        for model_field in model._meta.get_fields():
            if not model_field.concrete or not model_field.is_relation or model_field.name == _OWNER_FIELD:
                continue
            for row in rows:
                value = row.get(model_field.name)
                values = value if isinstance(value, list) else [value]
                wanted.setdefault(model_field.related_model, set()).update(v for v in values if v is not None)

    def of(self, model, pk):
        name = self.names.get(model, {}).get(pk)
        return name if name is not None else f"(deleted {model._meta.verbose_name} #{pk})"


def _display(model, field_name, value, names):
    """A stored value as an editor would say it."""
    if value is None or value == "" or value == []:
        return ""
    model_field = model._meta.get_field(field_name)
    if model_field.many_to_many:
        return ", ".join(sorted(names.of(model_field.related_model, pk) for pk in value))
    if model_field.is_relation:
        return names.of(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(value)
        return date_format(timezone.localtime(moment), "F j, Y, H:i") if moment else str(value)
    if isinstance(model_field, models.DateField):
        day = parse_date(value)
        return date_format(day, "F j, Y") if day else str(value)
    if isinstance(model_field, models.BooleanField):
        return "Yes" if value else "No"
    return str(value)


class _RowReader:
    def __init__(self, model, fields, names):
        self.model, self.fields, self.names = model, fields, names

    def raw(self, name):
        return self.fields.get(name)

    def text(self, name):
        return _display(self.model, name, self.fields.get(name), self.names)


@dataclass
class FieldChange:
    label: str
    old: SafeString  # HTML, removed words marked
    new: SafeString  # HTML, added words marked
    old_text: str = ""  # the same values as plain text
    new_text: str = ""


@dataclass
class RowChange:
    part: EntryPart
    action: str  # "added", "removed" or "changed"
    name: str
    fields: list[FieldChange]

    @property
    def summary(self):
        return f"{self.part.label} {self.action}: {self.name}"


@dataclass
class PartChanges:
    part: EntryPart
    rows: list[RowChange]

    @property
    def has_fields(self):
        return any(row.fields for row in self.rows)


@dataclass
class Comparison:
    """How one snapshot of an entry became another, for people."""

    fields: list[FieldChange]
    parts: list[PartChanges]

    @property
    def is_empty(self):
        return not (self.fields or self.parts)

    @property
    def row_changes(self):
        return [row for part in self.parts for row in part.rows]


def _is_text(model, field_name):
    model_field = model._meta.get_field(field_name)
    return isinstance(model_field, models.CharField | models.TextField) and not model_field.choices


def _field_change(model, name, old_value, new_value, names):
    label = capfirst(model._meta.get_field(name).verbose_name)
    old_text, new_text = _display(model, name, old_value, names), _display(model, name, new_value, names)
    if _is_text(model, name):
        old_html, new_html = word_diff(old_text, new_text)
    else:
        old_html = format_html("<del>{}</del>", old_text) if old_text else mark_safe("")
        new_html = format_html("<ins>{}</ins>", new_text) if new_text else mark_safe("")
    return FieldChange(label=label, old=old_html, new=new_html, old_text=old_text, new_text=new_text)


def _known_fields(model, fields):
    # Versions written before a field was removed still carry it; skip what the model no longer has.
    known = {f.name for f in model._meta.get_fields() if f.concrete}
    return [name for name in fields if name in known]


def compare(old, new):
    """A :class:`Comparison` of two snapshots of one entry (``old`` may be None: everything is added)."""
    old = old or Snapshot(entry={})
    names = _Names([old, new])
    shown = [name for name in _known_fields(Disorder, new.entry) if name not in HIDDEN_FIELDS]
    fields = [
        _field_change(Disorder, name, old.entry.get(name), new.entry.get(name), names)
        for name in shown
        if _is_change(old.entry.get(name), new.entry.get(name))
    ]
    parts = []
    for part in entry_parts():
        rows = _row_changes(part, old.rows_of(part.name), new.rows_of(part.name), names)
        if rows:
            parts.append(PartChanges(part=part, rows=rows))
    return Comparison(fields=fields, parts=parts)


def _is_change(old_value, new_value):
    empty = (None, "", [])
    return old_value != new_value and not (old_value in empty and new_value in empty)


def _row_changes(part, old_rows, new_rows, names):
    changes = []
    model = part.model
    for pk in sorted(old_rows.keys() | new_rows.keys(), key=lambda pk: _row_order(pk, new_rows, old_rows)):
        before, after = old_rows.get(pk), new_rows.get(pk)
        if before == after:
            continue
        current = after if after is not None else before
        name = part.describe(_RowReader(model, current, names))
        if before is None or after is None:
            action = "added" if before is None else "removed"
            listed = [
                n
                for n in _known_fields(model, current)
                if n not in part.name_fields and n not in (_OWNER_FIELD, "position") and current[n] not in ("", None)
            ]
            fields = [_field_change(model, n, before and before.get(n), after and after.get(n), names) for n in listed]
        else:
            action = "changed"
            listed = [
                n
                for n in _known_fields(model, {**before, **after})
                if n != _OWNER_FIELD and before.get(n) != after.get(n)
            ]
            fields = [_field_change(model, n, before.get(n), after.get(n), names) for n in listed]
        changes.append(RowChange(part=part, action=action, name=name, fields=fields))
    return changes


def _row_order(pk, *row_sets):
    for rows in row_sets:
        if pk in rows:
            return (rows[pk].get("position") or 0, pk)
    return (0, pk)


def changed_labels(old, new):
    """Short labels of what differs between two snapshots ("Title", "Synonyms"), for history lists; no queries."""
    if old is None:
        return []
    labels = [
        capfirst(Disorder._meta.get_field(name).verbose_name)
        for name in _known_fields(Disorder, new.entry)
        if name not in HIDDEN_FIELDS and _is_change(old.entry.get(name), new.entry.get(name))
    ]
    labels += [part.plural_label for part in entry_parts() if old.rows_of(part.name) != new.rows_of(part.name)]
    return labels


def describe_snapshot(snapshot):
    """The whole entry as of a snapshot, as a :class:`Comparison` from nothing (every field and row "added")."""
    comparison = compare(None, snapshot)
    for part_changes in comparison.parts:
        for row in part_changes.rows:
            row.action = "listed"
    return comparison


def user_label(user):
    if user is None:
        return "Unknown"
    return user.get_full_name() or user.get_username()


# --- Reverting -----------------------------------------------------------------------------------------------------


class StaleEntry(Exception):
    """The entry changed after the person looked at it; they must look again."""


@dataclass
class RevertResult:
    revision: Revision | None  # the new revision; None when the entry already matched
    notes: list[str]  # what could not be restored exactly as it was


# The Disorder's own fields a revert restores; status, publication and review fields are never touched.
RESTORED_FIELDS = ("title", "slug", "summary", "prevalence", "age_of_onset", "inheritance")


def _instance(model, pk, fields):
    data = {"model": model._meta.label_lower, "pk": pk, "fields": fields}
    return next(serializers.deserialize("python", [data], ignorenonexistent=True))


def revert_entry(disorder, revision, *, user, expected_version=None):
    """Make the entry's content what it was in ``revision``, as a new revision ("Reverted to revision N").

    Restores title, slug, summary, facts and classifications, and replaces the entry's
    rows with those of the revision (rows added since are deleted, the others come back
    with their old ids). Shared rows are not touched: a row pointing at an organization,
    source or entry deleted since is left out (or loses that optional link) and said so
    in ``notes``. Raises :class:`StaleEntry` when ``expected_version`` is given and the
    entry was saved since.
    """
    with transaction.atomic():
        locked = Disorder.objects.select_for_update().get(pk=disorder.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleEntry(f"{locked} was saved by someone else after you opened this page.")
        target = load_snapshots([revision.pk], locked.pk).get(revision.pk)
        if target is None:
            raise ValueError(f"Revision {revision.pk} does not hold {locked}.")
        notes = []
        stored = _instance(Disorder, locked.pk, target.entry)
        for name in RESTORED_FIELDS:
            value = getattr(stored.object, name)
            if name == "slug" and value != locked.slug and _slug_owner(value, locked.pk):
                notes.append(f"The web address “{value}” now belongs to another entry; the current one was kept.")
                continue
            setattr(locked, name, value)
        locked.save()
        _restore_parts(locked, stored, target, notes)
        new_revision = record_revision(locked, user=user, comment=f"Reverted to revision {revision.pk}")
    disorder.refresh_from_db()
    return RevertResult(revision=new_revision, notes=notes)


def _slug_owner(slug, disorder_pk):
    """The other entry whose web address is ``slug``, or whose old address it is (it still redirects), if any."""
    return (
        Disorder.objects.filter(slug=slug).exclude(pk=disorder_pk).first()
        or Disorder.objects.filter(previous_slugs__slug=slug).exclude(pk=disorder_pk).first()
    )


def _restore_parts(disorder, stored, target, notes):
    """Give the saved ``disorder`` the classifications and owned rows of snapshot ``target`` (``stored``: its entry)."""
    wanted = stored.m2m_data.get("classifications", [])
    existing = list(Classification.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if len(existing) < len(wanted):
        notes.append(f"{len(wanted) - len(existing)} classification(s) of that revision were deleted since.")
    disorder.classifications.set(existing)
    names = _Names([target])
    for part in entry_parts():
        _restore_rows(disorder, part, target.rows_of(part.name), names, notes)


def _restore_rows(disorder, part, wanted, names, notes):
    current = {row.pk: _serialized(row) for row in getattr(disorder, part.name).all()}
    # Rows that differ are deleted and written again, so that no unique constraint sees two versions at once.
    stale = [pk for pk, fields in current.items() if wanted.get(pk) != fields]
    part.model._base_manager.filter(pk__in=stale).delete()
    for pk, fields in sorted(wanted.items(), key=lambda item: item[0]):
        if pk in current and pk not in stale:
            continue
        row = _instance(part.model, pk, fields).object
        name = part.describe(_RowReader(part.model, fields, names))
        if not _links_exist(row, part.label, name, notes):
            continue
        try:
            row.validate_constraints()
        except ValidationError as error:
            notes.append(f"{part.label} “{name}” was not restored: {' '.join(error.messages)}")
            continue
        row.disorder_id = disorder.pk
        row.save(force_insert=True)


def _links_exist(row, label, name, notes):
    """Drop links to shared rows deleted since (optional ones) or skip the row (required ones)."""
    for model_field in type(row)._meta.concrete_fields:
        if not model_field.is_relation or model_field.name == _OWNER_FIELD:
            continue
        value = getattr(row, model_field.attname)
        if value is None or model_field.related_model._base_manager.filter(pk=value).exists():
            continue
        if model_field.null:
            setattr(row, model_field.attname, None)
            notes.append(f"{label} “{name}”: its {model_field.verbose_name} was deleted since; left empty.")
            continue
        notes.append(f"{label} “{name}” was not restored: its {model_field.verbose_name} was deleted since.")
        return False
    return True


# --- Recovering deleted entries ------------------------------------------------------------------------------------

RECOVERED_COMMENT = "Recovered from deletion"


class CannotRecover(Exception):
    """The deleted entry cannot come back now; the message says why, for people."""


@dataclass
class RecoverResult:
    disorder: Disorder  # the entry, back under its old id
    revision: Revision  # the new revision, "Recovered from deletion"
    notes: list[str]  # what could not be restored exactly as it was


def deleted_entries():
    """The last stored version of every deleted entry (one each), with its revision and that revision's user.

    An entry deleted before any revision of it was recorded is not here: there is nothing to recover it from.
    """
    return Version.objects.get_deleted(Disorder).select_related("revision__user")


def deleted_version(disorder_pk):
    """The last stored version of the deleted entry ``disorder_pk``, or None (it exists, or was never recorded)."""
    return deleted_entries().filter(object_id=str(disorder_pk)).first()


def recovery_refusal(disorder_pk, snapshot):
    """Why the deleted entry (as of ``snapshot``) cannot be recovered now, for people; "" when it can."""
    slug = snapshot.entry.get("slug")
    owner = _slug_owner(slug, disorder_pk)
    if owner is None:
        return ""
    return (
        f"Its web address “{slug}” now belongs to “{owner}” (as its address or an old one that still leads there). "
        "Change that first; two entries cannot share an address."
    )


def recover_entry(disorder_pk, *, user):
    """Bring the deleted entry ``disorder_pk`` back, under its old id, as it was in its last revision.

    Its rows come back with their old ids, as in :func:`revert_entry`: a row pointing at an
    organization, source or entry deleted since is left out (or loses that optional link),
    and so are classifications deleted since, each said so in ``notes``. A published entry
    comes back as a draft, for a reviewer to publish again; any other status is kept. The
    history continues with a new revision, "Recovered from deletion", and the version ends
    above any a form opened before the deletion holds. Raises :class:`CannotRecover` when
    the entry is not deleted (or was never recorded) or another entry has its web address.
    """
    with transaction.atomic():
        version = deleted_version(disorder_pk)
        if version is None:
            raise CannotRecover("This entry is not deleted, or its history holds nothing to recover it from.")
        target = load_snapshots([version.revision_id], disorder_pk)[version.revision_id]
        refusal = recovery_refusal(disorder_pk, target)
        if refusal:
            raise CannotRecover(refusal)
        notes = []
        stored = _instance(Disorder, disorder_pk, target.entry)
        entry = stored.object
        if entry.status == Disorder.Status.PUBLISHED:
            entry.status = Disorder.Status.DRAFT
            notes.append("It was published; it is back as a draft, for a reviewer to check and publish again.")
        _links_exist(entry, "The entry", entry.title, notes)
        # The first revision leaves version at 1 and each later one adds exactly 1, so at deletion version == revisions.
        entry.version = entry_versions(disorder_pk).count()
        created_at = entry.created_at
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError as error:
            raise CannotRecover(
                "Someone recovered this entry, or took its web address, at the same moment. Reload the page."
            ) from error
        if created_at is not None:
            # auto_now_add stamped it with now; the entry was created long before.
            Disorder.objects.filter(pk=disorder_pk).update(created_at=created_at)
        _restore_parts(entry, stored, target, notes)
        revision = record_revision(entry, user=user, comment=RECOVERED_COMMENT, force=True)
    entry.refresh_from_db()
    return RecoverResult(disorder=entry, revision=revision, notes=notes)
