"""The review queue and recent changes at the size of the full import: every filter, sort and count, in ≤ 10 queries."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disorders import history
from disorders.importers.nord import load_abstracts
from disorders.models import Disorder, PublishedEntry
from tests.conftest import DEMO_NORD_DIR, make_staff
from tests.factories import make_disorder
from tests.full_size import FULL_SIZE, build_full_size

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 10


@pytest.fixture
def full(db):
    return build_full_size()


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def numbers_where(rule):
    """The numbers of the full-size entries in the queue for which ``rule(number, fields)`` holds."""
    from tests.full_size import state_of

    today = timezone.localdate()
    wanted = set()
    for number in range(FULL_SIZE):
        fields = state_of(number, today)
        status = fields.get("status", Disorder.Status.PUBLISHED)
        if status != Disorder.Status.ARCHIVED and rule(number, fields, status):
            wanted.add(number)
    return wanted


def in_review(number, fields, status):
    return status == Disorder.Status.IN_REVIEW


def due(number, fields, status):
    return fields.get("next_review_due") is not None and fields["next_review_due"] <= timezone.localdate()


def overdue(number, fields, status):
    return fields.get("next_review_due") is not None and fields["next_review_due"] < timezone.localdate()


def never(number, fields, status):
    return status == Disorder.Status.PUBLISHED and "last_reviewed_on" not in fields


REASONS = {"in_review": in_review, "due": due, "overdue": overdue, "never": never}


def queue(client, django_assert_max_num_queries, **params):
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(reverse("review_queue"), params)
    assert response.status_code == 200
    return response


def numbers_of(entries):
    return [int(entry.title.split()[1]) for entry in entries]


def test_review_queue_counts_and_rows_for_every_reason_and_filter_at_full_size(
    full, django_user_model, django_assert_max_num_queries
):
    client = client_of(make_staff(django_user_model, "reviewer", "Reviewers"))
    orphanet = {n for n in range(FULL_SIZE) if n % 2 == 0}
    in_tree = {n for n in range(FULL_SIZE) if n % 3 == 0}
    everything = set().union(*(numbers_where(rule) for rule in REASONS.values()))
    for filters, narrowed in [
        ({}, set(range(FULL_SIZE))),
        ({"source": full.orphanet.pk}, orphanet),
        ({"tree": full.tree.pk}, in_tree),
        ({"tree": full.other_tree.pk, "source": full.nord.pk}, set(range(FULL_SIZE)) - in_tree - orphanet),
    ]:
        response = queue(client, django_assert_max_num_queries, **filters)
        counts = {key: count for key, _, count in response.context["tabs"]}
        assert counts[""] == len(everything & narrowed), filters
        assert counts["mine"] == 0
        for key, rule in REASONS.items():
            expected = numbers_where(rule) & narrowed
            assert counts[key] == len(expected), (filters, key)
            page = queue(client, django_assert_max_num_queries, reason=key, **filters)
            assert page.context["paginator"].count == len(expected)
            # Oldest content first: the highest numbers (see tests.full_size).
            assert numbers_of(page.context["object_list"]) == sorted(expected, reverse=True)[:50], (filters, key)


def test_review_queue_sorts_by_due_date_content_age_and_last_change(
    full, django_user_model, django_assert_max_num_queries
):
    client = client_of(make_staff(django_user_model, "reviewer", "Reviewers"))
    touched = full.entries[7000]
    Disorder.objects.filter(pk=touched.pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))

    by_due = queue(client, django_assert_max_num_queries, reason="due", sort="due").context["object_list"]
    by_age = queue(client, django_assert_max_num_queries, sort="age").context["object_list"]
    by_change = queue(client, django_assert_max_num_queries, sort="changed").context["object_list"]

    overdue_first = sorted(numbers_where(overdue))[:50]
    assert numbers_of(by_due) == overdue_first  # overdue (due 100 days ago) before due today, then by title
    # Entries submitted for review come first whatever the order, then the oldest content.
    assert numbers_of(by_age)[0] == max(numbers_where(in_review))
    assert by_change[0] == touched


def test_a_reviewer_takes_an_entry_and_finds_it_under_taken_by_me(
    full, django_user_model, django_assert_max_num_queries
):
    reviewer = make_staff(django_user_model, "reviewer", "Reviewers")
    other = make_staff(django_user_model, "other", "Reviewers")
    client = client_of(reviewer)
    entry = full.entries[4]  # never reviewed
    version = Disorder.objects.get(pk=entry.pk).version

    response = client.post(
        reverse("review_take", args=[entry.pk]), {"action": "take", "next": "/admin/review-queue/?reason=never"}
    )

    assert response.status_code == 302 and response["Location"] == "/admin/review-queue/?reason=never"
    entry.refresh_from_db()
    assert entry.assigned_to == reviewer and entry.assigned_at is not None
    assert entry.version == version  # taking is not editing: an open form stays current
    mine = queue(client, django_assert_max_num_queries, reason="mine")
    assert list(mine.context["object_list"]) == [entry]
    assert {key: count for key, _, count in mine.context["tabs"]}["mine"] == 1
    assert "(you)" in mine.content.decode()
    # Someone else sees who has it, and cannot give it back for them.
    other_client = client_of(other)
    assert list(other_client.get(reverse("review_queue"), {"reason": "mine"}).context["object_list"]) == []
    other_client.post(reverse("review_take", args=[entry.pk]), {"action": "release"})
    entry.refresh_from_db()
    assert entry.assigned_to == reviewer
    # A hostile "next" leads back to the queue, not away.
    away = client.post(reverse("review_take", args=[entry.pk]), {"action": "release", "next": "https://evil.example/"})
    assert away["Location"] == reverse("review_queue")
    entry.refresh_from_db()
    assert entry.assigned_to is None


def test_marking_an_entry_reviewed_gives_it_back(django_user_model):
    reviewer = make_staff(django_user_model, "reviewer", "Reviewers")
    entry = make_disorder("Taken", assigned_to=reviewer, assigned_at=timezone.now())
    history.record_revision(entry, comment="Created")
    client = client_of(reviewer)

    client.post(
        reverse("admin:disorders_disorder_changelist"), {"action": "mark_reviewed", "_selected_action": [entry.pk]}
    )

    entry.refresh_from_db()
    assert entry.last_reviewed_on == timezone.localdate()
    assert entry.assigned_to is None


def test_review_queue_refuses_an_unknown_reason_and_ignores_a_bad_filter(editor_client):
    assert editor_client.get(reverse("review_queue"), {"reason": "nonsense"}).status_code == 404
    response = editor_client.get(reverse("review_queue"), {"source": "999999", "sort": "x", "tree": "a"})
    assert response.status_code == 200
    assert response.context["filter_form"].errors


# --- Recent changes -------------------------------------------------------------------------------------------------


@pytest.fixture
def changed(full, django_user_model):
    """The full-size import, then an editor's two changes, a reviewer's review and a revert on top."""
    editor = make_staff(django_user_model, "editor", "Editors")
    reviewer = make_staff(django_user_model, "reviewer", "Reviewers")
    first, second = full.entries[0], full.entries[1]
    Disorder.objects.filter(pk=first.pk).update(summary="Edited.")
    history.record_revision(first, user=editor, comment="Fix the summary")
    Disorder.objects.filter(pk=second.pk).update(summary="Edited.")
    history.record_revision(second, user=editor, comment="Reword")
    Disorder.objects.filter(pk=second.pk).update(summary="")
    history.record_revision(second, user=reviewer, comment="Reverted to revision 1")
    Disorder.objects.filter(pk=first.pk).update(last_reviewed_on=full.today)
    history.record_revision(first, user=reviewer, comment="Marked reviewed")
    Disorder.objects.filter(pk=first.pk).update(status=Disorder.Status.IN_REVIEW)
    history.record_revision(first, user=editor, comment="Submitted for review: please check the summary", force=True)
    full.editor, full.reviewer = editor, reviewer
    return full


def recent(client, django_assert_max_num_queries, **params):
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(reverse("recent_changes"), params)
    assert response.status_code == 200
    return response


def described(lines):
    return [
        (line.version.object_repr if not line.run_size or line.run_size == 1 else f"{line.run_size} entries", line.kind)
        for line in lines
    ]


def test_an_import_run_is_one_line_in_recent_changes_with_a_count_and_a_link(changed, django_assert_max_num_queries):
    client = client_of(changed.editor)

    response = recent(client, django_assert_max_num_queries)

    assert described(response.context["lines"]) == [
        ("Entry 00000", "publication"),
        ("Entry 00000", "review"),
        ("Entry 00001", "revert"),
        ("Entry 00001", "edit"),
        ("Entry 00000", "edit"),
        (f"{FULL_SIZE} entries", "import"),
    ]
    page = response.content.decode()
    assert f"?run={changed.run.pk}" in page and f"{FULL_SIZE:,} entries" not in page  # plain number, one link
    assert f"List the {FULL_SIZE} entries" in page
    run = recent(client, django_assert_max_num_queries, run=changed.run.pk)
    assert run.context["paginator"].count == FULL_SIZE
    assert len(run.context["lines"]) == 50
    assert {line.kind for line in run.context["lines"]} == {"import"}


def test_recent_changes_filter_by_kind_source_person_and_entry_at_full_size(changed, django_assert_max_num_queries):
    client = client_of(changed.editor)

    def lines(**params):
        return described(recent(client, django_assert_max_num_queries, **params).context["lines"])

    assert lines(kind="import") == [(f"{FULL_SIZE} entries", "import")]
    assert lines(kind="edit") == [("Entry 00001", "edit"), ("Entry 00000", "edit")]
    assert lines(kind="revert") == [("Entry 00001", "revert")]
    assert lines(kind="review") == [("Entry 00000", "review")]
    assert lines(kind="publication") == [("Entry 00000", "publication")]
    # NORD's entries are the odd ones: half the run, and the second entry's changes.
    assert lines(source=changed.nord.pk) == [
        ("Entry 00001", "revert"),
        ("Entry 00001", "edit"),
        (f"{FULL_SIZE // 2} entries", "import"),
    ]
    assert lines(user=changed.reviewer.pk) == [("Entry 00000", "review"), ("Entry 00001", "revert")]
    assert lines(user=changed.editor.pk, kind="publication") == [("Entry 00000", "publication")]
    # One entry: each of its revisions, the import's too, numbered in the entry's own history.
    one = recent(client, django_assert_max_num_queries, entry="Entry 00001").context["lines"]
    assert described(one) == [("Entry 00001", "revert"), ("Entry 00001", "edit"), ("Entry 00001", "import")]
    assert [line.version.number for line in one] == [3, 2, 1]
    assert lines(entry_id=changed.entries[0].pk, kind="edit") == [("Entry 00000", "edit")]


def test_history_numbers_revisions_per_entry_not_by_global_id(editor_client, editor):
    other = make_disorder("Other")
    entry = make_disorder("Numbered")
    for number in range(3):
        Disorder.objects.filter(pk=other.pk).update(summary=f"Other {number}")
        history.record_revision(other, user=editor, comment=f"Other {number}")
        Disorder.objects.filter(pk=entry.pk).update(summary=f"Summary {number}")
        history.record_revision(entry, user=editor, comment=f"Edit {number}")
    ids = [v.revision_id for v in history.entry_versions(entry.pk).order_by("revision_id")]
    assert ids != [1, 2, 3]

    page = editor_client.get(reverse("admin:disorders_disorder_history", args=[entry.pk]))
    revision = editor_client.get(reverse("admin:disorders_disorder_revision", args=[entry.pk, ids[1]]))
    compare = editor_client.get(reverse("admin:disorders_disorder_compare", args=[entry.pk]))

    assert [line.version.number for line in page.context["lines"]] == [3, 2, 1]
    assert revision.context["title"] == "Revision 2 of “Numbered”"
    assert compare.context["old_heading"].startswith("Revision 2 (")
    assert compare.context["new_heading"].startswith("Revision 3 (")
    labels = [label for _, label in compare.context["form"].fields["from_revision"].choices]
    assert [label.split(" — ")[0] for label in labels] == ["3", "2", "1"]


def test_an_import_that_publishes_is_still_one_line_in_recent_changes(editor_client):
    # --publish records the status in the import's own revisions: no "Published" revision per entry beside the run.
    load_abstracts(sorted(DEMO_NORD_DIR.glob("*.txt")), publish=True)

    lines = editor_client.get(reverse("recent_changes")).context["lines"]

    assert [(line.kind, line.run_size) for line in lines] == [("import", 2)]
    assert Disorder.objects.filter(status=Disorder.Status.PUBLISHED).count() == 2
    assert PublishedEntry.objects.count() == 2
