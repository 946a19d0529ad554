"""The compare pages' view of two snapshots of an entry: what changed, field by field and row by row, as HTML.

Removed words are marked ``<del>`` and added ones ``<ins>``; everything else is escaped.
"""

import difflib
import re
from dataclasses import dataclass

from django.db import models
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from disorders.history.registry import HIDDEN_FIELDS, OWNER_FIELD, PARTS, EntryPart
from disorders.history.snapshots import Names, RowReader, Snapshot, display
from disorders.models import Disorder

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


def _is_text(model, field_name):
    model_field = model._meta.get_field(field_name)
    return isinstance(model_field, models.CharField | models.TextField) and not model_field.choices


def _field_change(model, name, old_value, new_value, names):
    label = capfirst(model._meta.get_field(name).verbose_name)
    old_text, new_text = display(model, name, old_value, names), display(model, name, new_value, names)
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
    names = Names([old, new])
    shown = [name for name in _known_fields(Disorder, new.entry) if name not in HIDDEN_FIELDS]
    fields = [
        _field_change(Disorder, name, old.entry.get(name), new.entry.get(name), names)
        for name in shown
        if _is_change(old.entry.get(name), new.entry.get(name))
    ]
    parts = []
    for part in PARTS:
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
        name = part.describe(RowReader(model, current, names))
        if before is None or after is None:
            action = "added" if before is None else "removed"
            listed = [
                n
                for n in _known_fields(model, current)
                if n not in part.name_fields and n not in (OWNER_FIELD, "position") and current[n] not in ("", None)
            ]
            fields = [_field_change(model, n, before and before.get(n), after and after.get(n), names) for n in listed]
        else:
            action = "changed"
            listed = [
                n
                for n in _known_fields(model, {**before, **after})
                if n != OWNER_FIELD and before.get(n) != after.get(n)
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
    labels += [part.plural_label for part in PARTS if old.rows_of(part.name) != new.rows_of(part.name)]
    return labels


def describe_snapshot(snapshot):
    """The whole entry as of a snapshot, as a :class:`Comparison` from nothing (every field and row "added")."""
    comparison = compare(None, snapshot)
    for part_changes in comparison.parts:
        for row in part_changes.rows:
            row.action = "listed"
    return comparison
