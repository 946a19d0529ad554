"""``manage.py import_nord PATH...``: load NORD abstracts (see ``disorders.importers.nord``)."""

import json

from django.core.management.base import BaseCommand, CommandError

from disorders.importers.nord import NordImportError, abstract_paths, load_abstracts, read_abstract
from disorders.management.commands._importing import add_user_argument, importing_user, refresh_statistics


class Command(BaseCommand):
    help = "Import NORD abstracts (Healthwise layout) from .txt files or directories of them, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="An abstract, or a directory of .txt abstracts.")
        parser.add_argument("--publish", action="store_true", help="Publish the imported entries (default: drafts).")
        parser.add_argument("--dry-run", action="store_true", help="Parse and report only; write nothing.")
        parser.add_argument(
            "--allow-shorter",
            action="store_true",
            help="Let a file replace a section with less than half its stored text (refused otherwise).",
        )
        add_user_argument(parser)
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=["text", "json"],
            default="text",
            help="With --dry-run, json prints what was parsed.",
        )

    def handle(self, *args, paths, publish, dry_run, allow_shorter, output_format, **options):
        if output_format == "json" and not dry_run:
            raise CommandError("--format json goes with --dry-run.")
        try:
            files = abstract_paths(paths)
            if dry_run:
                self.report_parsed([read_abstract(path) for path in files], output_format)
            else:
                user = importing_user(options["user"])
                result = load_abstracts(files, publish=publish, user=user, allow_shorter=allow_shorter)
                refresh_statistics()
                self.report_loaded(result)
        except NordImportError as error:
            raise CommandError(str(error)) from error

    def report_parsed(self, abstracts, output_format):
        if output_format == "json":
            self.stdout.write(json.dumps([abstract.as_dict() for abstract in abstracts], indent=2, ensure_ascii=False))
            return
        for abstract in abstracts:
            self.stdout.write(
                f"{abstract.origin}: {abstract.title} — {len(abstract.synonyms)} synonyms, "
                f"{len(abstract.subdivisions)} subdivisions, {len(abstract.sections)} sections, "
                f"{len(abstract.organizations)} organizations"
            )
            for line in abstract.skipped:
                self.stdout.write(f"  skipped above the title, {line}")
        self.stdout.write(f"Dry run: {len(abstracts)} files parsed, nothing written.")

    def report_loaded(self, result):
        for imported in result.files:
            self.stdout.write(f"{imported.action:<9} {imported.title} ({imported.origin})")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"warning   {warning}"))
        files = f"{len(result.files)} file{'' if len(result.files) == 1 else 's'}"
        self.stdout.write(
            self.style.SUCCESS(
                f"{files}: {len(result.created)} created, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged; organizations: {len(result.organizations_created)} created, "
                f"{len(result.organizations_updated)} completed."
            )
        )
