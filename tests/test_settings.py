"""Production configuration and the embedded database behave as the README promises."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db.utils import ConnectionHandler

from encyclopedia import embedded_db
from tests.conftest import PROJECT_DIR

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "rare.example.org",
    "SITE_URL": "https://rare.example.org",
}


def project_env(**env):
    """This process's environment without its Django settings, plus ``env``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return {**environment, **env}


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter with the project's settings and the given environment."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=project_env(**env, DJANGO_SETTINGS_MODULE="encyclopedia.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_pass_with_production_settings():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION_ENV,
        DATABASE_URL="postgres://app:secret@db.internal:5432/encyclopedia",  # checks never connect
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("imported", ["", "import pytest; "], ids=["plain", "pytest imported"])
def test_production_refuses_to_start_without_a_secret_key(imported):
    # Settings do not guess from the modules loaded: a process that imports pytest is no test run.
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""}
    result = run_python(f"{imported}import django; django.setup()", **env)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def env_file_values(path):
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_make_run_writes_a_development_env_once_that_settings_load(tmp_path):
    # The README's `.venv/bin/python manage.py …` commands read .env; without one they refuse to start.
    shutil.copy(PROJECT_DIR / "Makefile", tmp_path)
    shutil.copy(PROJECT_DIR / ".env.example", tmp_path)
    subprocess.run(["make", "--silent", ".env"], cwd=tmp_path, check=True, capture_output=True)
    written = env_file_values(tmp_path / ".env")
    subprocess.run(["make", "--silent", ".env"], cwd=tmp_path, check=True, capture_output=True)
    assert env_file_values(tmp_path / ".env") == written  # never overwritten
    assert written["DJANGO_DEBUG"] == "true"
    assert len(written["DJANGO_SECRET_KEY"]) >= 50

    show = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"
    result = run_python(show, **written)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", written["DJANGO_SECRET_KEY"]]
    # .env.example copied as it is works too, with the development key.
    result = run_python(show, **env_file_values(PROJECT_DIR / ".env.example"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "insecure-development-key-do-not-use-in-production"]


def test_database_and_cache_urls_select_a_real_server_and_redis():
    result = run_python(
        "import django, json; django.setup(); from django.conf import settings;"
        "db = settings.DATABASES['default'];"
        "print(json.dumps([db['ENGINE'], db['HOST'], db['NAME'], settings.CACHES['default']['BACKEND']]))",
        **PRODUCTION_ENV,
        DATABASE_URL="postgres://app:secret@db.internal:5432/encyclopedia",
        CACHE_URL="redis://cache.internal:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "django.db.backends.postgresql",
        "db.internal",
        "encyclopedia",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_a_non_postgresql_database_url_is_refused():
    result = run_python("import django; django.setup()", **PRODUCTION_ENV, DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


@pytest.fixture
def scratch_cluster(tmp_path):
    data_dir = tmp_path / "pg"
    yield data_dir
    embedded_db.stop(data_dir)


def embedded_env(data_dir):
    """A development environment on the embedded server in ``data_dir`` (a .env's DATABASE_URL masked)."""
    return {"DJANGO_DEBUG": "true", "DATABASE_URL": "", "EMBEDDED_POSTGRES_DIR": str(data_dir)}


def processes_using(path):
    """Command lines of the running processes that name ``path``."""
    cmdlines = []
    for proc in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            cmdlines.append(proc.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    return [cmdline for cmdline in cmdlines if str(path) in cmdline]


def test_manage_py_check_starts_no_database_server(scratch_cluster):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env=project_env(**embedded_env(scratch_cluster)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert list(scratch_cluster.parent.iterdir()) == []  # no cluster, not even its lock file
    assert processes_using(scratch_cluster) == []


CONNECT = (
    "import django; django.setup(); from django.db import connection;"
    "connection.ensure_connection(); print(connection.settings_dict['HOST'])"
)


def test_first_connection_starts_one_server_for_concurrent_processes_and_survives_a_crash(scratch_cluster):
    # Several processes connecting at once (runserver and its reloader, pytest) all get the same server.
    environment = project_env(**embedded_env(scratch_cluster), DJANGO_SETTINGS_MODULE="encyclopedia.settings")
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", CONNECT], cwd=PROJECT_DIR, env=environment, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    sockets = {starter.communicate(timeout=120)[0].strip() for starter in starters}
    assert [starter.returncode for starter in starters] == [0, 0, 0]
    assert len(sockets) == 1
    with psycopg.connect(host=str(sockets.pop()), port=embedded_db.PORT, user="postgres", dbname="encyclopedia") as c:
        assert c.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone()

    # A crash leaves postmaster.pid behind, naming a process that is gone or is something else.
    pid = int((scratch_cluster / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    impostor = subprocess.Popen(["sleep", "60"])
    try:
        for _ in range(100):
            if not os.path.exists(f"/proc/{pid}"):
                break
            subprocess.run(["sleep", "0.05"])
        lines = (scratch_cluster / "postmaster.pid").read_text().split("\n")
        lines[0] = str(impostor.pid)
        (scratch_cluster / "postmaster.pid").write_text("\n".join(lines))
        # The backend's next connection is refused, so it starts the server again.
        backend = ConnectionHandler({"default": embedded_db.database_settings(scratch_cluster)})["default"]
        with backend.get_new_connection(backend.get_connection_params()) as c:
            assert c.execute("SELECT current_database()").fetchone() == ("encyclopedia",)
    finally:
        impostor.kill()
