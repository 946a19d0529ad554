"""Organizations that help patients and families, with their phone numbers.

Organizations are shared by many entries and know nothing of them: an entry's
list of organizations is its own ``disorders.DisorderResource`` rows.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

# North American numbering plan: ten digits, optionally after a leading 1.
_NANP = re.compile(r"^1?(\d{10})$")


class Organization(models.Model):
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, help_text="Used in the organization's web address.")
    street_address = models.TextField(
        blank=True, help_text="Street, building, suite or P.O. box; one per line, as the post needs them."
    )
    locality = models.CharField(max_length=100, blank=True, help_text="City or town.")
    region = models.CharField(max_length=100, blank=True, help_text="State, province or county, e.g. NY.")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True, help_text='Country name, e.g. "United States", "France".')
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    verified_on = models.DateField(null=True, blank=True, help_text="When these contact details were last checked.")

    class Meta:
        ordering = ["name"]
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

    @property
    def tel_uri(self):
        """A ``tel:`` link: ten-digit numbers are North American, longer ones carry their country code."""
        digits = re.sub(r"\D", "", self.number)
        match = _NANP.match(digits)
        return f"tel:+1{match.group(1)}" if match else f"tel:+{digits}"
