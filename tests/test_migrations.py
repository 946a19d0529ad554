"""Migrations that move data: run them against rows written the old way and check nothing is lost."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from reversion.models import Version

from disorders import history
from disorders.models import Disorder, DisorderResource, EntryRevision

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_RESOURCE_MOVE = [("disorders", "0007_section_body_size"), ("resources", "0002_blank_unsafe_links")]


def migrate(targets=None):
    """Migrate to ``targets`` (default: the latest); returns the models as they stand there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    state = executor.migrate(targets)
    ContentType.objects.clear_cache()
    return state.apps


@pytest.fixture
def latest_after():
    yield
    migrate()  # whatever happened: the next test finds the database as the code expects it


def test_moving_resource_links_to_disorders_keeps_rows_permissions_and_their_history(latest_after):
    old = migrate(BEFORE_RESOURCE_MOVE)
    disorder = old.get_model("disorders", "Disorder").objects.create(title="Old Entry", slug="old-entry")
    organization = old.get_model("resources", "Organization").objects.create(name="Old Help", slug="old-help")
    link = old.get_model("resources", "DisorderResource").objects.create(
        disorder=disorder, organization=organization, position=3
    )
    content_types = old.get_model("contenttypes", "ContentType").objects
    revision = old.get_model("reversion", "Revision").objects.create(
        date_created=timezone.now(), comment="Recorded before the move"
    )
    versions = old.get_model("reversion", "Version").objects
    for obj, fields in [
        (disorder, {"title": "Old Entry", "slug": "old-entry"}),
        (link, {"disorder": disorder.pk, "organization": organization.pk, "position": 3}),
    ]:
        model = obj._meta.label_lower
        versions.create(
            revision=revision,
            object_id=str(obj.pk),
            content_type=content_types.get(app_label=obj._meta.app_label, model=obj._meta.model_name),
            db="default",
            format="json",
            serialized_data=json.dumps([{"model": model, "pk": obj.pk, "fields": fields}]),
            object_repr=str(obj),
        )

    migrate()

    moved = DisorderResource.objects.get(pk=link.pk)
    assert (moved.disorder_id, moved.organization_id, moved.position) == (disorder.pk, organization.pk, 3)
    assert Disorder.objects.get(pk=disorder.pk).resources.get() == moved
    # The stored row is the moved model's: reversion reads it back, and the entry's history finds it.
    version = Version.objects.get_for_object(moved).get()
    assert version.field_dict == {
        "id": link.pk,
        "disorder_id": disorder.pk,
        "organization_id": organization.pk,
        "position": 3,
    }
    snapshot = history.load_snapshots([revision.pk], disorder.pk)[revision.pk]
    assert snapshot.rows["resources"] == {
        link.pk: {"disorder": disorder.pk, "organization": organization.pk, "position": 3}
    }
    # Roles granted on the old model keep their rights over it.
    assert (
        Group.objects.get(name="Editors")
        .permissions.filter(
            content_type=ContentType.objects.get_for_model(DisorderResource), codename="change_disorderresource"
        )
        .exists()
    )
    assert not ContentType.objects.filter(app_label="resources", model="disorderresource").exists()


def test_entry_revisions_are_filled_from_the_revisions_recorded_before(latest_after):
    old = migrate([("disorders", "0008_disorderresource")])
    disorder = old.get_model("disorders", "Disorder").objects.create(
        title="Old Entry", slug="old-entry", content_changed_at=datetime.datetime(2024, 3, 15, tzinfo=datetime.UTC)
    )
    entry_type = old.get_model("contenttypes", "ContentType").objects.get(app_label="disorders", model="disorder")
    revisions = old.get_model("reversion", "Revision").objects
    versions = old.get_model("reversion", "Version").objects
    for day, stamp in [(1, "2019-05-01T10:00:00Z"), (2, "2024-03-15T00:00:00Z")]:
        revision = revisions.create(date_created=datetime.datetime(2024, 3, day, tzinfo=datetime.UTC))
        fields = {"title": "Old Entry", "slug": "old-entry", "content_changed_at": stamp}
        versions.create(
            revision=revision,
            object_id=str(disorder.pk),
            content_type=entry_type,
            db="default",
            format="json",
            serialized_data=json.dumps([{"model": "disorders.disorder", "pk": disorder.pk, "fields": fields}]),
            object_repr="Old Entry",
        )

    migrate()

    stamps = EntryRevision.objects.filter(disorder=disorder.pk).values_list("content_changed_at", flat=True)
    assert sorted(stamp.year for stamp in stamps) == [2019, 2024]
    assert history.revision_years(Disorder.objects.get(pk=disorder.pk)) == [2024, 2019]


def test_stored_windows_1252_leftovers_become_the_characters_meant(latest_after):
    old = migrate([("disorders", "0010_genes_signs_prevalences")])
    disorder = old.get_model("disorders", "Disorder").objects.create(title="Crohn\x92s disease", slug="crohns")
    old.get_model("disorders", "Section").objects.create(
        disorder=disorder, kind="definition", body="Like Crohn\x92s disease \x96 but rarer."
    )

    migrate()

    repaired = Disorder.objects.get(pk=disorder.pk)
    assert repaired.title == "Crohn’s disease"
    assert repaired.sections.get().body == "Like Crohn’s disease – but rarer."
    # The search index follows.
    assert list(repaired.names.values_list("name", flat=True)) == ["Crohn’s disease"]


BEFORE_PUBLISHED_VERSIONS = [("disorders", "0017_review_steps_schedule_reviewer_profiles")]


def test_entries_readers_saw_keep_a_published_version_built_from_them(latest_after):
    old = migrate(BEFORE_PUBLISHED_VERSIONS)
    entries = old.get_model("disorders", "Disorder").objects
    now = timezone.now()
    seen = entries.create(title="Seen Syndrome", slug="seen", status="published", published_at=now, summary="Seen.")
    old.get_model("disorders", "Synonym").objects.create(disorder=seen, name="SEEN")
    entries.create(title="Draft Syndrome", slug="draft", status="draft")
    scheduled = now + datetime.timedelta(days=30)
    entries.create(title="Later Syndrome", slug="later", status="published", published_at=scheduled)

    new = migrate()

    published = new.get_model("disorders", "PublishedEntry").objects
    assert list(published.values_list("title", flat=True)) == ["Seen Syndrome"]
    entry = published.get()
    assert entry.document["synonyms"] == ["SEEN"] and entry.document["summary"] == "Seen."
    assert "<h1>Seen Syndrome</h1>" in entry.document["html"]["content"]
    assert new.get_model("disorders", "Publication").objects.get().revision_id == entry.revision_id
    names = new.get_model("disorders", "PublishedName").objects.values_list("name", flat=True)
    assert sorted(names) == ["SEEN", "Seen Syndrome"]
