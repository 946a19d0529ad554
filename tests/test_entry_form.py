"""The editor's form at size: an error summary linking each error, rows labelled as sent, tree paths in the widget."""

import json

import pytest
from django.urls import reverse

from disorders.models import Synonym
from tests.admin_forms import add_row, open_entry, row_index, save_entry
from tests.conftest import make_staff
from tests.factories import make_classification
from tests.sample_entries import make_jmml_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def jmml():
    return make_jmml_entry()


def test_the_error_summary_names_and_links_each_field_in_error_and_inline_rows_too(editor_client, jmml):
    data = open_entry(editor_client, jmml)
    data["summary"] = "Changed without saying why."
    data["edit_summary"] = ""
    add_row(data, "codes", system="orpha", value="", relation="exact")
    row = int(data["codes-TOTAL_FORMS"]) - 1

    response = save_entry(editor_client, jmml, data)

    assert response.status_code == 200
    summary = response.context["error_summary"]
    targets = {target: where for where, _, target in summary}
    assert targets["id_edit_summary"] == "Edit summary"
    assert targets[f"id_codes-{row}-value"] == f"Codes, row {row + 1}: Value"
    page = response.content.decode()
    assert 'href="#id_edit_summary"' in page and f'href="#id_codes-{row}-value"' in page
    assert 'id="id_edit_summary"' in page and f'id="id_codes-{row}-value"' in page  # the links lead somewhere


def test_a_refused_stale_save_labels_rows_by_what_the_editor_sent(django_user_model, jmml):
    from tests.test_history import logged_in

    editor = make_staff(django_user_model, "editor", "Editors")
    reviewer = make_staff(django_user_model, "reviewer", "Reviewers")
    editor_client, reviewer_client = logged_in(editor), logged_in(reviewer)
    stale = open_entry(editor_client, jmml)
    # The reviewer deletes the first synonym and renames the second, then saves.
    fresh = open_entry(reviewer_client, jmml)
    first = row_index(fresh, "synonyms", "name", "chronic myelomonocytic leukemia of infancy")
    second = row_index(fresh, "synonyms", "name", "JMML")
    fresh[f"synonyms-{first}-DELETE"] = "on"
    fresh[f"synonyms-{second}-name"] = "JMML (renamed)"
    fresh["edit_summary"] = "Tidy synonyms"
    assert save_entry(reviewer_client, jmml, fresh).status_code == 302
    stale[f"synonyms-{second}-name"] = "Juvenile MML"
    stale["edit_summary"] = "Another name"

    response = save_entry(editor_client, jmml, stale)

    assert response.status_code == 200
    synonyms = next(i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "synonyms")
    labels = [str(admin_form.original) for admin_form in synonyms if admin_form.original is not None]
    assert labels == ["chronic myelomonocytic leukemia of infancy", "Juvenile MML"]  # both rows, as sent
    assert set(Synonym.objects.filter(disorder=jmml).values_list("name", flat=True)) == {"JMML (renamed)"}


def test_the_classification_widget_shows_each_nodes_tree_path(editor_client, jmml):
    who = make_classification("WHO classification")
    orphanet = make_classification("Orphanet classification")
    twins = [make_classification("Leukaemias", parent=who), make_classification("Leukaemias", parent=orphanet)]
    jmml.classifications.set([twins[0]])

    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "Leukaem", "app_label": "disorders", "model_name": "disorder", "field_name": "classifications"},
    )
    form = editor_client.get(reverse("admin:disorders_disorder_change", args=[jmml.pk])).content.decode()

    assert response.status_code == 200
    texts = sorted(result["text"] for result in json.loads(response.content)["results"])
    assert texts == ["Orphanet classification \u203a Leukaemias", "WHO classification \u203a Leukaemias"]
    assert "WHO classification \u203a Leukaemias</option>" in form


def test_a_node_fetched_plainly_is_named_by_its_name():
    node = make_classification("Plain", parent=make_classification("Root"))
    assert str(type(node).objects.get(pk=node.pk)) == "Plain"


def test_the_largest_entries_forms_can_be_saved(editor_client, jmml):
    """Retinitis pigmentosa's form sends about 1,500 fields; Django's default limit (1,000) refused it with a 400."""
    from disorders.models import Code

    Code.objects.bulk_create([Code(disorder=jmml, system=Code.System.OMIM, value=str(100000 + n)) for n in range(250)])
    data = open_entry(editor_client, jmml)
    data["edit_summary"] = "Save a big entry"
    data["summary"] = "Saved."
    assert len(data) > 1000

    assert save_entry(editor_client, jmml, data).status_code == 302
