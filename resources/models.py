"""Organizations that help patients and families, with their phone numbers.

Organizations are shared by many entries and know nothing of them: an entry's
list of organizations is its own ``disorders.DisorderResource`` rows.
"""

from functools import cache, cached_property

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, F, Func, Q
from django.db.models.functions import Lower
from django.urls import reverse

from encyclopedia.links import validate_web_url


@cache
def _iso_country(country, region):
    """The ISO 3166 alpha-2 code of a country written by name ("France", "United Kingdom", "USA"), or None.

    With no country, a US state as the region means the United States: NORD prints US
    addresses as "City, ST 12345" and no country line.
    """
    if country.strip():
        try:
            return pycountry.countries.lookup(country.strip()).alpha_2
        except LookupError:
            return None
    if region.strip() and pycountry.subdivisions.get(code=f"US-{region.strip().upper()}"):
        return "US"
    return None


class OrganizationQuerySet(models.QuerySet):
    def listed_by_published_entries(self):
        """Organizations some published entry lists: the only ones readers see.

        An organization no entry lists helps no reader of ours and may be a leftover or a demo placeholder.
        Entries decide what is published (``disorders``); this app only follows their links back.
        """
        # Asked of each organization through the GIN-indexed ids: no page reads every entry's list.
        listed = Func(
            F("pk"),
            template="EXISTS (SELECT 1 FROM disorders_publishedentry"
            " WHERE organization_ids @> ARRAY[%(expressions)s::integer])",
            output_field=BooleanField(),
        )
        return self.filter(listed)


class Organization(models.Model):
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, db_index=False, help_text="Used in the organization's web address.")
    street_address = models.TextField(
        blank=True, help_text="Street, building, suite or P.O. box; one per line, as the post needs them."
    )
    locality = models.CharField(max_length=100, blank=True, help_text="City or town.")
    region = models.CharField(max_length=100, blank=True, help_text="State, province or county, e.g. NY.")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True, help_text='Country name, e.g. "United States", "France".')
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True, validators=[validate_web_url])
    verified_on = models.DateField(null=True, blank=True, help_text="When these contact details were last checked.")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="organization_slug_unique"),
            models.UniqueConstraint(Lower("name"), name="organization_name_unique_ci"),
        ]
        indexes = [models.Index(fields=["country", "region"], name="organization_place")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:organization", kwargs={"slug": self.slug})

    def clean(self):
        if self.name and Organization.objects.filter(name__iexact=self.name).exclude(pk=self.pk).exists():
            raise ValidationError({"name": "An organization with this name exists already; link that one instead."})

    @property
    def country_code(self):
        """Where its phone numbers are dialled from (ISO 3166 alpha-2), or None when the address does not say."""
        return _iso_country(self.country, self.region)

    @property
    def place(self):
        """Town, region and country on one line, for lists: "New York, NY, United States"."""
        return ", ".join(part for part in [self.locality, self.region, self.country] if part)

    @property
    def address_lines(self):
        """The postal address as printed on an envelope."""
        lines = [line.strip() for line in self.street_address.splitlines() if line.strip()]
        place = ", ".join(
            part for part in [self.locality, " ".join(filter(None, [self.region, self.postal_code]))] if part
        )
        if place:
            lines.append(place)
        if self.country:
            lines.append(self.country)
        return lines


class Phone(models.Model):
    class Kind(models.TextChoices):
        TEL = "tel", "Tel"
        TOLL_FREE = "toll_free", "Toll-free"
        FAX = "fax", "Fax"
        TDD = "tdd", "TDD"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="phones")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.TEL)
    number = models.CharField(max_length=40, help_text='As written, e.g. "(212)344-6633" or "41227912111".')
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "number"], name="phone_unique_per_organization"),
            models.CheckConstraint(condition=Q(number__regex=r"[0-9]"), name="phone_number_has_digit"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.number}"

    def clean(self):
        if self.number and not any(character.isdigit() for character in self.number):
            raise ValidationError({"number": "A phone number needs digits."})

    @cached_property
    def dialled(self):
        """The number as dialled from the organization's country (phonenumbers), or None when it cannot be dialled."""
        try:
            number = phonenumbers.parse(self.number, self.organization.country_code)
        except phonenumbers.NumberParseException:
            return None
        return number if phonenumbers.is_possible_number(number) else None

    @property
    def tel_uri(self):
        """A ``tel:`` link in E.164 with any extension ("tel:+12123446633;ext=12"); "" when it cannot be dialled."""
        if self.dialled is None:
            return ""
        uri = "tel:" + phonenumbers.format_number(self.dialled, phonenumbers.PhoneNumberFormat.E164)
        return f"{uri};ext={self.dialled.extension}" if self.dialled.extension else uri

    @property
    def is_toll_free(self):
        """Free to call from its country, as phonenumbers knows the country's numbering plan."""
        return self.dialled is not None and (
            phonenumbers.number_type(self.dialled) == phonenumbers.PhoneNumberType.TOLL_FREE
        )
