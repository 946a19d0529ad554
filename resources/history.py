"""Update history of organizations: one reversion revision per admin save, holding the organization and its phones.

Entries keep their own history (``disorders.history``); an organization is shared by many
entries, so who changed its address or phone, and when, is recorded here, on its own.
"""

from dataclasses import dataclass

import reversion
from django.contrib.contenttypes.models import ContentType
from reversion.models import Version

from resources.models import Organization, Phone

BASELINE_COMMENT = "The organization as it stood before its history was recorded"
# What a person sees of an organization, in the order the form shows it.
FIELDS = [
    "name",
    "slug",
    "street_address",
    "locality",
    "region",
    "postal_code",
    "country",
    "email",
    "website",
    "verified_on",
]


def register():
    """Register organizations with reversion, following their phones (called from ``ResourcesConfig.ready``)."""
    reversion.register(Phone)
    reversion.register(Organization, follow=["phones"])


def ensure_baseline(organization_pk):
    """Before the first recorded change: a revision of the organization as it stands, to compare that change with."""
    organization = Organization.objects.filter(pk=organization_pk).first()
    if organization is None or Version.objects.get_for_object(organization).exists():
        return
    with reversion.create_revision(manage_manually=True):
        reversion.set_comment(BASELINE_COMMENT)
        reversion.add_to_revision(organization)


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryLine:
    version: Version
    changes: list[Change]

    @property
    def revision(self):
        return self.version.revision

    @property
    def is_baseline(self):
        return self.revision.comment == BASELINE_COMMENT


def _phones(versions):
    return sorted(f"{Phone.Kind(v.field_dict['kind']).label}: {v.field_dict['number']}" for v in versions)


def history_lines(organization):
    """The organization's revisions, newest first, each with what changed since the one before: two queries."""
    versions = list(
        Version.objects.get_for_object(organization).select_related("revision__user").order_by("revision_id")
    )
    phone_type = ContentType.objects.get_for_model(Phone)
    phones = {}
    for version in Version.objects.filter(revision__in=[v.revision_id for v in versions], content_type=phone_type):
        if version.field_dict.get("organization_id") == organization.pk:
            phones.setdefault(version.revision_id, []).append(version)
    labels = {name: Organization._meta.get_field(name).verbose_name.capitalize() for name in FIELDS}
    lines, previous, previous_phones = [], None, None
    for version in versions:
        fields = version.field_dict
        numbers = _phones(phones.get(version.revision_id, []))
        changes = []
        if previous is not None:
            for name in FIELDS:
                old, new = previous.get(name), fields.get(name)
                if old != new:
                    changes.append(
                        Change(labels[name], "" if old is None else str(old), "" if new is None else str(new))
                    )
            if numbers != previous_phones:
                changes.append(Change("Phones", "; ".join(previous_phones), "; ".join(numbers)))
        lines.append(HistoryLine(version=version, changes=changes))
        previous, previous_phones = fields, numbers
    return lines[::-1]
