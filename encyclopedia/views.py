"""Site-wide pages: home and the disclaimers every entry points to."""

from django.db.models import F
from django.views.generic import ListView, TemplateView

from disorders.models import Disclaimer, Disorder


class HomeView(TemplateView):
    template_name = "encyclopedia/home.html"
    recently_updated_count = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = Disorder.objects.published().order_by(F("content_changed_at").desc(nulls_last=True), "title")
        context["recently_updated"] = entries.only("title", "slug", "content_changed_at")[: self.recently_updated_count]
        return context


class DisclaimersView(ListView):
    # The title notice is about one entry's title, so it is shown on entries only.
    queryset = Disclaimer.objects.exclude(kind=Disclaimer.Kind.TITLE_NOTICE)
    template_name = "encyclopedia/disclaimers.html"
    context_object_name = "disclaimers"
