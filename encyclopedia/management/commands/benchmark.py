"""Measure the site at full size: import time and memory, page latency and query counts.

Runs against its own database (``bench_<name>``, kept between runs), never the
one ``make run`` serves. The first run imports the whole Orphanet data set and
the NORD samples; later runs reuse it unless ``--reimport`` is given.
"""

import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disorders.models import Code, Disorder
from resources.models import Organization

PROJECT_DIR = Path(settings.BASE_DIR)
DEFAULT_DATA = PROJECT_DIR.parent / "shared" / "data" / "orphanet"

# What readers type: names, abbreviations, misspellings, accent-free spellings, body words.
QUERIES = [
    "juvenile myelomonocytic leukemia",
    "JMML",
    "myelomonocitic",
    "leukaemia",
    "cystic fibrosis",
    "cistic fibrosis",
    "marfan",
    "marfan syndrome",
    "ehlers danlos",
    "ehlers-danlos syndrome",
    "huntington",
    "huntingtons disease",
    "duchenne",
    "duchene muscular dystrophy",
    "spinal muscular atrophy",
    "SMA",
    "phenylketonuria",
    "PKU",
    "fenylketonuria",
    "gaucher",
    "gaucher disease type 1",
    "fabry",
    "pompe disease",
    "behcet",
    "behçet disease",
    "sjogren",
    "sjögren syndrome",
    "wilson disease",
    "hemophilia",
    "haemophilia A",
    "sickle cell",
    "thalassemia",
    "thalassaemia",
    "prader willi",
    "angelman syndrome",
    "rett syndrome",
    "tuberous sclerosis",
    "neurofibromatosis type 1",
    "NF1",
    "amyotrophic lateral sclerosis",
    "ALS",
    "myasthenia gravis",
    "narcolepsy",
    "porphyria",
    "acromegaly",
    "addison disease",
    "kawasaki",
    "moyamoya",
    "examplitis",
    "muller",
]
TARGETS_MS = {"search": 50, "suggest": 20, "entry page": 50, "admin changelist": 300}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Import the full Orphanet data set into a benchmark database and report latency and query counts."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Orphanet open-data directory.")
        parser.add_argument("--reimport", action="store_true", help="Drop the benchmark database and import again.")
        parser.add_argument("--runs", type=int, default=3, help="Rounds over each list of pages (default 3).")

    def handle(self, *args, data, reimport, runs, **options):
        if not data.is_dir():
            raise CommandError(f"{data} does not exist: the benchmark needs the Orphanet open data (see README).")
        # A database of its own, created (and migrated) once; --reimport starts it afresh.
        connection.settings_dict["TEST"].update(NAME=f"bench_{connection.settings_dict['NAME']}")
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=not reimport, serialize=False)
        self.stdout.write(f"Benchmark database: {name}")
        if reimport or not Code.objects.filter(system=Code.System.ORPHA).exists():
            self.import_data(data)
        settings.DEBUG = False
        settings.API_RATE_LIMIT = 0  # one client asks for hundreds of API pages a minute here
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.report_pages(runs)

    def manage(self, *arguments):
        """Run a manage.py command against the benchmark database; return seconds taken."""
        db = connection.settings_dict
        user = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
        if db["HOST"].startswith("/"):
            # A Unix socket: its directory goes in the path, percent-encoded, as django-environ reads it.
            url = f"postgres://{user}@/{quote(db['HOST'] + '/' + db['NAME'], safe='')}"
        else:
            url = f"postgres://{user}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        environment = {**os.environ, "DATABASE_URL": url}
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT_DIR, env=environment, check=True)
        return time.perf_counter() - started

    def import_data(self, data):
        nord = self.manage("import_nord", "--publish", str(PROJECT_DIR / "disorders" / "demo" / "nord"))
        orphanet = self.manage(
            "import_orphanet",
            "--publish",
            "--packets", str(data / "orphapacket-json-2025-12.tar.gz"),
            "--nomenclature", str(data / "ORPHAnomenclature_MasterFile_en_2025.xlsx"),
            "--rare-disease-list", str(data / "List_of_rare_diseases_2025_en.xlsx"),
            "--classifications", str(data / "orphanet-classifications-en-2025.tar.gz"),
        )  # fmt: skip
        # ru_maxrss of children is the largest child's peak, in KiB on Linux.
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self.stdout.write(
            f"Import: NORD samples {nord:.1f} s; full Orphanet {orphanet:.1f} s; peak memory {peak_mib:.0f} MiB"
        )

    def report_pages(self, runs):
        rng = random.Random(2025)
        published = list(Disorder.objects.published().values_list("slug", flat=True))
        entries = rng.sample(published, min(50, len(published)))
        entry_ids = list(Disorder.objects.filter(slug__in=entries).values_list("pk", flat=True))
        organizations = list(Organization.objects.values_list("slug", flat=True)[:50])
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        reader = Client()
        staff = Client()
        admin, _ = get_user_model().objects.get_or_create(
            username="benchmark", defaults={"is_staff": True, "is_superuser": True}
        )
        staff.force_login(admin)
        changelist = reverse("admin:disorders_disorder_changelist")
        change_forms = [reverse("admin:disorders_disorder_change", args=[pk]) for pk in entry_ids[:20]]
        cases = [
            ("entry page", reader, [reverse("disorders:detail", args=[slug]) for slug in entries]),
            ("search", reader, [f"{reverse('disorders:search')}?q={q}" for q in QUERIES]),
            ("suggest", reader, [f"{reverse('disorders:suggest')}?q={q[:4]}" for q in QUERIES]),
            ("A-Z page", reader, [f"{reverse('disorders:index')}?letter={letter}" for letter in letters]),
            ("organization page", reader, [reverse("resources:organization", args=[s]) for s in organizations]),
            ("API entry", reader, [reverse("api:entry", args=[slug]) for slug in entries]),
            ("API entry list", reader, [f"{reverse('api:entries')}?letter={letter}" for letter in letters]),
            ("admin changelist", staff, [changelist, f"{changelist}?q=leukemia", f"{changelist}?status__exact=draft"]),
            ("admin change form", staff, change_forms),
        ]  # fmt: skip
        self.stdout.write(f"\n{Disorder.objects.count()} entries, {len(published)} published; {runs} rounds each.\n")
        self.stdout.write(f"{'page':<20}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max queries':>13}  target")
        for label, client, urls in cases:
            timings, queries = [], []
            client.get(urls[0], secure=True)  # warm connections and template caches
            for _ in range(runs):
                for url in urls:
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = client.get(url, secure=True)
                        timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise CommandError(f"{url} answered {response.status_code}")
                    queries.append(len(captured))
            p95 = percentile(timings, 0.95)
            target = TARGETS_MS.get(label)
            verdict = "" if target is None else f"p95 ≤ {target} ms: {'met' if p95 <= target else 'MISSED'}"
            p50 = statistics.median(timings)
            self.stdout.write(f"{label:<20}{len(timings):>9}{p50:>9.1f}{p95:>9.1f}{max(queries):>13}  {verdict}")
