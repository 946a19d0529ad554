"""Revisions recorded in bulk (imports) are the revisions recording one entry at a time would leave."""

import datetime
import json

import pytest
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime
from reversion.models import Revision

from disorders import editing, history
from disorders.models import Disorder, DisorderName, ImportRun, PreviousSlug, Synonym
from tests.factories import make_disorder, make_disorder_sign, make_gene_association, make_organization, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("importer", first_name="Ida")


MILLISECOND = datetime.timedelta(milliseconds=1)


class _Rollback(Exception):
    pass


def _stamp(value, moment):
    """A stored moment as what it means: "at the revision" when recording set it, else itself."""
    parsed = parse_datetime(value) if isinstance(value, str) and "T" in value else value
    if isinstance(parsed, datetime.datetime) and parsed.tzinfo and abs(parsed - moment) < MILLISECOND:
        return "at the revision"
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def outcome(pks):
    """Everything recording leaves, per entry, with the moments a run sets put as what they mean."""
    result = {}
    for disorder in Disorder.objects.filter(pk__in=pks).order_by("pk"):
        revisions = []
        versions = history.entry_versions(disorder.pk).order_by("revision_id")
        for number, entry_version in enumerate(versions, start=1):
            revision = entry_version.revision
            meta = revision.entry_revision
            stored = []
            for version in revision.version_set.order_by("content_type_id", "object_id"):
                data = json.loads(version.serialized_data)
                for obj in data:
                    obj["fields"] = {
                        name: _stamp(value, revision.date_created) for name, value in obj["fields"].items()
                    }
                stored.append((version.content_type_id, version.object_id, version.db, version.format,
                               version.object_repr, data))  # fmt: skip
            revisions.append(
                (
                    number,
                    revision.comment,
                    revision.user_id,
                    meta.import_run_id is not None,
                    _stamp(meta.content_changed_at, revision.date_created),
                    stored,
                )
            )
        latest = revisions and Revision.objects.get(pk=versions.last().revision_id).date_created
        result[disorder.title] = {
            "version": disorder.version,
            "content_changed_at": _stamp(disorder.content_changed_at, latest)
            if latest
            else disorder.content_changed_at,
            "redirects": sorted(PreviousSlug.objects.filter(disorder=disorder).values_list("slug", flat=True)),
            "names": sorted(DisorderName.objects.filter(disorder=disorder).values_list("name", "kind")),
            "revisions": revisions,
        }
    return result


def one_by_one(disorders, *, user, comments, comment, forced, import_run):
    return {
        disorder.pk: history.record_revision(
            disorder,
            user=user,
            comment=comments.get(disorder.pk, comment),
            force=disorder.pk in forced,
            import_run=import_run,
        )
        for disorder in disorders
    }


def in_bulk(disorders, **options):
    return history.record_revisions(disorders, **options)


def recorded_both_ways(pks, edit, **options):
    """Apply ``edit``, record the entries one way, note the outcome, roll back; then the other way."""
    outcomes = []
    for record in (one_by_one, in_bulk):
        try:
            with transaction.atomic():
                edit()
                run = ImportRun.objects.create(comment="Imported from a test")
                disorders = [Disorder.objects.get(pk=pk) for pk in pks]
                revisions = record(disorders, import_run=run, **options)
                told = {d.title: (d.version, d.content_changed_at is not None) for d in disorders}
                recorded = sorted(Disorder.objects.get(pk=pk).title for pk, revision in revisions.items() if revision)
                outcomes.append((outcome(pks), told, recorded))
                raise _Rollback
        except _Rollback:
            pass
    return outcomes


def test_bulk_recording_leaves_what_recording_one_by_one_leaves(editor):
    never = make_disorder("Never recorded", synonyms=["NR"])  # its first revision: no version bump
    renamed = make_disorder("Renamed", slug="renamed-old")
    returning = make_disorder("Returning", slug="returning-old")
    edited = make_disorder("Edited", synonyms=["ED", "Old name"], sections=[("overview", "Text.")])
    status_only = make_disorder("Status only")
    unchanged = make_disorder("Unchanged")
    forced = make_disorder("Forced")
    linked = make_disorder("Linked")
    make_gene_association(linked, "PTPN11")
    make_disorder_sign(linked, "HP:0001744", "Splenomegaly")
    make_organization("Linked Foundation", disorder=linked)
    linked.attributions.create(source=make_source(name="Orphanet"), reference="ORPHA:1")
    recorded = [renamed, returning, edited, status_only, unchanged, forced, linked]
    for disorder in recorded:
        history.record_revision(disorder, user=editor, comment="Before")
    returning.slug = "returning"
    returning.save()
    history.record_revision(returning, user=editor, comment="Moved")  # returning-old now redirects
    entries = [never, *recorded]

    def edit():
        Disorder.objects.filter(pk=renamed.pk).update(slug="renamed")
        Disorder.objects.filter(pk=returning.pk).update(slug="returning-old")
        edited.synonyms.filter(name="Old name").delete()  # new rows' ids would differ between the two ways
        edited.synonyms.filter(name="ED").update(name="Edited syndrome")
        edited.sections.update(body="New text.")
        Disorder.objects.filter(pk=status_only.pk).update(status=Disorder.Status.IN_REVIEW)
        linked.signs.update(frequency="frequent")

    (by_one, told_one, recorded_one), (by_bulk, told_bulk, recorded_bulk) = recorded_both_ways(
        [entry.pk for entry in entries],
        edit,
        user=editor,
        comment="Imported",
        comments={edited.pk: "Imported from edited.json"},
        forced={forced.pk},
    )

    assert by_bulk == by_one
    assert told_bulk == told_one
    assert recorded_bulk == recorded_one
    # What the two agree on is what recording promises.
    assert "Unchanged" not in recorded_bulk and "Forced" in recorded_bulk
    assert by_bulk["Never recorded"]["version"] == 1
    assert len(by_bulk["Never recorded"]["revisions"]) == 1
    assert by_bulk["Edited"]["content_changed_at"] == "at the revision"
    assert by_bulk["Edited"]["revisions"][-1][1] == "Imported from edited.json"
    assert by_bulk["Status only"]["content_changed_at"] != "at the revision"
    assert by_bulk["Renamed"]["redirects"] == ["renamed-old"]
    assert by_bulk["Returning"]["redirects"] == ["returning"]  # back at its old address, which no longer redirects
    assert by_bulk["Edited"]["names"] == [("Edited", "title"), ("Edited syndrome", "synonym")]


def test_bulk_recording_costs_the_same_queries_for_ten_entries_or_forty(django_assert_max_num_queries, editor):
    entries = [make_disorder(f"Entry {n}", synonyms=[f"E{n}"], sections=[("overview", "Text.")]) for n in range(40)]
    for disorder in entries:
        make_gene_association(disorder, f"GENE{disorder.pk}")
    history.record_revisions(entries[:10], user=editor)  # warm the content type cache
    for count in (10, 40):
        Synonym.objects.filter(disorder__in=entries[:count]).update(name=f"Changed for {count}")
        with django_assert_max_num_queries(25):
            revisions = history.record_revisions(entries[:count], user=editor, comment="Changed")
        assert all(revisions[disorder.pk] for disorder in entries[:count])


def test_bulk_writers_hold_the_run_lock_while_they_write(editor):
    held = """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
              AND classid = %s AND objid = %s AND granted"""
    key = [editing.BULK_WRITERS_LOCK >> 32, editing.BULK_WRITERS_LOCK & 0xFFFFFFFF]
    with connection.cursor() as cursor, editing.entry_changes(user=editor, comment="Imported"):
        cursor.execute(held, key)
        assert cursor.fetchone()[0] == 1
