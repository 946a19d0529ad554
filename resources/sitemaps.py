from encyclopedia.sitemaps import SiteURLSitemap
from resources.models import Organization


class OrganizationSitemap(SiteURLSitemap):
    def items(self):
        return Organization.objects.listed_by_published_entries().only("slug").order_by("pk")
