from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from disorders.admin_views import RecentChangesView, ReviewQueueView, TakeEntryView
from disorders.api import api_urls, entry_schema_view
from disorders.sitemaps import ClassificationSitemap, DisorderSitemap, GeneSitemap, ReaderPagesSitemap, SignSitemap
from disorders.views import DisclaimersView, HomeView
from encyclopedia import views
from encyclopedia.reader_pages import reader_cache
from encyclopedia.sitemaps import sitemap_index
from resources.sitemaps import OrganizationSitemap

admin.site.site_header = f"{settings.SITE_NAME}: staff"
admin.site.site_title = f"{settings.SITE_NAME} staff"
admin.site.index_title = "Entries, organizations and their history"

SITEMAPS = {
    "pages": ReaderPagesSitemap,
    "entries": DisorderSitemap,
    "classifications": ClassificationSitemap,
    "organizations": OrganizationSitemap,
    "genes": GeneSitemap,
    "signs": SignSitemap,
}

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("disclaimers/", DisclaimersView.as_view(), name="disclaimers"),
    path("sitemap.xml", reader_cache(sitemap_index), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("sitemap-<section>.xml", reader_cache(sitemap), {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("favicon.ico", views.FaviconView.as_view(), name="favicon"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("api/v1/schemas/entry.json", entry_schema_view, name="api-entry-schema"),
    path("api/v1/", api_urls()),
    path("", include("disorders.urls")),
    path("", include("resources.urls")),
    # Staff pages of our own inside the admin (before admin.site.urls, whose catch-all would take them).
    path("admin/recent-changes/", admin.site.admin_view(RecentChangesView.as_view()), name="recent_changes"),
    path("admin/review-queue/", admin.site.admin_view(ReviewQueueView.as_view()), name="review_queue"),
    path("admin/review-queue/<int:pk>/take/", admin.site.admin_view(TakeEntryView.as_view()), name="review_take"),
    path("admin/", admin.site.urls),
]
