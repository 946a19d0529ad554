"""Whole reader pages from the cache: served without touching the database, never stale after a change."""

import contextlib
import gzip

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from disorders import publication
from disorders.models import Disclaimer
from encyclopedia import page_cache
from tests.admin_forms import change_url, open_entry
from tests.factories import make_disorder, make_disorder_sign, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_caching(settings):
    # The suite runs with page caching off (its transactions never commit); these tests commit what they write.
    settings.READER_PAGE_CACHE_SECONDS = 3600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def entry(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_disorder("Examplitis", summary="A made-up disorder.")


def test_a_second_anonymous_request_is_served_from_the_cache_without_queries(client, entry, django_assert_num_queries):
    first = client.get(entry.get_absolute_url())
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(entry.get_absolute_url())
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    # The outer middleware still run on a hit: the security headers are on the cached page too.
    assert "default-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Content-Type-Options"] == "nosniff"


def test_a_publish_replaces_the_cached_page_and_an_unpublished_edit_does_not(
    admin_client, client, entry, django_capture_on_commit_callbacks
):
    assert b"Examplitis" in client.get(entry.get_absolute_url()).content
    data = open_entry(admin_client, entry)
    data.update(title="Examplitis renamed", edit_summary="Clearer name")
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(change_url(entry), data).status_code == 302
    # The working copy changed; readers still see the published version, from the cache.
    assert b"Examplitis renamed" not in client.get(entry.get_absolute_url()).content
    data = open_entry(admin_client, entry)
    data.update(edit_summary="Publish the clearer name", _publish="Save and publish")
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(change_url(entry), data).status_code == 302
    assert b"Examplitis renamed" in client.get(entry.get_absolute_url()).content
    assert b"Examplitis renamed" in client.get(reverse("disorders:index") + "?letter=E").content


def test_a_change_of_the_site_wide_disclaimers_replaces_every_cached_page(
    client, entry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        disclaimer, _ = Disclaimer.objects.get_or_create(
            kind=Disclaimer.Kind.MEDICAL, defaults={"title": "Medical disclaimer", "body": "Old wording."}
        )
    assert b"Fresh wording" not in client.get(entry.get_absolute_url()).content
    with django_capture_on_commit_callbacks(execute=True):
        disclaimer.body = "Fresh wording of the disclaimer."
        disclaimer.save()
    assert b"Fresh wording" in client.get(entry.get_absolute_url()).content


def test_an_organization_change_replaces_its_cached_page(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        disorder = make_disorder("Examplitis")
        organization = make_organization("Examplitis Support Group", disorder=disorder)
    assert b"Examplitis Support Group" in client.get(organization.get_absolute_url()).content
    with django_capture_on_commit_callbacks(execute=True):
        organization.name = "Examplitis Alliance"
        organization.save()
    assert b"Examplitis Alliance" in client.get(organization.get_absolute_url()).content


def test_an_uncommitted_change_does_not_move_the_generation(entry):
    before = page_cache.current_generation()
    page_cache.content_changed()  # queued for a commit that this test's transaction never makes
    page_cache._process["checked_at"] = 0  # read the database again, not this process's memory
    assert page_cache.current_generation() == before


def test_a_bulk_publish_moves_the_generation_once_as_it_commits(django_capture_on_commit_callbacks):
    entries = [make_disorder(f"Entry {number}", published=False) for number in range(3)]
    before = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        assert len(publication.publish_many([disorder.pk for disorder in entries], user=None)) == 3
    assert page_cache.current_generation() == before + 1


def test_a_change_rolled_back_with_its_savepoint_does_not_stand_for_a_later_one(django_capture_on_commit_callbacks):
    before = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        with contextlib.suppress(LookupError), transaction.atomic():
            page_cache.content_changed()
            raise LookupError("rolled back")
        page_cache.content_changed()
    assert page_cache.current_generation() == before + 1


def test_staff_and_anyone_with_a_session_get_a_fresh_page(admin_client, client, entry, django_assert_max_num_queries):
    client.get(entry.get_absolute_url())  # now cached for readers
    with django_assert_max_num_queries(30) as staff_queries:
        staff_page = admin_client.get(entry.get_absolute_url())
    assert staff_page.status_code == 200
    assert len(staff_queries) > 0
    assert "private" in staff_page["Cache-Control"]


def test_pages_are_kept_per_encoding_and_say_they_vary_on_it(client, entry):
    plain = client.get(entry.get_absolute_url())
    compressed = client.get(entry.get_absolute_url(), headers={"accept-encoding": "gzip"})
    again = client.get(entry.get_absolute_url(), headers={"accept-encoding": "gzip"})
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == again["Content-Encoding"] == "gzip"
    assert gzip.decompress(again.content) == plain.content
    assert "Accept-Encoding" in again["Vary"]


def test_a_conditional_get_of_a_cached_page_answers_304(client, entry):
    etag = client.get(entry.get_absolute_url())["ETag"]
    assert client.get(entry.get_absolute_url(), headers={"if-none-match": etag}).status_code == 304


def test_head_is_answered_from_the_cached_get(client, entry, django_assert_num_queries):
    client.get(entry.get_absolute_url())
    with django_assert_num_queries(0):
        response = client.head(entry.get_absolute_url())
    assert response.status_code == 200
    assert response.content == b""


def test_a_head_renders_the_page_once_for_the_get_that_follows(client, entry, django_assert_num_queries):
    assert client.head(entry.get_absolute_url()).content == b""
    with django_assert_num_queries(0):
        response = client.get(entry.get_absolute_url())
    assert b"Examplitis" in response.content
    assert response["ETag"]


def test_refused_and_missing_pages_are_not_kept(client, entry, django_assert_max_num_queries):
    for _ in range(2):
        missing = client.get("/disorders/no-such-entry/")
        assert missing.status_code == 404
        refused = client.get(reverse("disorders:search"), {"q": "x" * 1000})
        assert refused.status_code == 400
    assert not any(key for key in cache._cache if page_cache.KEY_PREFIX in key)


def test_the_query_string_is_part_of_the_address(client, entry):
    letter_e = client.get(reverse("disorders:index"), {"letter": "E"})
    letter_z = client.get(reverse("disorders:index"), {"letter": "Z"})
    assert b"Examplitis" in letter_e.content
    assert b"Examplitis" not in letter_z.content


# What a page without the cache keeps per content generation (page_cache.per_generation): only committed
# writes move the generation, so these tests commit theirs.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_home_page_reads_recent_changes_once_per_change_readers_see(
    client, settings, django_assert_max_num_queries
):
    settings.READER_PAGE_CACHE_SECONDS = 0  # a page rendered every time, as without the page cache
    make_disorder("Examplitis")
    assert b"Examplitis" in client.get(reverse("home")).content
    # Classification roots, A-Z letters (and at most the generation): not the recent changes again.
    with django_assert_max_num_queries(3):
        assert b"Examplitis" in client.get(reverse("home")).content
    make_disorder("Otheritis")  # committed: a new generation
    assert b"Otheritis" in client.get(reverse("home")).content


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sitemap_index_and_the_signs_index_follow_a_committed_change(
    client, settings, django_assert_max_num_queries
):
    settings.READER_PAGE_CACHE_SECONDS = 0
    disorder = make_disorder("Examplitis")
    assert b"sitemap-signs.xml" not in client.get(reverse("sitemap")).content
    assert b"Tall stature" not in client.get(reverse("disorders:sign-index") + "?letter=T").content
    with django_assert_max_num_queries(1):  # the kept pages of each kind; at most the generation is read again
        client.get(reverse("sitemap"))
    make_disorder_sign(disorder, "HP:0000098", "Tall stature")  # republished, committed: a new generation
    assert b"sitemap-signs.xml" in client.get(reverse("sitemap")).content
    assert b"Tall stature</a>" in client.get(reverse("disorders:sign-index") + "?letter=T").content


def test_inside_a_transaction_a_value_is_computed_afresh(entry):
    # What a transaction reads may be its own uncommitted writes, which no generation covers yet.
    computed = []
    for _ in range(2):
        page_cache.per_generation("test", lambda: computed.append(1) or len(computed))
    assert computed == [1, 1]
