"""Reader pages around the entries: home, A-Z, classifications, organizations, sitemap, robots, feed, errors.

They leak no drafts, set no cookies, may be kept by a shared cache, build absolute URLs from SITE_URL
and stay within a fixed number of queries.
"""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import get_template
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from disorders import history, publication
from disorders.models import Code, Disorder, Subdivision
from resources.models import Organization
from tests.conftest import sitemap_documents, sitemap_text
from tests.factories import make_classification, make_code, make_disorder, make_organization, republish
from tests.sample_entries import JMML_TITLE, make_jmml_entry

pytestmark = pytest.mark.django_db

SITE_URL = "https://rare.example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL
    settings.READER_CACHE_SECONDS = 600


@pytest.fixture
def jmml():
    return make_jmml_entry()


@pytest.fixture
def draft():
    """An unpublished entry whose names and text must appear on no reader page."""
    disorder = make_disorder("Jabberwock Syndrome", published=False, synonyms=["Jabber disease"])
    return disorder


@pytest.fixture
def tree(jmml, draft):
    """Rare diseases > Hematologic diseases > Myeloid neoplasms, with JMML and the draft under the leaf."""
    root = make_classification("Rare diseases")
    branch = make_classification("Hematologic diseases", parent=root)
    leaf = make_classification("Myeloid neoplasms", parent=branch)
    make_classification("Lymphoid neoplasms", parent=branch)
    jmml.classifications.add(leaf)
    republish(jmml)
    draft.classifications.add(leaf)
    republish(draft)
    return root, branch, leaf


def reader_urls(jmml, tree):
    branch = tree[1]
    organization = jmml.resources.first().organization
    return {
        "home": reverse("home"),
        "a-z": reverse("disorders:index") + "?letter=J",
        "entry": jmml.get_absolute_url(),
        "search": reverse("disorders:search") + "?q=jmml",
        "suggest": reverse("disorders:suggest") + "?q=jmm",
        "classification": branch.get_absolute_url(),
        "organizations": reverse("resources:organizations") + "?region=NY",
        "organization": organization.get_absolute_url(),
        "disclaimers": reverse("disclaimers"),
        "sitemap": reverse("sitemap"),
        "robots": reverse("robots"),
        "feed": reverse("disorders:updates-feed"),
    }


# Home


def test_home_has_search_box_az_bar_classification_roots_and_recent_updates(client, jmml, draft, tree):
    older = make_disorder(
        "Acute Myeloid Leukemia", content_changed_at=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)
    )

    response = client.get(reverse("home"))

    html = response.content.decode()
    assertContains(response, '<form class="search-box" role="search"', count=1)
    assertContains(response, 'action="/search/"')
    assertContains(response, '<a href="/disorders/?letter=J">J</a>', html=True)
    assertContains(response, '<span class="az-empty" title="No entries">Z</span>', html=True)
    assertContains(response, f'<a href="{tree[0].get_absolute_url()}">Rare diseases</a>', html=True)
    assertNotContains(response, "Hematologic diseases")  # roots only
    assert html.index(JMML_TITLE) < html.index(older.title)  # most recently changed first
    assertNotContains(response, "Jabberwock")


def test_home_lists_editors_changes_and_sums_up_each_import_in_one_line(client, editor, reviewer):
    imported = [make_disorder(f"Importosis {number}", published=False) for number in range(12)]
    for disorder in imported:
        history.record_revision(disorder, user=history.system_user(), comment="Imported from Orphanet (packets)")
    # As import_orphanet --publish does: the run's entries published in bulk.
    publication.publish_many([disorder.pk for disorder in imported], user=history.system_user())
    edited = imported[3]
    edited.title = "Importosis 3, revised"
    edited.save()
    history.record_revision(edited, user=editor, comment="Clearer title")
    assert "Importosis 3, revised" not in client.get(reverse("home")).content.decode()  # not published yet
    publication.publish(edited, user=reviewer)

    response = client.get(reverse("home"))

    recent = [disorder.title for disorder in response.context["recently_updated"]]
    assert recent == ["Importosis 3, revised"]
    assertContains(response, "12 entries updated from their sources")  # one import day, one line
    assertNotContains(response, "Importosis 7")


# A-Z


def test_az_lists_titles_and_synonyms_each_leading_to_its_entry(client, jmml, draft):
    response = client.get(reverse("disorders:index"), {"letter": "j"})

    entry = jmml.get_absolute_url()
    assertContains(response, "<h1>Entries A\N{EN DASH}Z: J</h1>", html=True)
    assertContains(response, f'<li><a href="{entry}">{JMML_TITLE}</a></li>', html=True)
    assertContains(
        response,
        f'<li class="synonym"><a href="{entry}">JMML</a> <span class="see">synonym of {JMML_TITLE}</span></li>',
        html=True,
    )
    assertContains(response, '<a href="/disorders/?letter=J" aria-current="page">J</a>', html=True)
    assertNotContains(response, "Jabber")
    under_c = client.get(reverse("disorders:index"), {"letter": "C"})
    assertContains(under_c, f'<a href="{entry}">chronic myelomonocytic leukemia of infancy</a>', html=True)


def test_az_files_names_without_accents_and_digits_apart(client):
    accented = make_disorder("Ëxamplitis of Müller")
    numbered = make_disorder("3-M Syndrome", synonyms=["Three M syndrome"])

    under_e = client.get(reverse("disorders:index"), {"letter": "E"})
    other = client.get(reverse("disorders:index"), {"letter": "0-9"})
    under_t = client.get(reverse("disorders:index"), {"letter": "T"})

    assertContains(under_e, f'<a href="{accented.get_absolute_url()}">Ëxamplitis of Müller</a>', html=True)
    assertContains(other, "<h1>Entries A\N{EN DASH}Z: 0\N{EN DASH}9</h1>", html=True)
    assertContains(other, f'<a href="{numbered.get_absolute_url()}">3-M Syndrome</a>', html=True)
    assertContains(under_t, "synonym of 3-M Syndrome")


def test_az_bar_links_only_letters_a_published_title_or_synonym_starts(client, jmml, draft):
    make_disorder("Ëxamplitis", synonyms=["Zebra disease"], subdivisions=["Quokka type"])
    make_disorder("Withdrawn Syndrome", published=False)

    response = client.get(reverse("home"))

    linked = set(re.findall(r'href="/disorders/\?letter=([^"]+)"', response.content.decode()))
    # J and C: JMML's title and synonyms; E and Z: accents ignored, a synonym counts; not Q (a subdivision),
    # W (a draft) or 0-9 (no name starts with a digit yet).
    assert linked == {"J", "C", "E", "Z"}
    assertContains(response, '<span class="az-empty" title="No entries">Q</span>', html=True)

    make_disorder("3-M Syndrome")
    assert "0-9" in set(re.findall(r'letter=([^"]+)"', client.get(reverse("home")).content.decode()))


def test_az_defaults_to_a_refuses_unknown_letters_and_paginates(client):
    for number in range(105):
        make_disorder(f"Alphatosis {number:03}")

    first = client.get(reverse("disorders:index"))
    second = client.get(reverse("disorders:index"), {"letter": "A", "page": "2"})

    assert first.context["letter"] == "A"
    assert len(first.context["names"]) == 100
    assert len(second.context["names"]) == 5
    assertContains(first, 'href="?page=2"')
    assertContains(second, f'<link rel="canonical" href="{SITE_URL}/disorders/?letter=A&amp;page=2">', html=True)
    for letter in ["AB", "<script>", "%", "ä"]:
        response = client.get(reverse("disorders:index"), {"letter": letter})
        assert response.status_code == 404
        assertNotContains(response, "<script>", status_code=404)


def test_az_letter_with_several_pages_lets_readers_jump_by_first_and_last_name(client, django_assert_max_num_queries):
    for number in range(1, 121):
        make_disorder(f"Kappa disease {number:03}", synonyms=[f"K-{number:03} syndrome"])

    with django_assert_max_num_queries(4):  # A-Z letters, count, page, page edges
        response = client.get(reverse("disorders:index"), {"letter": "K", "page": "2"})

    assert [(r["number"], r["first"], r["last"]) for r in response.context["page_ranges"]] == [
        (1, "K-001 syndrome", "K-100 syndrome"),
        (2, "K-101 syndrome", "Kappa disease 080"),
        (3, "Kappa disease 081", "Kappa disease 120"),
    ]
    assertContains(response, '<nav class="page-ranges" aria-label="Pages under K">')
    assertContains(
        response, '<a href="?letter=K&amp;page=2" aria-current="page">K-101 syndrome – Kappa disease 080</a>', html=True
    )
    assert client.get(reverse("disorders:index"), {"letter": "Q"}).context["page_ranges"] == []


# Classifications


def test_classification_page_has_breadcrumb_to_the_root_children_and_published_entries(client, jmml, tree):
    root, branch, leaf = tree

    middle = client.get(branch.get_absolute_url())
    bottom = client.get(leaf.get_absolute_url())

    assertContains(middle, f'<li><a href="{root.get_absolute_url()}">Rare diseases</a></li>', html=True)
    assertContains(middle, f'<a href="{leaf.get_absolute_url()}">Myeloid neoplasms</a>', html=True)
    assertContains(middle, "Lymphoid neoplasms")
    assertContains(middle, "No published entries are classified directly under this group.")
    crumbs = re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a></li>', bottom.content.decode().split("</nav>", 2)[1])
    assert crumbs == ["Home", "Rare diseases", "Hematologic diseases", "Myeloid neoplasms"]
    assertContains(bottom, f'<a href="{jmml.get_absolute_url()}">{JMML_TITLE}</a>', html=True)
    assertNotContains(bottom, "Jabberwock")
    assertContains(bottom, f'<link rel="canonical" href="{SITE_URL}{leaf.get_absolute_url()}">', html=True)


def test_classification_page_sorts_entries_as_people_do(client):
    node = make_classification("Dystrophies")
    titles = ["dystrophy type 10", "Dystrophy type 2", "Émery dystrophy", "adult dystrophy", "Dystrophy type 1"]
    for title in titles:
        make_disorder(title, classifications=[node])

    response = client.get(node.get_absolute_url())

    listed = [disorder.title for disorder in response.context["disorders"]]
    assert listed == ["adult dystrophy", "Dystrophy type 1", "Dystrophy type 2", "dystrophy type 10", "Émery dystrophy"]


def test_classification_page_shows_100_entries_a_page(client):
    node = make_classification("Crowded group")
    for number in range(1, 131):
        make_disorder(f"Crowdosis {number}", classifications=[node])

    first = client.get(node.get_absolute_url())
    second = client.get(node.get_absolute_url(), {"page": "2"})

    assert [disorder.title for disorder in first.context["disorders"]][-1] == "Crowdosis 100"
    assert [disorder.title for disorder in second.context["disorders"]] == [f"Crowdosis {n}" for n in range(101, 131)]
    assertContains(first, "(130, page 1 of 2)")
    assertContains(first, '<a href="?page=2" rel="next">')
    assertContains(second, f'<link rel="canonical" href="{SITE_URL}{node.get_absolute_url()}?page=2">', html=True)
    assert client.get(node.get_absolute_url(), {"page": "x²"}).status_code == 200


def test_every_node_of_a_tree_carries_the_attribution_its_root_gives(client, tree):
    root, _, leaf = tree
    root.description = "Orphanet, INSERM — [www.orpha.net](https://www.orpha.net). Licensed under CC BY 4.0."
    root.save()

    response = client.get(leaf.get_absolute_url())

    assertContains(
        response, 'Orphanet, INSERM — <a href="https://www.orpha.net" rel="noopener noreferrer">www.orpha.net</a>'
    )
    assert client.get(reverse("disorders:classification", args=["no-such-node"])).status_code == 404


# Organizations


def test_directory_lists_every_organization_with_its_place(client, jmml):
    response = client.get(reverse("resources:organizations"))

    assertContains(response, "4 organizations")
    assertContains(response, "Leukemia &amp; Lymphoma Society")
    assertContains(response, '<span class="meta">Geneva 27, Switzerland</span>', html=True)
    assertContains(response, '<span class="meta">New York, NY</span>', html=True)
    assertContains(response, '<option value="Switzerland">Switzerland</option>', html=True)
    assertContains(response, '<option value="NY">NY</option>', html=True)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"country": "Switzerland"}, ["Müller Foundation", "World Health Organization (WHO)"]),
        ({"region": "NY"}, ["Children's Tumor Foundation", "Leukemia & Lymphoma Society"]),
        ({"region": "AZ", "country": ""}, ["Rare Cancer Alliance"]),
        ({"q": "lymphoma"}, ["Leukemia & Lymphoma Society"]),
        ({"q": "tumour"}, []),
        ({"q": "muller"}, ["Müller Foundation"]),  # accents and case ignored
        ({"q": "%"}, []),
        ({"country": "Atlantis"}, None),  # not a choice: reported, other filters still apply
    ],
)
def test_directory_filters_by_country_and_state_and_searches_by_name(client, jmml, filters, expected):
    make_organization("Müller Foundation", locality="Bern", country="Switzerland", disorder=jmml)
    expected = expected if expected is not None else list(Organization.objects.values_list("name", flat=True))

    response = client.get(reverse("resources:organizations"), filters)

    assert response.status_code == 200
    assert [organization.name for organization in response.context["organizations"]] == sorted(expected)
    if "Atlantis" in filters.values():
        assertContains(response, "Select a valid choice.")


def test_directory_and_sitemap_leave_out_organizations_no_published_entry_lists(client, jmml, draft):
    unused = make_organization("Placeholder Society", region="ZZ")
    drafts_only = make_organization("Draft Helpers", country="Atlantis", disorder=draft)

    directory = client.get(reverse("resources:organizations"))
    sitemap = sitemap_text(client)

    assertContains(directory, "4 organizations")
    for organization in (unused, drafts_only):
        assertNotContains(directory, organization.name)
        assert organization.get_absolute_url() not in sitemap
        # Not public: the page answers as a draft entry does.
        assert client.get(organization.get_absolute_url()).status_code == 404
    assertNotContains(directory, '<option value="ZZ">')
    assertNotContains(directory, '<option value="Atlantis">')


def test_organization_page_has_full_contact_details_and_published_entries_served(client, jmml, draft):
    organization = Organization.objects.get(name="Children's Tumor Foundation")
    organization.disorder_links.create(disorder=draft)

    response = client.get(organization.get_absolute_url())

    assertContains(response, "95 Pine Street<br>16th Floor<br>New York, NY 10005-4002")
    assertContains(response, '<a href="tel:+18003237938">(800)323-7938</a>', html=True)
    assertContains(response, '<a href="mailto:info@ctf.example.org">info@ctf.example.org</a>', html=True)
    assertContains(response, f'<a href="{jmml.get_absolute_url()}">{JMML_TITLE}</a>', html=True)
    assertNotContains(response, "Jabberwock")
    assertContains(response, f'<link rel="canonical" href="{SITE_URL}{organization.get_absolute_url()}">', html=True)


# Sitemap, robots, feed


def test_sitemap_lists_published_entries_with_content_changed_dates_under_site_url(client, jmml, draft, tree):
    entries = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for _, text in sitemap_documents(client)
        for url in ET.fromstring(text)
    }
    assert entries[f"{SITE_URL}{jmml.get_absolute_url()}"] == "2024-03-15"  # content_changed_at
    assert f"{SITE_URL}/" in entries
    assert f"{SITE_URL}/disorders/" in entries
    assert f"{SITE_URL}/organizations/" in entries
    assert f"{SITE_URL}{tree[2].get_absolute_url()}" in entries
    organization = jmml.resources.first().organization
    assert f"{SITE_URL}{organization.get_absolute_url()}" in entries
    assert not any("jabberwock" in location for location in entries)
    assert all(location.startswith(SITE_URL + "/") for location in entries)


def test_robots_txt_names_the_sitemap(client):
    response = client.get(reverse("robots"))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {SITE_URL}/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    # Search pages say noindex themselves; blocked here, a crawler would never read that.
    assert not any(line.startswith("Disallow: /search") for line in lines)


def test_feed_lists_content_changes_newest_first_without_drafts(client, jmml, draft):
    newer = make_disorder("Acute Myeloid Leukemia", summary="A cancer of the blood-forming tissue.")

    response = client.get(reverse("disorders:updates-feed"))

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE_URL}/feeds/updates/"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [newer.title, JMML_TITLE]
    first, second = entries
    assert first.find(f"{ATOM}link").get("href") == f"{SITE_URL}{newer.get_absolute_url()}"
    assert first.findtext(f"{ATOM}summary") == "A cancer of the blood-forming tissue."
    assert second.findtext(f"{ATOM}updated").startswith("2024-03-15T12:00:00")
    assert second.findtext(f"{ATOM}summary").startswith("Juvenile myelomonocytic leukemia (JMML) is a rare")
    assert b"Jabberwock" not in response.content


# Entry page: canonical, description, structured data


def _json_ld(response):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_entry_has_canonical_link_description_and_json_ld(client, jmml):
    make_code(jmml, Code.System.ORPHA, "86834")
    make_code(jmml, Code.System.ICD10, "C93.3", relation=Code.Relation.NARROWER)
    Subdivision.objects.create(disorder=jmml, name="Monosomy 7 JMML")
    Disorder.objects.filter(pk=jmml.pk).update(summary="A rare blood cancer of young children.")
    republish(jmml)

    response = client.get(jmml.get_absolute_url())

    url = f"{SITE_URL}{jmml.get_absolute_url()}"
    assertContains(response, f'<link rel="canonical" href="{url}">', html=True)
    assertContains(response, '<meta name="description" content="A rare blood cancer of young children.">', html=True)
    data = _json_ld(response)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == url
    assert data["description"] == "A rare blood cancer of young children."
    assert data["dateModified"].startswith("2024-03-15")
    condition = data["about"]
    assert condition["@type"] == "MedicalCondition"
    assert condition["name"] == JMML_TITLE
    assert condition["alternateName"] == ["chronic myelomonocytic leukemia of infancy", "JMML"]
    # Only exact mappings name the condition: the narrower ICD-10 code is another condition.
    assert condition["code"] == [
        {"@type": "MedicalCode", "codingSystem": "ORPHA", "codeValue": "86834"},
    ]
    assert condition["sameAs"] == ["https://www.orpha.net/en/disease/detail/86834"]


def test_json_ld_cannot_be_broken_out_of(client):
    hostile = "</script><script>alert(1)</script><!--"
    disorder = make_disorder("Escapitis", synonyms=[hostile, "A & B"])

    response = client.get(disorder.get_absolute_url())

    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html
    assert _json_ld(response)["about"]["alternateName"] == [hostile, "A & B"]


# What every reader page shares


def test_reader_pages_set_no_cookies_and_may_be_cached_publicly(client, jmml, tree):
    for name, url in reader_urls(jmml, tree).items():
        response = client.get(url)

        assert response.status_code == 200, name
        assert not response.cookies, name
        assert "Set-Cookie" not in response.headers, name
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=600"} <= cache_control, name


def test_staff_previews_are_never_stored_by_caches(client, editor, draft, jmml):
    client.force_login(editor)

    for url in [draft.get_absolute_url(), jmml.get_absolute_url()]:
        response = client.get(url, follow=True)  # a draft leads staff to its preview

        assert response.status_code == 200
        assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
        assert "public" not in response["Cache-Control"]
        assert "Cookie" in response["Vary"]


def test_reader_pages_have_no_inline_script_or_style(client, jmml, tree):
    for name, url in reader_urls(jmml, tree).items():
        if name in {"suggest", "sitemap", "robots", "feed"}:
            continue
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/ld+json"' in tag, (name, tag)
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), name


def test_canonical_links_use_site_url(client, jmml, tree):
    expected = {
        reverse("home"): f"{SITE_URL}/",
        reverse("disorders:index") + "?letter=J": f"{SITE_URL}/disorders/?letter=J",
        reverse("resources:organizations"): f"{SITE_URL}/organizations/",
        jmml.get_absolute_url(): f"{SITE_URL}{jmml.get_absolute_url()}",
    }
    for url, canonical in expected.items():
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assertContains(response, f'<link rel="canonical" href="{canonical}">', html=True)


def test_not_found_page_offers_the_search_box(client):
    response = client.get("/disorders/no-such-entry/")

    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, '<form class="search-box" role="search"', status_code=404)
    assertContains(response, 'action="/search/"', status_code=404)
    assertContains(response, '<meta name="robots" content="noindex">', status_code=404, html=True)


def test_server_error_page_renders_without_request_or_database():
    html = get_template("500.html").render()

    assert "Something went wrong" in html
    assert 'action="/search/"' in html


# Query budgets (anonymous readers: no session lookup)


def test_query_budgets(client, jmml, tree, django_assert_max_num_queries):
    for number in range(30):
        make_disorder(f"Budgetosis {number}", synonyms=[f"BGT{number}"])
        make_organization(f"Budget Helpers {number}", region="NY", disorder=jmml)
    organization = Organization.objects.get(name="Children's Tumor Foundation")
    budgets = {
        reverse("home"): 4,  # recently updated, import days, classification roots, A-Z letters
        reverse("disorders:index") + "?letter=B": 3,  # A-Z letters, count, page
        reverse("disorders:search") + "?q=budgetosis": 3,  # ranking and count, the page with its snippets, gene or sign
        reverse("disorders:search") + "?q=zzzzqqq": 3,  # count, gene or sign pages, did you mean
        reverse("disorders:suggest") + "?q=budg": 1,
        reverse("resources:organizations") + "?region=NY": 3,  # filter choices, count, page
        organization.get_absolute_url(): 3,  # organization, phones, entries
        tree[2].get_absolute_url(): 4,  # node with its tree path, its ancestors, children, entries
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url
