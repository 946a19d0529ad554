"""Staff pages about organizations in the admin: one organization's history, and those whose details need checking."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from resources import history
from resources.models import Organization

# Contact details checked longer ago than this (or never) are due to be checked again.
VERIFY_EVERY = datetime.timedelta(days=365)


def unverified(today):
    """Organizations whose contact details were never verified, or not in the last year; the longest unchecked first."""
    return Organization.objects.filter(Q(verified_on__isnull=True) | Q(verified_on__lt=today - VERIFY_EVERY)).order_by(
        F("verified_on").asc(nulls_first=True), "name"
    )


class OrganizationPageMixin:
    """The admin's frame around a page about organizations, for staff who may read them (``model_admin`` given)."""

    model_admin = None
    title = ""

    def dispatch(self, request, *args, **kwargs):
        if not (
            request.user.is_active and request.user.is_staff and self.model_admin.has_view_or_change_permission(request)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return self.title

    def get_context_data(self, **kwargs):
        return {
            **self.model_admin.admin_site.each_context(self.request),
            "title": self.get_title(),
            "opts": Organization._meta,
            **super().get_context_data(**kwargs),
        }


class OrganizationHistoryView(OrganizationPageMixin, TemplateView):
    """Every recorded change of one organization: who, when, and each field's old and new value."""

    template_name = "admin/resources/organization/organization_history.html"

    def dispatch(self, request, *args, **kwargs):
        self.organization = Organization.objects.filter(pk=kwargs["object_id"]).first()
        if self.organization is None:
            raise Http404("No such organization.")
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return f"History of “{self.organization}”"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            organization=self.organization, original=self.organization, lines=history.history_lines(self.organization)
        )


class UnverifiedOrganizationsView(OrganizationPageMixin, ListView):
    template_name = "admin/resources/organization/unverified.html"
    title = "Organizations to verify"
    paginate_by = 50
    context_object_name = "organizations"

    def get_queryset(self):
        return unverified(timezone.localdate()).only("name", "locality", "region", "country", "verified_on")

    def get_context_data(self, **kwargs):
        return super().get_context_data(verify_every_days=VERIFY_EVERY.days, **kwargs)
