"""Websites are http(s) only; blank stored websites and emails the admin would refuse (javascript:, ftp:, not an address)."""

import django.core.validators
from django.core.exceptions import ValidationError
from django.db import migrations, models

# The rule as it stood when this ran (encyclopedia.links), frozen here as migrations freeze everything.
CHECKS = {
    "website": django.core.validators.URLValidator(schemes=["http", "https"]),
    "email": django.core.validators.validate_email,
}


def _refused(check, value):
    try:
        check(value)
    except ValidationError:
        return True
    return False


def blank_unsafe_links(apps, schema_editor):
    Organization = apps.get_model("resources", "Organization")
    changed = []
    for organization in Organization.objects.exclude(website="", email="").only("website", "email"):
        refused = [
            name
            for name, check in CHECKS.items()
            if getattr(organization, name) and _refused(check, getattr(organization, name))
        ]
        for name in refused:
            setattr(organization, name, "")
        if refused:
            changed.append(organization)
    Organization.objects.bulk_update(changed, ["website", "email"])


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="website",
            field=models.URLField(
                blank=True, validators=[django.core.validators.URLValidator(schemes=["http", "https"])]
            ),
        ),
        # What was blanked was never a working link, so going back has nothing to restore.
        migrations.RunPython(blank_unsafe_links, migrations.RunPython.noop),
    ]
