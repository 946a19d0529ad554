"""Site-wide pages that show no app's data: robots.txt, the favicon."""

from django.templatetags.static import static
from django.views.generic import RedirectView, TemplateView

from encyclopedia.reader_pages import ReaderCacheMixin


class RobotsView(ReaderCacheMixin, TemplateView):
    """``/robots.txt``: where the sitemap is, and what crawlers should leave alone."""

    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"


class FaviconView(ReaderCacheMixin, RedirectView):
    """``/favicon.ico``, which browsers ask for whatever the page links: the icon in static/ (its hashed name)."""

    permanent = False  # the hashed name changes with the icon

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")
