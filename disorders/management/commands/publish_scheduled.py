from django.core.management.base import BaseCommand

from disorders.workflow import publish_scheduled


class Command(BaseCommand):
    help = (
        "Publish approved entries whose go-live time has come and unpublish those whose unpublish time has passed. "
        "Idempotent: run it every few minutes from cron or a systemd timer."
    )

    def handle(self, *args, **options):
        run = publish_scheduled()
        for title in run.published:
            self.stdout.write(f"Published: {title}")
        for title in run.unpublished:
            self.stdout.write(f"Unpublished: {title}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"{len(run.published)} published, {len(run.unpublished)} unpublished.")
