"""What an entry's revisions hold: the Disorder's versioned fields and the parts (rows) one entry owns."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import reversion
from django.db import models
from django.utils.text import capfirst

from disorders.models import (
    Code,
    Disorder,
    DisorderResource,
    DisorderSign,
    DisorderSource,
    GeneAssociation,
    Prevalence,
    Section,
    Subdivision,
    Synonym,
)

if TYPE_CHECKING:
    from disorders.history.snapshots import RowReader

# Bookkeeping and the review queue's assignment: not stored in versions (they are not what an editor wrote).
UNVERSIONED_FIELDS = ("version", "updated_at", "assigned_to", "assigned_at")
# What readers see of the Disorder row; a change here or in any owned row moves "Last updated". Revert restores these.
CONTENT_FIELDS = ("title", "slug", "summary", "prevalence", "age_of_onset", "inheritance", "classifications")
# Restored by a revert but not content: a new address tells readers nothing new (the old one redirects), so it
# moves neither "Last updated" nor the feed.
ADDRESS_FIELDS = ("slug",)
# Stored so that a revision records when content last changed (the public page lists those years); never compared.
HIDDEN_FIELDS = ("content_changed_at", "created_at")
OWNER_FIELD = "disorder"


@dataclass(frozen=True)
class EntryPart:
    """Rows one entry owns, reached from the Disorder by ``name`` (a related name, e.g. "synonyms")."""

    name: str
    model: type[models.Model]
    # Fields that name a row for people ("Synonym added: JMML"); shown in the heading, not again below it.
    name_fields: tuple[str, ...]
    describe: Callable[["RowReader"], str]
    # The shared rows the row's __str__ reads (its label in the admin and in history): fetch them with it.
    label_reads: tuple[str, ...] = ()

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def plural_label(self):
        return capfirst(self.model._meta.verbose_name_plural)


# The rows one entry owns, in the order the history lists them. Shared rows (organizations, sources,
# classifications, genes, signs) are not parts: an entry's revision only records which of them it points at.
PARTS = (
    EntryPart(name="synonyms", model=Synonym, name_fields=("name",), describe=lambda row: row.text("name")),
    EntryPart(name="subdivisions", model=Subdivision, name_fields=("name",), describe=lambda row: row.text("name")),
    EntryPart(
        name="sections",
        model=Section,
        name_fields=("heading", "kind"),
        describe=lambda row: row.text("heading") or row.text("kind"),
    ),
    EntryPart(
        name="codes",
        model=Code,
        name_fields=("system", "value"),
        describe=lambda row: f"{row.raw('system')} {row.raw('value')}",
    ),
    EntryPart(
        name="attributions",
        model=DisorderSource,
        name_fields=("source", "reference"),
        describe=lambda row: " — ".join(filter(None, [row.text("source"), row.text("reference")])),
        label_reads=("source",),
    ),
    # The entry's list of organizations is part of its history; the organizations themselves are shared.
    EntryPart(
        name="resources",
        model=DisorderResource,
        name_fields=("organization",),
        describe=lambda row: row.text("organization"),
        label_reads=("organization",),
    ),
    EntryPart(
        name="prevalences",
        model=Prevalence,
        name_fields=("prevalence_class", "kind", "geography"),
        describe=lambda row: ", ".join(
            filter(None, [row.text("prevalence_class"), row.text("kind"), row.text("geography")])
        ),
    ),
    # Which genes and signs an entry has is its own; the genes and signs themselves are shared.
    EntryPart(
        name="gene_associations",
        model=GeneAssociation,
        name_fields=("gene", "association"),
        describe=lambda row: f"{row.text('gene')} — {row.text('association')}",
        label_reads=("gene",),
    ),
    EntryPart(
        name="signs",
        model=DisorderSign,
        name_fields=("sign",),
        describe=lambda row: row.text("sign"),
        label_reads=("sign",),
    ),
)


def part_of(model):
    """The :class:`EntryPart` of ``model``'s rows."""
    return next(part for part in PARTS if part.model is model)


def register_entry():
    """Register the Disorder with reversion, following its parts (called from ``DisordersConfig.ready``)."""
    for part in PARTS:
        reversion.register(part.model)
    reversion.register(Disorder, exclude=UNVERSIONED_FIELDS, follow=[part.name for part in PARTS])
