"""Published versions: what readers see of an entry, written only when a reviewer (or a trusted import) publishes.

An entry's working copy is the normalized tables the admin edits, with its history in
django-reversion. Its published version is one :class:`~disorders.models.PublishedEntry` row:
a document built from the working copy as its latest revision recorded it (the JSON export's
shape plus the page's rendered HTML, see :func:`build_document`), denormalized into columns
for listings and search, with :class:`~disorders.models.PublishedName` rows for names. Reader
pages read only those; saving the working copy changes nothing readers see until
:func:`publish`. Every publish and unpublish adds a :class:`~disorders.models.Publication`
row (who, when, why, which revision) and sends ``entry_published``.

- :func:`publish`, :func:`unpublish`: one entry, locked, in one transaction.
- :func:`publish_many`: many entries in bulk (imports, the data migration), batched.
- :func:`build_document`: the one builder, used by publish, the staff preview and the export.
- :func:`refresh_reader_index`: the published names and search vectors of some entries, from
  their stored documents (``rebuild_search_index`` runs it for every published entry).
"""

import gc

from django.db import connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from disorders import history
from disorders.export import Exporter
from disorders.history.kinds import PUBLISHED_COMMENT, UNPUBLISHED_COMMENT
from disorders.models import Disorder, EntryRevision, Publication, PublishedEntry
from disorders.signals import entry_published
from encyclopedia import workers
from encyclopedia.database import copy_rows

BATCH_SIZE = 200  # entries built and written per round trip in a bulk publish
# The document's HTML parts: everything above the site disclaimers, and the entry's footer below them.
HTML_PARTS = {"content": "includes/entry_content.html", "footer": "includes/entry_footer.html"}


def entry_queryset(publishing=()):
    """Working copies with every row the document reads prefetched (a fixed number of queries per batch).

    A subdivision links to its own entry when that entry is published, or is among ``publishing``
    (the ids a bulk publish is publishing with it: a first import's later entries are not yet published).
    """
    return (
        Disorder.objects.with_entry_content(linkable=Disorder.objects.published(), publishing=publishing)
        .select_related("last_reviewed_by__reviewer_profile")
        .annotate(content_change_stamps=history.content_change_stamps())
    )


def build_document(disorder, exporter=None):
    """The published document of ``disorder`` (fetched through :func:`entry_queryset`), as JSON-ready data.

    The keys of :meth:`Exporter.as_dict <disorders.export.Exporter.as_dict>` (what ``/disorders/<slug>.json``
    serves), plus ``description``, ``structured_data`` (the page's JSON-LD) and ``html``: the entry's
    page rendered (``content`` above the site disclaimers, ``footer`` below them), so a reader page is
    one row read and no template loop over the entry's rows.
    """
    from disorders.views import entry_page_context, structured_data  # the page's own rules, not a copy

    exporter = exporter or Exporter()
    document = exporter.as_dict(disorder)
    context = entry_page_context(disorder, exporter.title_notice)
    document["description"] = context["description"]
    document["structured_data"] = structured_data(disorder, context["description"])
    document["html"] = {part: render_to_string(template, context) for part, template in HTML_PARTS.items()}
    return document


def source_disclaimers(document):
    """The document's sources that carry disclaimers of their own, for the page's disclaimers section."""
    return [source for source in document["sources"] if source["disclaimers"]]


def _published_row(disorder, document, revision_id, now, first_published_at):
    """The PublishedEntry row for ``disorder``'s document (its columns are the document, denormalized)."""
    return PublishedEntry(
        disorder_id=disorder.pk,
        revision_id=revision_id,
        title=disorder.title,
        slug=disorder.slug,
        summary=disorder.summary,
        description=document["description"],
        body="\n\n".join(section["body"] for section in document["sections"]),
        published_at=first_published_at,
        content_changed_at=disorder.content_changed_at,
        updated_at=now,
        document=document,
        classification_ids=sorted({node.pk for node in disorder.classifications.all()}),
        organization_ids=sorted({link.organization_id for link in disorder.resources.all()}),
        genes=_grouped((link.gene_id, link.association) for link in disorder.gene_associations.all()),
        signs={str(link.sign_id): link.frequency for link in disorder.signs.all()},
        codes={f"{code.system}:{code.value}": code.relation for code in disorder.codes.all()},
    )


def _grouped(pairs):
    grouped = {}
    for key, value in pairs:
        grouped.setdefault(str(key), []).append(value)
    return grouped


def latest_revision_ids(disorder_ids):
    """``{entry id: id of its latest revision}`` in one query."""
    rows = (
        EntryRevision.objects.filter(disorder__in=list(disorder_ids)).values("disorder").annotate(last=Max("revision"))
    )
    return {row["disorder"]: row["last"] for row in rows}


def _mark_published(disorder, *, user, comment, record=True):
    """Make the working copy say it is published (status and first publication date), recorded as a revision
    (unless ``record`` is False: the caller records many in bulk)."""
    if disorder.marked_published:
        return
    disorder.status = Disorder.Status.PUBLISHED
    disorder.published_at = disorder.published_at or timezone.now()
    disorder.save(update_fields=["status", "published_at", "updated_at"])
    if record:
        history.record_revision(disorder, user=user, comment=comment)


def publish(disorder, *, user, comment=""):
    """Publish the working copy of ``disorder`` as its latest revision recorded it; returns the Publication.

    Locks the entry, records its status change as a revision if it had not been published, builds
    the document, replaces the published version, refreshes the published names and search vector,
    records who, when and why, and sends ``entry_published``. Returns None, recording nothing, when
    the published version already is the latest revision (publishing twice is harmless).
    """
    with transaction.atomic():
        disorder = Disorder.objects.select_for_update().get(pk=disorder.pk)
        history.ensure_baseline(disorder)
        _mark_published(disorder, user=user, comment=_with_comment(PUBLISHED_COMMENT, comment))
        published = publish_many([disorder.pk], user=user, comment=comment)
    return published[0] if published else None


def publish_many(disorder_ids, *, user, comment="", progress=None, rebuild=False):
    """Publish these entries in bulk: those whose published version is missing or not their latest revision.

    For imports and migrations (an import records one revision per changed entry). Entries not yet
    marked published are marked (one revision each, recorded in bulk); an entry with no revision at all is published
    as it stands, its publication pointing at no revision. Documents are
    built ``BATCH_SIZE`` at a time from prefetched rows and written with one statement per batch;
    returns the Publication rows recorded. Runs in one transaction; call it inside the writer's.
    ``rebuild`` rebuilds published entries' documents even where the revision is unchanged (after a
    change to the page's templates or to shared rows, such as an organization's address).
    """
    ids = sorted({int(pk) for pk in disorder_ids})
    recorded = []
    with transaction.atomic():
        latest = latest_revision_ids(ids)
        current = dict(PublishedEntry.objects.filter(pk__in=ids).values_list("pk", "revision_id"))
        # An entry without revisions (made by a script, or before history was kept) is published as it stands.
        due = [pk for pk in ids if pk not in current or current[pk] != latest.get(pk) or rebuild]
        marked = Disorder.objects.filter(status=Disorder.Status.PUBLISHED, published_at__isnull=False)
        unmarked = Disorder.objects.filter(pk__in=due).exclude(pk__in=marked).select_for_update().order_by("pk")
        unmarked = list(unmarked)
        for disorder in unmarked:
            _mark_published(disorder, user=user, comment="", record=False)
        history.record_revisions(unmarked, user=user, comment=_with_comment(PUBLISHED_COMMENT, comment))
        if unmarked:
            latest = latest_revision_ids(due)  # marking recorded a revision each
        exporter = Exporter()
        now = timezone.now()
        for start in range(0, len(due), BATCH_SIZE):
            batch = due[start : start + BATCH_SIZE]
            disorders = list(entry_queryset(publishing=due).filter(pk__in=batch).order_by("pk"))
            documents = build_documents(disorders, exporter)
            recorded += _publish_batch(
                disorders, documents, latest, user=user, comments=dict.fromkeys(batch, comment), now=now
            )
            del disorders
            if progress:
                progress(f"Publishing: {min(start + BATCH_SIZE, len(due))}/{len(due)}")
    return recorded


def build_documents(disorders, exporter):
    """:func:`build_document` of each of ``disorders``, in their order (no query: a forked worker runs it)."""
    return [build_document(disorder, exporter) for disorder in disorders]


class RecordedPublisher:
    """Publishes entries batch by batch as a bulk recording hands them over, from the rows it fetched.

    The unit of work of a bulk import passes it as ``history.record_revisions``' ``recorded``
    (``comments``: id → comment of the entries to publish), so each batch's rows are fetched once for
    both; :func:`publish_many` then finds those entries published at their latest revision. Each
    batch's documents are built in a forked worker (:func:`encyclopedia.workers.forked`) while the
    next batch is recorded, and written when that one is handed over, or on leaving the ``with``.
    The rows' ``content_change_stamps`` were read before the revision, which adds only the entry's
    ``content_changed_at``, already counted by ``history.revision_years``.
    """

    def __init__(self, *, user, comments, progress=None):
        self.user, self.comments, self.progress = user, comments, progress
        self.exporter = None  # made for the first batch: a bulk writer that publishes nothing queries nothing
        self.recorded = []  # the Publication rows written
        self._pending = None  # (rows, revision ids, the worker) of the batch being built

    def __enter__(self):
        return self

    def __call__(self, rows, revisions):
        due = [row for pk, row in sorted(rows.items()) if pk in self.comments and revisions.get(pk) is not None]
        latest = {row.pk: revisions[row.pk].pk for row in due}
        self.exporter = self.exporter or Exporter()
        previous, self._pending = self._pending, (due, latest, workers.forked(build_documents, due, self.exporter))
        self._write(previous)
        del previous
        # Its rows are cycles (each prefetched row points back at its entry) that outlived two young collections
        # while this batch was recorded: left to a full collection, several batches would pile up.
        gc.collect()

    def __exit__(self, error_type, error, tb):
        pending, self._pending = self._pending, None
        if error_type is None:
            self._write(pending)
        elif pending:
            pending[2].abandon()  # its documents will not be written

    def _write(self, pending):
        if pending is None:
            return
        due, latest, worker = pending
        documents, now = worker.result(), timezone.now()
        for start in range(0, len(due), BATCH_SIZE):
            end = start + BATCH_SIZE
            self.recorded += _publish_batch(
                due[start:end], documents[start:end], latest, user=self.user, comments=self.comments, now=now
            )
        if self.progress:
            self.progress(f"Publishing: {len(self.recorded)}/{len(self.comments)}")


def _publish_batch(disorders, documents, revision_ids, *, user, comments, now):
    """Write the published versions of ``disorders`` (fetched through :func:`entry_queryset`), given their
    ``documents``, and their Publication rows, one statement each; returns the Publication rows."""
    rows, publications = [], []
    for disorder, document in zip(disorders, documents, strict=True):
        revision_id = revision_ids.get(disorder.pk)
        # First publication: the date the entry says, unless that is still to come (a schedule run early).
        first = min(disorder.published_at or now, now)
        rows.append(_published_row(disorder, document, revision_id, now, first))
        publications.append(
            Publication(
                disorder_id=disorder.pk,
                action=Publication.Action.PUBLISHED,
                revision_id=revision_id,
                user=user,
                comment=comments[disorder.pk],
                created_at=now,
            )
        )
    _replace_published(rows)
    # Receivers get the entry's own row only: a whole import's prefetched rows would stay in memory.
    slim = {d.pk: Disorder(pk=d.pk, title=d.title, slug=d.slug, status=d.status) for d in disorders}
    recorded = Publication.objects.bulk_create(publications)
    refresh_reader_index([disorder.pk for disorder in disorders])
    for publication in recorded:
        publication.disorder = slim[publication.disorder_id]
        entry_published.send(sender=Disorder, disorder=publication.disorder, publication=publication)
    return recorded


_DELETE_PUBLISHED_SQL = "DELETE FROM disorders_publishedentry WHERE disorder_id = ANY(%(ids)s)"


def _replace_published(rows):
    """Write these PublishedEntry rows in place of any these entries had (their search vectors are refreshed next).

    Delete and COPY: a whole import's documents (16 KB each) took twice as long as one INSERT … ON CONFLICT
    per batch, its values quoted into the statement and parsed back. The entries' PublishedName rows, which
    point at the deleted rows until the transaction ends, are rewritten by :func:`refresh_reader_index`.
    """
    fields = [field for field in PublishedEntry._meta.concrete_fields if field.name != "search_vector"]
    with connection.cursor() as cursor:  # not .delete(): a replaced version is not a withdrawal, and sends nothing
        cursor.execute(_DELETE_PUBLISHED_SQL, {"ids": [row.pk for row in rows]})
    copy_rows(
        PublishedEntry,
        [field.name for field in fields],
        ([field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] for row in rows),
    )


def unpublish(disorder, *, user, comment=""):
    """Take the entry away from readers everywhere; its working copy stays, archived. Returns the Publication.

    Returns None when it had no published version.
    """
    with transaction.atomic():
        disorder = Disorder.objects.select_for_update().get(pk=disorder.pk)
        deleted, _ = PublishedEntry.objects.filter(pk=disorder.pk).delete()
        if not deleted:
            return None
        history.ensure_baseline(disorder)
        disorder.status = Disorder.Status.ARCHIVED
        disorder.save(update_fields=["status", "updated_at"])
        history.record_revision(disorder, user=user, comment=_with_comment(UNPUBLISHED_COMMENT, comment))
        publication = Publication.objects.create(
            disorder=disorder,
            action=Publication.Action.UNPUBLISHED,
            revision_id=history.latest_revision(disorder).pk,
            user=user,
            comment=comment,
        )
        entry_published.send(sender=Disorder, disorder=disorder, publication=publication)
    return publication


def _with_comment(action, comment):
    return f"{action}: {comment}" if comment else action


def has_pending_changes(disorder):
    """Whether the entry is published and its working copy has changed since (one query)."""
    return Disorder.objects.with_publication_state().values_list("has_pending_changes", flat=True).get(pk=disorder.pk)


# --- The reader side's search structures, from published documents --------------------------------------------

_DELETE_NAMES_SQL = "DELETE FROM disorders_publishedname WHERE entry_id = ANY(%(ids)s)"
_INSERT_NAMES_SQL = """
WITH names AS (
    SELECT disorder_id AS entry_id, title AS name, 'title' AS kind FROM disorders_publishedentry
    WHERE disorder_id = ANY(%(ids)s)
    UNION
    SELECT disorder_id, synonym, 'synonym' FROM disorders_publishedentry,
        jsonb_array_elements_text(document->'synonyms') AS synonym
    WHERE disorder_id = ANY(%(ids)s)
    UNION
    SELECT disorder_id, subdivision->>'name', 'subdivision' FROM disorders_publishedentry,
        jsonb_array_elements(document->'subdivisions') AS subdivision
    WHERE disorder_id = ANY(%(ids)s)
)
INSERT INTO disorders_publishedname (entry_id, name, kind, normalized)
SELECT entry_id, name, kind, lower(unaccent(name)) FROM names
"""
# Weighted as disorders.search describes: A title, B synonyms and subdivisions, C summary, D the sections' text.
_VECTOR_SQL = """
UPDATE disorders_publishedentry AS p SET search_vector =
    setweight(to_tsvector('encyclopedia', p.title), 'A')
    || setweight(to_tsvector('encyclopedia', concat_ws(' ',
        (SELECT string_agg(value, ' ') FROM jsonb_array_elements_text(p.document->'synonyms')),
        (SELECT string_agg(value->>'name', ' ') FROM jsonb_array_elements(p.document->'subdivisions'))
    )), 'B')
    || setweight(to_tsvector('encyclopedia', p.summary), 'C')
    || setweight(to_tsvector('encyclopedia', p.body), 'D')
WHERE p.disorder_id = ANY(%(ids)s)
"""


def refresh_reader_index(disorder_ids):
    """Rewrite the published names and search vectors of these entries from their stored documents (3 statements)."""
    ids = sorted({int(pk) for pk in disorder_ids})
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_NAMES_SQL, {"ids": ids})
        cursor.execute(_INSERT_NAMES_SQL, {"ids": ids})
        cursor.execute(_VECTOR_SQL, {"ids": ids})
        return cursor.rowcount


def refresh_all_reader_indexes(batch_size=1000):
    """:func:`refresh_reader_index` for every published entry; returns how many were indexed."""
    ids = list(PublishedEntry.objects.order_by("pk").values_list("pk", flat=True))
    return sum(refresh_reader_index(ids[start : start + batch_size]) for start in range(0, len(ids), batch_size))
