from django.db import migrations

DISCLAIMERS = [
    (
        "title_notice",
        "About the title",
        "It is possible that the main title of the report {title} is not the name you expected. "
        "Please check the synonyms listing to find the alternate name(s) and disorder subdivision(s) "
        "covered by this report.",
    ),
    (
        "medical",
        "Medical disclaimer",
        "The information in this encyclopedia is not intended for diagnostic purposes. It is provided for "
        "informational purposes only and does not replace the advice of a doctor. Affected individuals should "
        "seek the advice or counsel of their own personal physicians.",
    ),
    (
        "terms",
        "Terms of use",
        "Text reproduced from other organizations remains theirs and is shown with their attribution. "
        "Entries are reviewed by our staff; each shows when its content last changed.",
    ),
]


def seed(apps, schema_editor):
    Disclaimer = apps.get_model("disorders", "Disclaimer")
    for position, (kind, title, body) in enumerate(DISCLAIMERS):
        Disclaimer.objects.get_or_create(kind=kind, defaults={"title": title, "body": body, "position": position})


class Migration(migrations.Migration):
    dependencies = [("disorders", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
