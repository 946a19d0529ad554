"""What machines read of the site: feed ids, structured data, the sitemap index, robots, favicon, link previews."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from disorders import history
from disorders.models import Code, Disorder
from tests.conftest import SITEMAP_NS, sitemap_documents, sitemap_text
from tests.factories import make_classification, make_code, make_disorder, make_organization, republish

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITE = "https://rare.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE
    settings.FEED_TAG_AUTHORITY = "rare.example.org"


def feed_ids(client):
    feed = ET.fromstring(client.get(reverse("disorders:updates-feed")).content)
    return feed, {entry.findtext(f"{ATOM}title"): entry.findtext(f"{ATOM}id") for entry in feed.iter(f"{ATOM}entry")}


# --- Feed -----------------------------------------------------------------------------------------------------------


def test_feed_entry_ids_are_tag_uris_that_survive_a_slug_rename_and_a_new_site_url(client, settings):
    disorder = make_disorder("Marfan syndrome")
    feed, ids = feed_ids(client)
    assert ids["Marfan syndrome"] == f"tag:rare.example.org,{disorder.created_at:%Y-%m-%d}:entry:{disorder.pk}"
    assert feed.get(XML_LANG) == "en"

    Disorder.objects.filter(pk=disorder.pk).update(slug="marfan")
    settings.SITE_URL = "https://rare.example.com"
    _, after = feed_ids(client)
    assert after == ids


def test_a_slug_rename_is_not_a_content_change(editor):
    disorder = make_disorder("Marfan syndrome")
    history.record_revision(disorder, user=editor, comment="First")
    changed_at = Disorder.objects.get(pk=disorder.pk).content_changed_at

    disorder.slug = "marfan"
    disorder.save()
    revision = history.record_revision(disorder, user=editor, comment="Shorter address")

    assert revision is not None  # recorded (the old address is kept and redirects)
    assert Disorder.objects.get(pk=disorder.pk).content_changed_at == changed_at
    disorder.summary = "Now with a summary."
    disorder.save()
    history.record_revision(disorder, user=editor, comment="Summary")
    assert Disorder.objects.get(pk=disorder.pk).content_changed_at > changed_at


# --- Structured data and link previews ------------------------------------------------------------------------------


def structured_data(client, disorder):
    html = client.get(disorder.get_absolute_url()).content.decode()
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_json_ld_codes_are_exact_mappings_and_same_as_links_orphanet_and_omim(client):
    disorder = make_disorder("Retinitis pigmentosa")
    make_code(disorder, Code.System.ORPHA, "791")
    make_code(disorder, Code.System.OMIM, "268000")
    make_code(disorder, Code.System.ICD10, "H35.5")
    for number in range(5):
        make_code(disorder, Code.System.OMIM, f"60000{number}", relation=Code.Relation.NARROWER)
    make_code(disorder, Code.System.MESH, "D012174", relation=Code.Relation.BROADER)

    condition = structured_data(client, disorder)["about"]

    assert [(code["codingSystem"], code["codeValue"]) for code in condition["code"]] == [
        ("ICD-10", "H35.5"),
        ("OMIM", "268000"),
        ("ORPHA", "791"),
    ]
    assert condition["sameAs"] == ["https://omim.org/entry/268000", "https://www.orpha.net/en/disease/detail/791"]


def test_entries_have_open_graph_and_twitter_card_tags(client):
    disorder = make_disorder("Marfan syndrome", summary="A disorder of connective tissue.")
    response = client.get(disorder.get_absolute_url())
    url = f"{SITE}{disorder.get_absolute_url()}"
    for tag in [
        '<meta property="og:type" content="article">',
        '<meta property="og:title" content="Marfan syndrome">',
        '<meta property="og:description" content="A disorder of connective tissue.">',
        f'<meta property="og:url" content="{url}">',
        '<meta name="twitter:card" content="summary">',
        '<meta name="twitter:title" content="Marfan syndrome">',
    ]:
        assertContains(response, tag, html=True)


def test_pages_carry_one_language_tag(client, settings):
    disorder = make_disorder("Marfan syndrome")
    assert settings.LANGUAGE_CODE == "en"
    for url in [reverse("home"), disorder.get_absolute_url(), reverse("disorders:search") + "?q=marfan"]:
        assert '<html lang="en">' in client.get(url).content.decode()


# --- Sitemap and robots ---------------------------------------------------------------------------------------------


def test_the_sitemap_is_an_index_of_one_sitemap_per_kind(client):
    disorder = make_disorder("Marfan syndrome")
    make_organization("Marfan Foundation", disorder=disorder)
    disorder.classifications.add(make_classification("Connective tissue", parent=make_classification("Systems")))
    republish(disorder)

    index = ET.fromstring(client.get(reverse("sitemap")).content)

    assert index.tag == f"{SITEMAP_NS}sitemapindex"
    locations = [location.text for location in index.iter(f"{SITEMAP_NS}loc")]
    assert locations == [
        f"{SITE}/sitemap-{section}.xml" for section in ("pages", "entries", "classifications", "organizations")
    ]  # no genes or signs yet: an empty sitemap is left out
    assert all(ET.fromstring(text).tag == f"{SITEMAP_NS}urlset" for _, text in sitemap_documents(client))


def test_the_sitemap_leaves_out_classification_nodes_without_published_entries(client):
    root = make_classification("Body systems")
    full = make_classification("Skeleton", parent=root)
    empty = make_classification("Empty group", parent=root)
    drafts_only = make_classification("Draft group", parent=root)
    aarskog = make_disorder("Aarskog syndrome")
    aarskog.classifications.add(full)
    republish(aarskog)
    make_disorder("Draft syndrome", published=False).classifications.add(drafts_only)

    sitemap = sitemap_text(client)

    assert f"{SITE}{root.get_absolute_url()}<" in sitemap  # its subtree has an entry
    assert f"{SITE}{full.get_absolute_url()}<" in sitemap
    assert empty.get_absolute_url() not in sitemap
    assert drafts_only.get_absolute_url() not in sitemap


def test_the_sitemap_lists_index_pages_by_their_canonical_address(client):
    make_disorder("Aarskog syndrome")
    make_disorder("Marfan syndrome")
    sitemap = sitemap_text(client)
    assert f"<loc>{SITE}/disorders/</loc>" in sitemap
    assert f"<loc>{SITE}/disorders/?letter=M</loc>" in sitemap
    assert "letter=A" not in sitemap  # the first letter's page is /disorders/ itself
    assert "letter=B" not in sitemap  # nothing filed under B
    assertContains(client.get("/disorders/"), f'<link rel="canonical" href="{SITE}/disorders/">', html=True)
    assertContains(client.get("/disorders/?letter=A"), f'<link rel="canonical" href="{SITE}/disorders/">', html=True)
    assertContains(
        client.get("/disorders/?letter=M"), f'<link rel="canonical" href="{SITE}/disorders/?letter=M">', html=True
    )


def test_search_pages_say_noindex_and_robots_txt_lets_crawlers_read_that(client):
    assertContains(client.get(reverse("disorders:search") + "?q=marfan"), 'content="noindex, follow"')
    robots = client.get(reverse("robots")).content.decode()
    assert "/search" not in robots


# --- Favicon and methods --------------------------------------------------------------------------------------------


def test_the_favicon_exists_and_pages_link_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assertContains(client.get(reverse("home")), f'<link rel="icon" href="{response["Location"]}" sizes="32x32">')


def test_codes_feeds_json_and_sitemaps_answer_only_get_and_head(client):
    disorder = make_disorder("Marfan syndrome")
    make_code(disorder, Code.System.ORPHA, "558")
    for url in [
        reverse("disorders:code", args=["ORPHA", "558"]),
        reverse("disorders:updates-feed"),
        reverse("disorders:detail-json", args=[disorder.slug]),
        reverse("sitemap"),
        reverse("sitemap-section", args=["entries"]),
        reverse("api-entry-schema"),
    ]:
        assert client.get(url).status_code in (200, 302), url
        assert client.head(url).status_code in (200, 302), url
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url).status_code == 405, (method, url)
