"""Whole reader responses from the cache in ``CACHE_URL``, invalidated by a content generation.

A reader page is the same for every anonymous reader, and the views already say which are:
they mark them ``Cache-Control: public`` (:mod:`encyclopedia.reader_pages`). What browsers and
proxies may keep, :class:`ReaderPageCacheMiddleware` keeps too, for anyone who sends no session
cookie. Signed-in staff (who preview drafts and see pending changes) always get a fresh page.

Every cached page is stored with the *content generation* it was rendered at: a PostgreSQL
sequence that :func:`content_changed` moves whenever something a reader could see is written
(an entry published or unpublished, a shared row such as a disclaimer or an organization edited).
A page from an older generation is never served, so a publish, a change of the site-wide
disclaimers or a slug change leaves no stale page behind, in any process and with any cache
backend. Each process reads the generation at most once every ``GENERATION_CHECK_SECONDS``
(another process's change shows within that time; this process's own at once), which keeps a
cache hit free of database queries.

The same generation keeps what a page rendered without the cache would otherwise recount on
every request (:func:`per_generation`): a figure over every published entry, computed once per
change readers can see, whether whole pages are cached or not.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.cache import patch_vary_headers

GENERATION_SEQUENCE = "reader_page_generation"
GENERATION_CHECK_SECONDS = 1.0
KEY_PREFIX = "reader-page"
VALUE_SECONDS = 24 * 3600

_process = {"generation": None, "checked_at": 0.0}


def current_generation():
    """The content generation as this process last read it (from the database at most once a second)."""
    now = time.monotonic()
    if _process["generation"] is None or now - _process["checked_at"] >= GENERATION_CHECK_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT last_value FROM {GENERATION_SEQUENCE}")
            _process["generation"] = cursor.fetchone()[0]
        _process["checked_at"] = now
    return _process["generation"]


def _advance():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [GENERATION_SEQUENCE])
        _process["generation"] = cursor.fetchone()[0]
    _process["checked_at"] = time.monotonic()


class _Advance:
    """One queued :func:`_advance`; the changes queued after it, until it runs, need no other."""

    def __init__(self):
        self.savepoints = set(connection.savepoint_ids)
        self.done = False

    def __call__(self):
        self.done = True
        _advance()

    def covers(self):
        # Not yet run, and dropped exactly when the changes now being made are rolled back (same savepoints).
        queued = any(callback is self for _, callback, _ in connection.run_on_commit)
        return queued and not self.done and self.savepoints == set(connection.savepoint_ids)


def content_changed():
    """Say that something readers see is being written: every cached reader page is out of date once it commits.

    After the commit, not before: a page rendered meanwhile from the data as it was would
    otherwise be kept under the new generation. Once per transaction: an import publishes thousands.
    """
    queued = getattr(connection, "reader_page_advance", None)
    if queued is None or not queued.covers():
        connection.reader_page_advance = _Advance()
        transaction.on_commit(connection.reader_page_advance)


def per_generation(name, compute):
    """``compute()``, computed once per content generation and kept in the cache under ``name``.

    For what a page shows of all published entries at once and cannot look up cheaply (the home
    page's recent changes). Inside a transaction it is always computed afresh: what it reads
    there may be that transaction's own writes, which no generation covers until they commit.
    """
    if connection.in_atomic_block:
        return compute()
    key = f"{KEY_PREFIX}:value:{name}:{current_generation()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        # The generation in the key retires the value; the timeout only clears out old generations.
        cache.set(key, value, VALUE_SECONDS)
    return value


def _cache_key(request, compressed):
    # The generation is stored beside the page, not in its key: one cache round trip per request.
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"{KEY_PREFIX}:{'gzip' if compressed else 'identity'}:{address}"


def _accepts_gzip(request):
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _is_cacheable(request):
    return (
        settings.READER_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(f"/{settings.STATIC_URL.strip('/')}/")
    )


def _should_store(request, response):
    cache_control = response.get("Cache-Control", "")
    # A HEAD renders the whole page too (the server drops the body): kept, the GET that follows renders nothing.
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "public" in cache_control
        and "private" not in cache_control
    )


class ReaderPageCacheMiddleware:
    """Serve anonymous reader pages from the cache; store the ones the views mark public.

    Sits just inside ConditionalGetMiddleware and outside GZipMiddleware (it keeps the compressed
    body, so a hit is not compressed again) and outside the session, auth and message middleware,
    which a hit never reaches. The stored page carries its ETag, so a conditional GET answered
    from the cache costs no hashing either.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_cacheable(request):
            return self.get_response(request)
        key = _cache_key(request, _accepts_gzip(request))
        generation = current_generation()
        stored = cache.get(key)
        if stored is not None and stored[0] == generation:
            return stored[1]
        response = self.get_response(request)
        if _should_store(request, response):
            if not response.has_header("ETag"):
                response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
            # Whether the body is compressed depends on this header, so downstream caches must vary on it too.
            patch_vary_headers(response, ["Accept-Encoding"])
            cache.set(key, (generation, response), settings.READER_PAGE_CACHE_SECONDS)
        return response


def _changed(**kwargs):
    content_changed()


def follow(*models, signals=()):
    """Make every save or delete of ``models``, and every sending of ``signals``, a change readers see.

    Each app calls this from its ``ready()`` for what its reader pages show (this package imports no app).
    """
    from django.db.models.signals import post_delete, post_save

    for model in models:
        post_save.connect(_changed, sender=model, dispatch_uid=f"page_cache.save.{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"page_cache.delete.{model._meta.label}")
    for signal in signals:
        signal.connect(_changed, dispatch_uid=f"page_cache.signal.{id(signal)}")
