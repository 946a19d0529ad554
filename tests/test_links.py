"""Websites and email addresses: one rule for the admin and the importers, and pages that never link anything else."""

import importlib
import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from disorders.export import entry_as_nord_text, export_queryset
from disorders.models import DisorderSource
from resources.models import Organization
from tests.conftest import DEMO_NORD_DIR
from tests.factories import make_disorder, make_organization, make_source, republish

pytestmark = pytest.mark.django_db

SCRIPT_URL = "javascript://%0aalert(document.domain)"
EXAMPLITIS = (DEMO_NORD_DIR / "examplitis-syndrome.txt").read_text(encoding="utf-8")
# Schemes a page may link to; anything else in an href (javascript:, data:, vbscript:) could run script.
SAFE_HREF = re.compile(r"^(?:https?://|mailto:|tel:|/|#|\?)")

# (as typed or imported, as stored — or None where the admin refuses it)
WEBSITES = [
    ("http://www.example.org", "http://www.example.org"),
    ("www.example.org", "https://www.example.org"),  # a bare domain, as editors paste them
    (SCRIPT_URL, None),
    ("javascript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("ftp://files.example.org/", None),
]
EMAILS = [
    ("info@example.org", "info@example.org"),
    ("javascript:alert(1)", None),
    ("mailto:info@example.org", None),
    ("info at example dot org", None),
]


def import_examplitis(tmp_path, *, email="info@example.org", website="http://www.example.org"):
    """Import the Examplitis abstract with its first organization's Email and Internet lines replaced."""
    text = EXAMPLITIS.replace("Email: info@example.org", f"Email: {email}")
    text = text.replace("Internet: http://www.example.org", f"Internet: {website}")
    path = tmp_path / "examplitis-syndrome.txt"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_nord", str(path), "--publish", stdout=out)
    return Organization.objects.get(name="Examplitis Support Network"), out.getvalue()


def admin_add_organization(client, *, email="", website=""):
    """Add an organization through the admin form; the saved row, or None when the form refused it."""
    data = {"name": "Typed Organization", "slug": "typed-organization", "email": email, "website": website}
    data.update({"phones-TOTAL_FORMS": "0", "phones-INITIAL_FORMS": "0"})
    response = client.post(reverse("admin:resources_organization_add"), data)
    assert response.status_code in (200, 302)
    return Organization.objects.filter(slug="typed-organization").first()


def hrefs(html):
    return re.findall(r'href="([^"]*)"', html)


# --- Importing ------------------------------------------------------------------------------------------------------


def test_imported_script_website_and_bad_email_are_dropped_with_a_warning(tmp_path, client):
    network, output = import_examplitis(tmp_path, email="javascript:alert(1)", website=SCRIPT_URL)

    assert (network.email, network.website) == ("", "")
    # The summary says which file, which organization and what was dropped; the rest is imported.
    assert (
        f"warning   examplitis-syndrome.txt: Examplitis Support Network: website {SCRIPT_URL!r} dropped"
        in output.replace(str(tmp_path) + "/", "")
    )
    assert "Examplitis Support Network: email 'javascript:alert(1)' dropped" in output
    assert "1 file: 1 created" in output
    assert network.phones.count() == 4
    page = client.get(network.get_absolute_url()).content.decode()
    assert "javascript" not in page
    # Importing the same file again drops the same values again, and so changes nothing.
    _, again = import_examplitis(tmp_path, email="javascript:alert(1)", website=SCRIPT_URL)
    assert "1 file: 0 created, 0 updated, 1 unchanged" in again
    assert again.count("warning") == 2


@pytest.mark.parametrize(("typed", "stored"), WEBSITES)
def test_the_importer_keeps_a_website_exactly_when_the_admin_does(tmp_path, admin_client, typed, stored):
    saved = admin_add_organization(admin_client, website=typed)
    network, output = import_examplitis(tmp_path, website=typed)

    assert (saved.website if saved else None) == stored
    assert network.website == (stored or "")
    assert ("warning" in output) == (stored is None)


@pytest.mark.parametrize(("typed", "stored"), EMAILS)
def test_the_importer_keeps_an_email_exactly_when_the_admin_does(tmp_path, admin_client, typed, stored):
    saved = admin_add_organization(admin_client, email=typed)
    network, output = import_examplitis(tmp_path, email=typed)

    assert (saved.email if saved else None) == stored
    assert network.email == (stored or "")
    assert ("warning" in output) == (stored is None)


def test_source_web_addresses_follow_the_same_rule_in_the_admin(admin_client):
    source = make_source(name="Careful Source")
    url = reverse("admin:disorders_source_change", args=[source.pk])
    data = {"name": source.name, "short_name": "", "slug": source.slug, "notice": "", "website": "ftp://example.org/"}

    response = admin_client.post(url, data)

    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors["website"]
    source.refresh_from_db()
    assert source.website == ""


# --- Rendering rows stored before the rule --------------------------------------------------------------------------


@pytest.fixture
def stored_script_links():
    """A published entry whose organization and source rows hold script links, as rows written before the rule may."""
    disorder = make_disorder("Trap Syndrome")
    organization = make_organization(
        "Trap Foundation", disorder=disorder, email="javascript:alert(1)", website=SCRIPT_URL
    )
    source = make_source(name="Trap Source", website="javascript:alert(2)")
    DisorderSource.objects.create(
        disorder=disorder, source=source, reference="trap", url="javascript:alert(3)", complete_report="Read more."
    )
    republish(disorder)
    return disorder, organization


def test_pages_never_link_a_stored_script_address(client, stored_script_links):
    disorder, organization = stored_script_links

    for url in (disorder.get_absolute_url(), organization.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "javascript" not in html
        unsafe = [href for href in hrefs(html) if not SAFE_HREF.match(href)]
        assert unsafe == [], url


def test_exports_never_carry_a_stored_script_address(client, stored_script_links):
    disorder, _ = stored_script_links

    data = client.get(reverse("disorders:detail-json", kwargs={"slug": disorder.slug})).json()
    text = entry_as_nord_text(export_queryset().get(pk=disorder.pk))

    assert (data["resources"][0]["email"], data["resources"][0]["website"]) == ("", "")
    assert (data["sources"][0]["website"], data["sources"][0]["url"]) == ("", "")
    assert "javascript" not in text


def test_valid_addresses_are_still_linked(client):
    disorder = make_disorder("Fine Syndrome")
    make_organization("Fine Foundation", disorder=disorder, email="info@example.org", website="https://example.org/")

    html = client.get(disorder.get_absolute_url()).content.decode()

    assert "mailto:info@example.org" in hrefs(html)
    assert "https://example.org/" in hrefs(html)


# --- Cleaning stored rows -------------------------------------------------------------------------------------------


def test_migration_blanks_stored_addresses_the_rule_refuses_and_keeps_the_rest():
    bad = make_organization("Bad Links", email="javascript:alert(1)", website=SCRIPT_URL)
    ftp = make_organization("Old Links", email="info@example.org", website="ftp://files.example.org/")
    good = make_organization("Good Links", email="help@example.org", website="https://example.org/")
    migration = importlib.import_module("resources.migrations.0002_blank_unsafe_links")

    migration.blank_unsafe_links(apps, None)

    rows = Organization.objects.order_by("name").values_list("name", "email", "website")
    assert list(rows) == [
        ("Bad Links", "", ""),
        ("Good Links", "help@example.org", "https://example.org/"),
        ("Old Links", "info@example.org", ""),
    ]
    assert {bad.pk, ftp.pk, good.pk} == set(Organization.objects.values_list("pk", flat=True))
