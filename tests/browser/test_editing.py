"""Editing in a real browser: two editors collide, the second save is refused with its input kept,
and a reviewer compares the revisions and reverts. The staff pages pass axe."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from disorders import history
from disorders.models import Disorder, Prevalence
from tests.factories import make_classification
from tests.sample_entries import JMML_TITLE, make_jmml_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def entry(live_server):
    return make_jmml_entry()


def test_conflicting_edit_is_refused_and_a_reviewer_compares_and_reverts(
    live_server, entry, open_as, screenshot, assert_accessible
):
    change_url = live_server.url + reverse("admin:disorders_disorder_change", args=[entry.pk])
    ana = open_as("ana", "Editors", first_name="Ana", last_name="Ortiz")
    ben = open_as("ben", "Editors", first_name="Ben", last_name="Lee")

    # Ana starts changing the title...
    ana.goto(change_url)
    ana.locator("#id_title").fill("Juvenile Myelomonocytic Leukaemia")
    ana.locator("#id_edit_summary").fill("British spelling")

    # ...while Ben adds a synonym and saves first.
    ben.goto(change_url)
    synonyms = ben.locator("#synonyms-group")
    synonyms.get_by_role("button", name="Add another Synonym").click()
    synonyms.locator("input[name='synonyms-2-name']").fill("JMML-1")
    ben.locator("#id_edit_summary").fill("Add a name")
    ben.get_by_role("button", name="Save", exact=True).click()
    expect(ben.locator(".messagelist")).to_contain_text("was changed successfully")

    # Ana's save is refused; her words are still in the form, and Ben's are in the database.
    ana.get_by_role("button", name="Save", exact=True).click()
    expect(ana.locator(".errorlist.nonfield")).to_contain_text("Ben Lee saved this entry at")
    assert ana.locator("#id_title").input_value() == "Juvenile Myelomonocytic Leukaemia"
    assert ana.locator("#id_edit_summary").input_value() == "British spelling"
    screenshot(ana, "editing-conflict-refused")
    entry.refresh_from_db()
    assert entry.title == JMML_TITLE
    assert entry.synonyms.filter(name="JMML-1").exists()

    # Rita, a reviewer, opens the history from the entry, compares the last two revisions...
    rita = open_as("rita", "Reviewers", first_name="Rita", last_name="Reyes")
    rita.goto(change_url)
    rita.get_by_role("link", name="History").click()
    rows = rita.locator("#change-history tbody tr")
    expect(rows).to_have_count(2)
    assert "Ben Lee" in rows.first.inner_text()
    assert "Add a name" in rows.first.inner_text()
    screenshot(rita, "editing-history")
    assert_accessible(rita)
    rita.get_by_role("button", name="Compare selected revisions").click()
    expect(rita.get_by_text("Synonym added: JMML-1")).to_be_visible()
    # The section bodies came back from Ben's browser with CRLF line breaks; that is not a change.
    assert rita.locator("caption", has_text="Sections").count() == 0
    screenshot(rita, "editing-compare")
    assert_accessible(rita)

    # ...and reverts to the revision before Ben's save.
    rita.goto(live_server.url + reverse("admin:disorders_disorder_history", args=[entry.pk]))
    # Revisions are numbered in the entry's own history: the baseline is revision 1.
    rita.get_by_role("link", name="Revert to this (revision 1)").click()
    expect(rita.get_by_text("Synonym removed: JMML-1")).to_be_visible()
    screenshot(rita, "editing-revert-confirm")
    assert_accessible(rita)
    rita.get_by_role("button", name="Revert to revision 1").click()
    expect(rita.locator(".messagelist")).to_contain_text("Reverted to revision 1")
    expect(rita.locator("#change-history tbody tr")).to_have_count(3)
    entry.refresh_from_db()
    assert not entry.synonyms.filter(name="JMML-1").exists()
    assert entry.version == 3

    # Ana's form, opened before all this, still cannot overwrite anything.
    ana.get_by_role("button", name="Save", exact=True).click()
    expect(ana.locator(".errorlist.nonfield")).to_contain_text("Rita Reyes saved this entry")
    assert Disorder.objects.get(pk=entry.pk).title == JMML_TITLE


@pytest.mark.parametrize("page_name", ["recent_changes", "review_queue", "admin:index"])
def test_staff_pages_are_accessible(live_server, entry, open_as, screenshot, assert_accessible, page_name):
    history.record_revision(entry, comment="Created")
    page = open_as("rita", "Reviewers")

    page.goto(live_server.url + reverse(page_name))

    assert page.locator("#content-main").is_visible()
    screenshot(page, f"staff-{page_name.replace(':', '-')}")
    assert_accessible(page)


def test_deleted_entries_and_their_recovery_are_accessible(live_server, entry, open_as, screenshot, assert_accessible):
    history.record_revision(entry, comment="Created")
    Disorder.objects.filter(pk=entry.pk).delete()
    page = open_as("rita", "Reviewers")

    page.goto(live_server.url + reverse("admin:disorders_disorder_deleted"))
    expect(page.locator("#content-main")).to_contain_text(JMML_TITLE)
    screenshot(page, "staff-deleted-entries")
    assert_accessible(page)
    page.get_by_role("link", name=f"Recover… {JMML_TITLE}").click()
    expect(page.locator("#content-main")).to_contain_text("It comes back as a draft")
    screenshot(page, "staff-recover")
    assert_accessible(page)
    page.get_by_role("button", name="Recover this entry").click()

    expect(page.locator(".messagelist")).to_contain_text(f"Recovered “{JMML_TITLE}”")
    assert Disorder.objects.get(pk=entry.pk).status == Disorder.Status.DRAFT


def test_compare_of_text_and_rows_reads_for_people(live_server, entry, open_as, screenshot, assert_accessible):
    history.ensure_baseline(entry)
    Disorder.objects.filter(pk=entry.pk).update(title="Juvenile Myelomonocytic Leukaemia")
    section = entry.sections.get()
    section.body = section.body.replace("rare pediatric form of blood cancer", "rare childhood blood cancer")
    section.save()
    entry.resources.get(organization__name="Rare Cancer Alliance").delete()
    history.record_revision(entry, comment="Plainer words")
    page = open_as("rita", "Reviewers")

    page.goto(live_server.url + reverse("admin:disorders_disorder_compare", args=[entry.pk]))

    assert page.locator("del", has_text="Leukemia").first.is_visible()
    assert page.locator("ins", has_text="Leukaemia").first.is_visible()
    assert page.get_by_text("Section changed: General discussion").is_visible()
    assert page.get_by_text("Resource removed: Rare Cancer Alliance").is_visible()
    screenshot(page, "editing-compare-text")
    assert_accessible(page)


def test_the_admins_scripts_work_under_the_content_security_policy(live_server, entry, open_as):
    # The conftest fails the test on any policy violation; here each kind of admin script is made to run.
    make_classification("Rare hematologic diseases")
    page = open_as("rita", "Reviewers")
    response = page.goto(live_server.url + reverse("admin:disorders_disorder_add"))
    assert "script-src 'self'" in response.headers["content-security-policy"]

    page.locator("#id_title").press_sequentially("Examplitis Syndrome")  # prepopulate.js fills the address
    expect(page.locator("#id_slug")).to_have_value("examplitis-syndrome")
    page.locator("#id_classifications").locator("xpath=..").locator(".select2-selection").click()  # select2
    page.locator(".select2-search__field").fill("hemato")
    expect(page.get_by_role("option", name="Rare hematologic diseases")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Today").first.click()  # calendar shortcuts
    expect(page.locator("#id_next_review_due")).not_to_have_value("")


def test_an_entry_in_many_long_classifications_with_prevalences_fits_the_window(
    live_server, entry, open_as, screenshot, assert_no_horizontal_overflow
):
    # As Orphanet entries are at full size: six classifications five levels deep, prevalence rows of eight columns.
    for tree in range(6):
        node = None
        for level in range(5):
            node = make_classification(f"Orphanet classification of rare disorders number {tree} level {level}", node)
        entry.classifications.add(node)
    Prevalence.objects.create(
        disorder=entry,
        kind="Point prevalence",
        prevalence_class="1-5 / 10 000",
        geography="Europe",
        source="ORPHANET_1",
    )
    page = open_as("ana", "Editors")
    page.goto(live_server.url + reverse("admin:disorders_disorder_change", args=[entry.pk]))

    chip = page.locator(".field-classifications .select2-selection__choice").first
    assert "level 4" in chip.inner_text()
    box = chip.bounding_box()  # the whole path reads in its chip, inside the window
    assert box["x"] + box["width"] <= page.viewport_size["width"]
    screenshot(page, "editing-long-classifications")
    assert_no_horizontal_overflow(page)
