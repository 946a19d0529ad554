"""Deleted entries: listed for staff, recovered by reviewers from their last revision, as a new revision."""

import pytest
from django.test import Client
from django.urls import reverse
from reversion.models import Revision

from disorders import history
from disorders.models import Classification, Disorder, DisorderName, PreviousSlug
from resources.models import Organization
from tests.admin_forms import add_row, errors_of, open_entry, save_entry
from tests.conftest import make_staff
from tests.factories import make_classification, make_disorder
from tests.sample_entries import JMML_CHANGED_AT, JMML_TITLE, make_jmml_entry

pytestmark = pytest.mark.django_db

DELETED_URL = reverse("admin:disorders_disorder_deleted")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def recover_url(pk):
    return reverse("admin:disorders_disorder_recover", args=[pk])


def revisions_of(pk):
    ids = history.entry_versions(pk).values_list("revision_id", flat=True)
    return list(Revision.objects.filter(pk__in=ids).order_by("pk"))


def delete_in_admin(superuser, disorder):
    response = logged_in(superuser).post(
        reverse("admin:disorders_disorder_delete", args=[disorder.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Disorder.objects.filter(pk=disorder.pk).exists()


def to_the_millisecond(moment):
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def jmml(editor):
    """The JMML entry with a code, a subdivision and a classification added by an editor's save (two revisions)."""
    disorder = make_jmml_entry()
    make_classification("Rare hematologic disease")
    client = logged_in(editor)
    data = open_entry(client, disorder)
    add_row(data, "codes", system="OMIM", value="607785", relation="exact")
    add_row(data, "subdivisions", name="JMML with monosomy 7", position=0)
    data["classifications"] = [str(Classification.objects.get().pk)]
    data["edit_summary"] = "Code, subtype, classification"
    assert save_entry(client, disorder, data).status_code == 302
    disorder.refresh_from_db()
    return disorder


def test_reviewer_recovers_a_deleted_entry_with_every_row_as_a_draft(editor, reviewer, superuser, jmml):
    editor_client, reviewer_client = logged_in(editor), logged_in(reviewer)
    before = history.current_snapshot(jmml)
    created_at = jmml.created_at
    opened_before_deletion = open_entry(editor_client, jmml)
    delete_in_admin(superuser, jmml)

    listed = reviewer_client.get(DELETED_URL)
    assert [version.object_repr for version in listed.context["versions"]] == [JMML_TITLE]
    assert listed.context["versions"][0].deleted_by == "root"
    assert recover_url(jmml.pk) in listed.content.decode()
    confirm = reviewer_client.get(recover_url(jmml.pk))
    page = confirm.content.decode()
    assert "It comes back as a draft" in page
    assert "JMML with monosomy 7" in page and "Rare Cancer Alliance" in page
    assert not Disorder.objects.filter(pk=jmml.pk).exists()  # GET changes nothing

    response = reviewer_client.post(recover_url(jmml.pk), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:disorders_disorder_change", args=[jmml.pk])
    notes = messages_of(response)
    # Numbered in the entry's own history: its revisions before deletion, then this one.
    number = history.entry_versions(jmml.pk).count()
    assert f"Recovered “{JMML_TITLE}” as revision {number}; its history continues." in notes
    assert f"its last revision, {number - 1}" in page
    assert any("back as a draft" in note for note in notes)
    recovered = Disorder.objects.get(pk=jmml.pk)
    assert recovered.status == Disorder.Status.DRAFT
    # Revisions store moments to the millisecond (Django's JSON serializer).
    assert recovered.created_at == to_the_millisecond(created_at)
    assert recovered.content_changed_at == to_the_millisecond(jmml.content_changed_at)
    # Every owned row and classification is back, with its old id.
    assert history.current_snapshot(recovered).content == before.content
    assert sorted(recovered.synonyms.values_list("name", flat=True)) == [
        "JMML",
        "chronic myelomonocytic leukemia of infancy",
    ]
    assert recovered.sections.get().body.startswith("Juvenile myelomonocytic leukemia (JMML) is a rare pediatric")
    assert recovered.resources.count() == 4
    assert list(recovered.codes.values_list("value", flat=True)) == ["607785"]
    assert recovered.attributions.get().reference == "nord1234"
    revisions = revisions_of(jmml.pk)
    assert [r.comment for r in revisions] == [
        history.BASELINE_COMMENT,
        "Code, subtype, classification",
        history.RECOVERED_COMMENT,
    ]
    assert revisions[-1].user == reviewer
    assert recovered.version == len(revisions) > jmml.version
    # The search index has its names again: the admin search finds it.
    assert DisorderName.objects.filter(disorder=recovered, name="JMML").exists()
    found = editor_client.get(reverse("admin:disorders_disorder_changelist"), {"q": "JMML"})
    assert list(found.context["cl"].result_list) == [recovered]
    # A form opened before the deletion cannot overwrite the recovered entry.
    opened_before_deletion.update(summary="Late save.", edit_summary="Late")
    stale = save_entry(editor_client, recovered, opened_before_deletion)
    assert any("saved this entry" in error for error in errors_of(stale))
    assert Disorder.objects.get(pk=jmml.pk).summary == ""
    assert not reviewer_client.get(DELETED_URL).context["versions"]


def test_an_entry_deleted_and_recovered_twice_keeps_refusing_forms_opened_before(editor, reviewer, superuser):
    draft = make_disorder("Twiceitis", published=False, status=Disorder.Status.IN_REVIEW, synonyms=["TW"])
    history.record_revision(draft, user=editor, comment="Created")
    for _ in range(2):
        opened = open_entry(logged_in(editor), draft)
        delete_in_admin(superuser, draft)
        assert logged_in(reviewer).post(recover_url(draft.pk)).status_code == 302
        draft.refresh_from_db()
        opened["summary"] = "Stale."
        assert save_entry(logged_in(editor), draft, opened).status_code == 200
    # Not published, so its status comes back; each recovery is a revision though nothing else changed.
    assert draft.status == Disorder.Status.IN_REVIEW
    assert [r.comment for r in revisions_of(draft.pk)] == [
        "Created",
        history.RECOVERED_COMMENT,
        history.RECOVERED_COMMENT,
    ]
    assert draft.version == 3


def test_recovery_leaves_out_rows_of_deleted_organizations_and_classifications_and_says_so(reviewer, superuser, jmml):
    delete_in_admin(superuser, jmml)
    Organization.objects.get(name="Rare Cancer Alliance").delete()  # no entry lists it any more
    Classification.objects.all().delete()

    response = logged_in(reviewer).post(recover_url(jmml.pk), follow=True)

    recovered = Disorder.objects.get(pk=jmml.pk)
    assert recovered.resources.count() == 3
    assert not recovered.classifications.exists()
    notes = " ".join(messages_of(response))
    assert "Resource “(deleted organization #" in notes and "was not restored" in notes
    assert "1 classification(s) of that revision were deleted since" in notes


@pytest.mark.parametrize("taken_by", ["address", "old address"])
def test_recovery_is_refused_while_another_entry_has_its_address(reviewer, superuser, jmml, taken_by):
    delete_in_admin(superuser, jmml)
    if taken_by == "address":
        make_disorder("Newcomer", slug=jmml.slug)
    else:
        PreviousSlug.objects.create(disorder=make_disorder("Newcomer"), slug=jmml.slug)
    client = logged_in(reviewer)

    confirm = client.get(recover_url(jmml.pk)).content.decode()
    response = client.post(recover_url(jmml.pk))

    message = f"Its web address “{jmml.slug}” now belongs to “Newcomer”"
    assert message in confirm and 'value="Recover this entry"' not in confirm
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Disorder.objects.filter(pk=jmml.pk).exists()


@pytest.mark.parametrize("role", ["Editors", "Auditors"])
def test_editors_and_auditors_see_deleted_entries_but_cannot_recover(django_user_model, superuser, jmml, role):
    delete_in_admin(superuser, jmml)
    client = logged_in(make_staff(django_user_model, role.lower(), role))

    listed = client.get(DELETED_URL)

    assert listed.status_code == 200
    assert JMML_TITLE in listed.content.decode()
    assert recover_url(jmml.pk) not in listed.content.decode()
    assert client.get(recover_url(jmml.pk)).status_code == 403
    assert client.post(recover_url(jmml.pk)).status_code == 403
    assert not Disorder.objects.filter(pk=jmml.pk).exists()


def test_anonymous_visitors_are_sent_to_the_login_page(superuser, jmml):
    delete_in_admin(superuser, jmml)
    for response in (Client().get(DELETED_URL), Client().post(recover_url(jmml.pk))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not Disorder.objects.filter(pk=jmml.pk).exists()


def test_recover_of_an_entry_that_exists_or_was_never_recorded_is_not_offered(reviewer, jmml):
    client = logged_in(reviewer)
    never_recorded = make_disorder("Unrecorded").pk
    Disorder.objects.filter(pk=never_recorded).delete()

    assert client.get(recover_url(jmml.pk)).status_code == 404
    assert client.get(recover_url(never_recorded)).status_code == 404
    assert client.post(recover_url(never_recorded)).status_code == 404
    # A second press of the button (the entry is back already) leads to the entry.
    response = client.post(recover_url(jmml.pk))
    assert response["Location"] == reverse("admin:disorders_disorder_change", args=[jmml.pk])


def test_deleted_entries_list_newest_first_in_few_queries_and_pages(editor, superuser, django_assert_max_num_queries):
    entries = [make_disorder(f"Gone {n}", published=False, synonyms=[f"G{n}"]) for n in range(52)]
    for entry in entries:
        history.record_revision(entry, user=editor, comment="Created")
    Disorder.objects.filter(pk__in=[entry.pk for entry in entries[:-1]]).delete()  # outside the admin: no log
    delete_in_admin(superuser, entries[-1])
    client = logged_in(editor)

    with django_assert_max_num_queries(10):
        first = client.get(DELETED_URL)
    second = client.get(DELETED_URL, {"page": 2})

    versions = first.context["versions"]
    assert len(versions) == 50 and len(second.context["versions"]) == 2
    assert (versions[0].object_repr, versions[0].deleted_by) == ("Gone 51", "root")
    assert versions[1].deleted_at is None
    assert "Not recorded (deleted outside the admin)" in first.content.decode()


def test_admin_index_and_entry_list_link_deleted_entries(editor_client):
    assert DELETED_URL in editor_client.get(reverse("admin:index")).content.decode()
    assert DELETED_URL in editor_client.get(reverse("admin:disorders_disorder_changelist")).content.decode()


def test_recover_entry_keeps_the_date_content_last_changed(reviewer):
    entry = make_jmml_entry()
    history.ensure_baseline(entry)
    Disorder.objects.filter(pk=entry.pk).delete()

    result = history.recover_entry(entry.pk, user=reviewer)

    assert result.disorder.content_changed_at == JMML_CHANGED_AT
    assert history.revision_years(result.disorder) == [2024]
    with pytest.raises(history.CannotRecover):
        history.recover_entry(entry.pk, user=reviewer)
