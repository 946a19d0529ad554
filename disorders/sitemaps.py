from django.db.models import F, Func
from django.urls import reverse

from disorders.models import Classification, Gene, PublishedEntry, Sign
from disorders.views import INITIALS, in_published_entries, index_names, sign_initials
from encyclopedia.sitemaps import PagesSitemap, SiteURLSitemap


class DisorderSitemap(SiteURLSitemap):
    def items(self):
        return PublishedEntry.objects.only("slug", "published_at", "content_changed_at").order_by("title", "pk")

    def lastmod(self, disorder):
        # When the content last really changed: what a crawler needs to decide whether to fetch again.
        return disorder.content_changed_at or disorder.published_at


def classifications_with_entries():
    """Nodes with a published entry at or below them: a node without one is an empty page (two queries)."""
    # Where the published versions file their entries, not the working copies.
    holding = set(
        PublishedEntry.objects.annotate(node=Func(F("classification_ids"), function="unnest"))
        .values_list("node", flat=True)
        .distinct()
    )
    paths = Classification.objects.with_tree_fields().values_list("tree_path", flat=True)
    # A node has content when it or a node below it holds entries: every node on the path of a holding node.
    with_content = {pk for path in paths if path[-1] in holding for pk in path}
    return Classification.objects.filter(pk__in=with_content)


class ClassificationSitemap(SiteURLSitemap):
    def items(self):
        return classifications_with_entries().only("slug").order_by("pk")


class GeneSitemap(SiteURLSitemap):
    def items(self):
        return in_published_entries(Gene).only("symbol").order_by("symbol")


class SignSitemap(SiteURLSitemap):
    def items(self):
        return in_published_entries(Sign).only("hpo_id").order_by("hpo_id")


class ReaderPagesSitemap(PagesSitemap):
    """The site's own pages, and each letter of the A-Z and signs indexes that lists something."""

    def items(self):
        letters = [("disorders:index", letter) for letter in INITIALS[1:] if letter in index_names().initials()]
        used_signs = sign_initials()
        letters += [("disorders:sign-index", letter) for letter in INITIALS[1:] if letter in used_signs]
        return [*super().items(), *letters]

    def location(self, item):
        if isinstance(item, tuple):  # the first letter's page is the index itself (its canonical address)
            name, letter = item
            return f"{reverse(name)}?letter={letter}"
        return super().location(item)
