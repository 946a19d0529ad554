"""Text imported with Windows-1252 leftovers (U+0080–U+009F, e.g. "Crohn\\x92s") gets the characters meant."""

from django.db import migrations

from disorders.importers import repair_cp1252
from disorders.search import reindex

# The text fields importers write; names and sections also feed the search index.
FIELDS = {
    "Disorder": ["title", "summary"],
    "Synonym": ["name"],
    "Subdivision": ["name"],
    "Section": ["heading", "body"],
    "Classification": ["name", "description"],
}
C1_CONTROLS = "[\u0080-\u009f]"


def repair(apps, schema_editor):
    touched = set()
    for model_name, field_names in FIELDS.items():
        model = apps.get_model("disorders", model_name)
        for field_name in field_names:
            rows = list(model.objects.filter(**{f"{field_name}__regex": C1_CONTROLS}))
            for row in rows:
                setattr(row, field_name, repair_cp1252(getattr(row, field_name)))
                touched.add(row.pk if model_name == "Disorder" else getattr(row, "disorder_id", None))
            model.objects.bulk_update(rows, [field_name])
    reindex(pk for pk in touched if pk is not None)


class Migration(migrations.Migration):
    dependencies = [("disorders", "0010_genes_signs_prevalences")]
    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
