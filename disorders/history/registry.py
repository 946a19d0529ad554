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
    DisorderSource,
    Section,
    Subdivision,
    Synonym,
)

if TYPE_CHECKING:
    from disorders.history.snapshots import RowReader

# Bookkeeping and derived columns: not stored in versions (they are not what an editor wrote).
UNVERSIONED_FIELDS = ("search_vector", "version", "updated_at")
# What readers see of the Disorder row; a change here or in any owned row moves "Last updated". Revert restores these.
CONTENT_FIELDS = ("title", "slug", "summary", "prevalence", "age_of_onset", "inheritance", "classifications")
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

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def plural_label(self):
        return capfirst(self.model._meta.verbose_name_plural)


_parts: dict[str, EntryPart] = {}


def register_part(model, name, *, name_fields, describe):
    """Version ``model`` as part of every entry (its foreign key ``disorder``, related name ``name``)."""
    if not reversion.is_registered(model):
        reversion.register(model)
    _parts[name] = EntryPart(name=name, model=model, name_fields=tuple(name_fields), describe=describe)
    # The Disorder follows its parts; registration is fixed at register() time, so register it again.
    if reversion.is_registered(Disorder):
        reversion.unregister(Disorder)
    reversion.register(Disorder, exclude=UNVERSIONED_FIELDS, follow=list(_parts))


def register_entry():
    """Register the Disorder and the parts this app owns (called from ``DisordersConfig.ready``)."""
    register_part(Synonym, "synonyms", name_fields=["name"], describe=lambda row: row.text("name"))
    register_part(Subdivision, "subdivisions", name_fields=["name"], describe=lambda row: row.text("name"))
    register_part(
        Section,
        "sections",
        name_fields=["heading", "kind"],
        describe=lambda row: row.text("heading") or row.text("kind"),
    )
    register_part(
        Code,
        "codes",
        name_fields=["system", "value"],
        describe=lambda row: f"{row.raw('system')} {row.raw('value')}",
    )
    register_part(
        DisorderSource,
        "attributions",
        name_fields=["source", "reference"],
        describe=lambda row: " — ".join(filter(None, [row.text("source"), row.text("reference")])),
    )
    # The entry's list of organizations is part of its history; the organizations themselves are shared.
    register_part(
        DisorderResource, "resources", name_fields=["organization"], describe=lambda row: row.text("organization")
    )


def entry_parts():
    return list(_parts.values())
