from django.apps import apps
from django.views.generic import DetailView, ListView

from encyclopedia.reader_pages import ForgivingPaginationMixin, ReaderCacheMixin
from resources.forms import OrganizationFilterForm
from resources.models import Organization


class OrganizationListView(ReaderCacheMixin, ForgivingPaginationMixin, ListView):
    """``/organizations/``: the directory, filtered by country and state and searched by name."""

    template_name = "resources/organization_list.html"
    context_object_name = "organizations"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.form = OrganizationFilterForm(request.GET)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        organizations = Organization.objects.listed_by_published_entries().only(
            "name", "slug", "locality", "region", "country", "website"
        )
        return self.form.filter(organizations)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        return context


class OrganizationDetailView(ReaderCacheMixin, DetailView):
    model = Organization
    context_object_name = "organization"

    def get_queryset(self):
        # An organization no published entry lists is not public (404), like a draft entry.
        return Organization.objects.listed_by_published_entries().prefetch_related("phones")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Entries list organizations (their published versions name them); we only follow them back.
        published = apps.get_model("disorders", "PublishedEntry").objects
        entries = published.filter(organization_ids__contains=[self.object.pk]).only("title", "slug")
        context["disorders"] = entries.order_by("title", "pk")
        return context
