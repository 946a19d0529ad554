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
        # Entries list organizations through their own links (disorders.DisorderResource); we only follow them back.
        links = self.object.disorder_links.of_published().select_related("disorder").order_by("disorder__title")
        links = links.only("organization", "disorder__title", "disorder__slug")
        context["disorders"] = [link.disorder for link in links]
        return context
