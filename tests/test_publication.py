"""Published versions: publish, unpublish, pending changes, and the constraints on their tables."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from disorders import history, publication
from disorders.models import Disorder, Publication, PublishedEntry, PublishedName, Synonym
from disorders.signals import entry_published
from tests.factories import make_disorder

pytestmark = pytest.mark.django_db


def test_publish_stores_the_document_records_history_and_sends_the_signal(reviewer):
    disorder = make_disorder("Marfan syndrome", published=False, synonyms=["MFS"])
    history.record_revision(disorder)
    sent = []
    entry_published.connect(lambda sender, **kwargs: sent.append(kwargs), weak=False, dispatch_uid="test-publish")
    try:
        recorded = publication.publish(disorder, user=reviewer, comment="Checked against Orphanet")
    finally:
        entry_published.disconnect(dispatch_uid="test-publish")

    entry = PublishedEntry.objects.get(pk=disorder.pk)
    assert entry.title == "Marfan syndrome"
    assert entry.document["synonyms"] == ["MFS"]
    assert "<h1>Marfan syndrome</h1>" in entry.document["html"]["content"]
    assert entry.revision_id == history.latest_revision(disorder).pk
    assert (recorded.action, recorded.user, recorded.comment) == ("published", reviewer, "Checked against Orphanet")
    assert recorded.revision_id == entry.revision_id
    assert [kwargs["disorder"].pk for kwargs in sent] == [disorder.pk]
    disorder.refresh_from_db()
    assert disorder.status == Disorder.Status.PUBLISHED and disorder.published_at is not None
    assert set(PublishedName.objects.filter(entry=entry).values_list("name", "kind")) == {
        ("Marfan syndrome", "title"),
        ("MFS", "synonym"),
    }
    assert Disorder.objects.published().filter(pk=disorder.pk).exists()


def test_publishing_an_unchanged_working_copy_again_records_nothing(reviewer):
    disorder = make_disorder("Marfan syndrome")
    assert publication.publish(disorder, user=reviewer) is not None  # now pointing at a revision
    before = Publication.objects.count()

    assert publication.publish(disorder, user=reviewer) is None
    assert Publication.objects.count() == before


def test_saving_the_working_copy_leaves_the_published_version_and_shows_pending_changes(reviewer):
    disorder = make_disorder("Marfan syndrome")
    assert not publication.has_pending_changes(disorder)

    Disorder.objects.filter(pk=disorder.pk).update(title="Marfan syndrome (MFS)")
    Synonym.objects.create(disorder=disorder, name="MFS")
    history.record_revision(disorder)

    entry = PublishedEntry.objects.get(pk=disorder.pk)
    assert entry.title == "Marfan syndrome" and entry.document["synonyms"] == []
    assert publication.has_pending_changes(disorder)
    listed = Disorder.objects.with_publication_state().get(pk=disorder.pk)
    assert listed.is_published and listed.has_pending_changes

    publication.publish(disorder, user=reviewer)
    entry.refresh_from_db()
    assert entry.title == "Marfan syndrome (MFS)" and entry.document["synonyms"] == ["MFS"]
    assert not publication.has_pending_changes(disorder)


def test_publication_state_of_a_list_costs_a_fixed_number_of_queries(django_assert_num_queries):
    for number in range(5):
        make_disorder(f"Entry {number}", published=number % 2 == 0)
    with django_assert_num_queries(1):
        states = {d.title: (d.is_published, d.has_pending_changes) for d in Disorder.objects.with_publication_state()}
    assert states["Entry 0"] == (True, False) and states["Entry 1"] == (False, False)


def test_unpublish_takes_it_from_readers_and_keeps_the_working_copy(reviewer):
    disorder = make_disorder("Marfan syndrome")

    recorded = publication.unpublish(disorder, user=reviewer, comment="Under revision")

    assert not PublishedEntry.objects.filter(pk=disorder.pk).exists()
    assert not PublishedName.objects.filter(entry_id=disorder.pk).exists()
    assert not Disorder.objects.published().filter(pk=disorder.pk).exists()
    assert (recorded.action, recorded.comment) == ("unpublished", "Under revision")
    disorder.refresh_from_db()
    assert disorder.status == Disorder.Status.ARCHIVED
    assert publication.unpublish(disorder, user=reviewer) is None


def test_publish_many_publishes_only_what_changed(reviewer, django_assert_max_num_queries):
    entries = [make_disorder(f"Entry {number}", published=False) for number in range(6)]
    for disorder in entries:
        history.record_revision(disorder)
    recorded = publication.publish_many([d.pk for d in entries], user=reviewer, comment="Imported")
    assert len(recorded) == 6
    assert PublishedEntry.objects.count() == 6
    assert publication.publish_many([d.pk for d in entries], user=reviewer) == []


def test_history_rows_show_who_published_what(reviewer):
    disorder = make_disorder("Marfan syndrome", published=False)
    history.record_revision(disorder)
    publication.publish(disorder, user=reviewer, comment="First")
    publication.unpublish(disorder, user=reviewer, comment="Withdrawn")

    assert [(row.action, row.comment) for row in disorder.publications.all()] == [
        ("unpublished", "Withdrawn"),
        ("published", "First"),
    ]


def _entry_row(disorder, **fields):
    now = timezone.now()
    values = {
        "disorder": disorder,
        "title": "X",
        "slug": f"x-{disorder.pk}",
        "published_at": now,
        "updated_at": now,
        "document": {},
    }
    return PublishedEntry(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"title": "  "}, "published_entry_title_not_blank"),
        ({"updated_at": timezone.now() - timezone.timedelta(days=1)}, "published_entry_updated_after_first"),
    ],
)
def test_published_entry_constraints(fields, constraint):
    disorder = make_disorder(published=False)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _entry_row(disorder, **fields).save()


def test_published_slug_is_unique():
    first, second = make_disorder(published=False), make_disorder(published=False)
    _entry_row(first, slug="same").save()
    with pytest.raises(IntegrityError, match="published_entry_slug_unique"), transaction.atomic():
        _entry_row(second, slug="same").save()


def test_publication_constraints():
    disorder = make_disorder(published=False)
    with pytest.raises(IntegrityError, match="publication_action_known"), transaction.atomic():
        Publication.objects.create(disorder=disorder, action="deleted")


def test_published_name_constraints():
    disorder = make_disorder("Marfan syndrome")
    with pytest.raises(IntegrityError, match="published_name_once_per_kind"), transaction.atomic():
        PublishedName.objects.create(entry_id=disorder.pk, name="Marfan syndrome", kind="title")
    with pytest.raises(IntegrityError, match="published_name_not_blank"), transaction.atomic():
        PublishedName.objects.create(entry_id=disorder.pk, name=" ", kind="synonym")
