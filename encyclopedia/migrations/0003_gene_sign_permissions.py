"""Roles for genes, signs and prevalences: entry parts like synonyms; genes and signs shared like organizations."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ENTRY_PARTS = ["prevalence", "geneassociation", "disordersign"]
SHARED = ["gene", "sign"]
EDITOR = (
    [f"view_{model}" for model in ENTRY_PARTS + SHARED]
    + [f"{action}_{model}" for model in ENTRY_PARTS for action in ("add", "change", "delete")]
    + [f"{action}_{model}" for model in SHARED for action in ("add", "change")]
)
GRANTS = {
    "Editors": EDITOR,
    "Reviewers": EDITOR,
    "Auditors": [f"view_{model}" for model in ENTRY_PARTS + SHARED],
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
    dependencies = [("encyclopedia", "0002_retired_code_permissions"), ("disorders", "0010_genes_signs_prevalences")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
