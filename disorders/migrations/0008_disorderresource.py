"""DisorderResource, moved here from resources: the table (renamed by resources 0002) and its rows stay.

Its content type moves with it, so permissions granted on it still hold and the history
still finds its rows; the rows stored in revisions are relabelled, so reversion can read
them back as the moved model.
"""

import json

import django.db.models.deletion
from django.db import migrations, models

MODEL = "disorderresource"


def relabel(apps, old_app, new_app):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    content_type = ContentType.objects.filter(app_label=old_app, model=MODEL).first()
    if content_type is None:
        return  # a new database: nothing was granted or recorded yet
    # Only a permission check earlier in this same run can have made the new label; nothing refers to it yet.
    ContentType.objects.filter(app_label=new_app, model=MODEL).delete()
    content_type.app_label = new_app
    content_type.save(update_fields=["app_label"])
    old_label, new_label = f"{old_app}.{MODEL}", f"{new_app}.{MODEL}"
    versions = []
    for version in Version.objects.filter(content_type=content_type).only("serialized_data").iterator():
        objects = json.loads(version.serialized_data)
        for obj in objects:
            if obj["model"] == old_label:
                obj["model"] = new_label
        version.serialized_data = json.dumps(objects)
        versions.append(version)
    Version.objects.bulk_update(versions, ["serialized_data"], batch_size=1000)


def forwards(apps, schema_editor):
    relabel(apps, "resources", "disorders")


def backwards(apps, schema_editor):
    relabel(apps, "disorders", "resources")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("disorders", "0007_section_body_size"),
        ("resources", "0003_move_disorderresource_to_disorders"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DisorderResource",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "position",
                            models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first."),
                        ),
                        (
                            "disorder",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="resources",
                                to="disorders.disorder",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="disorder_links",
                                to="resources.organization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "resource",
                        "ordering": ["position", "id"],
                        "abstract": False,
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("disorder", "organization"), name="resource_once_per_disorder"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
