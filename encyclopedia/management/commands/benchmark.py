"""Measure the site at full size: import time against a pg_restore, pages under gunicorn against hello-world.

Runs against its own database (``bench_<name>``, kept between runs), never the
one ``make run`` serves. The first run imports the whole Orphanet data set and
the NORD samples; later runs reuse it unless ``--reimport`` is given. Pages are
served by gunicorn in production mode (two sync workers) and loaded with wrk;
each is reported as a ratio to a hello-world view under the same server and
settings, with the whole-page cache and without it.
"""

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
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

from disorders.models import Classification, Code, Disorder, Gene, Sign
from encyclopedia import backup
from encyclopedia.bench.load import HELLO_PATH, Server, load, wrk_available
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
# Ratios to the hello-world view the issues set (cached pages; pages without the cache).
CACHED_TARGET, UNCACHED_TARGETS = 0.7, {"50 entry pages": 0.1, "search, 50 queries": 0.05}
BENCH_PORTS = (8191, 8192)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def database_url(db, name=None):
    """``DATABASE_URL`` for the database in settings dict ``db`` (or another database ``name`` on its server)."""
    user = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    name = name or db["NAME"]
    if db["HOST"].startswith("/"):
        # A Unix socket: its directory goes in the path, percent-encoded, as django-environ reads it.
        return f"postgres://{user}@/{quote(db['HOST'] + '/' + name, safe='')}"
    return f"postgres://{user}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


class Command(BaseCommand):
    help = "Import the full Orphanet data set into a benchmark database; report import and page throughput."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Orphanet open-data directory.")
        parser.add_argument("--reimport", action="store_true", help="Drop the benchmark database and import again.")
        parser.add_argument("--runs", type=int, default=3, help="Interleaved rounds over every page (default 3).")
        parser.add_argument("--seconds", type=int, default=5, help="Seconds of load per page and round (default 5).")

    def handle(self, *args, data, reimport, runs, seconds, **options):
        if not data.is_dir():
            raise CommandError(f"{data} does not exist: the benchmark needs the Orphanet open data (see README).")
        if not wrk_available():
            raise CommandError("The benchmark loads pages with wrk: install it (apt-get install wrk).")
        # A database of its own, created (and migrated) once; --reimport starts it afresh.
        connection.settings_dict["TEST"].update(NAME=f"bench_{connection.settings_dict['NAME']}")
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=not reimport, serialize=False)
        self.stdout.write(f"Benchmark database: {name}")
        imported = None
        if reimport or not Code.objects.filter(system=Code.System.ORPHA).exists():
            imported = self.import_data(data)
        self.report_restore(imported)
        self.report_throughput(runs, seconds)
        settings.DEBUG = False
        settings.API_RATE_LIMIT = 0  # one client asks for hundreds of API pages a minute here
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        # Rendering is measured here: the servers above left their pages in a shared cache (Redis).
        settings.READER_PAGE_CACHE_SECONDS = 0
        self.report_pages(1)

    def manage(self, *arguments, environment=None):
        """Run a manage.py command against the benchmark database; return seconds taken."""
        environment = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), **(environment or {})}
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT_DIR, env=environment, check=True)
        return time.perf_counter() - started

    def production(self):
        """The environment of the commands and servers measured: production mode, as they run in production."""
        return {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url(connection.settings_dict),
            "LOG_LEVEL": "WARNING",
        }

    def import_data(self, data):
        # In DEBUG every statement would be kept and formatted: a third of the import's memory, and its time.
        production = self.production()
        nord = self.manage(
            "import_nord", "--publish", str(PROJECT_DIR / "disorders" / "demo" / "nord"), environment=production
        )
        orphanet = self.manage(
            "import_orphanet",
            "--publish",
            "--packets", str(data / "orphapacket-json-2025-12.tar.gz"),
            "--nomenclature", str(data / "ORPHAnomenclature_MasterFile_en_2025.xlsx"),
            "--rare-disease-list", str(data / "List_of_rare_diseases_2025_en.xlsx"),
            "--classifications", str(data / "orphanet-classifications-en-2025.tar.gz"),
            environment=production,
        )  # fmt: skip
        # ru_maxrss of children is the largest child's peak, in KiB on Linux.
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self.stdout.write(
            f"Import: NORD samples {nord:.1f} s; full Orphanet {orphanet:.1f} s; peak memory {peak_mib:.0f} MiB"
        )
        return orphanet

    def report_restore(self, imported, restores=3):
        """How long a pg_restore of the benchmark database takes (the median of ``restores``, each into a new
        database): the floor an import is compared with. A single restore varied by a third with the load."""
        db = connection.settings_dict
        scratch = f"{db['NAME']}_restore"
        times = []
        with tempfile.TemporaryDirectory() as directory:
            dump = backup.dump(db, Path(directory) / "bench.dump")
            for _ in range(restores):
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
                    cursor.execute(f'CREATE DATABASE "{scratch}"')
                try:
                    started = time.perf_counter()
                    backup.restore({**db, "NAME": scratch}, dump)
                    times.append(time.perf_counter() - started)
                finally:
                    with connection.cursor() as cursor:
                        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        restored = statistics.median(times)
        each = ", ".join(f"{seconds:.1f}" for seconds in times)
        line = f"pg_restore of the imported database: {restored:.1f} s (median of {each})"
        if imported is not None:
            line += f"; the import took {imported / restored:.1f} × that"
        self.stdout.write(line)

    def bench_paths(self):
        """The pages to load, by kind: what readers open, from the benchmark database."""
        rng = random.Random(2025)
        published = Disorder.objects.published()
        slugs = rng.sample(list(published.values_list("slug", flat=True)), min(50, published.count()))
        classifications = Classification.objects.filter(disorders__in=published).distinct()
        genes = Gene.objects.filter(associations__disorder__in=published).distinct()
        signs = Sign.objects.filter(disorder_signs__disorder__in=published).distinct()
        organizations = Organization.objects.values_list("slug", flat=True)

        def sample(view, queryset, field, count=20):
            values = sorted(queryset.values_list(field, flat=True))
            return [reverse(view, args=[value]) for value in rng.sample(values, min(count, len(values)))]

        return {
            "hello-world view": [HELLO_PATH],
            "static file (whitenoise)": ["/static/css/site.css"],
            "50 entry pages": [reverse("disorders:detail", args=[slug]) for slug in slugs],
            "JMML entry page": [reverse("disorders:detail", args=["juvenile-myelomonocytic-leukemia"])],
            "entry JSON": [reverse("disorders:detail-json", args=[slug]) for slug in slugs],
            "search, 50 queries": [f"{reverse('disorders:search')}?q={quote(q)}" for q in QUERIES],
            "suggest": [f"{reverse('disorders:suggest')}?q={quote(q[:4])}" for q in QUERIES],
            "home": [reverse("home")],
            "A–Z (letter M)": [f"{reverse('disorders:index')}?letter=M"],
            "classification pages": sample("disorders:classification", classifications, "slug"),
            "organization pages": sample("resources:organization", organizations, "slug"),
            "gene pages": sample("disorders:gene", genes, "symbol"),
            "sign pages": sample("disorders:sign", signs, "hpo_id"),
            "signs index (A, M)": [reverse("disorders:sign-index"), f"{reverse('disorders:sign-index')}?letter=M"],
            "sitemap.xml": [reverse("sitemap")],
            "Atom feed": [reverse("disorders:updates-feed")],
            "API entry": [reverse("api:entry", args=[slug]) for slug in slugs],
        }  # fmt: skip

    def report_throughput(self, runs, seconds):
        """Every page's req/s under gunicorn, with and without the page cache, each as a ratio to hello-world."""
        paths = {label: group for label, group in self.bench_paths().items() if group}
        static_root = tempfile.mkdtemp(prefix="bench-static-")
        production = {
            **self.production(),
            "STATIC_ROOT": static_root,
            "API_RATE_LIMIT": "0",  # wrk is one client asking thousands of times a minute
        }
        self.manage("collectstatic", "--no-input", "-v0", environment=production)
        modes = {"cached": {}, "no cache": {"READER_PAGE_CACHE_SECONDS": "0"}}
        rates = {(mode, label): [] for mode in modes for label in paths}
        worst = {}
        with (
            Server(BENCH_PORTS[0], production) as cached,
            Server(BENCH_PORTS[1], {**production, **modes["no cache"]}) as plain,
        ):
            servers = {"cached": cached, "no cache": plain}
            for server in servers.values():  # warm: every page once (and so into the cache)
                for path in (path for group in paths.values() for path in group):
                    server.get(path)
            for _ in range(runs):
                for label, group in paths.items():
                    for mode, server in servers.items():
                        result = load(server, group, seconds=seconds)
                        rates[mode, label].append(result.requests_per_second)
                        if result.errors or result.timeouts:
                            worst[mode, label] = f"{result.errors} errors, {result.timeouts} timeouts"
            crowd = load(plain, paths["search, 50 queries"], connections=50, seconds=seconds * 2)
        self.stdout.write(
            f"\nThroughput: gunicorn, 2 sync workers, wrk 16 connections, {runs} × {seconds} s interleaved"
        )
        self.stdout.write(f"{'page':<26}{'cached req/s':>13}{'× hello':>9}{'no cache':>10}{'× hello':>9}  target")
        hello = {mode: statistics.median(rates[mode, "hello-world view"]) for mode in modes}
        for label in paths:
            cells, verdicts = [], []
            for mode in modes:
                rate = statistics.median(rates[mode, label])
                ratio = rate / hello[mode]
                cells.append(f"{rate:>{13 if mode == 'cached' else 10}.0f}{ratio:>9.3f}")
                target = CACHED_TARGET if mode == "cached" else UNCACHED_TARGETS.get(label)
                if target is not None and label not in ("hello-world view", "static file (whitenoise)"):
                    verdicts.append(f"{mode} ≥ {target} ×: {'met' if ratio >= target else 'MISSED'}")
                if (mode, label) in worst:
                    verdicts.append(f"{mode}: {worst[mode, label]}")
            self.stdout.write(f"{label:<26}{''.join(cells)}  {'; '.join(verdicts)}")
        self.stdout.write(
            f"search without the cache at 50 connections: {crowd.requests_per_second:.0f} req/s, "
            f"p50 {crowd.p50_ms:.0f} ms, p99 {crowd.p99_ms:.0f} ms, {crowd.errors} errors, {crowd.timeouts} timeouts"
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
        self.stdout.write(
            f"\nThrough the test client: {Disorder.objects.count()} entries, {len(published)} published.\n"
        )
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
