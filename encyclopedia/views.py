"""Site-wide pages that show no app's data: robots.txt."""

from django.views.generic import TemplateView

from encyclopedia.reader_pages import ReaderCacheMixin


class RobotsView(ReaderCacheMixin, TemplateView):
    """``/robots.txt``: where the sitemap is, and what crawlers should leave alone."""

    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
