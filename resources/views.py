from django.views.generic import DetailView

from resources.models import Organization


class OrganizationDetailView(DetailView):
    model = Organization
