"""Update history: revisions per save, honest dates, no lost updates, compare and revert, staff pages."""

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from disorders import admin_diff, history, publication
from disorders.importers.nord import load_abstracts
from disorders.models import Disorder, DisorderResource, EntryRevision, PreviousSlug, Section, Synonym
from disorders.signals import entry_saved
from resources.models import Organization
from tests.admin_forms import add_row, errors_of, open_entry, row_index, save_entry
from tests.conftest import DEMO_NORD_DIR, make_staff
from tests.factories import make_disorder
from tests.sample_entries import JMML_CHANGED_AT, JMML_TITLE, make_jmml_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def jmml():
    return make_jmml_entry()


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reviewer_client(reviewer):
    return logged_in(reviewer)


def revisions_of(disorder):
    """The entry's revisions, oldest first."""
    ids = history.entry_versions(disorder.pk).values_list("revision_id", flat=True)
    return list(Revision.objects.filter(pk__in=ids).order_by("pk"))


def admin_url(name, disorder, *args):
    return reverse(f"admin:disorders_disorder_{name}", args=[disorder.pk, *args])


def public_page(disorder):
    cache.clear()  # reader pages may be cached; compare what the view renders now
    response = Client().get(disorder.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- No lost updates ------------------------------------------------------------------------------------------------


def test_stale_admin_save_is_refused_and_keeps_both_texts(django_user_model, jmml):
    first = logged_in(make_staff(django_user_model, "ana", "Editors", first_name="Ana", last_name="Ortiz"))
    second = logged_in(make_staff(django_user_model, "ben", "Editors", first_name="Ben", last_name="Lee"))
    anas_form = open_entry(first, jmml)
    bens_form = open_entry(second, jmml)

    bens_form.update(summary="Ben's summary.", edit_summary="Add a summary")
    assert save_entry(second, jmml, bens_form).status_code == 302
    anas_form.update(title="Juvenile Myelomonocytic Leukaemia", edit_summary="British spelling")
    response = save_entry(first, jmml, anas_form)

    assert response.status_code == 200
    [message] = [error for error in errors_of(response) if "saved this entry" in error]
    assert message.startswith("Ben Lee saved this entry at ")
    assert "Your changes are below, not saved" in message
    # Ana's input is still in the form, to copy into a fresh one.
    page = response.content.decode()
    assert 'value="Juvenile Myelomonocytic Leukaemia"' in page
    assert 'value="British spelling"' in page
    jmml.refresh_from_db()
    assert (jmml.title, jmml.summary) == (JMML_TITLE, "Ben's summary.")
    # Saving the same stale form again is still refused.
    assert save_entry(first, jmml, anas_form).status_code == 200


def test_stale_inline_only_edit_is_refused(editor, reviewer, jmml):
    editor_client, reviewer_client = logged_in(editor), logged_in(reviewer)
    stale = open_entry(editor_client, jmml)
    fresh = open_entry(reviewer_client, jmml)
    fresh.update(summary="A reviewer's summary.", edit_summary="Summary")
    assert save_entry(reviewer_client, jmml, fresh).status_code == 302

    add_row(stale, "synonyms", name="JMML-2", position=5)
    stale["edit_summary"] = "Another synonym"
    response = save_entry(editor_client, jmml, stale)

    assert response.status_code == 200
    assert any("saved this entry" in error for error in errors_of(response))
    assert not Synonym.objects.filter(name="JMML-2").exists()


def test_saves_record_one_revision_each_with_user_summary_and_every_owned_row(editor_client, editor, jmml):
    data = open_entry(editor_client, jmml)
    data["summary"] = "A rare blood cancer of young children."
    data["edit_summary"] = "Write a summary"
    assert save_entry(editor_client, jmml, data).status_code == 302

    baseline, revision = revisions_of(jmml)
    assert baseline.comment == history.BASELINE_COMMENT
    assert (revision.comment, revision.user) == ("Write a summary", editor)
    stored = {version.content_type.model for version in Version.objects.filter(revision=revision)}
    assert stored == {"disorder", "synonym", "section", "disordersource", "disorderresource"}
    disorder_data = Version.objects.get_for_object(jmml).first().serialized_data
    for unversioned in ("version", "updated_at"):
        assert f'"{unversioned}"' not in disorder_data
    jmml.refresh_from_db()
    assert jmml.version == 2
    assert jmml.content_changed_at > JMML_CHANGED_AT


def test_form_opened_before_a_save_by_the_importer_is_refused(editor_client, tmp_path):
    load_abstracts([DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt"])
    disorder = Disorder.objects.get()
    stale = open_entry(editor_client, disorder)
    changed = tmp_path / "juvenile-myelomonocytic-leukemia.txt"
    original = (DEMO_NORD_DIR / changed.name).read_text(encoding="utf-8")
    changed.write_text(original.replace("in 1924.", "in 1924 (revised)."), encoding="utf-8")
    load_abstracts([changed])

    stale["summary"] = "Editor's summary."
    response = save_entry(editor_client, disorder, stale)

    assert response.status_code == 200
    assert any("saved this entry" in error for error in errors_of(response))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_saves_wait_for_each_other_and_the_later_one_is_refused(editor, reviewer):
    entry = make_disorder("Racing", published=False)
    first, second = logged_in(editor), logged_in(reviewer)
    first_form, second_form = open_entry(first, entry), open_entry(second, entry)
    first_form["summary"], second_form["summary"] = "First.", "Second."
    first_inside, release_first = threading.Event(), threading.Event()
    responses = {}

    def hold_first_save_open(sender, disorder, **kwargs):
        # Runs inside the first save's transaction, after its rows are written and before it commits.
        if threading.current_thread().name == "first":
            first_inside.set()
            release_first.wait(10)

    def save(name, client, data):
        try:
            responses[name] = save_entry(client, entry, data)
        finally:
            connection.close()

    entry_saved.connect(hold_first_save_open)
    try:
        first_thread = threading.Thread(target=save, args=("first", first, first_form), name="first")
        first_thread.start()
        assert first_inside.wait(10)
        second_thread = threading.Thread(target=save, args=("second", second, second_form), name="second")
        second_thread.start()
        second_thread.join(1)
        assert second_thread.is_alive(), "the second save should wait for the first one's row lock"
        release_first.set()
        first_thread.join(10)
        second_thread.join(10)
    finally:
        release_first.set()
        entry_saved.disconnect(hold_first_save_open)

    assert responses["first"].status_code == 302
    assert responses["second"].status_code == 200
    assert any("saved this entry" in error for error in errors_of(responses["second"]))
    assert Disorder.objects.get(pk=entry.pk).summary == "First."


# --- Edit summary, honest dates ------------------------------------------------------------------------------------


def test_changing_a_published_entry_needs_an_edit_summary(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    add_row(data, "synonyms", name="JMML variant", position=9)

    response = save_entry(editor_client, jmml, data)

    assert response.status_code == 200
    assert any(error.startswith("edit_summary: This entry is published") for error in errors_of(response))
    assert not Synonym.objects.filter(name="JMML variant").exists()
    data["edit_summary"] = "Another name used in Europe"
    assert save_entry(editor_client, jmml, data).status_code == 302
    assert revisions_of(jmml)[-1].comment == "Another name used in Europe"


def test_draft_changes_need_no_edit_summary(editor_client):
    draft = make_disorder("Draftitis", published=False)
    data = open_entry(editor_client, draft)
    data["summary"] = "Work in progress."
    assert save_entry(editor_client, draft, data).status_code == 302
    assert revisions_of(draft)[-1].comment == ""


def test_save_without_changes_leaves_dates_version_history_and_public_page_alone(editor_client, jmml):
    before_page = public_page(jmml)
    data = open_entry(editor_client, jmml)
    # Browsers send textareas with CRLF line breaks; that alone is not a change.
    body_field = "sections-0-body"
    data[body_field] = data[body_field].replace("\n", "\r\n")

    response = save_entry(editor_client, jmml, data)

    assert response.status_code == 302
    jmml.refresh_from_db()
    assert jmml.content_changed_at == JMML_CHANGED_AT
    assert jmml.version == 1
    assert [revision.comment for revision in revisions_of(jmml)] == [history.BASELINE_COMMENT]
    assert "\r" not in jmml.sections.get().body
    assert public_page(jmml) == before_page
    assert history.revision_years(jmml) == [2024]


def test_publishing_records_a_revision_but_does_not_move_last_updated(reviewer_client):
    draft = make_disorder("Publishitis", published=False, content_changed_at=JMML_CHANGED_AT)
    data = open_entry(reviewer_client, draft)
    data["_publish"] = "Approve and publish"

    assert save_entry(reviewer_client, draft, data).status_code == 302

    draft.refresh_from_db()
    assert draft.status == Disorder.Status.PUBLISHED
    assert draft.content_changed_at == JMML_CHANGED_AT
    assert draft.version == 2
    assert len(revisions_of(draft)) == 2
    assert history.revision_years(draft) == [2024]


def test_revision_years_lists_years_of_content_changes_newest_first_without_editors(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    data.update(summary="Updated.", edit_summary="Summary")
    save_entry(editor_client, jmml, data)

    years = history.revision_years(jmml)

    assert years == [timezone.localdate().year, 2024]


def test_each_revision_keeps_the_content_date_in_a_column_the_public_page_reads(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    data.update(summary="Updated.", edit_summary="Summary")
    save_entry(editor_client, jmml, data)
    publication.publish(jmml, user=None)  # readers see it once published
    jmml.refresh_from_db()

    stamps = EntryRevision.objects.filter(disorder=jmml).order_by("revision_id")
    assert [stamp.revision for stamp in stamps] == revisions_of(jmml)
    assert [stamp.content_changed_at for stamp in stamps] == [JMML_CHANGED_AT, jmml.content_changed_at]
    with CaptureQueriesContext(connection) as queries:
        page = public_page(jmml)
    assert f"Revision history: updated in {timezone.localdate().year}, 2024" in page
    # The years come from our column, not from casting reversion's serialized text to JSON.
    assert not any("serialized_data" in query["sql"] for query in queries.captured_queries)


def test_changing_the_slug_keeps_the_old_one_for_redirects(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    data.update(slug="jmml", edit_summary="Shorter address")
    assert save_entry(editor_client, jmml, data).status_code == 302

    retired = PreviousSlug.objects.get()
    assert (retired.slug, retired.disorder) == ("juvenile-myelomonocytic-leukemia", jmml)
    # Going back to the old address makes it current again.
    data = open_entry(editor_client, jmml)
    data.update(slug="juvenile-myelomonocytic-leukemia", edit_summary="Back")
    assert save_entry(editor_client, jmml, data).status_code == 302
    assert list(PreviousSlug.objects.values_list("slug", flat=True)) == ["jmml"]


def test_an_old_address_answers_301_to_the_new_one(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    data.update(slug="jmml", edit_summary="Shorter address")
    assert save_entry(editor_client, jmml, data).status_code == 302
    assert Client().get("/disorders/juvenile-myelomonocytic-leukemia/").status_code == 200  # not yet published
    publication.publish(jmml, user=None)

    response = Client().get("/disorders/juvenile-myelomonocytic-leukemia/")

    assert response.status_code == 301
    assert response["Location"] == "/disorders/jmml/"
    assert Client().get("/disorders/never-existed/").status_code == 404


def test_public_page_shows_last_updated_beside_the_source_date_and_the_revision_years(editor_client, editor, jmml):
    data = open_entry(editor_client, jmml)
    data.update(summary="Updated.", edit_summary="Summary")
    save_entry(editor_client, jmml, data)
    publication.publish(jmml, user=None)
    jmml.refresh_from_db()

    page = public_page(jmml)

    today = timezone.localdate(jmml.content_changed_at)
    assert f'Last updated <time datetime="{today.isoformat()}">' in page
    assert '(NORD text of <time datetime="2013-05-08">May 8, 2013</time>)' in page
    assert f"Revision history: updated in {today.year}, 2024" in page
    assert editor.username not in page


def test_another_entrys_old_address_cannot_be_taken(editor_client, jmml):
    other = make_disorder("Other", published=False)
    PreviousSlug.objects.create(disorder=jmml, slug="old-jmml")
    data = open_entry(editor_client, other)
    data["slug"] = "old-jmml"

    response = save_entry(editor_client, other, data)

    assert any("used to belong to “Juvenile Myelomonocytic Leukemia”" in error for error in errors_of(response))


# --- Compare -------------------------------------------------------------------------------------------------------


def test_compare_shows_both_sides_of_a_title_change_and_an_added_synonym(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    add_row(data, "synonyms", name="JMML-1", position=5)
    data.update(title="Juvenile Myelomonocytic Leukaemia", edit_summary="Spelling and a name")
    assert save_entry(editor_client, jmml, data).status_code == 302
    before, after = revisions_of(jmml)

    response = editor_client.get(admin_url("compare", jmml), {"from": before.pk, "to": after.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Juvenile Myelomonocytic <del>Leukemia</del>" in page
    assert "Juvenile Myelomonocytic <ins>Leukaemia</ins>" in page
    assert "Synonym added: JMML-1" in page
    assert "Sections" not in page  # unchanged kinds of rows are not listed
    # Without parameters it compares the last two revisions.
    assert editor_client.get(admin_url("compare", jmml)).content.decode().count("Synonym added: JMML-1") == 1


def test_compare_words_sections_and_removed_resources_for_people(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    body = data["sections-0-body"]
    data["sections-0-body"] = body.replace("rare pediatric form", "rare childhood form")
    gone = row_index(data, "resources", "organization", Organization.objects.get(name="Rare Cancer Alliance").pk)
    data[f"resources-{gone}-DELETE"] = "on"
    data["edit_summary"] = "Plainer words"
    assert save_entry(editor_client, jmml, data).status_code == 302

    page = editor_client.get(admin_url("compare", jmml)).content.decode()

    assert "Section changed: General discussion" in page
    assert "is a rare <del>pediatric</del> form" in page
    assert "is a rare <ins>childhood</ins> form" in page
    assert "Resource removed: Rare Cancer Alliance" in page


def test_compare_escapes_what_editors_typed(editor_client):
    entry = make_disorder("Plain", published=False)
    data = open_entry(editor_client, entry)
    data["summary"] = "<script>alert(1)</script> & more"
    save_entry(editor_client, entry, data)

    page = editor_client.get(admin_url("compare", entry)).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_compare_of_revisions_of_another_entry_is_not_found(editor_client, jmml):
    other = make_disorder("Other", published=False)
    data = open_entry(editor_client, other)
    data["summary"] = "x"
    save_entry(editor_client, other, data)
    foreign = revisions_of(other)[-1]

    response = editor_client.get(admin_url("compare", jmml), {"from": foreign.pk})

    assert response.status_code == 404


def test_word_diff_marks_only_changed_words_and_escapes():
    old, new = admin_diff.word_diff("a <b> c d", "a <b> x d")
    assert old == "a &lt;b&gt; <del>c</del> d"
    assert new == "a &lt;b&gt; <ins>x</ins> d"


# --- Revert --------------------------------------------------------------------------------------------------------


def edit_everything(client, disorder):
    """One save that changes the title, a synonym, a section, and drops a resource."""
    data = open_entry(client, disorder)
    data["title"] = "JMML (changed)"
    data[f"synonyms-{row_index(data, 'synonyms', 'name', 'JMML')}-name"] = "J.M.M.L."
    data["sections-0-body"] = "Vandalized."
    alliance = Organization.objects.get(name="Rare Cancer Alliance")
    data[f"resources-{row_index(data, 'resources', 'organization', alliance.pk)}-DELETE"] = "on"
    add_row(data, "codes", system="OMIM", value="607785", relation="exact")
    data["edit_summary"] = "Bad edit"
    assert save_entry(client, disorder, data).status_code == 302


def test_revert_restores_content_as_a_new_revision_and_bumps_the_version(editor_client, reviewer_client, jmml):
    edit_everything(editor_client, jmml)
    baseline = revisions_of(jmml)[0]
    jmml.refresh_from_db()
    version_before = jmml.version
    opened_before_revert = open_entry(editor_client, jmml)

    confirm = reviewer_client.get(admin_url("revert", jmml, baseline.pk))
    assert confirm.status_code == 200
    assert "Revert to revision" in confirm.content.decode()
    assert Disorder.objects.get(pk=jmml.pk).title == "JMML (changed)"  # GET changes nothing
    response = reviewer_client.post(admin_url("revert", jmml, baseline.pk), {"expected_version": version_before})

    assert response.status_code == 302
    jmml.refresh_from_db()
    assert jmml.title == JMML_TITLE
    assert sorted(jmml.synonyms.values_list("name", flat=True)) == [
        "JMML",
        "chronic myelomonocytic leukemia of infancy",
    ]
    assert jmml.sections.get().body.startswith("Juvenile myelomonocytic leukemia (JMML) is a rare pediatric")
    assert jmml.resources.count() == 4
    assert not jmml.codes.exists()
    assert jmml.status == Disorder.Status.PUBLISHED
    assert jmml.version == version_before + 1
    assert [r.comment for r in revisions_of(jmml)] == [
        history.BASELINE_COMMENT,
        "Bad edit",
        "Reverted to revision 1",  # its number in the entry's history, not the global id
    ]
    assert history.current_snapshot(jmml).content == history.load_snapshots([baseline.pk], jmml.pk)[baseline.pk].content
    # A form opened before the revert cannot overwrite it.
    opened_before_revert["edit_summary"] = "Late save"
    assert save_entry(editor_client, jmml, opened_before_revert).status_code == 200
    assert Disorder.objects.get(pk=jmml.pk).title == JMML_TITLE


def test_revert_keeps_status_and_review_dates(editor_client, reviewer_client, reviewer, jmml):
    edit_everything(editor_client, jmml)
    baseline = revisions_of(jmml)[0]
    Disorder.objects.filter(pk=jmml.pk).update(
        status=Disorder.Status.ARCHIVED, next_review_due=datetime.date(2031, 1, 1)
    )
    jmml.refresh_from_db()

    reviewer_client.post(admin_url("revert", jmml, baseline.pk), {"expected_version": jmml.version})

    jmml.refresh_from_db()
    assert (jmml.title, jmml.status, jmml.next_review_due) == (
        JMML_TITLE,
        Disorder.Status.ARCHIVED,
        datetime.date(2031, 1, 1),
    )


def test_revert_confirmed_on_a_stale_page_is_refused(editor_client, reviewer_client, jmml):
    edit_everything(editor_client, jmml)
    baseline = revisions_of(jmml)[0]
    stale_version = Disorder.objects.get(pk=jmml.pk).version
    data = open_entry(editor_client, jmml)
    data.update(summary="Saved while the reviewer was reading.", edit_summary="Summary")
    save_entry(editor_client, jmml, data)

    response = reviewer_client.post(admin_url("revert", jmml, baseline.pk), {"expected_version": stale_version})

    assert response.status_code == 200
    assert "Someone saved this entry after you opened this page" in response.content.decode()
    assert Disorder.objects.get(pk=jmml.pk).summary == "Saved while the reviewer was reading."


def test_revert_leaves_out_a_resource_whose_organization_was_deleted(editor_client, reviewer_client, jmml):
    edit_everything(editor_client, jmml)
    baseline = revisions_of(jmml)[0]
    Organization.objects.get(name="Rare Cancer Alliance").delete()  # no entry lists it any more

    response = reviewer_client.post(
        admin_url("revert", jmml, baseline.pk),
        {"expected_version": Disorder.objects.get(pk=jmml.pk).version},
        follow=True,
    )

    assert jmml.resources.count() == 3
    notes = [str(message) for message in response.context["messages"]]
    assert "Resource “(deleted organization #" in " ".join(notes)
    assert any("was not restored" in note for note in notes)


def test_revert_does_not_touch_shared_organizations(editor_client, reviewer_client, jmml):
    edit_everything(editor_client, jmml)
    baseline = revisions_of(jmml)[0]
    alliance = Organization.objects.get(name="Rare Cancer Alliance")
    Organization.objects.filter(pk=alliance.pk).update(locality="Tucson")

    reviewer_client.post(
        admin_url("revert", jmml, baseline.pk), {"expected_version": jmml.__class__.objects.get(pk=jmml.pk).version}
    )

    assert DisorderResource.objects.filter(disorder=jmml, organization=alliance).exists()
    assert Organization.objects.get(pk=alliance.pk).locality == "Tucson"


# --- Staff pages ---------------------------------------------------------------------------------------------------


def test_history_page_lists_who_when_why_and_what_changed(editor_client, jmml, django_assert_max_num_queries):
    edit_everything(editor_client, jmml)

    with django_assert_max_num_queries(12):
        response = editor_client.get(admin_url("history", jmml))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bad edit" in page
    assert "Title, Synonyms, Sections, Codes, Resources" in page
    assert history.BASELINE_COMMENT in page
    baseline, bad = revisions_of(jmml)
    assert f"?from={baseline.pk}&amp;to={bad.pk}" in page
    assert admin_url("revision", jmml, baseline.pk) in page


def test_revision_page_shows_the_entry_as_it_was(editor_client, reviewer_client, jmml):
    edit_everything(editor_client, jmml)
    baseline = revisions_of(jmml)[0]

    response = editor_client.get(admin_url("revision", jmml, baseline.pk))

    contents = response.context["contents"]
    assert {field.label: field.new_text for field in contents.fields}["Title"] == JMML_TITLE
    resources = next(part for part in contents.parts if part.part.name == "resources")
    assert "Rare Cancer Alliance" in [row.name for row in resources.rows]
    # Only reviewers are offered the revert.
    assert "Revert to this revision" not in response.content.decode()
    assert "Revert to this revision" in reviewer_client.get(admin_url("revision", jmml, baseline.pk)).content.decode()


def test_recent_changes_lists_every_revision_newest_first_and_filters(
    editor, reviewer, editor_client, jmml, django_assert_max_num_queries
):
    edit_everything(editor_client, jmml)
    other = make_disorder("Otheroma", published=False)
    reviewer_client = logged_in(reviewer)
    data = open_entry(reviewer_client, other)
    data.update(summary="Reviewer's words.")
    save_entry(reviewer_client, other, data)
    url = reverse("recent_changes")

    with django_assert_max_num_queries(14):
        response = editor_client.get(url)
    lines = response.context["lines"]
    assert [line.version.object_repr for line in lines] == ["Otheroma", "Otheroma", "JMML (changed)", JMML_TITLE]
    assert [line.who for line in editor_client.get(url, {"user": editor.pk}).context["lines"]] == ["editor"]
    assert len(editor_client.get(url, {"entry": "otheroma"}).context["lines"]) == 2
    # From the entry's history: every revision of that entry, whatever its title was then.
    assert len(editor_client.get(url, {"entry_id": jmml.pk}).context["lines"]) == 2
    today = timezone.localdate()
    assert len(editor_client.get(url, {"since": today.isoformat()}).context["lines"]) == 3  # not the 2024 baseline
    assert len(editor_client.get(url, {"until": "2024-12-31"}).context["lines"]) == 1


def test_recent_changes_are_paginated(editor):
    entries = [make_disorder(f"Entry {n}", published=False) for n in range(51)]
    for entry in entries:
        history.record_revision(entry, user=editor, comment="Created")
    client = logged_in(editor)

    first = client.get(reverse("recent_changes"))
    second = client.get(reverse("recent_changes"), {"page": 2})

    assert len(first.context["lines"]) == 50
    assert len(second.context["lines"]) == 1


def test_review_queue_lists_entries_to_review_oldest_content_first(editor_client):
    today = timezone.localdate()
    old = timezone.now() - datetime.timedelta(days=900)
    in_review = make_disorder("In Review", published=False, status=Disorder.Status.IN_REVIEW)
    due = make_disorder("Due", last_reviewed_on=today - datetime.timedelta(days=400), next_review_due=today)
    never = make_disorder("Never Reviewed", content_changed_at=old)
    make_disorder("Fine", last_reviewed_on=today, next_review_due=today + datetime.timedelta(days=30))
    make_disorder("Drafty", published=False)
    make_disorder("Archived", status=Disorder.Status.ARCHIVED, next_review_due=today)

    response = editor_client.get(reverse("review_queue"))

    listed = list(response.context["object_list"])
    assert listed == [in_review, never, due]  # in review has no date yet, then the oldest content
    assert [d.review_reasons for d in listed] == [["Submitted for review"], ["Never reviewed"], ["Review due"]]
    only_due = editor_client.get(reverse("review_queue"), {"reason": "due"})
    assert list(only_due.context["object_list"]) == [due]


def test_admin_index_links_the_staff_pages(editor_client):
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert reverse("recent_changes") in page
    assert reverse("review_queue") in page


def test_change_form_links_history_and_compare_and_has_an_edit_summary(editor_client, jmml):
    page = editor_client.get(admin_url("change", jmml)).content.decode()
    assert admin_url("history", jmml) in page
    assert admin_url("compare", jmml) in page
    assert 'name="edit_summary"' in page
    assert 'name="expected_version"' in page


# --- Review --------------------------------------------------------------------------------------------------------


def test_save_and_mark_reviewed_records_who_and_when_and_sets_the_next_review(reviewer_client, reviewer, jmml):
    data = open_entry(reviewer_client, jmml)
    data["_mark_reviewed"] = "Save and mark reviewed"

    assert save_entry(reviewer_client, jmml, data).status_code == 302

    jmml.refresh_from_db()
    today = timezone.localdate()
    assert (jmml.last_reviewed_on, jmml.last_reviewed_by) == (today, reviewer)
    assert jmml.next_review_due == today + datetime.timedelta(days=365)
    assert jmml.content_changed_at == JMML_CHANGED_AT
    assert jmml.version == 2
    assert revisions_of(jmml)[-1].comment == "Marked reviewed"


def test_mark_reviewed_action_is_locked_and_versioned(reviewer_client, reviewer, jmml, editor):
    opened = open_entry(logged_in(editor), jmml)

    response = reviewer_client.post(
        reverse("admin:disorders_disorder_changelist"), {"action": "mark_reviewed", "_selected_action": [jmml.pk]}
    )

    assert response.status_code == 302
    jmml.refresh_from_db()
    assert jmml.last_reviewed_by == reviewer
    assert jmml.version == 2
    opened["edit_summary"] = "Stale"
    assert save_entry(logged_in(editor), jmml, opened).status_code == 200


# --- Imports -------------------------------------------------------------------------------------------------------


def test_import_records_a_revision_per_entry_attributed_to_the_system_user():
    load_abstracts([DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt"])

    disorder = Disorder.objects.get()
    [revision] = revisions_of(disorder)
    assert revision.comment == "Imported from juvenile-myelomonocytic-leukemia.txt"
    assert revision.user.username == "system"
    assert not revision.user.has_usable_password()
    stored = {version.content_type.model for version in Version.objects.filter(revision=revision)}
    assert stored == {"disorder", "synonym", "section", "disordersource", "disorderresource"}


def test_import_by_a_person_is_attributed_to_them(editor):
    load_abstracts([DEMO_NORD_DIR / "examplitis-syndrome.txt"], user=editor)
    assert revisions_of(Disorder.objects.get())[0].user == editor


def test_import_into_an_entry_made_before_history_keeps_its_old_state_to_compare(editor_client):
    existing = make_disorder("Juvenile Myelomonocytic Leukemia", content_changed_at=JMML_CHANGED_AT)
    Section.objects.create(disorder=existing, kind=Section.Kind.CAUSES, body="Editor's causes.")

    load_abstracts([DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt"])

    baseline, _imported = revisions_of(existing)
    assert baseline.comment == history.BASELINE_COMMENT
    assert baseline.date_created == JMML_CHANGED_AT
    page = editor_client.get(admin_url("compare", existing)).content.decode()
    assert "Section added: General discussion" in page
    assert history.revision_years(existing) == [timezone.localdate().year, 2024]
