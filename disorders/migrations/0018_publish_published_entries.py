"""Every entry readers could see before published versions existed keeps being seen: its document is built now.

Uses the current code's builder (``disorders.publication.publish_many``), not historical models:
the document is the page's rendering, which only the real templates and models can make. Run on
a schema that later migrations change, it may need the same care any code-using migration does.
"""

from django.db import migrations
from django.utils import timezone


def publish_published(apps, schema_editor):
    from disorders import history
    from disorders.models import Disorder
    from disorders.publication import publish_many

    # The rule readers saw until now: published status with a publication date that has come.
    visible = Disorder.objects.filter(status="published", published_at__lte=timezone.now())
    ids = list(visible.values_list("pk", flat=True))
    if not ids:
        return
    for disorder in Disorder.objects.filter(pk__in=ids):
        history.ensure_baseline(disorder)
    publish_many(ids, user=history.system_user(), comment="Published as it stood when published versions began")


class Migration(migrations.Migration):
    dependencies = [
        ("disorders", "0016_published_versions"),
        # The builder reads today's models, so every column they have must exist by now (the review workflow's).
        ("disorders", "0017_review_steps_schedule_reviewer_profiles"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        # Publishing moves the reader pages' generation, a sequence (without it a fresh migrate stops here).
        ("encyclopedia", "0004_reader_page_generation"),
    ]

    operations = [migrations.RunPython(publish_published, migrations.RunPython.noop)]
