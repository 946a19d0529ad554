"""DisorderResource moves to the disorders app (an entry's rows live with the entry); its table and rows stay.

The table is renamed here and the model leaves this app's state; disorders 0006 takes the
model into its state and moves its content type and history.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_blank_unsafe_links")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("DisorderResource", "disorders_disorderresource")],
            state_operations=[migrations.DeleteModel("DisorderResource")],
        )
    ]
