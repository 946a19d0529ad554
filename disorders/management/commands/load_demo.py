"""``manage.py load_demo`` (run by ``make run``): the demo entries and an ``admin`` superuser, once."""

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from disorders.importers.nord import NordImportError, load_abstracts

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo" / "nord"
# The real abstract is public; the fictional one stays a draft so only staff see it.
PUBLISHED = [DEMO_DIR / "juvenile-myelomonocytic-leukemia.txt"]
DRAFTS = [DEMO_DIR / "examplitis-syndrome.txt"]
ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Import the demo NORD abstracts and make sure an 'admin' superuser exists. Safe to run again."

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                results = [load_abstracts(PUBLISHED, publish=True), load_abstracts(DRAFTS)]
        except NordImportError as error:
            raise CommandError(str(error)) from error
        for result in results:
            for imported in result.files:
                self.stdout.write(f"Demo entry {imported.action}: {imported.title}")
        self.ensure_admin()

    def ensure_admin(self):
        User = get_user_model()
        if User.objects.filter(username=ADMIN_USERNAME).exists():
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        chosen = bool(password)
        if not chosen:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
        if chosen:
            self.stdout.write(f"Created superuser '{ADMIN_USERNAME}' with the password from DJANGO_SUPERUSER_PASSWORD.")
        else:
            # Printed once: the next run finds the user and says nothing.
            self.stdout.write(
                self.style.WARNING(
                    f"Created superuser '{ADMIN_USERNAME}' with password {password} (shown only now; "
                    "set DJANGO_SUPERUSER_PASSWORD to choose it)."
                )
            )
