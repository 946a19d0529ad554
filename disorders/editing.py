"""The one write path of entries: every writer changes an entry inside a unit of work from here.

Admin saves, "Mark reviewed", both importers, revert, recover and every workflow transition
(:mod:`disorders.workflow`) open :func:`entry_change` (one entry) or :func:`entry_changes` (a
bulk import) and write inside it. The unit of work

- runs in one transaction and locks each existing entry (``select_for_update``), so two
  writers of one entry wait for each other instead of losing an update;
- refuses a stale writer (``expected_version``: the version the person's page showed) with
  :class:`~disorders.history.StaleEntry`;
- records the entry as it stood if its history has nothing yet (``history.ensure_baseline``);
- on leaving, records one revision per changed entry (``history.record_revision``, which
  moves ``version`` and, for content only, ``content_changed_at``, and sends ``entry_saved``
  so the search index follows; for a bulk writer ``history.record_revisions``, the same in
  bulk statements, sending ``entries_saved``), then publishes what the writer asked to publish;
- for a bulk writer, holds a run-level advisory lock (:func:`lock_bulk_writers`): two imports
  never interleave.

No writer calls ``ensure_baseline``, ``record_revision`` or ``select_for_update`` on an entry
itself; tests may, to build history.
"""

import gc
from contextlib import contextmanager

from django.db import connection, transaction

from disorders import history
from disorders.models import Disorder, ImportRun

# pg_advisory_xact_lock key of bulk writers ("ENCI" in ASCII): one import at a time.
BULK_WRITERS_LOCK = 0x454E4349
BULK_GC_THRESHOLD = 50_000  # allocations between collections of young objects while a bulk writer runs


class UnitOfWork:
    """Entries being changed together by one person (or import) for one reason; see the module docstring."""

    def __init__(self, *, user, comment="", import_run=None):
        self.user = user
        self.comment = comment
        self.import_run = import_run  # an import's comment for its run: its revisions then read as one change
        self._changed = {}  # pk or id() → disorder, in the order they were changed
        self._publish = {}  # pk → comment of the publication asked for
        self._unpublish = {}  # pk → comment of the withdrawal asked for
        self._forced = set()
        self._comments = {}  # pk or id() → a comment of the entry's own (an import names each entry's file)
        self._publish_all = []  # (ids, comment, progress) published in bulk once every revision is recorded
        self.revisions = {}  # pk → the revision recorded (None when nothing had changed)

    def lock(self, disorders_or_ids, *, expected_version=None):
        """Lock existing entries (by instance or id) and give each a baseline revision if it has none.

        Returns the locked rows as ``{pk: Disorder}``. With ``expected_version`` (one entry),
        raises :class:`~disorders.history.StaleEntry` when the entry was saved since.
        """
        ids = [getattr(item, "pk", item) for item in disorders_or_ids]
        locked = {disorder.pk: disorder for disorder in Disorder.objects.select_for_update().filter(pk__in=ids)}
        if expected_version is not None:
            for disorder in locked.values():
                if disorder.version != expected_version:
                    raise history.StaleEntry(f"{disorder} was saved by someone else after you opened this page.")
        recorded = set(
            history.entry_versions()
            .filter(object_id__in=[str(pk) for pk in locked])
            .values_list("object_id", flat=True)
        )
        for pk, disorder in locked.items():
            if str(pk) not in recorded:
                history.ensure_baseline(disorder)
        return locked

    def changed(self, disorder, *, force=False, comment=None):
        """Record a revision of ``disorder`` when the work ends (once all its rows are written).

        ``force`` records one even if nothing differs from the last revision (a recovery);
        ``comment`` replaces the work's comment for this entry.
        """
        key = disorder.pk or id(disorder)
        self._changed[key] = disorder
        if force:
            self._forced.add(key)
        if comment is not None:
            self._comments[key] = comment

    def publish_all(self, disorder_ids, *, comment="", progress=None):
        """Publish these entries in bulk once every revision is recorded (a trusted import's ``--publish``).

        Only those whose published version is not their latest revision are published
        (``publication.publish_many``), so unchanged entries cost nothing.
        """
        self._publish_all.append((list(disorder_ids), comment, progress))

    def publish(self, disorder, comment=""):
        """Publish ``disorder`` once its revision is recorded, so the publication points at that revision."""
        self.changed(disorder)
        self._publish[disorder.pk] = comment

    def unpublish(self, disorder, comment=""):
        """Take ``disorder``'s published version off the public site once its revision is recorded."""
        self.changed(disorder)
        self._unpublish[disorder.pk] = comment

    def revision_of(self, disorder):
        return self.revisions.get(disorder.pk)

    def _finish(self, progress=None):
        run = None
        if self.import_run is not None and self._changed:
            run = ImportRun.objects.create(user=self.user, comment=self.import_run)
        # The status a publication gives is recorded in the entry's revision, which the publication then points at.
        for disorder in self._changed.values():
            if disorder.pk in self._publish:
                _set_status(disorder, Disorder.Status.PUBLISHED)
            elif disorder.pk in self._unpublish:
                _set_status(disorder, Disorder.Status.ARCHIVED)
        self._record(run, progress)
        for pk, comment in self._publish.items():
            from disorders import publication  # it builds reader documents from the models this module writes

            publication.publish(self._entry(pk), user=self.user, comment=comment or self.comment)
        for pk, comment in self._unpublish.items():
            from disorders import publication

            publication.unpublish(self._entry(pk), user=self.user, comment=comment or self.comment)
        if run is not None and not any(self.revisions.values()):
            run.delete()  # a run that changed nothing is no change
        for ids, comment, publish_progress in self._publish_all:
            from disorders import publication

            publication.publish_many(ids, user=self.user, comment=comment, progress=publish_progress)

    def _record(self, run, progress):
        """One revision per changed entry, recorded in bulk (``history.record_revisions``).

        Changed entries a bulk publish will publish, already marked published, are published batch by batch
        as their revisions are recorded, from the rows the recording fetched: fetching an entry's rows is
        much of the cost of both steps. ``publish_many`` then finds them published and skips them.
        """
        from disorders import publication  # it builds reader documents from the models this module writes

        keys = {}  # pk → key: once per entry, even if marked changed before and after it was first saved
        for key, disorder in self._changed.items():
            keys.setdefault(disorder.pk, key)
        disorders = [self._changed[key] for key in keys.values()]
        publishing = {pk: comment for ids, comment, _ in self._publish_all for pk in ids}
        marked = {disorder.pk for disorder in disorders if disorder.marked_published}
        comments = {pk: comment for pk, comment in publishing.items() if pk in marked}
        told = next((told for _, _, told in self._publish_all if told), None)
        publisher = publication.RecordedPublisher(user=self.user, comments=comments, progress=told)
        pipeline = (
            {"queryset": publication.entry_queryset(publishing=publishing), "recorded": publisher} if comments else {}
        )
        with publisher:
            self.revisions = history.record_revisions(
                disorders,
                user=self.user,
                comment=self.comment,
                comments={pk: self._comments[key] for pk, key in keys.items() if key in self._comments},
                forced={pk for pk, key in keys.items() if key in self._forced},
                import_run=run,
                progress=progress,
                **pipeline,
            )

    def _entry(self, pk):
        return next(disorder for disorder in self._changed.values() if disorder.pk == pk)


def _set_status(disorder, status):
    if disorder.status != status:
        disorder.status = status
        disorder.save(update_fields=["status", "published_at", "updated_at"])  # save() dates a first publication


@contextmanager
def entry_changes(*, user, comment="", progress=None, import_run=None):
    """A unit of work over any number of entries: ``lock`` them, write, mark each ``changed``.

    For bulk writers (the importers). ``progress(done, total)`` is told as revisions are recorded.
    ``import_run`` (an import's comment) groups the revisions in one ImportRun, which recent changes
    shows as one line.
    """
    work = UnitOfWork(user=user, comment=comment, import_run=import_run)
    with transaction.atomic(), _fewer_collections():
        lock_bulk_writers()
        yield work
        # What the writer built lives until the commit: frozen, no collection walks it again for every batch.
        gc.freeze()
        try:
            work._finish(progress)
        finally:
            gc.unfreeze()


@contextmanager
def _fewer_collections():
    """Python's cyclic garbage collector collects young objects every ``BULK_GC_THRESHOLD`` allocations, not 700.

    A whole import allocates tens of millions of objects and keeps hundreds of thousands alive until
    it commits; with the defaults the collector took 18 of its 66 seconds walking them.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(BULK_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def lock_bulk_writers():
    """Wait for any other bulk writer (an import) to finish, then keep others waiting until this transaction ends.

    Two imports of overlapping data would otherwise interleave their writes (each matching entries the
    other is creating) and deadlock or duplicate; editors' single-entry saves take row locks only.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BULK_WRITERS_LOCK])


class EntryChange(UnitOfWork):
    """The unit of work of one entry, as :func:`entry_change` yields it: ``disorder`` is the locked entry."""

    disorder = None  # the writer's instance (with its unsaved edits)
    locked = None  # the row as it was read when locked (None for a new entry): fresh, for writers that merge
    record = True  # a writer that found nothing to change sets this to False: no revision, no signal

    @property
    def revision(self):
        return self.revisions.get(self.disorder.pk)

    def _record(self, run, progress):
        # One entry: the one-by-one path, which sends entry_saved for receivers that follow single saves.
        for key, disorder in self._changed.items():
            self.revisions[disorder.pk] = history.record_revision(
                disorder,
                user=self.user,
                comment=self._comments.get(key, self.comment),
                force=key in self._forced,
                import_run=run,
            )

    def publish(self, disorder=None, comment=""):
        super().publish(disorder or self.disorder, comment)

    def unpublish(self, disorder=None, comment=""):
        super().unpublish(disorder or self.disorder, comment)


@contextmanager
def entry_change(disorder, *, user, comment="", expected_version=None, force=False):
    """A unit of work over one entry: lock it, refuse a stale ``expected_version``, write, record one revision.

    ``disorder`` is the writer's instance (its unsaved edits are kept; the lock is taken on
    the row). A new entry (not yet saved, or being recovered) has nothing to lock. The
    revision carries ``comment`` (the writer may change ``change.comment`` before leaving);
    ``change.publish()`` publishes the entry once the revision is recorded.
    """
    change = EntryChange(user=user, comment=comment)
    change.disorder = disorder
    with transaction.atomic():
        if not disorder._state.adding:
            change.locked = change.lock([disorder.pk], expected_version=expected_version).get(disorder.pk)
            if change.locked is None:
                raise history.StaleEntry(f"{disorder} was deleted after you opened this page.")
        yield change
        if change.record:
            change.changed(change.disorder, force=force)
            change._finish()
