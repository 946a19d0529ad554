"""Readers see only published versions: an editor's save waits for a reviewer's publish; staff preview it."""

import pytest
from django.urls import reverse

from disorders import search
from disorders.models import Code, Prevalence, Publication, Synonym
from tests.admin_forms import change_url, errors_of, form_data
from tests.factories import make_classification, make_code, make_disorder_sign, make_gene_association, republish
from tests.sample_entries import JMML_TITLE, make_jmml_entry

pytestmark = pytest.mark.django_db

NEW_TITLE = "Juvenile Myelomonocytic Leukaemia (JMML)"


def _edit(client, disorder, *, publish=False):
    data = form_data(client.get(change_url(disorder)))
    data.update(title=NEW_TITLE, edit_summary="British spelling, and a name readers use.")
    index = int(data["synonyms-TOTAL_FORMS"])
    data.update(
        {
            "synonyms-TOTAL_FORMS": str(index + 1),
            f"synonyms-{index}-name": "Quokkamyelosis",
            f"synonyms-{index}-position": "9",
        }
    )
    if publish:
        data["_publish"] = "Save and publish"
    return client.post(change_url(disorder), data)


def _reader_surfaces(client, disorder):
    page = client.get(disorder.get_absolute_url()).content.decode()
    json = client.get(reverse("disorders:detail-json", args=[disorder.slug])).json()
    az = client.get(reverse("disorders:index"), {"letter": "Q"}).content.decode()
    return {
        "page_title": NEW_TITLE in page,
        "page_synonym": "Quokkamyelosis" in page,
        "json": (json["title"], "Quokkamyelosis" in json["synonyms"]),
        "search": [entry.title for entry in search.search("quokkamyelosis")],
        "suggest": [row["name"] for row in search.suggest("quokk")],
        "az": "Quokkamyelosis" in az,
    }


def test_an_editors_save_waits_for_a_reviewer_to_publish_it(client, editor, reviewer):
    jmml = make_jmml_entry()
    feed_before = client.get(reverse("disorders:updates-feed")).content.decode().count("<entry>")
    anonymous = client

    client.force_login(editor)
    response = _edit(client, jmml)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    # The preview shows the pending version, marked as a preview.
    preview = client.get(reverse("admin:disorders_disorder_preview", args=[jmml.pk]))
    assert preview.status_code == 200
    assert "Preview — not what readers see" in preview.content.decode()
    assert NEW_TITLE in preview.content.decode() and "Quokkamyelosis" in preview.content.decode()
    assert "private" in preview["Cache-Control"] and preview["X-Robots-Tag"] == "noindex"
    # Staff on the public page see the published version, with a note and a link to the preview.
    staff_page = client.get(jmml.get_absolute_url()).content.decode()
    assert "Pending changes." in staff_page and NEW_TITLE not in staff_page

    anonymous.logout()
    assert _reader_surfaces(anonymous, jmml) == {
        "page_title": False,
        "page_synonym": False,
        "json": (JMML_TITLE, False),
        "search": [],
        "suggest": [],
        "az": False,
    }
    assert client.get(reverse("disorders:updates-feed")).content.decode().count("<entry>") == feed_before

    client.force_login(reviewer)
    form = client.get(change_url(jmml)).content.decode()
    assert "Pending changes:" in form and 'name="_publish"' in form
    data = form_data(client.get(change_url(jmml)))
    data["_publish"] = "Save and publish"
    assert client.post(change_url(jmml), data).status_code == 302

    anonymous.logout()
    assert _reader_surfaces(anonymous, jmml) == {
        "page_title": True,
        "page_synonym": True,
        "json": (NEW_TITLE, True),
        "search": [NEW_TITLE],
        "suggest": ["Quokkamyelosis"],
        "az": True,
    }
    feed = client.get(reverse("disorders:updates-feed")).content.decode()
    assert feed.count("<entry>") == feed_before  # the entry moves to the top with its new date
    assert feed.index(NEW_TITLE) < feed.index("</entry>")
    assert Publication.objects.filter(disorder=jmml, action="published").latest("pk").user == reviewer


def test_an_editor_cannot_publish_even_with_a_crafted_post(client, editor):
    jmml = make_jmml_entry()
    client.force_login(editor)
    assert 'name="_publish"' not in client.get(change_url(jmml)).content.decode()

    response = _edit(client, jmml, publish=True)

    # Refused with a message: nothing is saved, nothing published (disorders.workflow).
    assert response.status_code == 200
    assert "Only reviewers can publish, unpublish or request changes." in errors_of(response)
    client.logout()
    assert NEW_TITLE not in client.get(jmml.get_absolute_url()).content.decode()
    assert not Publication.objects.filter(disorder=jmml, user=editor).exists()


def test_readers_never_see_the_preview(client, django_user_model):
    jmml = make_jmml_entry()
    url = reverse("admin:disorders_disorder_preview", args=[jmml.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(django_user_model.objects.create_user("reader", password="pw"))
    assert client.get(url).status_code in (302, 403)


def test_compare_page_links_to_the_preview(client, editor):
    jmml = make_jmml_entry()
    client.force_login(editor)
    response = client.get(reverse("admin:disorders_disorder_compare", args=[jmml.pk]))
    assert reverse("admin:disorders_disorder_preview", args=[jmml.pk]) in response.content.decode()


def test_anonymous_entry_page_costs_at_most_four_queries_whatever_it_holds(client, django_assert_max_num_queries):
    jmml = make_jmml_entry()
    for number in range(40):
        Synonym.objects.create(disorder=jmml, name=f"JMML variant {number}", position=10 + number)
        make_code(jmml, Code.System.OMIM, f"61{number:04}")
        make_gene_association(jmml, f"GENE{number}")
        make_disorder_sign(jmml, f"HP:{number:07}", f"Sign {number}")
        jmml.classifications.add(make_classification(parent=make_classification()))
        Prevalence.objects.create(disorder=jmml, kind="Point prevalence", prevalence_class=f"{number} / 10 000")
    republish(jmml)

    with django_assert_max_num_queries(4):
        response = client.get(jmml.get_absolute_url())

    assert response.status_code == 200
    assert "JMML variant 39" in response.content.decode() and "GENE39" in response.content.decode()
