"""Update history of entries: one django-reversion revision per save of a whole entry.

A revision holds the Disorder and every row it owns (its *parts*: synonyms, subdivisions,
sections, codes, sources and resource links), with who saved it, when and why. Shared
rows (organizations, classifications, sources) are never stored or rolled back here; an
entry's revision only records which of them it pointed at.

- :mod:`~disorders.history.registry`: what a revision holds (the parts, the content fields).
- :mod:`~disorders.history.snapshots`: an entry as a revision stored it, read back.
- :mod:`~disorders.history.recording`: :mod:`disorders.editing` (the unit of work every
  writer of an entry goes through) calls :func:`ensure_baseline` before the writer writes and
  :func:`record_revision` once all rows are saved. That one function decides whether anything changed, moves
  ``content_changed_at`` only when content did, bumps ``version`` (so a form opened
  earlier is refused), keeps retired slugs, and sends ``entry_saved``; :func:`record_revisions`
  does the same for many entries in bulk statements (imports) and sends ``entries_saved``.
- :mod:`~disorders.history.restore`: :func:`revert_entry` restores an entry's content from
  a revision and :func:`recover_entry` brings a deleted entry back from its last one (we
  never use reversion's own revert, which rebuilds every object in a revision and resets
  unversioned fields to their defaults).

- :mod:`~disorders.history.kinds`: what kind of change a revision is (edit, import, revert, review).

How two snapshots differ, for people, is the admin's business: :mod:`disorders.admin_diff`.
"""

from disorders.history.kinds import KIND_CHOICES, KIND_LABELS, kind_condition, revision_kind
from disorders.history.recording import (
    BASELINE_COMMENT,
    content_change_stamps,
    ensure_baseline,
    record_revision,
    record_revisions,
    revision_years,
    system_user,
    user_label,
)
from disorders.history.registry import CONTENT_FIELDS, register_entry
from disorders.history.restore import (
    RECOVERED_COMMENT,
    CannotRecover,
    StaleEntry,
    deleted_entries,
    deleted_version,
    recover_entry,
    recovery_refusal,
    revert_entry,
)
from disorders.history.snapshots import (
    current_snapshot,
    entry_versions,
    latest_revision,
    load_snapshots,
    with_entry_numbers,
    with_previous_revision,
)

__all__ = [
    "BASELINE_COMMENT",
    "CONTENT_FIELDS",
    "KIND_CHOICES",
    "KIND_LABELS",
    "RECOVERED_COMMENT",
    "CannotRecover",
    "StaleEntry",
    "content_change_stamps",
    "current_snapshot",
    "deleted_entries",
    "deleted_version",
    "ensure_baseline",
    "entry_versions",
    "kind_condition",
    "latest_revision",
    "load_snapshots",
    "record_revision",
    "record_revisions",
    "recover_entry",
    "recovery_refusal",
    "register_entry",
    "revert_entry",
    "revision_kind",
    "revision_years",
    "system_user",
    "user_label",
    "with_entry_numbers",
    "with_previous_revision",
]
