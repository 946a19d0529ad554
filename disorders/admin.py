from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.utils import pretty_name
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from disorders import editing, search, workflow
from disorders.admin_views import (
    CompareView,
    DeletedEntriesView,
    EntryHistoryView,
    PreviewView,
    RecoverView,
    RevertView,
    RevisionView,
)
from disorders.forms import (
    PUBLISH,
    REQUEST_CHANGES,
    SUBMIT_FOR_REVIEW,
    UNPUBLISH,
    DisorderAdminForm,
    EntryInlineFormSet,
    MultilineTextField,
)
from disorders.history.registry import part_of
from disorders.models import (
    Classification,
    Code,
    Disclaimer,
    Disorder,
    DisorderResource,
    DisorderSign,
    DisorderSource,
    Gene,
    GeneAssociation,
    Prevalence,
    PublishedEntry,
    RetiredCode,
    ReviewerProfile,
    ReviewStep,
    Section,
    Sign,
    Source,
    Subdivision,
    Synonym,
)
from encyclopedia.links import URLS_ASSUME_HTTPS
from encyclopedia.query_params import query_int

# Entry text keeps LF line breaks, so opening an entry and saving it unchanged changes nothing.
ENTRY_TEXT = {models.TextField: {"form_class": MultilineTextField}}


class EntryPartInline:
    """What every inline of the entry form shares (mixed into TabularInline or StackedInline)."""

    extra = 0
    formset = EntryInlineFormSet
    formfield_overrides = ENTRY_TEXT

    def get_queryset(self, request):
        # Each row shows its label: without its shared row, a query per row (68 for Marfan's signs).
        return super().get_queryset(request).select_related(*part_of(self.model).label_reads)


class SynonymInline(EntryPartInline, admin.TabularInline):
    model = Synonym
    fields = ["name", "position"]


class SubdivisionInline(EntryPartInline, admin.TabularInline):
    model = Subdivision
    fk_name = "disorder"
    fields = ["name", "linked_disorder", "position"]
    autocomplete_fields = ["linked_disorder"]


class SectionInline(EntryPartInline, admin.StackedInline):
    model = Section
    fields = [("kind", "heading", "position"), "body", "source"]


class CodeInline(EntryPartInline, admin.TabularInline):
    model = Code
    fields = ["system", "value", "relation"]


class DisorderSourceInline(EntryPartInline, admin.StackedInline):
    model = DisorderSource
    formfield_overrides = {**ENTRY_TEXT, **URLS_ASSUME_HTTPS}
    fields = [
        ("source", "reference"),
        ("url", "source_updated_on"),
        "copyright",
        "complete_report",
        "disclaimer",
        "acknowledgement",
    ]


class DisorderResourceInline(EntryPartInline, admin.TabularInline):
    model = DisorderResource
    fields = ["organization", "position"]
    autocomplete_fields = ["organization"]
    verbose_name_plural = "Resources (support organizations, in display order)"


class PrevalenceInline(EntryPartInline, admin.TabularInline):
    model = Prevalence
    fields = ["kind", "prevalence_class", "mean_value", "geography", "qualification", "source", "position"]
    verbose_name_plural = "Prevalences (the page lists the most relevant first, whatever the position)"


class GeneAssociationInline(EntryPartInline, admin.TabularInline):
    model = GeneAssociation
    fields = ["gene", "association", "position"]
    autocomplete_fields = ["gene"]
    verbose_name_plural = "Genes"


class DisorderSignInline(EntryPartInline, admin.TabularInline):
    model = DisorderSign
    fields = ["sign", "frequency"]
    autocomplete_fields = ["sign"]


def error_summary(form, inline_admin_formsets):
    """Each error of the entry form as (where, message, id of the element to go to), in the form's order.

    The page lists them at the top, each linked to its field (or its inline row), so an error 5,000 px
    down a long entry is one click away instead of "Please correct the error below".
    """
    errors = []
    for name, messages_ in form.errors.items():
        if name == NON_FIELD_ERRORS:
            errors += [("", message, "") for message in messages_]
        elif name in form.fields:
            label = form.fields[name].label or pretty_name(name)
            errors += [(label, message, form[name].id_for_label) for message in messages_]
    for inline in inline_admin_formsets:
        formset = inline.formset
        group = capfirst(formset.model._meta.verbose_name_plural)
        errors += [(group, message, f"{formset.prefix}-group") for message in formset.non_form_errors()]
        for index, row in enumerate(formset.forms):
            for name, messages_ in row.errors.items():
                where = f"{group}, row {index + 1}"
                if name in row.fields and not row.fields[name].widget.is_hidden:
                    label = f"{where}: {row.fields[name].label or pretty_name(name)}"
                    errors += [(label, message, row[name].id_for_label) for message in messages_]
                else:
                    errors += [(where, message, f"{formset.prefix}-{index}") for message in messages_]
    return errors


class ClassificationTreeFilter(admin.SimpleListFilter):
    """Entries anywhere in one classification tree (listing every node would mean thousands of links)."""

    title = "classification"
    parameter_name = "tree"

    def lookups(self, request, model_admin):
        return [(str(root.pk), root.name) for root in Classification.objects.filter(parent=None)]

    def queryset(self, request, queryset):
        root = query_int(self.value())
        if root is None:
            return queryset
        in_tree = Classification.objects.descendants(root, include_self=True)
        return queryset.filter(pk__in=Disorder.objects.filter(classifications__in=in_tree).values("pk"))


@admin.register(Disorder)
class DisorderAdmin(admin.ModelAdmin):
    form = DisorderAdminForm
    formfield_overrides = ENTRY_TEXT
    list_display = ["title", "status", "synonym_count", "content_changed_at", "next_review_due"]
    list_filter = ["status", ClassificationTreeFilter, "attributions__source"]
    # Searched by get_search_results: names through the search index, codes exactly.
    search_fields = ["title", "synonyms__name", "codes__value"]
    search_help_text = "Any name of the entry (title, synonym, subdivision), or an exact code such as 86834."
    list_select_related = True
    date_hierarchy = "content_changed_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["classifications"]
    # Reviews are recorded by "Mark reviewed" (who and when), never typed in.
    # Status moves only by the workflow's buttons (disorders.workflow), each recorded with who, when and why.
    readonly_fields = [
        "status",
        "publish_at",
        "unpublish_at",
        "published_at",
        "content_changed_at",
        "version",
        "created_at",
        "updated_at",
        "last_reviewed_on",
        "last_reviewed_by",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status"]}),
        ("Facts", {"fields": ["prevalence", "age_of_onset", "inheritance"], "classes": ["collapse"]}),
        ("Classification", {"fields": ["classifications"]}),
        (
            "Review",
            {"fields": ["last_reviewed_on", "last_reviewed_by", "next_review_due", "publish_at", "unpublish_at"]},
        ),
        ("Dates", {"fields": ["published_at", "content_changed_at", "version", "created_at", "updated_at"]}),
    ]
    inlines = [
        SynonymInline,
        SubdivisionInline,
        SectionInline,
        CodeInline,
        DisorderSourceInline,
        DisorderResourceInline,
        PrevalenceInline,
        GeneAssociationInline,
        DisorderSignInline,
    ]
    # No list_editable and no bulk edits: every change goes through the entry form's version check.
    actions = ["mark_reviewed", "unpublish_selected"]

    class Media:
        # The error summary's links, and the code rows' filter by system (no inline script: the CSP forbids it).
        js = ["js/entry_form.js"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "classifications":
            # Chosen nodes show their tree path, as the autocomplete's suggestions do (ClassificationAdmin).
            kwargs["queryset"] = Classification.objects.with_paths()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        # A subquery, not a join: computed for the rows shown, and left out of the changelist's count.
        synonyms = Synonym.objects.filter(disorder=OuterRef("pk")).order_by().values("disorder")
        count = Subquery(synonyms.annotate(n=Count("pk")).values("n"), output_field=models.IntegerField())
        return super().get_queryset(request).annotate(_synonym_count=Coalesce(count, 0))

    def get_search_results(self, request, queryset, search_term):
        """Every word must be in one of the entry's names (accents and case ignored) or be one of its codes.

        The names table's trigram index answers this; joining synonyms and codes would scan them all.
        """
        for word in search_term.split():
            codes = Code.objects.filter(value__iexact=word).values("disorder")
            queryset = queryset.filter(Q(pk__in=search.entries_named(word)) | Q(pk__in=codes))
        return queryset, False

    @admin.display(description="Synonyms", ordering="_synonym_count")
    def synonym_count(self, obj):
        return obj._synonym_count

    def get_urls(self):
        def wrap(view_class):
            return self.admin_site.admin_view(view_class.as_view(model_admin=self))

        return [
            path("<int:object_id>/history/<int:revision_id>/", wrap(RevisionView), name="disorders_disorder_revision"),
            path("<int:object_id>/compare/", wrap(CompareView), name="disorders_disorder_compare"),
            path("<int:object_id>/preview/", wrap(PreviewView), name="disorders_disorder_preview"),
            path("<int:object_id>/revert/<int:revision_id>/", wrap(RevertView), name="disorders_disorder_revert"),
            path("deleted/", wrap(DeletedEntriesView), name="disorders_disorder_deleted"),
            path("deleted/<int:object_id>/recover/", wrap(RecoverView), name="disorders_disorder_recover"),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        # The change form's "History" link: our revisions (who, when, why, what), not Django's log of saves.
        return EntryHistoryView.as_view(model_admin=self)(request, object_id=object_id)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_review_permission(request):
            fields.append("next_review_due")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # get_form makes a new class per request
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        may_change = change and self.has_change_permission(request, obj)
        context["can_mark_reviewed"] = may_change and self.has_review_permission(request)
        if context.get("errors"):
            context["error_summary"] = error_summary(context["adminform"].form, context["inline_admin_formsets"])
        if may_change:
            published = PublishedEntry.objects.filter(pk=obj.pk).exists()
            context["workflow"] = {
                "can_submit": workflow.may_submit(request.user) and obj.status in workflow.SUBMITTABLE,
                "can_approve": workflow.may_approve(request.user) and obj.status in workflow.APPROVABLE,
                "can_request_changes": workflow.may_approve(request.user) and obj.status in workflow.RETURNABLE,
                "can_unpublish": workflow.may_approve(request.user) and published,
            }
        if change and obj is not None:
            context["changes_requested"] = workflow.latest_request_for_changes(obj)
            context["submission"] = workflow.pending_submission(obj)
            context["publication_state"] = Disorder.objects.with_publication_state().get(pk=obj.pk)
            published = PublishedEntry.objects.filter(pk=obj.pk).only("slug", "updated_at").first()
            context["published_on"] = published.updated_at if published else None
            context["published_url"] = published.get_absolute_url() if published else ""
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if DisorderAdminForm.workflow_button(request.POST):
            # After a review step the entry's form again, showing where it now stands.
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # The admin's action permissions are the workflow's rules, not a second copy of them.
    def has_publish_permission(self, request):
        return workflow.may_approve(request.user)

    def has_review_permission(self, request):
        return workflow.may_mark_reviewed(request.user)

    def save_model(self, request, obj, form, change):
        # Saved with its rows in save_related, inside one unit of work (see disorders.editing).
        pass

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        expected = form.cleaned_data.get("expected_version") if change else None
        with editing.entry_change(
            obj, user=request.user, comment=form.revision_comment(change), expected_version=expected
        ) as work:
            if form.marks_reviewed:
                workflow.review_in(work, obj, request.user, content_changes=form.has_content_changes())
            withdrawn = obj.status == Disorder.Status.SCHEDULED and form.has_content_changes()
            if withdrawn:
                # What goes live is what the reviewer approved: a change after approval needs approving again.
                obj.status, obj.publish_at = Disorder.Status.IN_REVIEW, None
            super().save_model(request, obj, form, change)
            super().save_related(request, form, formsets, change)
        action = form.workflow_action
        if withdrawn:
            self.message_user(
                request,
                "The scheduled publication was called off: changes after approval need approving again.",
                messages.WARNING,
            )
        if change and work.revision is None and action is None:
            self.message_user(request, "Nothing had changed, so no new revision was recorded.", messages.INFO)
        if action is not None:
            self._take_workflow_step(request, obj, form, action)
        # A warning, not an error: two disorders may really share a name; most often it is one entry twice.
        twins = search.entries_titled(obj.title).exclude(pk=obj.pk).order_by("title")
        if twins:
            names = ", ".join(f"“{twin.title}”" for twin in twins)
            self.message_user(
                request,
                f"Another entry has the same name: {names}. If they are one disorder, merge them.",
                messages.WARNING,
            )

    def _take_workflow_step(self, request, obj, form, action):
        """The button pressed after the save: the form has checked that this person may take the step."""
        note = form.cleaned_data.get("review_note", "")
        if action == SUBMIT_FOR_REVIEW:
            workflow.submit_for_review(obj, user=request.user, note=note)
            self.message_user(request, "Submitted for review; reviewers see it first in their queue.")
        elif action == REQUEST_CHANGES:
            workflow.request_changes(obj, user=request.user, comment=note)
            self.message_user(request, "Sent back to the editors with your comment.")
        elif action == PUBLISH:
            step = workflow.approve(
                obj,
                user=request.user,
                comment=note,
                publish_at=form.cleaned_data.get("go_live_at"),
                unpublish_at=form.cleaned_data.get("take_down_at"),
            )
            if step.action == ReviewStep.Action.SCHEDULED:
                when = date_format(timezone.localtime(obj.publish_at), "DATETIME_FORMAT")
                self.message_user(request, f"Approved; it goes live at {when}.")
            else:
                self.message_user(request, "Approved and published: readers see this version now.")
        elif action == UNPUBLISH:
            workflow.unpublish(obj, user=request.user, comment=note)
            self.message_user(request, "Unpublished: readers no longer see this entry.")

    @admin.action(permissions=["review"], description="Mark selected entries reviewed today")
    def mark_reviewed(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        # Locked and versioned like a form save: a form opened before this cannot overwrite the review.
        for disorder in Disorder.objects.filter(pk__in=pks).order_by("pk"):
            workflow.mark_reviewed(disorder, user=request.user)
            self.log_change(request, disorder, "Marked reviewed")
        self.message_user(request, f"Marked {len(pks)} {'entry' if len(pks) == 1 else 'entries'} reviewed today.")

    @admin.action(permissions=["publish"], description="Unpublish selected entries (readers no longer see them)")
    def unpublish_selected(self, request, queryset):
        done = []
        for disorder in queryset.filter(published__isnull=False).order_by("pk"):
            workflow.unpublish(disorder, user=request.user)
            self.log_change(request, disorder, "Unpublished")
            done.append(disorder)
        self.message_user(request, f"Unpublished {len(done)} {'entry' if len(done) == 1 else 'entries'}.")


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "external_id"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name", "external_id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            # Suggestions name each node by its path ("WHO > Leukaemias > JMML"): many nodes share a name.
            return queryset.with_paths()
        return queryset


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


@admin.register(RetiredCode)
class RetiredCodeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "replaced_by"]
    list_filter = ["system", "status"]
    search_fields = ["value", "replaced_by"]


# Genes and signs are shared between entries, like organizations: edited here, chosen on the entry form.
@admin.register(Gene)
class GeneAdmin(admin.ModelAdmin):
    list_display = ["symbol", "name", "hgnc_id", "omim_id"]
    search_fields = ["symbol", "name"]


@admin.register(Sign)
class SignAdmin(admin.ModelAdmin):
    list_display = ["name", "hpo_id"]
    search_fields = ["name", "hpo_id"]


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    """Each reviewer keeps their own public credit; superusers keep everyone's."""

    list_display = ["credit", "user"]
    search_fields = ["public_name", "user__username"]
    fields = ["user", "public_name", "credentials"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser credits someone else; a reviewer's profile is always their own.
        return [] if request.user.is_superuser else ["user"]

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return request.user.is_superuser or not ReviewerProfile.objects.filter(user=request.user).exists()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or request.user.is_superuser or obj.user_id == request.user.pk)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or request.user.is_superuser or obj.user_id == request.user.pk)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)
