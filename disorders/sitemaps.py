from disorders.models import Classification, Gene, PublishedEntry, Sign
from disorders.views import in_published_entries
from encyclopedia.sitemaps import SiteURLSitemap


class DisorderSitemap(SiteURLSitemap):
    def items(self):
        return PublishedEntry.objects.only("slug", "published_at", "content_changed_at").order_by("title", "pk")

    def lastmod(self, disorder):
        # When the content last really changed: what a crawler needs to decide whether to fetch again.
        return disorder.content_changed_at or disorder.published_at


class ClassificationSitemap(SiteURLSitemap):
    def items(self):
        return Classification.objects.only("slug").order_by("pk")


class GeneSitemap(SiteURLSitemap):
    def items(self):
        return in_published_entries(Gene).only("symbol").order_by("symbol")


class SignSitemap(SiteURLSitemap):
    def items(self):
        return in_published_entries(Sign).only("hpo_id").order_by("hpo_id")
