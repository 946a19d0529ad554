from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL
from django.urls import reverse

from disorders.models import Classification, Gene, PublishedEntry, Sign
from disorders.views import INITIALS, in_published_entries, name_initials, sign_initials
from encyclopedia.sitemaps import PagesSitemap, SiteURLSitemap


class DisorderSitemap(SiteURLSitemap):
    def items(self):
        return PublishedEntry.objects.only("slug", "published_at", "content_changed_at").order_by("title", "pk")

    def lastmod(self, disorder):
        # When the content last really changed: what a crawler needs to decide whether to fetch again.
        return disorder.content_changed_at or disorder.published_at


# Nodes with a published entry at or below them: the nodes the published versions file entries under
# (not the working copies), then their parents, up to the roots. Ids of deleted nodes lead nowhere.
_NODES_WITH_ENTRIES = """
WITH RECURSIVE holding (id) AS (
    SELECT unnest(classification_ids)::bigint FROM disorders_publishedentry
    UNION
    SELECT node.parent_id FROM disorders_classification AS node JOIN holding ON node.id = holding.id
    WHERE node.parent_id IS NOT NULL
)
SELECT id FROM holding
"""


def classifications_with_entries():
    """Nodes with a published entry at or below them: a node without one is an empty page (one query)."""
    return Classification.objects.filter(pk__in=RawSQL(_NODES_WITH_ENTRIES, []))


class ClassificationSitemap(SiteURLSitemap):
    def items(self):
        return classifications_with_entries().only("slug").order_by("pk")

    def has_items(self):
        # A node an entry is filed under has an entry at or below it; asked of the GIN-indexed ids, one node at a time.
        filed = PublishedEntry.objects.with_classification([OuterRef("pk")])
        return Classification.objects.filter(Exists(filed)).exists()


class GeneSitemap(SiteURLSitemap):
    def items(self):
        return in_published_entries(Gene).only("symbol").order_by("symbol")


class SignSitemap(SiteURLSitemap):
    def items(self):
        return in_published_entries(Sign).only("hpo_id").order_by("hpo_id")


class ReaderPagesSitemap(PagesSitemap):
    """The site's own pages, and each letter of the A-Z and signs indexes that lists something."""

    def items(self):
        used_names = name_initials()
        letters = [("disorders:index", letter) for letter in INITIALS[1:] if letter in used_names]
        used_signs = sign_initials()
        letters += [("disorders:sign-index", letter) for letter in INITIALS[1:] if letter in used_signs]
        return [*super().items(), *letters]

    def location(self, item):
        if isinstance(item, tuple):  # the first letter's page is the index itself (its canonical address)
            name, letter = item
            return f"{reverse(name)}?letter={letter}"
        return super().location(item)
