"""Site-wide pages: home, the disclaimers every entry points to, robots.txt."""

from django.db.models import F
from django.views.generic import ListView, TemplateView

from disorders.models import Classification, Disclaimer, Disorder
from disorders.views import az_bar
from encyclopedia.reader_pages import ReaderCacheMixin


class HomeView(ReaderCacheMixin, TemplateView):
    """The search box, the A-Z bar, the classification trees and the entries updated last."""

    template_name = "encyclopedia/home.html"
    recently_updated_count = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = Disorder.objects.published().order_by(F("content_changed_at").desc(nulls_last=True), "title")
        context.update(
            recently_updated=entries.only("title", "slug", "content_changed_at")[: self.recently_updated_count],
            classification_roots=Classification.objects.filter(parent=None).only("name", "slug"),
            az_bar=az_bar(),
        )
        return context


class DisclaimersView(ReaderCacheMixin, ListView):
    # The title notice is about one entry's title, so it is shown on entries only.
    queryset = Disclaimer.objects.exclude(kind=Disclaimer.Kind.TITLE_NOTICE)
    template_name = "encyclopedia/disclaimers.html"
    context_object_name = "disclaimers"


class RobotsView(ReaderCacheMixin, TemplateView):
    """``/robots.txt``: where the sitemap is, and what crawlers should leave alone."""

    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
