"""What every reader page shares: absolute URLs, GET and HEAD only, HTTP caching and forgiving pagination.

Reader pages set no cookies and are the same for every anonymous reader, so browsers
and a shared proxy may keep them for ``READER_CACHE_SECONDS``. A page whose content
depends on who asks (staff preview drafts on the entry page) is private for signed-in users.
A refused request (400: a search too long) is about that one request, so it is never kept.
"""

import re
from functools import lru_cache, wraps

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

# A value every path converter takes as it is and that quoting leaves alone: a slug.
_PLAIN_VALUE = re.compile(r"[-a-zA-Z0-9_]+")
_PLACEHOLDER = "row-url-placeholder"
_row_urls = {}


def absolute_url(path):
    """``path`` under the configured ``SITE_URL``: canonical links, sitemap and feed never trust the request's host."""
    return f"{settings.SITE_URL}{path}"


def row_url(view_name, value):
    """``reverse(view_name, args=[value])``, at the cost of a string replace once the view's address is known.

    A list of a hundred entries links every row, and ``reverse()`` costs 40-80 µs a call (a tenth
    of an A-Z page's time): the address is reversed once per view, script prefix and URL
    configuration with a placeholder, then filled in. Other values (HPO ids) go through ``reverse()``,
    remembered: a published import links the same signs from thousands of entries.
    """
    key = (view_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if not _PLAIN_VALUE.fullmatch(value):
        return _reversed(*key, value)
    if key not in _row_urls:
        _row_urls[key] = reverse(view_name, args=[_PLACEHOLDER])
    return _row_urls[key].replace(_PLACEHOLDER, value)


@lru_cache(maxsize=50_000)
def _reversed(view_name, script_prefix, urlconf, value):
    return reverse(view_name, args=[value])  # the prefix and URL configuration are in the key: reverse() reads them


def add_reader_cache_headers(response, *, private=False):
    """Mark ``response`` cacheable by anyone, or, with ``private`` or for a refused request, never stored at all."""
    if private or response.status_code == 400:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, public=True, max_age=settings.READER_CACHE_SECONDS)
    return response


def reader_cache(view):
    """Decorate a function view (or a sitemap or feed view) whose response is the same for everyone."""

    @require_safe
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return add_reader_cache_headers(view(request, *args, **kwargs))

    return wrapped


class ReaderCacheMixin:
    """For class-based reader views. Set ``varies_by_user`` where signed-in staff see more than readers."""

    varies_by_user = False
    # Reading only: OPTIONS and TRACE answer 405 like POST.
    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # Only such views look at request.user: reading it touches the session and adds "Vary: Cookie".
        private = self.varies_by_user and request.user.is_authenticated
        return add_reader_cache_headers(response, private=private)


class ForgivingPaginationMixin:
    """A page number that is not a number, or out of range, shows the first or last page instead of a 404.

    Also gives templates ``page_numbers``, the page links to show (with ``…`` gaps), for includes/pagination.html.
    """

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(), allow_empty_first_page=True
        )
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if page is not None:
            context["page_numbers"] = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
        return context
