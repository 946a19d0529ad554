"""The staff roles. Deleting an entry or an organization stays with superusers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ENTRY_PARTS = ["synonym", "subdivision", "section", "code", "disordersource", "disorderresource", "phone"]
EVERYTHING = [
    "disorder",
    *ENTRY_PARTS,
    "organization",
    "classification",
    "source",
    "disclaimer",
    "previousslug",
]

EDITOR = (
    [f"view_{model}" for model in EVERYTHING]
    + ["add_disorder", "change_disorder", "add_organization", "change_organization"]
    # Removing a synonym or a phone from an entry's form is editing, not deleting the entry.
    + [f"{action}_{model}" for model in ENTRY_PARTS for action in ("add", "change", "delete")]
)
ROLES = {
    "Editors": EDITOR,
    "Reviewers": EDITOR
    + ["publish_disorder", "review_disorder", "revert_disorder"]
    + [f"{action}_{model}" for model in ("classification", "source") for action in ("add", "change")]
    + ["change_disclaimer"],
    "Auditors": [f"view_{model}" for model in EVERYTHING],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            codename__in=codenames, content_type__app_label__in=["disorders", "resources"]
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        assert not missing, f"unknown permissions for {name}: {missing}"
        group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("disorders", "0002_seed_disclaimers"),
        ("resources", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
