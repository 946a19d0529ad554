"""``manage.py import_orphanet``: load Orphanet open data (see ``disorders.importers.orphanet``)."""

from django.core.management.base import BaseCommand, CommandError

from disorders.importers.orphanet import OrphanetImportError, load_orphanet
from disorders.management.commands._importing import add_user_argument, importing_user, refresh_statistics

# Skipped packets listed one by one up to this many; the rest are counted.
SHOWN_SKIPPED = 20


def _plain(text):
    return text


class Command(BaseCommand):
    help = (
        "Import Orphanet open data (ORPHApackets, nomenclature master file, list of rare diseases, "
        "classification trees), merging into existing entries; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--packets", metavar="PATH", help="An ORPHApacket .json, a directory of them, or a .tar.gz."
        )
        parser.add_argument(
            "--nomenclature", metavar="XLSX", help="The nomenclature master file (ICD-10/ICD-11 codes)."
        )
        parser.add_argument(
            "--rare-disease-list", metavar="XLSX", help="The list of rare diseases (deprecated and obsolete codes)."
        )
        parser.add_argument(
            "--classifications", metavar="PATH", help="A classification XML file, a directory of them, or a .tar.gz."
        )
        parser.add_argument("--publish", action="store_true", help="Publish the imported entries (default: drafts).")
        parser.add_argument("--limit", type=int, metavar="N", help="Read only the first N packets.")
        parser.add_argument("--dry-run", action="store_true", help="Do everything, report, then roll it all back.")
        add_user_argument(parser)

    def handle(self, *args, packets, nomenclature, rare_disease_list, classifications, limit, **options):
        if not any([packets, nomenclature, rare_disease_list, classifications]):
            raise CommandError(
                "Give at least one of --packets, --nomenclature, --rare-disease-list, --classifications."
            )
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number.")
        # Progress goes to a terminal only, on one rewritten line; logs and tests get the summary alone.
        on_terminal = self.stderr.isatty()
        try:
            result = load_orphanet(
                packets=packets,
                nomenclature=nomenclature,
                rare_disease_list=rare_disease_list,
                classifications=classifications,
                publish=options["publish"],
                limit=limit,
                dry_run=options["dry_run"],
                user=importing_user(options["user"]),
                progress=self.show_progress if on_terminal else None,
            )
        except OrphanetImportError as error:
            raise CommandError(str(error)) from error
        finally:
            if on_terminal:
                self.stderr.write("\r\033[K", ending="", style_func=_plain)
        if not result.dry_run:
            refresh_statistics()
        self.report(result, verbosity=options["verbosity"])

    def show_progress(self, message):
        # \r and "erase line" rewrite one line in place; stderr's error colour would make it look like a failure.
        self.stderr.write(f"\r\033[K{message}", ending="", style_func=_plain)
        self.stderr.flush()

    def report(self, result, *, verbosity):
        if verbosity >= 2:
            for entry in result.entries:
                self.stdout.write(f"{entry.action:<9} ORPHA:{entry.code} {entry.title}")
        for skipped in result.skipped[:SHOWN_SKIPPED]:
            self.stdout.write(f"skipped   ORPHA:{skipped.code} {skipped.label}: {skipped.reason}")
        if len(result.skipped) > SHOWN_SKIPPED:
            self.stdout.write(f"skipped   … and {len(result.skipped) - SHOWN_SKIPPED} more")
        for note, count in sorted(result.notes.items()):
            self.stdout.write(f"note      {count}: {note}")
        summary = (
            f"Entries: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.skipped)} skipped; "
            f"groups: {result.groups}; classification nodes: {result.nodes_created} created, "
            f"{result.nodes_updated} updated; retired codes: {result.retired_created} created, "
            f"{result.retired_updated} updated, {result.retired_unchanged} unchanged; "
            f"genes: {result.genes_created} created; signs: {result.signs_created} created."
        )
        if result.dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run, nothing written. {summary}"))
        else:
            self.stdout.write(self.style.SUCCESS(summary))
