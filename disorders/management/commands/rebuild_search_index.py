"""``manage.py rebuild_search_index``: rebuild every entry's search index (see ``disorders.search``)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from disorders.search import reindex_all


class Command(BaseCommand):
    help = "Rebuild the working copies' names and the published versions' names and search vectors, in one transaction."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = reindex_all()
        self.stdout.write(
            self.style.SUCCESS(f"Search index rebuilt for {count} published entr{'y' if count == 1 else 'ies'}.")
        )
