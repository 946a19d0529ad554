"""``/sitemap.xml``: an index of one sitemap per kind of page, every address under the configured ``SITE_URL``."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.template.response import TemplateResponse
from django.urls import reverse

from encyclopedia.reader_pages import absolute_url


class SiteURLSitemap(Sitemap):
    """A sitemap whose locations start with ``SITE_URL``, whichever host the request used."""

    def get_urls(self, page=1, site=None, protocol=None):
        base = urlsplit(settings.SITE_URL)
        return super().get_urls(page, site=SimpleNamespace(domain=base.netloc + base.path), protocol=base.scheme)


class PagesSitemap(SiteURLSitemap):
    """The pages that are not an entry, a classification or an organization."""

    def items(self):
        return ["home", "disorders:index", "disorders:sign-index", "resources:organizations", "disclaimers"]

    def location(self, name):
        return reverse(name)


def sitemap_index(request, sitemaps):
    """The sitemap index: each kind of page's sitemap, paged past ``Sitemap.limit`` (50,000), empty ones left out.

    Django's own index view builds addresses from the request's host; ours come from ``SITE_URL``.
    """
    items = []
    for section, sitemap_class in sitemaps.items():
        paginator = sitemap_class().paginator
        if not paginator.count:
            continue
        location = absolute_url(reverse("sitemap-section", kwargs={"section": section}))
        items += [
            SitemapIndexItem(location + (f"?p={page}" if page > 1 else ""), None) for page in paginator.page_range
        ]
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml")
