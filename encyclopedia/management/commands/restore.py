"""``manage.py restore FILE [--no-input]``: replace the configured database's contents with a backup."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from encyclopedia import backup


class Command(BaseCommand):
    help = "Replace everything in the database with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A backup file (pg_dump custom format).")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="Do not ask to confirm.")

    def handle(self, *args, file, interactive=True, **options):
        database = settings.DATABASES["default"]
        if interactive:
            answer = input(f"This replaces everything in database {database['NAME']} with {file}. Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        connections.close_all()  # our own idle connection must not hold the tables pg_restore drops
        try:
            backup.restore(database, file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored database {database['NAME']} from {file}")
        # An older backup is brought up to this version's schema, and a dump carries no database settings.
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Migrated it to this version's schema and settings.")
