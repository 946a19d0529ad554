"""Snapshots: an entry and its rows as a revision stored them (or as the database holds them now), read back."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.core import serializers
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from reversion.models import Version

from disorders.history.registry import ADDRESS_FIELDS, CONTENT_FIELDS, OWNER_FIELD, PARTS, UNVERSIONED_FIELDS
from disorders.models import Disorder


@dataclass
class Snapshot:
    """An entry's stored fields and owned rows, as serialized by reversion (JSON values)."""

    entry: dict[str, Any]
    rows: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)  # part name -> {pk: fields}

    def __post_init__(self):
        # Every part is present, empty or not, so that two snapshots compare equal when their rows do.
        self.rows = {part.name: dict(self.rows.get(part.name, {})) for part in PARTS}

    @property
    def content(self):
        return {name: self.entry.get(name) for name in CONTENT_FIELDS if name not in ADDRESS_FIELDS}, self.rows

    def rows_of(self, part_name):
        return self.rows.get(part_name, {})


def _entry_fields():
    opts = Disorder._meta
    return [f.name for f in [*opts.local_fields, *opts.local_many_to_many] if f.name not in UNVERSIONED_FIELDS]


def _normalized(fields):
    # Many-to-many lists come out in the related model's ordering; the set is what matters.
    return {name: sorted(value) if isinstance(value, list) else value for name, value in fields.items()}


def serialized(obj, fields=None):
    """What reversion stores for ``obj``, parsed: the same serializer, the same fields."""
    data = json.loads(serializers.serialize("json", [obj], fields=fields))[0]
    return _normalized(data["fields"])


def current_snapshot(disorder):
    """The entry as the database holds it now."""
    stored = Disorder.objects.get(pk=disorder.pk)
    rows = {part.name: {row.pk: serialized(row) for row in getattr(stored, part.name).all()} for part in PARTS}
    return Snapshot(entry=serialized(stored, _entry_fields()), rows=rows)


def load_snapshots(revision_ids, disorder_pk=None):
    """``{revision id: Snapshot}`` of the entry in each revision (``disorder_pk``, or the one each holds); one query."""
    labels = {part.model._meta.label_lower: part.name for part in PARTS}
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
            if fields.get(OWNER_FIELD) == entry_pk:
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


def with_entry_numbers(versions):
    """Annotate each entry version with ``number``: 1 for the entry's first revision, 2 for its second, …"""
    up_to = (
        Version.objects.get_for_model(Disorder)
        .filter(object_id=OuterRef("object_id"), revision_id__lte=OuterRef("revision_id"))
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return versions.annotate(number=Subquery(up_to))


def latest_revision(disorder):
    version = entry_versions(disorder.pk).order_by("-revision_id").first()
    return version.revision if version else None


class Names:
    """Display names of the rows foreign keys point at, fetched once per model."""

    def __init__(self, snapshots):
        wanted = {}
        for snapshot in snapshots:
            self._collect(Disorder, [snapshot.entry], wanted)
            for part in PARTS:
                self._collect(part.model, snapshot.rows_of(part.name).values(), wanted)
        self.names = {
            model: {obj.pk: str(obj) for obj in model._base_manager.filter(pk__in=pks)} for model, pks in wanted.items()
        }

    @staticmethod
    def _collect(model, rows, wanted):
        for model_field in model._meta.get_fields():
            if not model_field.concrete or not model_field.is_relation or model_field.name == OWNER_FIELD:
                continue
            for row in rows:
                value = row.get(model_field.name)
                values = value if isinstance(value, list) else [value]
                wanted.setdefault(model_field.related_model, set()).update(v for v in values if v is not None)

    def of(self, model, pk):
        name = self.names.get(model, {}).get(pk)
        return name if name is not None else f"(deleted {model._meta.verbose_name} #{pk})"


def display(model, field_name, value, names):
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


class RowReader:
    def __init__(self, model, fields, names):
        self.model, self.fields, self.names = model, fields, names

    def raw(self, name):
        return self.fields.get(name)

    def text(self, name):
        return display(self.model, name, self.fields.get(name), self.names)
