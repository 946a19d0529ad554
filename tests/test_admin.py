"""Every admin page opens for every role, with the rights DESIGN.md gives that role."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disorders.models import (
    Classification,
    Code,
    Disclaimer,
    Disorder,
    DisorderResource,
    Gene,
    RetiredCode,
    ReviewerProfile,
    Section,
    Sign,
    Source,
)
from resources.models import Organization, Phone
from tests.conftest import make_staff
from tests.factories import (
    make_classification,
    make_code,
    make_disorder,
    make_disorder_sign,
    make_gene_association,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db

# Which roles may add objects of each registered model (superusers may add everything).
ADDERS = {
    Disorder: {"Editors", "Reviewers"},
    Organization: {"Editors", "Reviewers"},
    Classification: {"Reviewers"},
    Source: {"Reviewers"},
    Disclaimer: set(),
    RetiredCode: {"Reviewers"},
    Gene: {"Editors", "Reviewers"},
    Sign: {"Editors", "Reviewers"},
}


@pytest.fixture
def one_of_each(db):
    disorder = make_disorder("Juvenile Myelomonocytic Leukemia", synonyms=["JMML"])
    disorder.sections.create(kind=Section.Kind.GENERAL_DISCUSSION, body="Text.")
    disorder.classifications.add(make_classification("Rare hematologic disease"))
    make_code(disorder)
    make_source(name="National Organization for Rare Disorders, Inc.", slug="nord")
    RetiredCode.objects.create(system=Code.System.ORPHA, value="1234", status="deprecated", replaced_by="86834")
    make_organization("Rare Cancer Alliance", disorder=disorder, phones=[(Phone.Kind.TEL, "(212)344-6633")])
    make_gene_association(disorder, "PTPN11")
    make_disorder_sign(disorder, "HP:0001519", "Disproportionate tall stature")
    disorder.prevalences.create(kind="Point prevalence", prevalence_class="1-9 / 1 000 000", geography="Worldwide")
    return {
        model: model.objects.first()
        for model in admin.site._registry
        # A reviewer's profile is theirs alone: tests/test_workflow.py covers who sees which.
        if model._meta.app_label in {"disorders", "resources"} and model is not ReviewerProfile
    }


def admin_url(model, page, obj=None):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"
    return reverse(name, args=[obj.pk] if obj else [])


@pytest.mark.parametrize("role", [None, "Editors", "Reviewers", "Auditors"])
def test_every_admin_page_opens_for_each_role(client, django_user_model, one_of_each, role):
    user = (
        django_user_model.objects.create_superuser("root", password="pw")
        if role is None
        else make_staff(django_user_model, role.lower(), role)
    )
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    for model, obj in one_of_each.items():
        assert obj is not None, model
        assert client.get(admin_url(model, "changelist")).status_code == 200, model
        assert client.get(admin_url(model, "changelist"), {"q": "leuk"}).status_code == 200, model
        assert client.get(admin_url(model, "change", obj)).status_code == 200, model
        may_add = role is None or role in ADDERS.get(model, set())
        assert client.get(admin_url(model, "add")).status_code == (200 if may_add else 403), (model, role)


def test_anonymous_visitors_are_sent_to_the_login_page(client, one_of_each):
    for model, obj in one_of_each.items():
        response = client.get(admin_url(model, "change", obj))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_entry_form_holds_everything_an_entry_owns(editor_client, one_of_each):
    disorder = one_of_each[Disorder]
    content = editor_client.get(admin_url(Disorder, "change", disorder)).content.decode()
    for prefix in ["synonyms", "subdivisions", "sections", "codes", "attributions", "resources"]:
        assert f'name="{prefix}-TOTAL_FORMS"' in content, prefix
    # Organizations and classifications are picked by autocomplete, not a giant select.
    assert 'data-ajax--url="/admin/autocomplete/"' in content
    assert "View on site" in content


def test_changelist_finds_entries_by_synonym_and_filters_by_status(editor_client, one_of_each):
    make_disorder("Unrelated Draft", published=False)
    by_synonym = editor_client.get(admin_url(Disorder, "changelist"), {"q": "JMML"})
    assert list(by_synonym.context["cl"].result_list) == [one_of_each[Disorder]]
    drafts = editor_client.get(admin_url(Disorder, "changelist"), {"status__exact": "draft"})
    assert [d.title for d in drafts.context["cl"].result_list] == ["Unrelated Draft"]


def test_editor_saves_an_entry_with_its_inline_rows(editor_client):
    organization = make_organization("Leukemia & Lymphoma Society")
    gene = Gene.objects.create(symbol="PTPN11", name="protein tyrosine phosphatase non-receptor type 11")
    sign = Sign.objects.create(hpo_id="HP:0001519", name="Disproportionate tall stature")
    data = {
        "title": "Examplitis Syndrome",
        "slug": "examplitis-syndrome",
        "summary": "",
        "status": "draft",
        "prevalence": "",
        "age_of_onset": "",
        "inheritance": "",
        "last_reviewed_on": "",
        "last_reviewed_by": "",
        "next_review_due": "",
    }
    for prefix, rows in {
        "synonyms": [{"name": "ESS", "position": "0"}],
        "subdivisions": [],
        "sections": [{"kind": "general_discussion", "heading": "", "position": "0", "body": "Para one.", "source": ""}],
        "codes": [{"system": "ORPHA", "value": "999999", "relation": "exact"}],
        "attributions": [],
        "resources": [{"organization": str(organization.pk), "position": "0"}],
        "prevalences": [
            {
                "kind": "Point prevalence",
                "prevalence_class": "1-5 / 10 000",
                "mean_value": "",
                "geography": "Worldwide",
                "qualification": "Class only",
                "source": "[EXPERT]",
                "position": "0",
            }
        ],
        "gene_associations": [
            {"gene": str(gene.pk), "association": "Disease-causing germline mutation(s) in", "position": "0"}
        ],
        "signs": [{"sign": str(sign.pk), "frequency": "very_frequent"}],
    }.items():
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"})
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    response = editor_client.post(admin_url(Disorder, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    disorder = Disorder.objects.get(slug="examplitis-syndrome")
    assert [s.name for s in disorder.synonyms.all()] == ["ESS"]
    assert disorder.sections.get().body == "Para one."
    assert disorder.codes.get().value == "999999"
    assert DisorderResource.objects.get(disorder=disorder).organization == organization
    assert [str(p) for p in disorder.prevalences.all()] == ["1-5 / 10 000, point prevalence, Worldwide"]
    assert [a.gene for a in disorder.gene_associations.all()] == [gene]
    assert [(s.sign, s.frequency) for s in disorder.signs.all()] == [(sign, "very_frequent")]
    assert disorder.content_changed_at is not None
    assert Code.objects.count() == 1


def test_an_entry_form_costs_at_most_one_query_per_sign_row(editor_client, django_assert_max_num_queries):
    disorder = make_disorder("Marfan syndrome")
    url = reverse("admin:disorders_disorder_change", args=[disorder.pk])
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(url).status_code == 200
    for number in range(20):
        make_disorder_sign(disorder, f"HP:{number:07d}", f"Sign {number}")
    # Django's autocomplete widget reads each row's selected sign; the row's own label reads it with the row.
    with django_assert_max_num_queries(len(few) + 20):
        assert editor_client.get(url).content.count(b"Sign 19") >= 1


def test_entry_list_has_no_bulk_edits_that_would_skip_the_version_check(client, django_user_model):
    # list_editable and bulk edits would write entries without the entry form's version check; the two actions
    # lock each entry and record a revision as the form does.
    entry_admin = admin.site._registry[Disorder]
    assert not entry_admin.list_editable
    reviewer = make_staff(django_user_model, "reviewer", "Reviewers")
    client.force_login(reviewer)
    action_form = client.get(admin_url(Disorder, "changelist")).context["action_form"]
    assert [value for value, _ in action_form.fields["action"].choices if value] == [
        "mark_reviewed",
        "unpublish_selected",
    ]


@pytest.mark.parametrize("role", ["Editors", "Reviewers"])
def test_status_is_moved_only_by_the_review_workflow(client, django_user_model, one_of_each, role):
    client.force_login(make_staff(django_user_model, role.lower(), role))
    for response in (
        client.get(admin_url(Disorder, "add")),
        client.get(admin_url(Disorder, "change", one_of_each[Disorder])),
    ):
        assert "status" not in response.context["adminform"].form.fields


def test_editors_see_the_status_of_a_published_entry_but_cannot_change_it(editor_client, one_of_each):
    response = editor_client.get(admin_url(Disorder, "change", one_of_each[Disorder]))
    assert "status" not in response.context["adminform"].form.fields
    assert "status" in response.context["adminform"].readonly_fields


def test_changelist_search_matches_names_without_accents_and_exact_codes(editor_client):
    muller = make_disorder("Examplitis Syndrome", published=False, synonyms=["Ëxamplitis of Müller"])
    coded = make_disorder("Juvenile Myelomonocytic Leukemia")
    make_code(coded, Code.System.OMIM, "607785")

    def found(term):
        response = editor_client.get(admin_url(Disorder, "changelist"), {"q": term})
        return list(response.context["cl"].result_list)

    assert found("examplitis muller") == [muller]
    assert found("607785") == [coded]
    assert found("6077") == []  # codes match whole, names in part
    assert found("leuk myelomono") == [coded]


def test_classification_filter_lists_trees_and_finds_entries_anywhere_below(editor_client):
    tree = make_classification("Rare hematologic disease")
    branch = make_classification("Myeloid neoplasm", parent=tree)
    leaf = make_classification("Myelodysplastic/myeloproliferative disease", parent=branch)
    inside = make_disorder("Juvenile Myelomonocytic Leukemia")
    inside.classifications.add(leaf)
    make_disorder("Outside Syndrome").classifications.add(make_classification("Rare skin disease"))

    response = editor_client.get(admin_url(Disorder, "changelist"), {"tree": str(tree.pk)})

    assert list(response.context["cl"].result_list) == [inside]
    choices = [
        choice["display"]
        for spec in response.context["cl"].filter_specs
        for choice in spec.choices(response.context["cl"])
    ]
    assert "Rare hematologic disease" in choices
    assert "Myeloid neoplasm" not in choices
