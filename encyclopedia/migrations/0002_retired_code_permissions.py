from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editors": ["view_retiredcode"],
    "Reviewers": ["view_retiredcode", "add_retiredcode", "change_retiredcode"],
    "Auditors": ["view_retiredcode"],
}


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
    dependencies = [("encyclopedia", "0001_roles"), ("disorders", "0003_retired_codes")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
