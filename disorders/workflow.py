"""The review workflow: how an entry's working copy moves from an editor's hands to readers.

::

    draft / published ──submit──▶ in review ──approve──▶ published        (go-live now)
                                     │   ▲      └─────▶ scheduled ──publish_scheduled──▶ published
                          request changes │ resubmit          │
                                     ▼   │                    └─request changes──▶ changes requested
                               changes requested

Editors submit (with a note); reviewers approve (publishing now, or at a go-live time, with
an optional unpublish time) or request changes (with a comment the editor sees on the form).
"Mark reviewed" records a review without moving the entry (and refreshes the published version's
review credit when readers see exactly the text reviewed). Every step is one unit of work
(:func:`disorders.editing.entry_change`): the entry is locked, a stale page is refused, and a
revision is recorded whatever else changed (so the step is in the history with who, when and
why, and a form opened before it is refused), plus a :class:`~disorders.models.ReviewStep`
holding the note. A step changes status and review dates only, so "Last updated" stays.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from disorders import editing, history
from disorders.models import Disorder, PublishedEntry, ReviewStep

Status = Disorder.Status
Action = ReviewStep.Action

# When a review sets no later date, the next one falls due this long after it.
REVIEW_INTERVAL = datetime.timedelta(days=365)
MARKED_REVIEWED = "Marked reviewed"

SUBMITTABLE = (Status.DRAFT, Status.CHANGES_REQUESTED, Status.PUBLISHED, Status.ARCHIVED)
APPROVABLE = (Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.SCHEDULED, Status.PUBLISHED)
RETURNABLE = (Status.IN_REVIEW, Status.SCHEDULED)


class WorkflowError(Exception):
    """The step does not apply to the entry as it stands; the message says why, for people."""


def may_submit(user):
    return user.is_active and user.has_perm("disorders.change_disorder")


def may_approve(user):
    """Approving, scheduling, requesting changes and publishing are the reviewers' (``publish_disorder``)."""
    return user.is_active and user.has_perm("disorders.publish_disorder")


def may_mark_reviewed(user):
    return user.is_active and user.has_perm("disorders.review_disorder")


def _require(allowed):
    if not allowed:
        raise PermissionDenied("Only reviewers can do that.")


def apply_review(disorder, user):
    """Record a review today by ``user``; unless a later date is set, the next one falls due a year on.

    A reviewed entry leaves the review queue, so whoever had taken it is done with it.
    """
    today = timezone.localdate()
    disorder.assigned_to, disorder.assigned_at = None, None
    disorder.last_reviewed_on = today
    disorder.last_reviewed_by = user
    if disorder.next_review_due is None or disorder.next_review_due <= today:
        disorder.next_review_due = today + REVIEW_INTERVAL


def comment_for(action, note):
    """The revision comment of a step: what happened, then the person's note."""
    label = Action(action).label
    return f"{label}: {note}" if note else label


REVIEW_FIELDS = ["last_reviewed_on", "last_reviewed_by", "next_review_due", "assigned_to", "assigned_at"]
WORKFLOW_FIELDS = ["status", "publish_at", "unpublish_at", *REVIEW_FIELDS]


@transaction.atomic
def _step(disorder, action, *, user, note="", expected_version=None, allowed=(), change):
    """Run one step: lock, check the status is one of ``allowed``, let ``change(entry, work)`` move it, record."""
    with editing.entry_change(
        disorder, user=user, comment=comment_for(action, note), expected_version=expected_version, force=True
    ) as work:
        entry = work.disorder = work.locked
        if allowed and entry.status not in allowed:
            raise WorkflowError(f"“{entry}” is {entry.get_status_display().lower()}; it cannot be {_verb(action)}.")
        change(entry, work)
        entry.save(update_fields=[*WORKFLOW_FIELDS, "published_at", "updated_at"])
    step = ReviewStep.objects.create(disorder=entry, action=action, note=note, user=user, revision=work.revision)
    disorder.refresh_from_db()
    return step


def _verb(action):
    return {
        Action.SUBMITTED: "submitted for review",
        Action.CHANGES_REQUESTED: "sent back for changes",
        Action.APPROVED: "approved",
        Action.SCHEDULED: "scheduled",
    }.get(action, "changed so")


def submit_for_review(disorder, *, user, note="", expected_version=None):
    """An editor asks for review (a draft, changes made after a request, or changes to a published entry)."""
    _require(may_submit(user))

    def change(entry, work):
        entry.status = Status.IN_REVIEW

    return _step(
        disorder,
        Action.SUBMITTED,
        user=user,
        note=note.strip(),
        expected_version=expected_version,
        allowed=SUBMITTABLE,
        change=change,
    )


def request_changes(disorder, *, user, comment, expected_version=None):
    """A reviewer sends the entry back with ``comment`` (required), which the editor sees on the form.

    An approved, scheduled publication is called off.
    """
    _require(may_approve(user))
    comment = comment.strip()
    if not comment:
        raise WorkflowError("Say what needs changing: the editor reads it on the entry's form.")

    def change(entry, work):
        entry.status = Status.CHANGES_REQUESTED
        entry.publish_at = None

    return _step(
        disorder,
        Action.CHANGES_REQUESTED,
        user=user,
        note=comment,
        expected_version=expected_version,
        allowed=RETURNABLE,
        change=change,
    )


def approve(disorder, *, user, comment="", publish_at=None, unpublish_at=None, expected_version=None, now=None):
    """A reviewer approves the working copy: published now, or at ``publish_at`` (by :func:`publish_scheduled`).

    Counts as a review (the public page credits it once published). ``unpublish_at`` takes
    the entry off the public site at that time.
    """
    _require(may_approve(user))
    now = now or timezone.now()
    scheduled = publish_at is not None and publish_at > now
    if unpublish_at is not None and unpublish_at <= (publish_at if scheduled else now):
        raise WorkflowError("The unpublish time must come after the entry goes live.")

    def change(entry, work):
        apply_review(entry, user)
        entry.unpublish_at = unpublish_at
        if scheduled:
            entry.status, entry.publish_at = Status.SCHEDULED, publish_at
        else:
            entry.status, entry.publish_at = Status.PUBLISHED, None
            work.publish(comment=comment_for(Action.APPROVED, comment))

    return _step(
        disorder,
        Action.SCHEDULED if scheduled else Action.APPROVED,
        user=user,
        note=comment.strip(),
        expected_version=expected_version,
        allowed=APPROVABLE,
        change=change,
    )


def unpublish(disorder, *, user, comment="", expected_version=None):
    """A reviewer takes the entry off the public site (it is archived); any schedule is called off."""
    _require(may_approve(user))
    label = "Unpublished"
    with editing.entry_change(
        disorder,
        user=user,
        comment=f"{label}: {comment}" if comment else label,
        expected_version=expected_version,
        force=True,
    ) as work:
        entry = work.disorder = work.locked
        entry.publish_at = entry.unpublish_at = None
        entry.save(update_fields=["publish_at", "unpublish_at", "updated_at"])
        work.unpublish(comment=comment)
    disorder.refresh_from_db()
    return work.revision


def mark_reviewed(disorder, *, user, expected_version=None):
    """Record that ``user`` reviewed the entry today, as a revision ("Marked reviewed"); status stays."""
    _require(may_mark_reviewed(user))
    with editing.entry_change(disorder, user=user, comment=MARKED_REVIEWED, expected_version=expected_version) as work:
        entry = work.disorder = work.locked
        review_in(work, entry, user)
        entry.save(update_fields=[*REVIEW_FIELDS, "updated_at"])
    disorder.refresh_from_db()
    return work.revision


def review_in(work, entry, user, *, content_changes=False):
    """Record a review by ``user`` as part of ``work`` (an entry_change of ``entry``, before it writes anything).

    When readers see exactly the text reviewed (published, nothing pending, nothing changed by this
    save) the published version is refreshed too, so the page credits the review at once; otherwise
    the review waits for the next publication: readers never see a review of text they cannot read.
    """
    if not content_changes and _readers_see_working_copy(entry):
        work.publish(comment=MARKED_REVIEWED)
    apply_review(entry, user)


def _readers_see_working_copy(entry):
    """Whether the published version is the entry's latest revision (nothing pending)."""
    published = PublishedEntry.objects.filter(pk=entry.pk).values_list("revision_id", flat=True)
    if not published:
        return False
    latest = history.latest_revision(entry)
    if published[0] is None:
        # Published as it stood before history was kept: its baseline revision records that same state.
        return latest is None or latest.comment == history.BASELINE_COMMENT
    return latest is not None and latest.pk == published[0]


def latest_request_for_changes(disorder):
    """The reviewer's comment the editor must act on, while the entry is sent back; else None."""
    if disorder.status != Status.CHANGES_REQUESTED:
        return None
    return disorder.review_steps.filter(action=Action.CHANGES_REQUESTED).select_related("user").first()


def pending_submission(disorder):
    """The editor's note for the reviewer, while the entry waits in review; else None."""
    if disorder.status != Status.IN_REVIEW:
        return None
    return disorder.review_steps.filter(action=Action.SUBMITTED).select_related("user").first()


# --- Scheduled publication --------------------------------------------------------------------------------------


@dataclass
class ScheduledRun:
    published: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)


def publish_scheduled(now=None):
    """Publish every approved entry whose go-live time has come, and unpublish every one whose time is up.

    Idempotent: each entry's time is cleared as it is acted on, so a second run finds nothing.
    Each entry is its own unit of work (locked and checked again), attributed to the system user.
    """
    now = now or timezone.now()
    run = ScheduledRun()
    system = history.system_user()
    for disorder in Disorder.objects.filter(status=Status.SCHEDULED, publish_at__lte=now).order_by("publish_at", "pk"):
        if _go_live(disorder, user=system, now=now):
            run.published.append(disorder.title)
    for disorder in Disorder.objects.filter(unpublish_at__lte=now).order_by("unpublish_at", "pk"):
        if _expire(disorder, user=system, now=now):
            run.unpublished.append(disorder.title)
    return run


SCHEDULED_PUBLISH_COMMENT = "Published as scheduled"
SCHEDULED_UNPUBLISH_COMMENT = "Unpublished as scheduled"


def _go_live(disorder, *, user, now):
    with editing.entry_change(disorder, user=user, comment=SCHEDULED_PUBLISH_COMMENT, force=True) as work:
        entry = work.disorder = work.locked
        if entry.status != Status.SCHEDULED or entry.publish_at is None or entry.publish_at > now:
            work.record = False  # someone acted on it since the list was read
            return False
        entry.status, entry.publish_at = Status.PUBLISHED, None
        entry.save(update_fields=["status", "publish_at", "published_at", "updated_at"])
        work.publish(comment=SCHEDULED_PUBLISH_COMMENT)
    return True


def _expire(disorder, *, user, now):
    with editing.entry_change(disorder, user=user, comment=SCHEDULED_UNPUBLISH_COMMENT, force=True) as work:
        entry = work.disorder = work.locked
        if entry.unpublish_at is None or entry.unpublish_at > now:
            work.record = False  # someone acted on it since the list was read
            return False
        entry.unpublish_at = None
        entry.save(update_fields=["unpublish_at", "updated_at"])
        work.unpublish(comment=SCHEDULED_UNPUBLISH_COMMENT)
    return True
