"""Small builders for test data: each returns a saved object with sensible defaults."""

import itertools

from django.utils import timezone
from django.utils.text import slugify

from disorders import publication
from disorders.models import (
    Classification,
    Code,
    Disorder,
    DisorderResource,
    DisorderSign,
    Gene,
    GeneAssociation,
    PublishedEntry,
    Section,
    Sign,
    Source,
    Subdivision,
    Synonym,
)
from disorders.signals import entry_saved
from resources.models import Organization, Phone

_counter = itertools.count(1)


def make_source(**fields):
    n = next(_counter)
    fields.setdefault("name", f"Source {n}")
    fields.setdefault("slug", slugify(fields["name"]))
    return Source.objects.create(**fields)


def make_disorder(
    title=None, *, published=True, synonyms=(), subdivisions=(), sections=(), classifications=(), **fields
):
    """An entry with its names and sections, announced with ``entry_saved`` as every real write path does."""
    title = title or f"Test Disorder {next(_counter)}"
    fields.setdefault("slug", slugify(title))
    if published:
        fields.setdefault("status", Disorder.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now())
        fields.setdefault("content_changed_at", timezone.now())
    disorder = Disorder.objects.create(title=title, **fields)
    for position, name in enumerate(synonyms):
        Synonym.objects.create(disorder=disorder, name=name, position=position)
    for position, name in enumerate(subdivisions):
        Subdivision.objects.create(disorder=disorder, name=name, position=position)
    for position, (kind, body) in enumerate(sections):
        Section.objects.create(disorder=disorder, kind=kind, body=body, position=position)
    disorder.classifications.add(*classifications)
    entry_saved.send(sender=Disorder, disorder=disorder)
    if published and disorder.status == Disorder.Status.PUBLISHED:
        # What readers see is the published version: publish it as a reviewer would.
        # As it stands, with no revision: tests count the revisions they record themselves.
        publication.publish_many([disorder.pk], user=None)
        disorder.refresh_from_db()
    return disorder


def republish(disorder):
    """Rebuild a published entry's published version after a test added rows to it while building it.

    Test data built in steps stands for one write: no new revision (its dates stay as the test set them).
    Tests of pending changes edit through the admin or record a revision instead.
    """
    if PublishedEntry.objects.filter(pk=disorder.pk).exists():  # a draft stays a draft
        publication.publish_many([disorder.pk], user=None, rebuild=True)
        disorder.refresh_from_db()
    return disorder


def _republished(disorder, row):
    """Rows the helpers below add to a published entry are part of its published version, as if a reviewer
    published the entry with them; tests of pending changes edit through the admin instead."""
    republish(disorder)
    return row


def make_code(disorder, system=Code.System.ORPHA, value="86834", **fields):
    return _republished(disorder, Code.objects.create(disorder=disorder, system=system, value=value, **fields))


def make_classification(name=None, parent=None, **fields):
    name = name or f"Classification {next(_counter)}"
    fields.setdefault("slug", slugify(f"{name}-{next(_counter)}"))
    return Classification.objects.create(name=name, parent=parent, **fields)


def make_organization(name=None, phones=(), disorder=None, **fields):
    name = name or f"Organization {next(_counter)}"
    fields.setdefault("slug", slugify(name))
    organization = Organization.objects.create(name=name, **fields)
    for position, (kind, number) in enumerate(phones):
        Phone.objects.create(organization=organization, kind=kind, number=number, position=position)
    if disorder is not None:
        DisorderResource.objects.create(disorder=disorder, organization=organization)
        _republished(disorder, None)
    return organization


def make_gene_association(disorder, symbol, association="Disease-causing germline mutation(s) in", **gene_fields):
    """Link ``disorder`` to the gene ``symbol`` (created if new; genes are shared between entries)."""
    gene, _ = Gene.objects.get_or_create(symbol=symbol, defaults=gene_fields)
    return _republished(disorder, GeneAssociation.objects.create(disorder=disorder, gene=gene, association=association))


def make_disorder_sign(disorder, hpo_id, name, frequency=DisorderSign.Frequency.VERY_FREQUENT):
    """Give ``disorder`` the sign ``hpo_id`` (created if new; signs are shared between entries)."""
    sign, _ = Sign.objects.get_or_create(hpo_id=hpo_id, defaults={"name": name})
    return _republished(disorder, DisorderSign.objects.create(disorder=disorder, sign=sign, frequency=frequency))
