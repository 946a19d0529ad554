"""The site under gunicorn, loaded with wrk: requests per second and latency for a list of paths."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
HELLO_PATH = "/bench/hello/"


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # refused or dropped connections and answers other than 2xx/3xx
    timeouts: int


class Server:
    """gunicorn serving the site on ``port``: the benchmark's settings, ``environment`` on top (a context manager)."""

    def __init__(self, port, environment, workers=2):
        self.port, self.workers = port, workers
        self.environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "encyclopedia.bench.settings", **environment}
        self.process = None

    def __enter__(self):
        command = [sys.executable, "-m", "gunicorn", "encyclopedia.wsgi", "--workers", str(self.workers)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=self.environment)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on port {self.port} exited with {self.process.returncode}")
            try:
                if self.get(HELLO_PATH) == 200:
                    return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn on port {self.port} did not answer within a minute")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)

    def get(self, path):
        """One request, as wrk sends them; returns the status."""
        request = urllib.request.Request(
            self.url(path), headers={"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"


def wrk_available():
    return shutil.which("wrk") is not None


def load(server, paths, *, connections=16, seconds=5, timeout=5):
    """Request ``paths`` in turn over ``connections`` for ``seconds`` (wrk, two threads).

    A request slower than ``timeout`` seconds counts as timed out.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(paths) + "\n")
        listing.flush()
        command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", f"{timeout}s"]
        command += ["-s", str(WRK_SCRIPT), server.url()]
        run = subprocess.run(command, env={**os.environ, "BENCH_PATHS": listing.name}, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"wrk failed on {server.url()}: {run.stderr.strip() or run.stdout.strip()}")
        output = run.stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line.removeprefix("BENCH "))
    errors = figures["connect"] + figures["read"] + figures["write"] + figures["status"]
    return Load(
        requests_per_second=figures["requests"] / figures["seconds"],
        p50_ms=figures["p50_ms"],
        p99_ms=figures["p99_ms"],
        errors=errors,
        timeouts=figures["timeout"],
    )
