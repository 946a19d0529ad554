from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils import timezone

from disorders.models import (
    Classification,
    Code,
    Disclaimer,
    Disorder,
    DisorderSource,
    Section,
    Source,
    Subdivision,
    Synonym,
)
from disorders.signals import entry_saved

# Editors paste bare domains ("www.example.org"); assume https as Django 6 will.
URLS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class SynonymInline(admin.TabularInline):
    model = Synonym
    extra = 0
    fields = ["name", "position"]


class SubdivisionInline(admin.TabularInline):
    model = Subdivision
    fk_name = "disorder"
    extra = 0
    fields = ["name", "linked_disorder", "position"]
    autocomplete_fields = ["linked_disorder"]


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = [("kind", "heading", "position"), "body", "source"]


class CodeInline(admin.TabularInline):
    model = Code
    extra = 0
    fields = ["system", "value", "relation"]


class DisorderSourceInline(admin.StackedInline):
    model = DisorderSource
    extra = 0
    formfield_overrides = URLS_ASSUME_HTTPS
    fields = [
        ("source", "reference"),
        ("url", "source_updated_on"),
        "copyright",
        "complete_report",
        "disclaimer",
        "acknowledgement",
    ]


@admin.register(Disorder)
class DisorderAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "synonym_count", "content_changed_at", "next_review_due"]
    list_filter = ["status", "classifications", "attributions__source"]
    search_fields = ["title", "synonyms__name", "codes__value"]
    list_select_related = True
    date_hierarchy = "content_changed_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["classifications"]
    readonly_fields = ["published_at", "content_changed_at", "version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status"]}),
        ("Facts", {"fields": ["prevalence", "age_of_onset", "inheritance"], "classes": ["collapse"]}),
        ("Classification", {"fields": ["classifications"]}),
        ("Review", {"fields": ["last_reviewed_on", "last_reviewed_by", "next_review_due"]}),
        ("Dates", {"fields": ["published_at", "content_changed_at", "version", "created_at", "updated_at"]}),
    ]
    # Organizations are attached by resources.admin so that imports run resources → disorders only.
    inlines = [SynonymInline, SubdivisionInline, SectionInline, CodeInline, DisorderSourceInline]

    def get_queryset(self, request):
        # distinct=True: the synonym search joins rows that would otherwise inflate the count.
        return super().get_queryset(request).annotate(_synonym_count=Count("synonyms", distinct=True))

    @admin.display(description="Synonyms", ordering="_synonym_count")
    def synonym_count(self, obj):
        return obj._synonym_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # "Last updated" is honest: only a save that changed something moves it.
        if form.has_changed() or any(formset.has_changed() for formset in formsets):
            Disorder.objects.filter(pk=form.instance.pk).update(content_changed_at=timezone.now())
        entry_saved.send(sender=Disorder, disorder=form.instance)


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "external_id"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name", "external_id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "website"]
    search_fields = ["name", "short_name"]
    formfield_overrides = URLS_ASSUME_HTTPS
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "position"]
    ordering = ["position"]

    def has_delete_permission(self, request, obj=None):
        # Every entry page shows these texts; they are edited, never removed.
        return False
