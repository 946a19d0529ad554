"""``manage.py backup [--output FILE]``: dump the configured database (see encyclopedia.backup)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from encyclopedia import backup

DEFAULT_DIRECTORY = settings.BASE_DIR / "var" / "backups"


class Command(BaseCommand):
    help = "Back up the whole database (pg_dump custom format) to var/backups/ or --output."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: var/backups/<database>-<UTC time>.dump).")

    def handle(self, *args, output=None, **options):
        database = settings.DATABASES["default"]
        try:
            path = backup.dump(database, output or backup.default_path(database, DEFAULT_DIRECTORY))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up database {database['NAME']} to {path}")
