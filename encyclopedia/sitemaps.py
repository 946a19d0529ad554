"""``/sitemap.xml``: every public page, under the configured ``SITE_URL``."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse


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
