"""EntryRevision: what the history queries about an entry's revisions, in columns of our own.

Filled from the revisions recorded so far: each entry version's stored content_changed_at,
read in Python once here so that no page has to cast reversion's serialized text.
"""

import json

import django.db.models.deletion
from django.db import migrations, models
from django.utils.dateparse import parse_datetime

BATCH_SIZE = 1000


def fill_from_revisions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    EntryRevision = apps.get_model("disorders", "EntryRevision")
    entry_type = ContentType.objects.filter(app_label="disorders", model="disorder").first()
    if entry_type is None:
        return  # a new database: nothing recorded yet
    rows = []
    versions = Version.objects.filter(content_type=entry_type).only("revision_id", "object_id", "serialized_data")
    for version in versions.iterator(chunk_size=BATCH_SIZE):
        stamp = json.loads(version.serialized_data)[0]["fields"].get("content_changed_at")
        rows.append(
            EntryRevision(
                revision_id=version.revision_id,
                disorder_id=int(version.object_id),
                content_changed_at=parse_datetime(stamp) if stamp else None,
            )
        )
        if len(rows) == BATCH_SIZE:
            EntryRevision.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    EntryRevision.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("disorders", "0008_disorderresource"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntryRevision",
            fields=[
                (
                    "revision",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="entry_revision",
                        serialize=False,
                        to="reversion.revision",
                    ),
                ),
                (
                    "content_changed_at",
                    models.DateTimeField(
                        blank=True, help_text="The entry's content_changed_at as this revision recorded it.", null=True
                    ),
                ),
                (
                    "disorder",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="entry_revisions",
                        to="disorders.disorder",
                    ),
                ),
            ],
            options={
                "ordering": ["-revision"],
            },
        ),
        migrations.RunPython(fill_from_revisions, migrations.RunPython.noop),
    ]
