"""Production configuration and the embedded database behave as the README promises."""

import json
import os
import signal
import subprocess
import sys

import psycopg
import pytest

from encyclopedia import embedded_db
from tests.conftest import PROJECT_DIR

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "rare.example.org",
    "SITE_URL": "https://rare.example.org",
}


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter with the project's settings and the given environment."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="encyclopedia.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=120
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


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""}
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


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


def test_embedded_server_starts_once_for_concurrent_processes_and_survives_a_crash(scratch_cluster):
    # Several processes asking at once (runserver and its reloader, pytest) all get the same server.
    starters = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from encyclopedia import embedded_db as e; print(e.ensure_running({str(scratch_cluster)!r}))",
            ],
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            text=True,
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
        sockets = embedded_db.ensure_running(scratch_cluster)
        with psycopg.connect(host=str(sockets), port=embedded_db.PORT, user="postgres", dbname="postgres") as c:
            assert c.execute("SELECT 1").fetchone() == (1,)
    finally:
        impostor.kill()
