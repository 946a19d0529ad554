"""An encyclopedia the size of the full Orphanet import, built in seconds with bulk_create.

7,724 entries from two sources and two classification trees, in every review state, with one
import run of 7,724 revisions (as the Orphanet import leaves them) and a few editors' changes
on top. What each entry is comes from its number, so tests can say which rows a filter must return.
"""

import datetime
import json
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from reversion.models import Revision, Version

from disorders import history
from disorders.importers import import_comment
from disorders.models import Disorder, DisorderSource, EntryRevision, ImportRun, Source
from tests.factories import make_classification

FULL_SIZE = 7724


@dataclass
class FullSize:
    entries: list
    orphanet: Source
    nord: Source
    tree: object  # a root; every third entry sits under its child node
    other_tree: object
    run: ImportRun
    today: datetime.date


def state_of(number, today):
    """The fields of entry ``number``: a few in review, some due today, some overdue, some reviewed, most never."""
    if number % 50 == 0:
        return {"status": Disorder.Status.IN_REVIEW}
    if number % 40 == 1:
        return {"last_reviewed_on": today - datetime.timedelta(days=365), "next_review_due": today}
    if number % 40 == 2:
        return {
            "last_reviewed_on": today - datetime.timedelta(days=500),
            "next_review_due": today - datetime.timedelta(days=100),
        }
    if number % 40 == 3:
        return {
            "last_reviewed_on": today - datetime.timedelta(days=10),
            "next_review_due": today + datetime.timedelta(days=355),
        }
    if number % 97 == 5:
        return {"status": Disorder.Status.ARCHIVED}
    return {}


def build_full_size():
    today = timezone.localdate()
    now = timezone.now()
    system = history.system_user()
    orphanet = Source.objects.create(name="Orphanet", short_name="Orphanet", slug="orphanet")
    nord = Source.objects.create(name="NORD", short_name="NORD", slug="nord")
    tree = make_classification("Rare haematological diseases")
    branch = make_classification("Rare anaemias", parent=tree)
    other_tree = make_classification("Rare neurological diseases")
    rows = []
    for number in range(FULL_SIZE):
        fields = {"status": Disorder.Status.PUBLISHED, **state_of(number, today)}
        if fields["status"] != Disorder.Status.IN_REVIEW:
            fields["published_at"] = now
        rows.append(
            Disorder(
                title=f"Entry {number:05}",
                slug=f"entry-{number:05}",
                # Older content for higher numbers: the queue's "oldest content first" runs backwards.
                content_changed_at=now - datetime.timedelta(minutes=number),
                **fields,
            )
        )
    entries = Disorder.objects.bulk_create(rows, batch_size=2000)
    DisorderSource.objects.bulk_create(
        [DisorderSource(disorder=entry, source=nord if n % 2 else orphanet) for n, entry in enumerate(entries)],
        batch_size=2000,
    )
    through = Disorder.classifications.through
    through.objects.bulk_create(
        [
            through(disorder=entry, classification=branch if n % 3 == 0 else other_tree)
            for n, entry in enumerate(entries)
        ],
        batch_size=2000,
    )
    run = ImportRun.objects.create(user=system, comment=import_comment("Orphanet (en_product1.xml)"), started_at=now)
    revisions = Revision.objects.bulk_create(
        [Revision(date_created=now - datetime.timedelta(hours=1), user=system, comment=run.comment) for _ in entries],
        batch_size=2000,
    )
    entry_type = ContentType.objects.get_for_model(Disorder)
    Version.objects.bulk_create(
        [
            Version(
                revision=revision,
                object_id=str(entry.pk),
                content_type=entry_type,
                db="default",
                format="json",
                serialized_data=json.dumps(
                    [
                        {
                            "model": "disorders.disorder",
                            "pk": entry.pk,
                            "fields": {"title": entry.title, "slug": entry.slug, "status": entry.status},
                        }
                    ]
                ),
                object_repr=entry.title,
            )
            for entry, revision in zip(entries, revisions, strict=True)
        ],
        batch_size=2000,
    )
    EntryRevision.objects.bulk_create(
        [
            EntryRevision(
                revision=revision, disorder=entry, content_changed_at=entry.content_changed_at, import_run=run
            )
            for entry, revision in zip(entries, revisions, strict=True)
        ],
        batch_size=2000,
    )
    # As the importers do after writing (encyclopedia.database.vacuum_analyze): without statistics of these rows the
    # planner takes the tables for nearly empty and may join them in nested loops that run for minutes. ANALYZE in
    # the test's transaction sees the transaction's own rows.
    with connection.cursor() as cursor:
        for model in (Disorder, DisorderSource, through, Revision, Version, EntryRevision, ImportRun):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return FullSize(entries, orphanet, nord, tree, other_tree, run, today)
