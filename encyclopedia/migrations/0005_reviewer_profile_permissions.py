"""Reviewers keep their own public credit ("Jane Roe, MD"); the admin limits each to their own profile."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"Reviewers": ["view_reviewerprofile", "add_reviewerprofile", "change_reviewerprofile"]}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("disorders")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        permissions = Permission.objects.filter(content_type__app_label="disorders", codename__in=codenames)
        assert permissions.count() == len(codenames), codenames
        Group.objects.get(name=name).permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("encyclopedia", "0004_reader_page_generation"),
        ("disorders", "0017_review_steps_schedule_reviewer_profiles"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
