from django.contrib import admin
from django.db.models import Count

from encyclopedia.links import URLS_ASSUME_HTTPS
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
