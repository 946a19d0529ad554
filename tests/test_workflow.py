"""The review workflow: submit, request changes, approve and publish or schedule, the reviewer's public credit,
the one write path every step goes through, and stale forms."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision

from disorders import editing, history, workflow
from disorders.models import Disorder, Publication, PublishedEntry, ReviewerProfile, ReviewStep
from tests.admin_forms import add_row, change_url, errors_of, open_entry, save_entry
from tests.conftest import make_staff
from tests.factories import make_disorder

pytestmark = pytest.mark.django_db

OLD_SUMMARY = "The published words."


@pytest.fixture
def entry():
    return make_disorder("Matrixitis", synonyms=["MTX"], summary=OLD_SUMMARY)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def jane(django_user_model):
    user = make_staff(django_user_model, "jroe", "Reviewers", first_name="Jane", last_name="Roe")
    ReviewerProfile.objects.create(user=user, public_name="Jane Roe", credentials="MD")
    return user


def public_page(disorder):
    cache.clear()
    response = Client().get(reverse("disorders:detail", kwargs={"slug": disorder.slug}))
    assert response.status_code == 200
    return response.content.decode()


def revision_comments(disorder):
    ids = history.entry_versions(disorder.pk).values_list("revision_id", flat=True)
    return list(Revision.objects.filter(pk__in=ids).order_by("pk").values_list("comment", flat=True))


def press(client, disorder, button, **changes):
    """Open the entry's form, change it, and press one of its buttons; the form's errors if it came back."""
    data = {**open_entry(client, disorder), **changes, button: "1"}
    response = save_entry(client, disorder, data)
    disorder.refresh_from_db()
    return response


def test_editor_submits_reviewer_requests_changes_editor_fixes_reviewer_approves_and_readers_see_it(
    entry, editor, jane
):
    editor_client, reviewer_client = logged_in(editor), logged_in(jane)
    other = make_disorder("Aardvark syndrome")  # older content, but nothing submitted
    Disorder.objects.filter(pk=other.pk).update(content_changed_at=timezone.now() - datetime.timedelta(days=900))

    data = open_entry(editor_client, entry)
    data.update(summary="Better words.", edit_summary="Reword", review_note="Reworded the summary.")
    add_row(data, "synonyms", name="MTX syndrome", position=1)
    data["_submit_for_review"] = "1"
    assert save_entry(editor_client, entry, data).status_code == 302
    entry.refresh_from_db()
    assert entry.status == Disorder.Status.IN_REVIEW
    assert OLD_SUMMARY in public_page(entry)  # readers still see the published version

    queue = reviewer_client.get(reverse("review_queue"))
    first = queue.context["object_list"][0]
    assert first == entry
    assert "Submitted for review" in first.review_reasons
    form = reviewer_client.get(change_url(entry)).content.decode()
    assert "Reworded the summary." in form and 'name="_publish"' in form and 'name="_request_changes"' in form
    assert reviewer_client.get(reverse("admin:disorders_disorder_compare", args=[entry.pk])).status_code == 200

    assert press(reviewer_client, entry, "_request_changes", review_note="Cite a source for this.").status_code == 302
    assert entry.status == Disorder.Status.CHANGES_REQUESTED
    form = editor_client.get(change_url(entry)).content.decode()
    assert "Changes requested" in form and "Cite a source for this." in form
    assert 'name="_publish"' not in form  # editors are not offered publishing

    assert (
        press(editor_client, entry, "_submit_for_review", summary="Better words [1].", edit_summary="Cite").status_code
        == 302
    )
    assert entry.status == Disorder.Status.IN_REVIEW
    assert "Cite a source for this." not in editor_client.get(change_url(entry)).content.decode()

    assert press(reviewer_client, entry, "_publish", review_note="Good.").status_code == 302
    assert entry.status == Disorder.Status.PUBLISHED
    page = public_page(entry)
    assert "Better words [1]." in page and "MTX syndrome" in page
    today = timezone.localdate()
    assert f'Reviewed by Jane Roe, MD on <time datetime="{today.isoformat()}">' in page
    assert "editor" not in page.split("entry-footer")[-1]

    assert revision_comments(entry)[-6:] == [
        "Reword",
        "Submitted for review: Reworded the summary.",
        "Changes requested: Cite a source for this.",
        "Cite",
        "Submitted for review",
        "Approved and published: Good.",
    ]
    steps = list(entry.review_steps.order_by("pk").values_list("action", "user__username"))
    assert steps == [
        ("submitted", "editor"),
        ("changes_requested", "jroe"),
        ("submitted", "editor"),
        ("approved", "jroe"),
    ]
    history_page = reviewer_client.get(reverse("admin:disorders_disorder_history", args=[entry.pk])).content.decode()
    assert "Changes requested: Cite a source for this." in history_page


def test_steps_that_change_no_content_leave_last_updated_alone_but_move_the_version(entry, editor, jane):
    changed_at, version = entry.content_changed_at, entry.version
    workflow.submit_for_review(entry, user=editor, note="Please look")
    workflow.request_changes(entry, user=jane, comment="Not yet")
    workflow.submit_for_review(entry, user=editor)
    workflow.approve(entry, user=jane)

    entry.refresh_from_db()
    assert entry.content_changed_at == changed_at
    assert entry.version == version + 4
    assert PublishedEntry.objects.get(pk=entry.pk).content_changed_at == changed_at


def test_a_form_opened_before_a_publish_or_a_step_cannot_overwrite_it(entry, editor, jane):
    editor_client = logged_in(editor)
    for step in (
        lambda: workflow.mark_reviewed(entry, user=jane),
        lambda: workflow.submit_for_review(entry, user=editor),
        lambda: workflow.approve(entry, user=jane),
    ):
        opened = open_entry(editor_client, entry)
        step()
        opened.update(summary="Stale words.", edit_summary="Stale")
        response = save_entry(editor_client, entry, opened)
        assert response.status_code == 200
        assert any("after you opened it" in error for error in errors_of(response))
        entry.refresh_from_db()
        assert entry.summary == OLD_SUMMARY


@pytest.mark.parametrize(
    ("button", "changes"),
    [
        ("_publish", {}),
        ("_publish", {"go_live_at": "2031-01-01T09:00"}),
        ("_request_changes", {"review_note": "Mine"}),
        ("_unpublish", {}),
    ],
)
def test_an_editors_crafted_reviewer_button_does_nothing(entry, editor, button, changes):
    workflow.submit_for_review(entry, user=editor, note="Ready")
    entry.refresh_from_db()
    before = (entry.status, entry.version, Publication.objects.count(), ReviewStep.objects.count())

    response = press(logged_in(editor), entry, button, summary="Sneaky.", edit_summary="Sneak", **changes)

    assert response.status_code == 200
    assert "Only reviewers can publish, unpublish or request changes." in errors_of(response)
    assert (entry.status, entry.version, Publication.objects.count(), ReviewStep.objects.count()) == before
    assert entry.summary == OLD_SUMMARY
    assert OLD_SUMMARY in public_page(entry)


def test_request_changes_needs_a_comment(entry, editor, jane):
    workflow.submit_for_review(entry, user=editor)
    response = press(logged_in(jane), entry, "_request_changes", review_note="  ")
    assert "review_note: Say what needs changing: the editor reads it on this form." in errors_of(response)
    assert entry.status == Disorder.Status.IN_REVIEW
    with pytest.raises(workflow.WorkflowError):
        workflow.request_changes(entry, user=jane, comment="")


def test_steps_that_do_not_apply_are_refused_with_a_message(entry, editor, jane):
    response = press(logged_in(jane), entry, "_request_changes", review_note="Why?")
    assert "This entry is published: that step does not apply to it now." in errors_of(response)
    with pytest.raises(workflow.WorkflowError):
        workflow.request_changes(entry, user=jane, comment="Why?")


# --- Scheduled publication ----------------------------------------------------------------------------------------


def test_a_scheduled_approval_goes_live_when_the_command_runs_after_its_time_and_not_before(entry, editor, jane):
    now = timezone.now()
    Disorder.objects.filter(pk=entry.pk).update(summary="Scheduled words.")
    workflow.submit_for_review(entry, user=editor)
    go_live = now + datetime.timedelta(hours=2)
    step = workflow.approve(entry, user=jane, publish_at=go_live, unpublish_at=go_live + datetime.timedelta(days=7))
    assert step.action == ReviewStep.Action.SCHEDULED
    entry.refresh_from_db()
    assert entry.status == Disorder.Status.SCHEDULED
    assert OLD_SUMMARY in public_page(entry)

    assert workflow.publish_scheduled(now=now + datetime.timedelta(hours=1)).published == []
    assert OLD_SUMMARY in public_page(entry)

    run = workflow.publish_scheduled(now=go_live + datetime.timedelta(minutes=1))
    assert run.published == ["Matrixitis"]
    assert "Scheduled words." in public_page(entry)
    entry.refresh_from_db()
    assert (entry.status, entry.publish_at) == (Disorder.Status.PUBLISHED, None)
    revisions = len(revision_comments(entry))
    assert workflow.publish_scheduled(now=go_live + datetime.timedelta(minutes=2)) == workflow.ScheduledRun()
    assert len(revision_comments(entry)) == revisions  # the second run does nothing

    assert workflow.publish_scheduled(now=go_live + datetime.timedelta(days=6)).unpublished == []
    run = workflow.publish_scheduled(now=go_live + datetime.timedelta(days=7, minutes=1))
    assert run.unpublished == ["Matrixitis"]
    assert not PublishedEntry.objects.filter(pk=entry.pk).exists()
    cache.clear()
    assert Client().get(reverse("disorders:detail", kwargs={"slug": entry.slug})).status_code == 404
    assert workflow.publish_scheduled(now=go_live + datetime.timedelta(days=8)) == workflow.ScheduledRun()
    assert revision_comments(entry)[-2:] == ["Published as scheduled", "Unpublished as scheduled"]


def test_publish_scheduled_command_publishes_what_is_due(entry, editor, jane, capsys):
    workflow.submit_for_review(entry, user=editor)
    workflow.approve(entry, user=jane, publish_at=timezone.now() + datetime.timedelta(seconds=1))
    Disorder.objects.filter(pk=entry.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))

    call_command("publish_scheduled")
    assert "Published: Matrixitis" in capsys.readouterr().out
    call_command("publish_scheduled")
    assert "0 published, 0 unpublished." in capsys.readouterr().out


def test_reviewer_schedules_on_the_form_and_an_edit_after_approval_calls_it_off(entry, editor, jane):
    workflow.submit_for_review(entry, user=editor)
    go_live = timezone.localtime() + datetime.timedelta(days=1)
    response = press(logged_in(jane), entry, "_publish", go_live_at=go_live.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302
    assert entry.status == Disorder.Status.SCHEDULED
    assert "Approved: goes live on" in logged_in(editor).get(change_url(entry)).content.decode()

    data = {**open_entry(logged_in(editor), entry), "summary": "Changed after approval.", "edit_summary": "Late"}
    assert save_entry(logged_in(editor), entry, data).status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.publish_at) == (Disorder.Status.IN_REVIEW, None)
    assert workflow.publish_scheduled(now=go_live + datetime.timedelta(days=1)).published == []


def test_unpublish_time_must_follow_go_live(entry, editor, jane):
    workflow.submit_for_review(entry, user=editor)
    response = press(logged_in(jane), entry, "_publish", take_down_at="2001-01-01T00:00")
    assert "take_down_at: The unpublish time must come after the entry goes live." in errors_of(response)
    assert entry.status == Disorder.Status.IN_REVIEW


# --- The reviewer's public credit ---------------------------------------------------------------------------------


def test_a_review_of_pending_changes_shows_only_once_published(entry, editor, jane, django_user_model):
    workflow.approve(entry, user=jane, now=timezone.now())
    first_day = timezone.localdate()
    assert "Reviewed by Jane Roe, MD on" in public_page(entry)

    other = make_staff(django_user_model, "kim", "Reviewers")
    ReviewerProfile.objects.create(user=other, public_name="Kim Lee", credentials="PhD")
    Disorder.objects.filter(pk=entry.pk).update(summary="Pending words.")
    history.record_revision(entry, user=editor, comment="Pending")
    workflow.mark_reviewed(entry, user=other)
    page = public_page(entry)
    assert "Reviewed by Jane Roe, MD on" in page and "Kim Lee" not in page
    assert first_day.isoformat() in page

    workflow.approve(entry, user=other)
    assert "Reviewed by Kim Lee, PhD on" in public_page(entry)


def test_mark_reviewed_of_exactly_what_readers_see_credits_at_once(entry, jane):
    workflow.mark_reviewed(entry, user=jane)
    assert "Reviewed by Jane Roe, MD on" in public_page(entry)
    entry.refresh_from_db()
    assert not Disorder.objects.with_publication_state().get(pk=entry.pk).has_pending_changes


def test_without_a_profile_the_page_names_no_one(entry, django_user_model):
    reviewer = make_staff(django_user_model, "kim.username", "Reviewers", first_name="Kim", last_name="Lee")
    workflow.approve(entry, user=reviewer)
    page = public_page(entry)
    assert "Last reviewed <time" in page
    assert "kim.username" not in page and "Kim Lee" not in page and "Reviewed by" not in page


def test_reviewers_keep_their_own_profile_and_superusers_everyones(jane, django_user_model, superuser):
    other = make_staff(django_user_model, "kim", "Reviewers")
    client = logged_in(other)
    add = reverse("admin:disorders_reviewerprofile_add")
    response = client.post(add, {"public_name": "Kim Lee", "credentials": "PhD", "user": jane.pk})
    assert response.status_code == 302
    profile = ReviewerProfile.objects.get(public_name="Kim Lee")
    assert profile.user == other  # never someone else's
    listing = client.get(reverse("admin:disorders_reviewerprofile_changelist"))
    assert [row.pk for row in listing.context["cl"].result_list] == [profile.pk]
    janes = reverse("admin:disorders_reviewerprofile_change", args=[jane.reviewer_profile.pk])
    assert client.post(janes, {"public_name": "Hacked"}).status_code in (302, 403)
    jane.reviewer_profile.refresh_from_db()
    assert jane.reviewer_profile.public_name == "Jane Roe"

    root = logged_in(superuser)
    assert root.post(janes, {"user": jane.pk, "public_name": "Jane Q. Roe", "credentials": "MD"}).status_code == 302
    jane.reviewer_profile.refresh_from_db()
    assert jane.reviewer_profile.credit == "Jane Q. Roe, MD"


def test_a_profile_needs_a_public_name():
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError

    user = get_user_model().objects.create_user("blank")
    with pytest.raises(IntegrityError):
        ReviewerProfile.objects.create(user=user, public_name="  ")


# --- The one write path -------------------------------------------------------------------------------------------


def test_entry_change_refuses_a_stale_version_and_writes_nothing(entry, editor):
    stale = editing.entry_change(entry, user=editor, comment="Late", expected_version=entry.version - 1)
    with pytest.raises(history.StaleEntry), stale as work:
        work.disorder.summary = "Never written."
        work.disorder.save()
    entry.refresh_from_db()
    assert entry.summary == OLD_SUMMARY


def test_entry_change_records_a_baseline_then_one_revision_and_publishes_when_asked(editor):
    entry = make_disorder("Scriptitis", published=False, summary="As a script left it.")
    assert not history.entry_versions(entry.pk).exists()
    with editing.entry_change(entry, user=editor, comment="Tidy") as work:
        entry.summary = "Tidied."
        entry.save()
        work.publish()
    assert revision_comments(entry) == [history.BASELINE_COMMENT, "Tidy"]
    published = PublishedEntry.objects.get(pk=entry.pk)
    assert published.summary == "Tidied."
    assert published.revision_id == work.revision.pk
    entry.refresh_from_db()
    assert entry.status == Disorder.Status.PUBLISHED


def test_no_writer_records_revisions_or_locks_entries_by_hand():
    """Every writer goes through disorders.editing: the steps it owns appear nowhere else in the app's writers."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "disorders"
    writers = [
        root / "admin.py",
        root / "admin_views.py",
        root / "workflow.py",
        root / "importers" / "nord.py",
        root / "importers" / "orphanet.py",
        root / "history" / "restore.py",
    ]
    for path in writers:
        text = path.read_text()
        for step in ("record_revision(", "ensure_baseline(", "select_for_update("):
            assert step not in text, f"{path.name} calls {step} itself"


def test_review_queue_lists_submitted_then_pending_changes_then_the_rest(editor, jane):
    old = timezone.now() - datetime.timedelta(days=900)
    never = make_disorder("Never Reviewed", content_changed_at=old)
    pending = make_disorder("Pending Changes", summary="Published.")
    workflow.approve(pending, user=jane)  # published from a revision, so the queue can compare with it
    Disorder.objects.filter(pk=pending.pk).update(summary="Changed, not yet published.")
    history.record_revision(pending, user=editor, comment="Edit")
    submitted = make_disorder("Submitted", summary="Published.")
    workflow.submit_for_review(submitted, user=editor, note="Please")

    queue = logged_in(jane).get(reverse("review_queue"))

    listed = list(queue.context["object_list"])
    assert listed == [submitted, pending, never]
    assert listed[1].review_reasons[0] == "Pending changes"
    assert f"?from={listed[1].published_revision_id}&amp;to={listed[1].latest_revision_id}" in queue.content.decode()
