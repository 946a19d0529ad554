"""The permission matrix: every role against every staff page and every action on an entry.

Each cell is what the person would notice: ``ok`` (the page opens, or the change is made),
``refused`` (the form comes back with an error and nothing changes), ``ignored`` (the save
goes through but the field they may not touch keeps its value), ``hidden`` (the action is
not offered and nothing changes), ``forbidden`` (403) or ``login`` (sent to the login page).
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disorders import history
from disorders.models import Disorder, PublishedEntry
from tests.admin_forms import change_url, errors_of, form_data
from tests.conftest import make_staff
from tests.factories import make_disorder, make_organization

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "Editors", "Reviewers", "Auditors", "superuser"]
STAFF = ["Editors", "Reviewers", "Auditors", "superuser"]


def everyone(outcome, **exceptions):
    return {role: exceptions.get(role, "login" if role == "anonymous" else outcome) for role in ROLES}


PAGES = {
    "admin index": everyone("ok"),
    "entry list": everyone("ok"),
    "entry form": everyone("ok"),
    "add form": everyone("ok", Auditors="forbidden"),
    "history": everyone("ok"),
    "revision": everyone("ok"),
    "compare": everyone("ok"),
    "preview": everyone("ok"),
    "recent changes": everyone("ok"),
    "review queue": everyone("ok"),
    "deleted entries": everyone("ok"),
    "revert confirmation": everyone("forbidden", Reviewers="ok", superuser="ok"),
    "recover confirmation": everyone("forbidden", Reviewers="ok", superuser="ok"),
    "delete confirmation": everyone("forbidden", superuser="ok"),
    "organization history": everyone("ok"),
    "organizations to verify": everyone("ok"),
    "reviewer profiles": everyone("forbidden", Reviewers="ok", superuser="ok"),
    "add reviewer profile": everyone("forbidden", Reviewers="ok", superuser="ok"),
}
ACTIONS = {
    "edit a draft": everyone("ok", Auditors="forbidden"),
    "edit a published entry with a summary": everyone("ok", Auditors="forbidden"),
    "submit for review": everyone("ok", Auditors="forbidden"),
    # An editor's crafted "_publish" (or any reviewer's button) is refused: nothing is saved or published.
    "approve and publish": everyone("refused", Reviewers="ok", superuser="ok", Auditors="forbidden"),
    "approve with a go-live time": everyone("refused", Reviewers="ok", superuser="ok", Auditors="forbidden"),
    "request changes": everyone("refused", Reviewers="ok", superuser="ok", Auditors="forbidden"),
    "unpublish": everyone("refused", Reviewers="ok", superuser="ok", Auditors="forbidden"),
    "unpublish action": everyone("hidden", Reviewers="ok", superuser="ok", Auditors="hidden"),
    "set next review due": everyone("ignored", Reviewers="ok", superuser="ok", Auditors="forbidden"),
    "save and mark reviewed": everyone("refused", Reviewers="ok", superuser="ok", Auditors="forbidden"),
    "mark reviewed action": everyone("hidden", Reviewers="ok", superuser="ok", Auditors="hidden"),
    "revert": everyone("forbidden", Reviewers="ok", superuser="ok"),
    "delete": everyone("forbidden", superuser="ok"),
    "recover a deleted entry": everyone("forbidden", Reviewers="ok", superuser="ok"),
    "take from the review queue": everyone("forbidden", Reviewers="ok", superuser="ok"),
}


@pytest.fixture
def person(request, django_user_model):
    role = request.param
    if role == "anonymous":
        return AnonymousUser()
    if role == "superuser":
        return django_user_model.objects.create_superuser("root", password="pw")
    return make_staff(django_user_model, role.lower(), role)


@pytest.fixture
def client_for(person):
    client = Client()
    if person.is_authenticated:
        client.force_login(person)
    return client


@pytest.fixture
def entry(django_user_model):
    """A published entry with two revisions, so that history, compare and revert have something to show."""
    disorder = make_disorder("Matrixitis", synonyms=["MTX"])
    author = make_staff(django_user_model, "author")
    history.record_revision(disorder, user=author, comment="Created")
    Disorder.objects.filter(pk=disorder.pk).update(summary="Changed.")
    history.record_revision(disorder, user=author, comment="Summary")
    disorder.refresh_from_db()
    return disorder


def first_revision(disorder):
    return history.entry_versions(disorder.pk).order_by("revision_id").first().revision_id


def deleted_entry():
    """The id of an entry with a revision, deleted since: something to recover."""
    gone = make_disorder("Goneitis", synonyms=["GN"])
    history.record_revision(gone, comment="Created")
    Disorder.objects.filter(pk=gone.pk).delete()
    return gone.pk


def page_url(name, disorder):
    if name == "recover confirmation":
        return reverse("admin:disorders_disorder_recover", args=[deleted_entry()])
    if name == "organization history":
        return reverse("admin:resources_organization_history", args=[make_organization("Matrix Org").pk])
    entry_url = {
        "entry form": change_url(disorder),
        "history": reverse("admin:disorders_disorder_history", args=[disorder.pk]),
        "revision": reverse("admin:disorders_disorder_revision", args=[disorder.pk, first_revision(disorder)]),
        "compare": reverse("admin:disorders_disorder_compare", args=[disorder.pk]),
        "preview": reverse("admin:disorders_disorder_preview", args=[disorder.pk]),
        "revert confirmation": reverse("admin:disorders_disorder_revert", args=[disorder.pk, first_revision(disorder)]),
        "delete confirmation": reverse("admin:disorders_disorder_delete", args=[disorder.pk]),
    }
    return (
        entry_url.get(name)
        or {
            "admin index": reverse("admin:index"),
            "entry list": reverse("admin:disorders_disorder_changelist"),
            "add form": reverse("admin:disorders_disorder_add"),
            "recent changes": reverse("recent_changes"),
            "review queue": reverse("review_queue"),
            "deleted entries": reverse("admin:disorders_disorder_deleted"),
            "organizations to verify": reverse("admin:resources_organization_unverified"),
            "reviewer profiles": reverse("admin:disorders_reviewerprofile_changelist"),
            "add reviewer profile": reverse("admin:disorders_reviewerprofile_add"),
        }[name]
    )


def outcome_of_response(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("admin:login")):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    return None


@pytest.mark.parametrize("person", ROLES, indirect=True)
@pytest.mark.parametrize("page", PAGES)
def test_who_may_open_each_staff_page(person, client_for, entry, page):
    response = client_for.get(page_url(page, entry))
    outcome = outcome_of_response(response) or ("ok" if response.status_code == 200 else response.status_code)
    assert outcome == PAGES[page][role_of(person)]


def role_of(person):
    if not person.is_authenticated:
        return "anonymous"
    if person.is_superuser:
        return "superuser"
    return person.groups.get().name


def entry_form(client, disorder):
    """The entry form as this person sees it (a superuser's form is used for people who cannot open it)."""
    response = client.get(change_url(disorder))
    if response.status_code != 200 or not response.context["has_change_permission"]:
        root = Client()
        root.force_login(get_user_model().objects.create_superuser("filler", password="pw"))
        response = root.get(change_url(disorder))
    return form_data(response)


def post_form(client, disorder, changes, expect):
    """Post the entry form with ``changes``; ``expect(disorder)`` says whether the change took effect."""
    data = {**entry_form(client, disorder), **changes}
    response = client.post(change_url(disorder), data)
    disorder.refresh_from_db()
    denied = outcome_of_response(response)
    if denied:
        return denied
    if response.status_code == 200:
        assert errors_of(response), "the form came back without saying why"
        assert not expect(disorder)
        return "refused"
    assert response.status_code == 302, response.status_code
    return "ok" if expect(disorder) else "ignored"


def edit_draft(client, disorder):
    Disorder.objects.filter(pk=disorder.pk).update(status=Disorder.Status.DRAFT)
    PublishedEntry.objects.filter(pk=disorder.pk).delete()
    return post_form(client, disorder, {"summary": "New words."}, lambda d: d.summary == "New words.")


def edit_published(client, disorder):
    changes = {"summary": "New words.", "edit_summary": "Reword"}
    return post_form(client, disorder, changes, lambda d: d.summary == "New words.")


def in_review(disorder):
    Disorder.objects.filter(pk=disorder.pk).update(status=Disorder.Status.IN_REVIEW)
    disorder.refresh_from_db()


def published_revision(disorder):
    return PublishedEntry.objects.filter(pk=disorder.pk).values_list("revision_id", flat=True).first()


def submit_for_review(client, disorder):
    changes = {"summary": "New words.", "edit_summary": "Reword", "_submit_for_review": "1", "review_note": "Check"}
    return post_form(client, disorder, changes, lambda d: d.status == Disorder.Status.IN_REVIEW)


def approve_and_publish(client, disorder):
    """Also an editor's crafted POST: the button is not shown to them, and the save must not publish."""
    in_review(disorder)
    before = published_revision(disorder)
    return post_form(client, disorder, {"_publish": "1"}, lambda d: published_revision(d) != before)


def approve_with_go_live(client, disorder):
    in_review(disorder)
    go_live = timezone.localtime() + datetime.timedelta(days=2)
    changes = {"_publish": "1", "go_live_at": go_live.strftime("%Y-%m-%dT%H:%M")}
    return post_form(client, disorder, changes, lambda d: d.status == Disorder.Status.SCHEDULED)


def request_changes(client, disorder):
    in_review(disorder)
    changes = {"_request_changes": "1", "review_note": "Cite a source."}
    return post_form(client, disorder, changes, lambda d: d.status == Disorder.Status.CHANGES_REQUESTED)


def unpublish(client, disorder):
    changes = {"_unpublish": "1", "review_note": "Withdraw"}
    return post_form(client, disorder, changes, lambda d: not PublishedEntry.objects.filter(pk=d.pk).exists())


def unpublish_action(client, disorder):
    changelist = reverse("admin:disorders_disorder_changelist")
    response = client.post(changelist, {"action": "unpublish_selected", "_selected_action": [disorder.pk]})
    denied = outcome_of_response(response)
    if denied:
        return denied
    if not PublishedEntry.objects.filter(pk=disorder.pk).exists():
        return "ok"
    action_form = client.get(changelist).context["action_form"]
    offered = [value for value, _ in action_form.fields["action"].choices] if action_form else []
    assert "unpublish_selected" not in offered
    return "hidden"


def set_next_review(client, disorder):
    due = datetime.date(2031, 5, 1)
    changes = {"next_review_due": due.isoformat(), "edit_summary": "Plan the review"}
    return post_form(client, disorder, changes, lambda d: d.next_review_due == due)


def save_and_mark_reviewed(client, disorder):
    changes = {"_mark_reviewed": "Save and mark reviewed"}
    return post_form(client, disorder, changes, lambda d: d.last_reviewed_on == timezone.localdate())


def mark_reviewed_action(client, disorder):
    changelist = reverse("admin:disorders_disorder_changelist")
    response = client.post(changelist, {"action": "mark_reviewed", "_selected_action": [disorder.pk]})
    disorder.refresh_from_db()
    denied = outcome_of_response(response)
    if denied:
        return denied
    if disorder.last_reviewed_on == timezone.localdate():
        return "ok"
    action_form = client.get(changelist).context["action_form"]
    offered = [value for value, _ in action_form.fields["action"].choices] if action_form else []
    assert "mark_reviewed" not in offered
    return "hidden"


def revert(client, disorder):
    url = reverse("admin:disorders_disorder_revert", args=[disorder.pk, first_revision(disorder)])
    response = client.post(url, {"expected_version": disorder.version})
    disorder.refresh_from_db()
    return outcome_of_response(response) or ("ok" if disorder.summary == "" else response.status_code)


def delete(client, disorder):
    response = client.post(reverse("admin:disorders_disorder_delete", args=[disorder.pk]), {"post": "yes"})
    return outcome_of_response(response) or ("ok" if not Disorder.objects.filter(pk=disorder.pk).exists() else "kept")


def recover(client, disorder):
    pk = deleted_entry()
    response = client.post(reverse("admin:disorders_disorder_recover", args=[pk]))
    return outcome_of_response(response) or ("ok" if Disorder.objects.filter(pk=pk).exists() else response.status_code)


def take(client, disorder):
    response = client.post(reverse("review_take", args=[disorder.pk]), {"action": "take"})
    disorder.refresh_from_db()
    return outcome_of_response(response) or ("ok" if disorder.assigned_to is not None else response.status_code)


PERFORM = {
    "edit a draft": edit_draft,
    "edit a published entry with a summary": edit_published,
    "submit for review": submit_for_review,
    "approve and publish": approve_and_publish,
    "approve with a go-live time": approve_with_go_live,
    "request changes": request_changes,
    "unpublish": unpublish,
    "unpublish action": unpublish_action,
    "set next review due": set_next_review,
    "save and mark reviewed": save_and_mark_reviewed,
    "mark reviewed action": mark_reviewed_action,
    "revert": revert,
    "delete": delete,
    "recover a deleted entry": recover,
    "take from the review queue": take,
}


@pytest.mark.parametrize("person", ROLES, indirect=True)
@pytest.mark.parametrize("action", ACTIONS)
def test_who_may_do_what_to_an_entry(person, client_for, entry, action):
    assert PERFORM[action](client_for, entry) == ACTIONS[action][role_of(person)]


def test_the_matrix_covers_every_role_page_and_action():
    assert set(PERFORM) == set(ACTIONS)
    for table in (PAGES, ACTIONS):
        for name, cells in table.items():
            assert set(cells) == set(ROLES), name
