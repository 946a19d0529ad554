"""``manage.py export_entries``: every published entry as JSON or as NORD abstracts (see ``disorders.export``)."""

from django.core.management.base import BaseCommand, CommandError

from disorders.export import FORMATS, export_to_directory, json_array_chunks


class Command(BaseCommand):
    help = (
        "Export published entries: JSON (one array on stdout, or one <slug>.json per entry with --output) "
        "or NORD abstracts in the Healthwise layout (one <slug>.txt per entry; needs --output)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", dest="output_format", choices=list(FORMATS), default="json")
        parser.add_argument("--output", metavar="DIR", help="Write one file per entry into DIR (created if missing).")

    def handle(self, *args, output_format, output, **options):
        if output:
            written = export_to_directory(output, output_format)
            files = f"{len(written)} {output_format} file{'' if len(written) == 1 else 's'}"
            self.stdout.write(self.style.SUCCESS(f"Wrote {files} to {output}."))
        elif output_format == "json":
            for chunk in json_array_chunks():
                self.stdout.write(chunk, ending="")
        else:
            raise CommandError("--format nord writes one file per entry: give --output DIR.")
