"""``/feeds/updates/``: an Atom feed of entries whose content changed, newest first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from disorders.models import PublishedEntry
from encyclopedia.reader_pages import absolute_url


class UpdatesFeed(Feed):
    feed_type = Atom1Feed
    item_count = 50

    def title(self):
        return f"{settings.SITE_NAME}: updated entries"

    def subtitle(self):
        return "Entries whose content changed, newest first."

    # Absolute addresses from SITE_URL: Feed would otherwise prefix the host the request came in on.
    def link(self):
        return absolute_url(reverse("home"))

    def feed_url(self):
        return absolute_url(reverse("disorders:updates-feed"))

    def author_name(self):
        return settings.SITE_NAME

    def items(self):
        # Published versions: an editor's unpublished save changes nothing here, a publish of new content does.
        return (
            PublishedEntry.objects.listing()
            .filter(content_changed_at__isnull=False)
            .order_by(F("content_changed_at").desc(nulls_last=True), "title")[: self.item_count]
        )

    def item_title(self, disorder):
        return disorder.title

    def item_description(self, disorder):
        return disorder.description

    def item_link(self, disorder):
        return absolute_url(disorder.get_absolute_url())

    def item_pubdate(self, disorder):
        return disorder.published_at

    def item_updateddate(self, disorder):
        return disorder.content_changed_at
