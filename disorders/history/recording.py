"""Recording revisions: the one path every writer of an entry goes through once its rows are saved."""

import reversion
from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef
from django.utils import timezone

from disorders.history.snapshots import current_snapshot, entry_versions, latest_revision, load_snapshots
from disorders.models import Disorder, EntryRevision, PreviousSlug
from disorders.signals import entry_saved

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
