import reversion
from django.contrib import admin
from django.db import transaction
from django.db.models import Count
from django.urls import path

from encyclopedia.links import URLS_ASSUME_HTTPS
from resources import history
from resources.admin_views import OrganizationHistoryView, UnverifiedOrganizationsView
from resources.models import Organization, Phone


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ["kind", "number", "position"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "locality", "region", "country", "phone_count", "entry_count", "verified_on"]
    list_filter = ["country", "verified_on"]
    search_fields = ["name", "locality", "email", "website"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = URLS_ASSUME_HTTPS
    fieldsets = [
        (None, {"fields": ["name", "slug"]}),
        ("Postal address", {"fields": ["street_address", ("locality", "region", "postal_code"), "country"]}),
        ("Online", {"fields": ["email", "website", "verified_on"]}),
    ]
    inlines = [PhoneInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_phones=Count("phones", distinct=True), _entries=Count("disorder_links", distinct=True))
        )

    @admin.display(description="Phones", ordering="_phones")
    def phone_count(self, obj):
        return obj._phones

    @admin.display(description="Entries", ordering="_entries")
    def entry_count(self, obj):
        return obj._entries

    def get_urls(self):
        def wrap(view_class):
            return self.admin_site.admin_view(view_class.as_view(model_admin=self))

        return [
            path("to-verify/", wrap(UnverifiedOrganizationsView), name="resources_organization_unverified"),
            *super().get_urls(),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        # One revision per save, with who saved it; the first change gets the state before it to compare with.
        with transaction.atomic():
            if object_id:
                history.ensure_baseline(object_id)
            with reversion.create_revision():
                reversion.set_user(request.user)
                return super().changeform_view(request, object_id, form_url, extra_context)

    def construct_change_message(self, request, form, formsets, add=False):
        if reversion.is_active():
            changed = [str(form.fields[name].label or name).lower() for name in form.changed_data]
            if any(formset.has_changed() for formset in formsets):
                changed.append("phones")
            reversion.set_comment("Created" if add else f"Changed {', '.join(changed)}" if changed else "Saved")
        return super().construct_change_message(request, form, formsets, add)

    def history_view(self, request, object_id, extra_context=None):
        # The change form's "History" link: each recorded change with who, when, and old and new values.
        return OrganizationHistoryView.as_view(model_admin=self)(request, object_id=object_id)
