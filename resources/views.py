from django.views.generic import DetailView

from disorders.models import Disorder
from resources.models import Organization


class OrganizationDetailView(DetailView):
    model = Organization
    context_object_name = "organization"

    def get_queryset(self):
        return Organization.objects.prefetch_related("phones")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        served = Disorder.objects.published().filter(resources__organization=self.object)
        context["disorders"] = served.only("title", "slug", "summary")
        return context
