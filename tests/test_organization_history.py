"""Organizations' own history (who changed an address or a phone, and when), verified dates, the list to verify."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from resources import history
from tests.admin_forms import form_data
from tests.factories import make_disorder, make_organization

pytestmark = pytest.mark.django_db


def change_url(organization):
    return reverse("admin:resources_organization_change", args=[organization.pk])


def history_url(organization):
    return reverse("admin:resources_organization_history", args=[organization.pk])


def test_organization_history_shows_an_address_and_phone_change_with_who_and_when(editor_client, editor):
    organization = make_organization(
        "Helping Hands", street_address="1 Old Road", locality="Boston", phones=[("tel", "617-555-0100")]
    )
    data = form_data(editor_client.get(change_url(organization)))
    data["street_address"] = "99 New Street"
    data["phones-0-number"] = "617-555-0199"

    response = editor_client.post(change_url(organization), data)

    assert response.status_code == 302
    lines = editor_client.get(history_url(organization)).context["lines"]
    latest, baseline = lines
    assert baseline.is_baseline
    assert latest.revision.user == editor
    assert timezone.now() - latest.revision.date_created < datetime.timedelta(minutes=1)
    changes = {change.label: (change.old, change.new) for change in latest.changes}
    assert changes == {
        "Street address": ("1 Old Road", "99 New Street"),
        "Phones": ("Tel: 617-555-0100", "Tel: 617-555-0199"),
    }
    page = editor_client.get(history_url(organization)).content.decode()
    assert "99 New Street" in page and "1 Old Road" in page and "editor" in page
    assert latest.revision.comment == "Changed street address, phones"


def test_a_second_change_compares_with_the_first_not_the_baseline(editor_client):
    organization = make_organization("Second Change", locality="Lyon")
    for town in ("Paris", "Nice"):
        data = form_data(editor_client.get(change_url(organization)))
        data["locality"] = town
        editor_client.post(change_url(organization), data)

    lines = editor_client.get(history_url(organization)).context["lines"]

    assert [[(c.label, c.old, c.new) for c in line.changes] for line in lines] == [
        [("Locality", "Paris", "Nice")],
        [("Locality", "Lyon", "Paris")],
        [],
    ]


def test_a_refused_save_records_nothing(editor_client):
    organization = make_organization("Refused")
    data = form_data(editor_client.get(change_url(organization)))
    data["website"] = "javascript:alert(1)"

    assert editor_client.post(change_url(organization), data).status_code == 200
    assert [line.is_baseline for line in history.history_lines(organization)] == [True]


def test_unverified_list_holds_organizations_never_verified_or_not_in_the_last_year(editor_client):
    today = timezone.localdate()
    never = make_organization("Never Checked")
    stale = make_organization("Checked Long Ago", verified_on=today - datetime.timedelta(days=400))
    make_organization("Checked Lately", verified_on=today - datetime.timedelta(days=30))
    make_organization("Checked A Year Ago Today", verified_on=today - datetime.timedelta(days=365))

    response = editor_client.get(reverse("admin:resources_organization_unverified"))

    assert list(response.context["organizations"]) == [never, stale]
    assert (
        reverse("admin:resources_organization_unverified") in editor_client.get(reverse("admin:index")).content.decode()
    )


def test_public_page_says_when_contact_details_were_verified(client):
    entry = make_disorder("Listed")
    organization = make_organization("Verified Org", disorder=entry, verified_on=datetime.date(2026, 3, 4))

    page = client.get(organization.get_absolute_url()).content.decode()

    assert "Contact details verified on" in page and "2026" in page
