"""The content generation cached reader pages are checked against (encyclopedia.page_cache)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("encyclopedia", "0003_gene_sign_permissions")]

    operations = [
        migrations.RunSQL("CREATE SEQUENCE reader_page_generation", reverse_sql="DROP SEQUENCE reader_page_generation"),
    ]
