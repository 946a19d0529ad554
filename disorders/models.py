"""A disorder entry and everything one entry owns.

Shared things (sources, classification nodes) live here too because entries
point at them. Organizations live in the ``resources`` app, which stands alone:
an entry's list of them (DisorderResource) is the entry's own, so it lives here.
"""

import string
from urllib.parse import quote

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Length, Lower, Upper
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from tree_queries.models import TreeNode
from tree_queries.query import TreeQuerySet

from encyclopedia.links import validate_web_url
from encyclopedia.markup import MAX_CHARS, plain_text
from encyclopedia.reader_pages import row_url
from resources.models import Organization

DESCRIPTION_LENGTH = 160  # what search engines show of a meta description


class Source(models.Model):
    """An organization whose text the encyclopedia reproduces (NORD, Orphanet)."""

    name = models.CharField(
        max_length=200,
        help_text='Full name as the source writes it, e.g. "National Organization for Rare Disorders, Inc."',
    )
    short_name = models.CharField(
        max_length=50, blank=True, help_text='Abbreviation shown in tight places, e.g. "NORD".'
    )
    slug = models.SlugField(max_length=60, db_index=False, help_text="Stable identifier used by importers.")
    website = models.URLField(blank=True, validators=[validate_web_url])
    notice = models.TextField(
        blank=True,
        help_text="Attribution or licence notice shown wherever this source's text appears (Markdown).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="source_slug_unique"),
            models.UniqueConstraint(Lower("name"), name="source_name_unique_ci"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if Source.objects.filter(name__iexact=self.name).exclude(pk=self.pk).exists():
            raise ValidationError({"name": "Another source already has this name."})


class ClassificationQuerySet(TreeQuerySet):
    def with_tree_fields(self, tree_fields=True):
        queryset = super().with_tree_fields(tree_fields)
        # Nothing reads siblings' order inside the tree query; by id it need not rank every node by name first.
        return queryset.order_siblings_by("id") if tree_fields else queryset

    def with_paths(self):
        """Each node with ``path_names`` and ``path_slugs``: its tree's root down to itself (one query at any depth)."""
        return self.with_tree_fields().tree_fields(path_names="name", path_slugs="slug")


# A node's parent and the nodes above it, root first. The depth bound (far below any real tree's) ends a loop,
# which clean() refuses but a hand-edited database could hold.
_ANCESTORS_SQL = """
WITH RECURSIVE above (id, depth) AS (
    SELECT %s::bigint, 0
    UNION ALL
    SELECT node.parent_id, above.depth + 1 FROM disorders_classification AS node JOIN above ON node.id = above.id
    WHERE node.parent_id IS NOT NULL AND above.depth < 100
)
SELECT node.* FROM above JOIN disorders_classification AS node ON node.id = above.id ORDER BY above.depth DESC
"""


class Classification(TreeNode):
    """A node in a named classification tree; the root names the tree (WHO, an Orphanet classification).

    A plain parent link: ancestors, descendants and paths come from django-tree-queries'
    recursive query (``with_tree_fields()``, ``descendants()``, ``tree_fields()``) in one
    query whatever the depth, and nothing stored can drift when a subtree moves. That query
    walks every tree (some 3,000 nodes), so callers ask it once and reuse what it returns.
    """

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, db_index=False, help_text="Used in the node's web address.")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        help_text="Leave empty for the root of a classification tree.",
    )
    external_id = models.CharField(
        max_length=50, blank=True, help_text="The node's identifier in its source, e.g. an ORPHAcode of a group."
    )
    description = models.TextField(blank=True, help_text="Optional introduction shown on the node's page (Markdown).")

    objects = ClassificationQuerySet.as_manager()

    class Meta:
        # Orphanet has groups of one name in several trees: the id settles ties, so every route lists them alike.
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="classification_slug_unique"),
            models.UniqueConstraint(
                "parent", Lower("name"), name="classification_name_unique_per_parent", nulls_distinct=False
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="classification_not_own_parent"),
        ]

    def __str__(self):
        # Fetched with_paths() (the entry form's classification widget): the path tells same-named nodes apart.
        path = getattr(self, "path_names", None)
        return " \u203a ".join(path) if path else self.name

    def get_absolute_url(self):
        return row_url("disorders:classification", self.slug)

    def ancestors(self):
        """The nodes above this one, root first, in one query at any depth.

        Walked up from the node's parent, a handful of rows: the tree query walks down every tree
        (some 3,000 nodes, 15 ms at full size) to find one node's path.
        """
        if self.parent_id is None:
            return []
        return list(Classification.objects.raw(_ANCESTORS_SQL, [self.parent_id]))

    def clean(self):
        # Replaces TreeNode.clean's loop check, to name the field and say it the editors' way.
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "A classification cannot be its own parent."})
        # A loop would take the whole subtree out of its tree (tree queries start at the roots).
        if self.parent_id and self.pk and self.descendants().filter(pk=self.parent_id).exists():
            raise ValidationError({"parent": "A classification cannot be placed under one of its own subgroups."})
        siblings = Classification.objects.filter(parent=self.parent_id, name__iexact=self.name).exclude(pk=self.pk)
        if siblings.exists():
            raise ValidationError({"name": "This parent already has a node with this name."})


class DisorderQuerySet(models.QuerySet):
    def published(self):
        """Entries readers may see: those with a published version. The one place the publication rule lives."""
        return self.filter(published__isnull=False)

    def with_publication_state(self):
        """Each entry with ``is_published``, ``published_revision_id``, ``latest_revision_id`` and
        ``has_pending_changes`` (published, and the working copy has a revision the published version
        is not): two subqueries, so a list of entries costs no query per row.
        """
        latest = EntryRevision.objects.filter(disorder=models.OuterRef("pk")).order_by("-revision_id")
        return self.annotate(
            is_published=models.Exists(PublishedEntry.objects.filter(pk=models.OuterRef("pk"))),
            published_revision_id=F("published__revision_id"),
            latest_revision_id=models.Subquery(latest.values("revision_id")[:1]),
        ).annotate(
            has_pending_changes=Case(
                When(
                    Q(is_published=True)
                    & Q(latest_revision_id__isnull=False)
                    & (Q(published_revision_id__isnull=True) | ~Q(published_revision_id=F("latest_revision_id"))),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def holding_address(self, slug):
        """Entries whose web address ``slug`` is, or was (an old address keeps leading to its entry).

        The one rule for whether an address is taken: exclude the entry choosing it.
        :meth:`addresses` is the same rule for many addresses at once.
        """
        return self.filter(Q(slug=slug) | Q(previous_slugs__slug=slug)).distinct()

    def addresses(self):
        """Every web address these entries hold by :meth:`holding_address`, as a set (one query)."""
        return {address for row in self.values_list("slug", "previous_slugs__slug") for address in row if address}

    def with_entry_content(self, linkable, publishing=()):
        """Everything an entry's page (and its export) shows, prefetched: a fixed number of queries.

        A subdivision's own entry is marked ``linked_disorder_visible`` when it is in ``linkable``
        (the entries this reader may open) or its id is in ``publishing`` (those a bulk publish is
        publishing with it), so only those are linked.
        """
        visible = models.Exists(linkable.filter(pk=models.OuterRef("linked_disorder")))
        if publishing:
            # On the subdivision's own row: inside the subquery, the list would be searched once per row it reads.
            visible = Q(linked_disorder__isnull=False, linked_disorder__in=list(publishing)) | visible
        subdivisions = Subdivision.objects.select_related("linked_disorder").annotate(
            linked_disorder_visible=models.ExpressionWrapper(visible, output_field=models.BooleanField())
        )
        return self.prefetch_related(
            "synonyms",
            models.Prefetch("subdivisions", queryset=subdivisions),
            models.Prefetch("sections", queryset=Section.objects.select_related("source")),
            "codes",
            # With their paths: the page names each by where it sits in its tree.
            models.Prefetch("classifications", queryset=Classification.objects.with_paths().order_by("name", "id")),
            models.Prefetch("attributions", queryset=DisorderSource.objects.select_related("source")),
            models.Prefetch("resources", queryset=DisorderResource.objects.select_related("organization")),
            "resources__organization__phones",
            "prevalences",
            models.Prefetch("gene_associations", queryset=GeneAssociation.objects.select_related("gene")),
            models.Prefetch("signs", queryset=DisorderSign.objects.select_related("sign")),
        )


class Disorder(models.Model):
    class Status(models.TextChoices):
        # The working copy's place in the review workflow (disorders.workflow moves it).
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        SCHEDULED = "scheduled", "Approved, scheduled"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=255, help_text="The main name readers see as the heading.")
    slug = models.SlugField(
        max_length=255,
        # The unique constraint's index is the one lookups by address need (no LIKE query reads slugs).
        db_index=False,
        help_text="The entry's web address. Changing it keeps the old address working as a redirect.",
    )
    summary = models.TextField(
        blank=True, help_text="One or two plain sentences shown in search results and link previews."
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, help_text="When the entry first became public.")
    content_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text='When the content last really changed; shown publicly as "Last updated".',
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_review_due = models.DateField(null=True, blank=True, help_text="When a reviewer should look at it again.")
    # Who took the entry from the review queue (not versioned: taking an entry is not editing it).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="Approved to go live at this time (manage.py publish_scheduled publishes it)."
    )
    unpublish_at = models.DateTimeField(
        null=True, blank=True, help_text="Taken off the public site at this time (manage.py publish_scheduled)."
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Moves with every recorded change; stops a stale form overwriting it."
    )
    prevalence = models.CharField(
        max_length=200, blank=True, help_text='As the source states it, e.g. "1-9 / 1 000 000".'
    )
    age_of_onset = models.CharField(max_length=200, blank=True, help_text='e.g. "Childhood, Infancy".')
    inheritance = models.CharField(max_length=200, blank=True, help_text='e.g. "Autosomal recessive".')
    classifications = models.ManyToManyField(Classification, blank=True, related_name="disorders")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    objects = DisorderQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]  # titles may repeat; the id keeps every listing in one order
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="disorder_slug_unique"),
            models.CheckConstraint(condition=~Q(title__regex=r"^\s*$"), name="disorder_title_not_blank"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="disorder_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(publish_at__isnull=False),
                name="disorder_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=F("publish_at")),
                name="disorder_unpublish_after_publish",
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True)
                | Q(last_reviewed_on__isnull=True)
                | Q(next_review_due__gt=F("last_reviewed_on")),
                name="disorder_review_due_after_last_review",
            ),
        ]
        permissions = [
            ("publish_disorder", "Can publish, unpublish and archive entries"),
            ("review_disorder", "Can mark entries reviewed and set the next review date"),
            ("revert_disorder", "Can revert entries to an earlier revision"),
        ]
        indexes = [
            models.Index(fields=["status", "-content_changed_at"], name="disorder_status_changed"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A published entry always has a publication date (the check constraint insists).
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return row_url("disorders:detail", self.slug)

    @property
    def marked_published(self):
        """Whether the working copy says it is published (its status and first publication date), as a publish
        marks it; whether readers see it is its published version's (``Disorder.objects.published()``)."""
        return self.status == self.Status.PUBLISHED and self.published_at is not None

    @property
    def description(self):
        """The summary, else the start of the first section: what link previews, search results and the feed show."""
        if self.summary:
            return plain_text(self.summary, DESCRIPTION_LENGTH)
        first_section = next(iter(self.sections.all()), None)
        return plain_text(first_section.body, DESCRIPTION_LENGTH) if first_section else ""

    def clean(self):
        if self.title is not None and not self.title.strip():
            raise ValidationError({"title": "An entry needs a title."})
        holder = Disorder.objects.holding_address(self.slug).exclude(pk=self.pk).first() if self.slug else None
        if holder is not None and holder.slug == self.slug:
            raise ValidationError({"slug": "Another entry already uses this web address."})
        if holder is not None:
            raise ValidationError(
                {"slug": f"This web address used to belong to “{holder}” and still leads there; choose another."}
            )
        if self.next_review_due and self.last_reviewed_on and self.next_review_due <= self.last_reviewed_on:
            raise ValidationError({"next_review_due": "The next review must fall after the last review."})


class ReviewStep(models.Model):
    """One step of an entry through review: who moved it, when, and why (the note editors and reviewers read).

    Written by ``disorders.workflow`` together with the revision the step recorded, so the
    entry's history shows it too; the change form shows the latest request for changes.
    """

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved and published"
        SCHEDULED = "scheduled", "Approved, scheduled"

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="review_steps")
    action = models.CharField(max_length=20, choices=Action)
    note = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revision = models.OneToOneField(
        "reversion.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="review_step"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["disorder", "-created_at"], name="review_step_entry_latest")]

    def __str__(self):
        return f"{self.get_action_display()}: {self.disorder_id}"


class ReviewerProfile(models.Model):
    """How a reviewer is credited on the entries they review: "Reviewed by Jane Roe, MD on May 8, 2026"."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile")
    public_name = models.CharField(max_length=200, help_text='Your name as readers see it, e.g. "Jane Roe".')
    credentials = models.CharField(
        max_length=200, blank=True, help_text='Degrees or titles after your name, e.g. "MD" or "PhD, RN".'
    )

    class Meta:
        ordering = ["public_name"]
        constraints = [
            models.CheckConstraint(condition=~Q(public_name__regex=r"^\s*$"), name="reviewer_profile_name_not_blank")
        ]

    def __str__(self):
        return self.credit

    @property
    def credit(self):
        """The name and credentials as printed: "Jane Roe, MD"."""
        return ", ".join(part for part in (self.public_name.strip(), self.credentials.strip()) if part)

    def clean(self):
        if self.public_name is not None and not self.public_name.strip():
            raise ValidationError({"public_name": "Readers need a name to see."})


class PreviousSlug(models.Model):
    """An address an entry had before; it redirects to the entry."""

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="previous_slugs")
    slug = models.SlugField(max_length=255, db_index=False)
    retired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-retired_at"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="previous_slug_unique")]

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return self.disorder.get_absolute_url()


class ImportRun(models.Model):
    """One run of an importer: its entries' revisions point here, so recent changes show the run as one line."""

    started_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(max_length=500, help_text='What the run imported, e.g. "Imported from Orphanet (…)".')

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.comment} ({self.started_at:%Y-%m-%d %H:%M})"


class EntryRevision(models.Model):
    """What the history asks of one revision of an entry, in columns: reversion keeps the entry as serialized text.

    Written with the revision by ``disorders.history.recording`` (reversion's revision metadata).
    """

    revision = models.OneToOneField(
        "reversion.Revision", primary_key=True, on_delete=models.CASCADE, related_name="entry_revision"
    )
    # No database constraint: the history of a deleted entry stays, to recover it from.
    disorder = models.ForeignKey(
        Disorder, on_delete=models.DO_NOTHING, db_constraint=False, related_name="entry_revisions"
    )
    content_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="The entry's content_changed_at as this revision recorded it."
    )
    import_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="entry_revisions"
    )

    class Meta:
        ordering = ["-revision"]

    def __str__(self):
        return f"Revision {self.revision_id} of entry {self.disorder_id}"


class OrderedChild(models.Model):
    """A row owned by one entry, kept in the editor's order."""

    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class Synonym(OrderedChild):
    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="synonyms")
    name = models.CharField(max_length=255, help_text='Another name or an abbreviation, e.g. "JMML".')

    class Meta(OrderedChild.Meta):
        constraints = [
            models.UniqueConstraint("disorder", Lower("name"), name="synonym_unique_per_disorder"),
            models.CheckConstraint(condition=~Q(name__regex=r"^\s*$"), name="synonym_name_not_blank"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.disorder_id and self.disorder.synonyms.filter(name__iexact=self.name).exclude(pk=self.pk).exists():
            raise ValidationError({"name": "This entry already has that synonym."})


class Subdivision(OrderedChild):
    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="subdivisions")
    name = models.CharField(max_length=255, help_text='A named subtype, e.g. "MSA-C (cerebellar phenotype)".')
    linked_disorder = models.ForeignKey(
        Disorder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parent_subdivisions",
        help_text="The subtype's own entry, if it has one.",
    )

    class Meta(OrderedChild.Meta):
        constraints = [
            models.UniqueConstraint("disorder", Lower("name"), name="subdivision_unique_per_disorder"),
            models.CheckConstraint(condition=~Q(linked_disorder=F("disorder")), name="subdivision_not_self_linked"),
            models.CheckConstraint(condition=~Q(name__regex=r"^\s*$"), name="subdivision_name_not_blank"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.linked_disorder_id and self.linked_disorder_id == self.disorder_id:
            raise ValidationError({"linked_disorder": "A subdivision cannot link to its own entry."})


class Section(OrderedChild):
    class Kind(models.TextChoices):
        DEFINITION = "definition", "Definition"
        GENERAL_DISCUSSION = "general_discussion", "General discussion"
        SIGNS_SYMPTOMS = "signs_symptoms", "Signs & symptoms"
        CAUSES = "causes", "Causes"
        AFFECTED_POPULATIONS = "affected_populations", "Affected populations"
        RELATED_DISORDERS = "related_disorders", "Related disorders"
        DIAGNOSIS = "diagnosis", "Diagnosis"
        STANDARD_THERAPIES = "standard_therapies", "Standard therapies"
        INVESTIGATIONAL_THERAPIES = "investigational_therapies", "Investigational therapies"
        REFERENCES = "references", "References"

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=40, choices=Kind)
    heading = models.CharField(max_length=200, blank=True, help_text="Leave empty to use the standard heading.")
    body = models.TextField(help_text="Markdown: blank line between paragraphs, ### for a sub-heading.")
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sections",
        help_text="Who wrote this text.",
    )

    class Meta(OrderedChild.Meta):
        constraints = [
            models.UniqueConstraint(fields=["disorder", "kind"], name="section_one_per_kind"),
            models.CheckConstraint(condition=~Q(body__regex=r"^\s*$"), name="section_body_not_blank"),
            # Past this a page would cut the text (encyclopedia.markup): a 50 MB paste is refused, not stored.
            models.CheckConstraint(condition=LessThanOrEqual(Length("body"), MAX_CHARS), name="section_body_size"),
        ]

    def __str__(self):
        return self.display_heading

    @property
    def display_heading(self):
        return self.heading or self.get_kind_display()

    def clean(self):
        if self.disorder_id and self.disorder.sections.filter(kind=self.kind).exclude(pk=self.pk).exists():
            raise ValidationError({"kind": "This entry already has a section of this kind."})
        if self.body and len(self.body) > MAX_CHARS:
            raise ValidationError(
                {"body": f"A section may have at most {MAX_CHARS:,} characters; this one has {len(self.body):,}."}
            )


class DisorderSource(models.Model):
    """Where an entry's text came from, with what the source document says about itself."""

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="attributions")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="attributions")
    reference = models.CharField(
        max_length=100, blank=True, help_text='The source\'s own identifier, e.g. "nord592" or "ORPHA:86834".'
    )
    url = models.URLField(blank=True, validators=[validate_web_url], help_text="The source's page for this entry.")
    source_updated_on = models.DateField(null=True, blank=True, help_text='The source\'s own "Last updated" date.')
    copyright = models.CharField(max_length=255, blank=True, help_text='As printed, e.g. "Copyright 2013 NORD".')
    complete_report = models.TextField(blank=True, help_text='The source\'s "For a complete report" note (Markdown).')
    disclaimer = models.TextField(blank=True, help_text="The source document's own disclaimers, one paragraph each.")
    acknowledgement = models.TextField(blank=True, help_text="Credit to the expert who reviewed the source text.")

    class Meta:
        ordering = ["source__name"]
        verbose_name = "source of this entry"
        verbose_name_plural = "sources of this entry"
        constraints = [
            models.UniqueConstraint(fields=["disorder", "source"], name="disorder_source_once"),
            models.UniqueConstraint(
                fields=["source", "reference"], condition=~Q(reference=""), name="source_reference_unique"
            ),
        ]

    def __str__(self):
        return f"{self.source} — {self.reference or self.disorder}"

    def clean(self):
        if not (self.source_id and self.reference):
            return
        clash = DisorderSource.objects.filter(source=self.source_id, reference=self.reference).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError({"reference": "Another entry already has this source reference."})


class DisorderResource(OrderedChild):
    """An organization listed on an entry, in the editor's order; the organization itself is shared."""

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="resources")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="disorder_links")

    class Meta(OrderedChild.Meta):
        verbose_name = "resource"
        constraints = [models.UniqueConstraint(fields=["disorder", "organization"], name="resource_once_per_disorder")]

    def __str__(self):
        return f"{self.organization} for {self.disorder}"

    def clean(self):
        if not (self.disorder_id and self.organization_id):
            return
        clash = DisorderResource.objects.filter(disorder=self.disorder_id, organization=self.organization_id)
        if clash.exclude(pk=self.pk).exists():
            raise ValidationError({"organization": "This organization is already listed for the entry."})


class Code(models.Model):
    """An identifier of the disorder in an external terminology."""

    class System(models.TextChoices):
        ORPHA = "ORPHA", "Orphanet"
        OMIM = "OMIM", "OMIM"
        ICD10 = "ICD-10", "ICD-10"
        ICD11 = "ICD-11", "ICD-11"
        MESH = "MeSH", "MeSH"
        UMLS = "UMLS", "UMLS"
        MONDO = "MONDO", "MONDO"
        GARD = "GARD", "GARD"
        NORD = "NORD", "NORD"

    class Relation(models.TextChoices):
        EXACT = "exact", "Exact"
        NARROWER = "narrower", "Narrower (the code is more specific)"
        BROADER = "broader", "Broader (the code is more general)"

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="codes")
    system = models.CharField(max_length=10, choices=System)
    value = models.CharField(max_length=50, help_text='The code without its prefix, e.g. "86834" or "C93.3".')
    relation = models.CharField(max_length=10, choices=Relation, default=Relation.EXACT)

    class Meta:
        ordering = ["system", "value"]
        constraints = [
            models.UniqueConstraint(fields=["disorder", "system", "value"], name="code_unique_per_disorder"),
            models.CheckConstraint(condition=Q(value__regex=r"^\S+$"), name="code_value_no_spaces"),
        ]
        indexes = [models.Index(fields=["system", "value"], name="code_lookup")]

    def __str__(self):
        return f"{self.system} {self.value}"

    @property
    def url(self):
        """The code's page in its terminology's public browser, or "" where there is no stable one."""
        template = CODE_URLS.get(self.system)
        return template.format(value=quote(self.value, safe="")) if template else ""

    def clean(self):
        if self.value and not self.value.strip():
            raise ValidationError({"value": "Enter the code."})
        if self.value and any(character.isspace() for character in self.value):
            raise ValidationError({"value": "A code has no spaces."})


# Public pages keyed by the code itself. None for ICD-11 (its browser addresses entities by a
# numeric id we do not store, not by code), UMLS (needs a licence login), GARD and NORD (pages by name).
CODE_URLS = {
    Code.System.ORPHA: "https://www.orpha.net/en/disease/detail/{value}",
    Code.System.OMIM: "https://omim.org/entry/{value}",
    Code.System.ICD10: "https://icd.who.int/browse10/2019/en#/{value}",
    Code.System.MESH: "https://meshb.nlm.nih.gov/record/ui?ui={value}",
    Code.System.MONDO: "https://purl.obolibrary.org/obo/MONDO_{value}",
}


class Disclaimer(models.Model):
    """Site-wide texts editors maintain, shown on every entry."""

    class Kind(models.TextChoices):
        TITLE_NOTICE = "title_notice", "Title notice"
        MEDICAL = "medical", "Medical disclaimer"
        TERMS = "terms", "Terms of use"

    kind = models.CharField(max_length=20, choices=Kind)
    title = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Markdown. In the title notice, {title} stands for the entry's title and is required."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], name="disclaimer_kind_unique"),
            models.CheckConstraint(
                condition=~Q(kind="title_notice") | Q(body__contains="{title}"),
                name="disclaimer_title_notice_names_title",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.kind == self.Kind.TITLE_NOTICE and "{title}" not in (self.body or ""):
            raise ValidationError({"body": "The title notice must contain {title} where the entry's title goes."})

    def render_for(self, disorder):
        return self.body.replace("{title}", disorder.title)


class RetiredCode(models.Model):
    """A code its terminology withdrew (Orphanet's deprecated and obsolete ORPHAcodes), and what replaced it."""

    class Status(models.TextChoices):
        DEPRECATED = "deprecated", "Deprecated (replaced by another code)"
        OBSOLETE = "obsolete", "Obsolete (no longer used)"

    system = models.CharField(max_length=10, choices=Code.System)
    value = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status)
    replaced_by = models.CharField(max_length=50, blank=True, help_text="The active code in the same system, if any.")

    class Meta:
        ordering = ["system", "value"]
        constraints = [
            models.UniqueConstraint(fields=["system", "value"], name="retired_code_unique"),
            models.CheckConstraint(condition=~Q(replaced_by=F("value")), name="retired_code_not_replaced_by_itself"),
        ]

    def __str__(self):
        return f"{self.system} {self.value} ({self.get_status_display().split(' (')[0].lower()})"

    def clean(self):
        if self.replaced_by and self.replaced_by == self.value:
            raise ValidationError({"replaced_by": "A code cannot replace itself."})


# The A-Z index files names that start with a digit or a symbol ("3-M syndrome") under one heading.
OTHER_INITIAL = "0-9"
# The A-Z bar: one link per letter, then names that start with a digit or a symbol.
INITIALS = [*string.ascii_uppercase, OTHER_INITIAL]


# A name with a character outside printable ASCII, the only kind unaccent() may change.
NOT_ASCII = r"[^ -~]"


class DisorderNameQuerySet(models.QuerySet):
    def starting_with(self, initial):
        """Names filed under one letter of the A-Z index ("A"…"Z", or ``OTHER_INITIAL`` for digits and the rest)."""
        if initial == OTHER_INITIAL:
            return self.exclude(normalized__regex=r"^[a-z]")
        return self.filter(normalized__startswith=initial.lower())

    def initials(self):
        """The A-Z letters (and ``OTHER_INITIAL``) that have at least one name, in one query (see ``initials_in``)."""
        return initials_in(self, "normalized")


def initials_in(queryset, field, *, lower=False):
    """The A-Z letters (and ``OTHER_INITIAL``) under which ``queryset`` has a row, by the first letter of ``field``.

    ``field`` holds lowercase text, or is lowercased with ``lower``. Every home, A-Z and signs
    index page shows them, so they must be cheap at full size: one query whose one subquery,
    planned once, runs per letter and stops at the letter's first row (0.3 ms for all 27 on the
    names' pattern index; 1.5 ms for the signs in use), where a DISTINCT read every row (15 ms;
    80 ms for signs) and 27 EXISTS written out cost more to plan (4-7 ms) than to run. The
    subquery is a LATERAL ... LIMIT 1 so that the planner filters by letter before it asks
    anything else of a row. Letters are compared bytewise (``~>=~``), as the pattern index orders them, whatever
    the database collation.
    """
    rows, params = queryset.order_by().values(field).query.sql_with_params()
    text = f"lower({field})" if lower else field
    letters = [initial for initial in INITIALS if initial != OTHER_INITIAL]
    sql = (
        f"SELECT initial FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(letters))}) AS letters (initial, low, high)"
        f" CROSS JOIN LATERAL (SELECT 1 FROM ({rows}) AS rows WHERE {text} ~>=~ low AND {text} ~<~ high LIMIT 1) AS hit"
        # As starting_with() files them: a letter's names start with it, the rest with anything else.
        f" UNION ALL SELECT %s WHERE EXISTS (SELECT 1 FROM ({rows}) AS rows WHERE {text} !~ '^[a-z]')"
    )
    bounds = [value for letter in letters for value in (letter, letter.lower(), chr(ord(letter.lower()) + 1))]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, [*bounds, *params, OTHER_INITIAL, *params])
        return {initial for (initial,) in cursor.fetchall()}


class DisorderName(models.Model):
    """One name an entry goes by: its title, a synonym or a subdivision.

    Derived data for search and the A-Z index: ``disorders.search.reindex`` rewrites an
    entry's rows every time the entry is saved. Never edited, never versioned.
    """

    class Kind(models.TextChoices):
        TITLE = "title", "title"
        SYNONYM = "synonym", "synonym"
        SUBDIVISION = "subdivision", "subdivision"

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=Kind)
    # lower(unaccent(name)), computed by PostgreSQL as the row is written: unaccent() is not immutable,
    # so it can be neither a generated column nor an expression index, and Python's idea of accents differs.
    normalized = models.CharField(max_length=255, editable=False)

    objects = DisorderNameQuerySet.as_manager()

    class Meta:
        ordering = ["normalized", "name"]
        constraints = [
            models.UniqueConstraint(fields=["disorder", "kind", "name"], name="disorder_name_once_per_kind"),
            models.CheckConstraint(condition=~Q(name__regex=r"^\s*$"), name="disorder_name_not_blank"),
        ]
        indexes = [
            # Typo-tolerant matching (%>, %) and LIKE patterns.
            GinIndex(fields=["normalized"], opclasses=["gin_trgm_ops"], name="disorder_name_trigram"),
            # Exact matches and the A-Z index's prefix LIKE, whatever the database collation.
            models.Index(fields=["normalized"], opclasses=["varchar_pattern_ops"], name="disorder_name_normalized"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()} of {self.disorder})"

    def clean(self):
        if self.name is not None and not self.name.strip():
            raise ValidationError({"name": "A name cannot be blank."})
        same = DisorderName.objects.filter(disorder=self.disorder_id, kind=self.kind, name=self.name)
        if self.disorder_id and same.exclude(pk=self.pk).exists():
            raise ValidationError({"name": f"This entry already has this {self.get_kind_display()}."})


# Orphanet's prevalence types, most telling first: how many people live with it now, then how many are
# born with it, then new cases a year; a count of reported cases or families says least.
PREVALENCE_KIND_ORDER = ("Point prevalence", "Prevalence at birth", "Annual incidence", "Lifetime Prevalence")
WORLDWIDE = "Worldwide"


def _rank(field, values):
    """An expression ranking ``field`` by its place in ``values`` (anything else after them)."""
    return Case(*(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)), default=Value(len(values)))


class Prevalence(OrderedChild):
    """One prevalence record as Orphanet states it: what was counted, where, how sure, and who says so.

    The default order is the most relevant first: a worldwide point prevalence, then other point
    prevalences, birth prevalence, incidence, lifetime prevalence and case counts; within a kind,
    worldwide before regions and a stated class before none.
    """

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="prevalences")
    kind = models.CharField(
        max_length=50, help_text='Orphanet\'s prevalence type, e.g. "Point prevalence" or "Prevalence at birth".'
    )
    prevalence_class = models.CharField(
        max_length=50, blank=True, help_text='e.g. "1-5 / 10 000"; empty where the source gives none.'
    )
    mean_value = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The mean value (per 100 000, or the number of cases or families), where the source gives one.",
    )
    geography = models.CharField(max_length=100, blank=True, help_text='e.g. "Worldwide" or "Europe".')
    qualification = models.CharField(
        max_length=50, blank=True, help_text='e.g. "Value and class", "Class only", "Case(s)".'
    )
    source = models.CharField(max_length=255, blank=True, help_text='e.g. "16325700[PMID]_ORPHANET".')

    class Meta(OrderedChild.Meta):
        ordering = [
            _rank("kind", PREVALENCE_KIND_ORDER),
            _rank("geography", (WORLDWIDE,)),
            _rank("prevalence_class", ("",)).desc(),
            "position",
            "id",
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(kind__regex=r"^\s*$"), name="prevalence_kind_not_blank"),
            models.CheckConstraint(
                condition=Q(mean_value__isnull=True) | Q(mean_value__gt=0), name="prevalence_mean_value_positive"
            ),
            # One record once: the importer recognizes what it stored before by these fields.
            models.UniqueConstraint(
                "disorder",
                "kind",
                "prevalence_class",
                "mean_value",
                "geography",
                "qualification",
                "source",
                name="prevalence_record_once",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return ", ".join(filter(None, [self.prevalence_class or "no figure", self.kind.lower(), self.geography]))

    @property
    def relevance(self):
        """The default order's key, for rows already in memory (lower is more relevant)."""
        kind = PREVALENCE_KIND_ORDER.index(self.kind) if self.kind in PREVALENCE_KIND_ORDER else 4
        return (kind, self.geography != WORLDWIDE, not self.prevalence_class)

    @property
    def is_relevant(self):
        """A worldwide point prevalence with a class: the figure that answers "how common is it?"."""
        return self.relevance == (0, False, False)


HGNC_URL = "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:{}"
OMIM_URL = "https://omim.org/entry/{}"
CLINVAR_URL = "https://www.ncbi.nlm.nih.gov/clinvar/?term={}%5Bgene%5D"


class Gene(models.Model):
    """A human gene; shared by every entry associated with it (not part of any entry's history)."""

    symbol = models.CharField(max_length=50, help_text='The HGNC symbol, e.g. "PTPN11".')
    name = models.CharField(max_length=255, blank=True, help_text='e.g. "protein tyrosine phosphatase …".')
    hgnc_id = models.CharField(max_length=20, blank=True, help_text='The HGNC number without "HGNC:", e.g. "9644".')
    omim_id = models.CharField(max_length=20, blank=True, help_text='The gene\'s OMIM number, e.g. "176876".')

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.UniqueConstraint(fields=["symbol"], name="gene_symbol_unique"),
            # The symbol is the gene page's address.
            models.CheckConstraint(condition=Q(symbol__regex=r"^[A-Za-z0-9@._-]+$"), name="gene_symbol_format"),
            models.CheckConstraint(condition=Q(hgnc_id__regex=r"^[0-9]*$"), name="gene_hgnc_id_digits"),
            models.CheckConstraint(condition=Q(omim_id__regex=r"^[0-9]*$"), name="gene_omim_id_digits"),
        ]
        # Every search looks the query up as a symbol, any case (disorders.search).
        indexes = [models.Index(Upper("symbol"), name="gene_symbol_any_case")]

    def __str__(self):
        return self.symbol

    def get_absolute_url(self):
        return row_url("disorders:gene", self.symbol)

    @property
    def hgnc_url(self):
        return HGNC_URL.format(self.hgnc_id) if self.hgnc_id else ""

    @property
    def omim_url(self):
        return OMIM_URL.format(self.omim_id) if self.omim_id else ""

    @property
    def clinvar_url(self):
        return CLINVAR_URL.format(quote(self.symbol, safe=""))


# Orphanet's DisorderGeneAssociationType in words a reader without genetics follows.
PLAIN_ASSOCIATIONS = {
    "Disease-causing germline mutation(s) in": "Changes (mutations) in this gene cause the disorder",
    "Disease-causing germline mutation(s) (loss of function) in": (
        "Changes (mutations) that stop this gene working cause the disorder"
    ),
    "Disease-causing germline mutation(s) (gain of function) in": (
        "Changes (mutations) that make this gene overactive cause the disorder"
    ),
    "Disease-causing somatic mutation(s) in": (
        "Changes (mutations) in this gene that arise during life, not inherited, cause the disorder"
    ),
    "Major susceptibility factor in": "Changes in this gene make the disorder much more likely",
    "Modifying germline mutation in": "Changes in this gene alter how the disorder shows itself",
    "Part of a fusion gene in": "This gene, joined to another (a fusion gene), is involved in the disorder",
    "Role in the phenotype of": "This gene plays a part in the signs of the disorder",
    "Candidate gene tested in": "This gene has been studied as a possible cause",
    "Biomarker tested in": "This gene is tested as a marker of the disorder",
}


class GeneAssociation(OrderedChild):
    """How one of an entry's genes is involved in it; the gene itself is shared."""

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="gene_associations")
    gene = models.ForeignKey(Gene, on_delete=models.PROTECT, related_name="associations")
    association = models.CharField(
        max_length=100,
        help_text='Orphanet\'s association type, e.g. "Disease-causing germline mutation(s) in".',
    )

    class Meta(OrderedChild.Meta):
        constraints = [
            models.UniqueConstraint(fields=["disorder", "gene", "association"], name="gene_association_once"),
            models.CheckConstraint(condition=~Q(association__regex=r"^\s*$"), name="gene_association_not_blank"),
        ]

    def __str__(self):
        return f"{self.gene} — {self.association}"

    @property
    def plain_association(self):
        return PLAIN_ASSOCIATIONS.get(self.association, self.association)


HPO_ID_FORMAT = r"^HP:[0-9]{7}$"


class Sign(models.Model):
    """A sign or symptom, as a term of the Human Phenotype Ontology; shared by every entry that has it."""

    hpo_id = models.CharField(
        max_length=10,
        validators=[RegexValidator(HPO_ID_FORMAT, 'An HPO identifier looks like "HP:0001519".')],
        help_text='e.g. "HP:0001519".',
    )
    name = models.CharField(max_length=255, help_text='The HPO term, e.g. "Disproportionate tall stature".')

    class Meta:
        ordering = ["name", "hpo_id"]
        constraints = [
            models.UniqueConstraint(fields=["hpo_id"], name="sign_hpo_id_unique"),
            models.CheckConstraint(condition=Q(hpo_id__regex=HPO_ID_FORMAT), name="sign_hpo_id_format"),
            models.CheckConstraint(condition=~Q(name__regex=r"^\s*$"), name="sign_name_not_blank"),
        ]
        # Every search looks the query up as a sign name, accents and case ignored (disorders.search.SIGN_IDS):
        # unaccent() is not immutable, so no index can hold lower(unaccent(name)); lower(name) answers names
        # of plain ASCII (all of HPO's), and the few others are listed apart.
        indexes = [
            models.Index(Lower("name"), name="sign_name_any_case"),
            models.Index(fields=["id"], condition=Q(name__regex=NOT_ASCII), name="sign_name_not_ascii"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return row_url("disorders:sign", self.hpo_id)


class SignFrequency(models.TextChoices):
    """How often people with the disorder have a sign: Orphanet's HPO frequency classes, most frequent first."""

    OBLIGATE = "obligate", "Always present (100 %)"
    VERY_FREQUENT = "very_frequent", "Very frequent (99–80 %)"
    FREQUENT = "frequent", "Frequent (79–30 %)"
    OCCASIONAL = "occasional", "Occasional (29–5 %)"
    VERY_RARE = "very_rare", "Very rare (< 4 %)"
    EXCLUDED = "excluded", "Excluded (0 %)"


class DisorderSign(models.Model):
    """A sign of one entry and how often people with the disorder have it (Orphanet's HPO frequency class)."""

    Frequency = SignFrequency

    disorder = models.ForeignKey(Disorder, on_delete=models.CASCADE, related_name="signs")
    sign = models.ForeignKey(Sign, on_delete=models.PROTECT, related_name="disorder_signs")
    frequency = models.CharField(max_length=20, choices=Frequency)

    class Meta:
        # Most frequent first, the way the entry page groups them.
        ordering = [_rank("frequency", list(SignFrequency)), "sign__name", "id"]
        verbose_name = "sign or symptom"
        verbose_name_plural = "signs and symptoms"
        constraints = [
            models.UniqueConstraint(fields=["disorder", "sign"], name="disorder_sign_once"),
            models.CheckConstraint(
                condition=Q(frequency__in=SignFrequency.values), name="disorder_sign_frequency_known"
            ),
        ]

    def __str__(self):
        return f"{self.sign} ({self.get_frequency_display()})"


# How much a matching sign counts when ranking entries by signs: about the middle of each frequency band,
# so an always-present sign counts fully and an excluded one (the entry says it is absent) not at all.
DisorderSign.Frequency.weight = {
    DisorderSign.Frequency.OBLIGATE: 1.0,
    DisorderSign.Frequency.VERY_FREQUENT: 0.9,
    DisorderSign.Frequency.FREQUENT: 0.55,
    DisorderSign.Frequency.OCCASIONAL: 0.17,
    DisorderSign.Frequency.VERY_RARE: 0.02,
    DisorderSign.Frequency.EXCLUDED: 0.0,
}


class PublishedEntryQuerySet(models.QuerySet):
    def with_classification(self, node_ids):
        """Published entries filed under any of these classification nodes (the GIN-indexed id array)."""
        return self.filter(classification_ids__overlap=list(node_ids))

    def with_gene(self, gene):
        return self.filter(genes__has_key=str(gene.pk))

    def with_sign(self, sign):
        return self.filter(signs__has_key=str(sign.pk))

    def listing(self):
        """Only what a list of entries shows (title, address, dates): never the document."""
        return self.only("title", "slug", "summary", "description", "published_at", "content_changed_at")


class PublishedEntry(models.Model):
    """The published version of one entry: everything readers, search and listings see of it.

    Written only by ``disorders.publication.publish`` (and its bulk form) from the working copy as
    its latest revision recorded it; the admin never edits it. ``document`` is the JSON export's
    shape plus the rendered HTML of the page (see ``publication.build_document``); the other
    columns are that document denormalized for listings, sorting and search, so no reader page
    has to read the working copy's tables.
    """

    disorder = models.OneToOneField(Disorder, primary_key=True, on_delete=models.CASCADE, related_name="published")
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The revision of the working copy this version was built from.",
    )
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, db_index=False)  # the unique constraint's index is the one it needs
    summary = models.TextField(blank=True)
    description = models.TextField(blank=True, help_text="What link previews, search results and the feed show.")
    body = models.TextField(blank=True, help_text="The sections' text, for search snippets.")
    published_at = models.DateTimeField(help_text="When the entry first became public.")
    content_changed_at = models.DateTimeField(null=True, blank=True, help_text='"Last updated" of this version.')
    updated_at = models.DateTimeField(help_text="When this version was published.")
    document = models.JSONField()
    # Listings by classification, organization, gene, sign and code follow the published version:
    # one row per entry, written in one statement by a bulk publish, each GIN-indexed for "entries with X".
    classification_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    organization_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    genes = models.JSONField(default=dict, blank=True, help_text='{"<gene id>": ["association", …]}')
    signs = models.JSONField(default=dict, blank=True, help_text='{"<sign id>": "frequency"}')
    codes = models.JSONField(default=dict, blank=True, help_text='{"SYSTEM:VALUE": "relation"}')
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PublishedEntryQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "published entries"
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="published_entry_slug_unique"),
            models.CheckConstraint(condition=~Q(title__regex=r"^\s*$"), name="published_entry_title_not_blank"),
            models.CheckConstraint(
                condition=Q(updated_at__gte=F("published_at")), name="published_entry_updated_after_first"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="published_search_vector"),
            GinIndex(fields=["classification_ids"], name="published_classifications"),
            GinIndex(fields=["organization_ids"], name="published_organizations"),
            GinIndex(fields=["genes"], name="published_genes"),
            GinIndex(fields=["signs"], name="published_signs"),
            GinIndex(fields=["codes"], name="published_codes"),
            models.Index(F("content_changed_at").desc(nulls_last=True), "title", name="published_changed"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return row_url("disorders:detail", self.slug)


class Publication(models.Model):
    """One step in an entry's publication history: who published or unpublished it, when, why, and which revision."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    # No database constraint: the history of a deleted entry stays, like its revisions.
    disorder = models.ForeignKey(
        Disorder, on_delete=models.DO_NOTHING, db_constraint=False, related_name="publications"
    )
    action = models.CharField(max_length=20, choices=Action)
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="publications",
        help_text="The revision of the working copy that was published.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["published", "unpublished"]), name="publication_action_known"
            ),
        ]
        indexes = [models.Index(fields=["disorder", "-created_at"], name="publication_history")]

    def __str__(self):
        return f"{self.get_action_display()} entry {self.disorder_id} on {self.created_at:%Y-%m-%d %H:%M}"


class PublishedName(models.Model):
    """One name a published entry goes by (title, synonym, subdivision), from its published document.

    What readers search, autocomplete and browse A-Z; ``DisorderName`` is the working copies' names,
    for staff and importers. Rewritten by every publish, never edited.
    """

    Kind = DisorderName.Kind

    entry = models.ForeignKey(PublishedEntry, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=Kind)
    # lower(unaccent(name)), computed by PostgreSQL as the row is written (see DisorderName).
    normalized = models.CharField(max_length=255, editable=False)

    # The same A-Z helpers as the working copies' names.
    objects = DisorderNameQuerySet.as_manager()

    class Meta:
        ordering = ["normalized", "name"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind", "name"], name="published_name_once_per_kind"),
            models.CheckConstraint(condition=~Q(name__regex=r"^\s*$"), name="published_name_not_blank"),
        ]
        indexes = [
            GinIndex(fields=["normalized"], opclasses=["gin_trgm_ops"], name="published_name_trigram"),
            models.Index(fields=["normalized"], opclasses=["varchar_pattern_ops"], name="published_name_normalized"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()} of {self.entry})"
