from django.apps import apps
from django.db.models import Exists, OuterRef, Prefetch
from django.views.generic import DetailView

from disorders.models import Classification, Disclaimer, Disorder, DisorderSource, Section, Subdivision
from encyclopedia.markup import plain_text

DESCRIPTION_LENGTH = 160  # what search engines show of a meta description


class DisorderDetailView(DetailView):
    """The public entry: everything its source document carries, in a fixed number of queries."""

    context_object_name = "disorder"

    def get_queryset(self):
        visible = Disorder.objects.visible_to(self.request.user)
        # Looked up by name: the import arrow runs from resources to disorders, never back.
        resource_link = apps.get_model("resources", "DisorderResource")
        # The search vector can be large and the page never shows it.
        return (
            visible.defer("search_vector")
            .annotate(
                # Staff also see drafts; the page marks them using the one publication rule.
                is_publicly_visible=Exists(Disorder.objects.published().filter(pk=OuterRef("pk"))),
            )
            .prefetch_related(
                "synonyms",
                Prefetch(
                    "subdivisions",
                    queryset=Subdivision.objects.select_related("linked_disorder").annotate(
                        # Link a subtype's own entry only when this reader may open it.
                        linked_disorder_visible=Exists(visible.filter(pk=OuterRef("linked_disorder")))
                    ),
                ),
                Prefetch("sections", queryset=Section.objects.select_related("source")),
                "codes",
                "classifications",
                Prefetch("attributions", queryset=DisorderSource.objects.select_related("source")),
                Prefetch("resources", queryset=resource_link.objects.select_related("organization")),
                "resources__organization__phones",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        disorder = self.object
        disclaimers = {disclaimer.kind: disclaimer for disclaimer in Disclaimer.objects.all()}
        title_notice = disclaimers.pop(Disclaimer.Kind.TITLE_NOTICE, None)
        attributions = list(disorder.attributions.all())
        context.update(
            title_notice=title_notice.render_for(disorder) if title_notice else "",
            site_disclaimers=list(disclaimers.values()),
            attributions=attributions,
            complete_reports=[attribution for attribution in attributions if attribution.complete_report],
            source_disclaimers=[attribution for attribution in attributions if attribution.disclaimer],
            description=self.get_description(disorder),
        )
        return context

    @staticmethod
    def get_description(disorder):
        """The summary, else the start of the first section: what link previews and search results show."""
        if disorder.summary:
            return plain_text(disorder.summary, DESCRIPTION_LENGTH)
        first_section = next(iter(disorder.sections.all()), None)
        return plain_text(first_section.body, DESCRIPTION_LENGTH) if first_section else ""


class ClassificationDetailView(DetailView):
    model = Classification
    context_object_name = "classification"

    def get_queryset(self):
        return Classification.objects.select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        node = self.object
        context.update(
            ancestors=node.ancestors(),
            children=node.children.all(),
            disorders=node.disorders.published().only("title", "slug", "summary"),
        )
        return context
