"""Restoring content from the history: revert an entry to a revision, recover a deleted entry."""

from dataclasses import dataclass

from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from reversion.models import Revision, Version

from disorders.history.registry import CONTENT_FIELDS, OWNER_FIELD, PARTS
from disorders.history.snapshots import Names, RowReader, entry_versions, load_snapshots, serialized
from disorders.models import Classification, Disorder


class StaleEntry(Exception):
    """The entry changed after the person looked at it; they must look again."""


@dataclass
class RevertResult:
    revision: Revision | None  # the new revision; None when the entry already matched
    notes: list[str]  # what could not be restored exactly as it was


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
    from disorders import editing  # the one write path; it records revisions with this package

    # Named as the history names it: the revision's number in this entry's history.
    number = entry_versions(disorder.pk).filter(revision_id__lte=revision.pk).count()
    comment = f"Reverted to revision {number}"
    with editing.entry_change(disorder, user=user, comment=comment, expected_version=expected_version) as work:
        locked = work.locked
        work.disorder = locked  # the revision is recorded of the row written here
        target = load_snapshots([revision.pk], locked.pk).get(revision.pk)
        if target is None:
            raise ValueError(f"Revision {revision.pk} does not hold {locked}.")
        notes = []
        stored = _instance(Disorder, locked.pk, target.entry)
        # Content only: status, publication and review fields are never touched; classifications come with the rows.
        for name in CONTENT_FIELDS:
            if Disorder._meta.get_field(name).many_to_many:
                continue
            value = getattr(stored.object, name)
            if name == "slug" and value != locked.slug and _slug_owner(value, locked.pk):
                notes.append(f"The web address “{value}” now belongs to another entry; the current one was kept.")
                continue
            setattr(locked, name, value)
        locked.save()
        _restore_parts(locked, stored, target, notes)
    disorder.refresh_from_db()
    return RevertResult(revision=work.revision, notes=notes)


def _slug_owner(slug, disorder_pk):
    """The other entry whose web address is ``slug``, or whose old address it is (it still redirects), if any."""
    return Disorder.objects.holding_address(slug).exclude(pk=disorder_pk).first()


def _restore_parts(disorder, stored, target, notes):
    """Give the saved ``disorder`` the classifications and owned rows of snapshot ``target`` (``stored``: its entry)."""
    wanted = stored.m2m_data.get("classifications", [])
    existing = list(Classification.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if len(existing) < len(wanted):
        notes.append(f"{len(wanted) - len(existing)} classification(s) of that revision were deleted since.")
    disorder.classifications.set(existing)
    names = Names([target])
    for part in PARTS:
        _restore_rows(disorder, part, target.rows_of(part.name), names, notes)


def _restore_rows(disorder, part, wanted, names, notes):
    current = {row.pk: serialized(row) for row in getattr(disorder, part.name).all()}
    # Rows that differ are deleted and written again, so that no unique constraint sees two versions at once.
    stale = [pk for pk, fields in current.items() if wanted.get(pk) != fields]
    part.model._base_manager.filter(pk__in=stale).delete()
    for pk, fields in sorted(wanted.items(), key=lambda item: item[0]):
        if pk in current and pk not in stale:
            continue
        row = _instance(part.model, pk, fields).object
        name = part.describe(RowReader(part.model, fields, names))
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
        if not model_field.is_relation or model_field.name == OWNER_FIELD:
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
    from disorders import editing

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
        if entry.status in (Disorder.Status.PUBLISHED, Disorder.Status.SCHEDULED):
            entry.status = Disorder.Status.DRAFT
            notes.append("It was published; it is back as a draft, for a reviewer to check and publish again.")
        _links_exist(entry, "The entry", entry.title, notes)
        # The first revision leaves version at 1 and each later one adds exactly 1, so at deletion version == revisions.
        entry.version = entry_versions(disorder_pk).count()
        created_at = entry.created_at
        # A recovery shows in the history even when the entry is back exactly as it was.
        with editing.entry_change(entry, user=user, comment=RECOVERED_COMMENT, force=True) as work:
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
    entry.refresh_from_db()
    return RecoverResult(disorder=entry, revision=work.revision, notes=notes)
