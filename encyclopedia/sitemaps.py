"""``/sitemap.xml``: an index of one sitemap per kind of page, every address under the configured ``SITE_URL``."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse

from encyclopedia import page_cache
from encyclopedia.reader_pages import absolute_url


class SiteURLSitemap(Sitemap):
    """A sitemap whose locations start with ``SITE_URL``, whichever host the request used."""

    def get_urls(self, page=1, site=None, protocol=None):
        base = urlsplit(settings.SITE_URL)
        return super().get_urls(page, site=SimpleNamespace(domain=base.netloc + base.path), protocol=base.scheme)

    def page_count(self):
        """How many pages of at most ``limit`` addresses the index lists for this sitemap (0: it lists nothing).

        The index asks it of every kind at once, so it must be cheap at full size: where the model's
        table holds no more rows than one page takes, whether anything is listed settles it (one
        EXISTS), where counting, say, the signs some published entry has took 60-90 ms.
        """
        items = self.items()
        if isinstance(items, QuerySet) and items.model._base_manager.count() <= self.limit:
            return int(self.has_items())
        return self.paginator.num_pages if self.paginator.count else 0

    def has_items(self):
        return self.items().exists()


class PagesSitemap(SiteURLSitemap):
    """The pages that are not an entry, a classification or an organization."""

    def items(self):
        return ["home", "disorders:index", "disorders:sign-index", "resources:organizations", "disclaimers"]

    def location(self, name):
        return reverse(name)

    def page_count(self):
        return 1  # a handful of fixed pages (and at most two alphabets' letters): never empty, never a second page


def sitemap_index(request, sitemaps):
    """The sitemap index: each kind of page's sitemap, paged past ``Sitemap.limit`` (50,000), empty ones left out.

    Django's own index view builds addresses from the request's host; ours come from ``SITE_URL``.
    """
    items = []
    for section, sitemap_class in sitemaps.items():
        location = absolute_url(reverse("sitemap-section", kwargs={"section": section}))
        # Asked of every kind at once, a few queries each: once per change readers see.
        pages = range(1, page_cache.per_generation(f"sitemap-pages:{section}", sitemap_class().page_count) + 1)
        items += [SitemapIndexItem(location + (f"?p={page}" if page > 1 else ""), None) for page in pages]
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml")
