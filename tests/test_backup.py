"""Backups restore to the same rows: on the configured server (PostgreSQL 15 here) and on the embedded one (18)."""

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from disorders.models import Disorder
from encyclopedia import backup, embedded_db
from tests.factories import make_classification
from tests.sample_entries import JMML_TITLE, make_jmml_entry

# pg_dump runs in a process of its own, so the rows it dumps must be committed.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def connect(database, name=None):
    return psycopg.connect(
        **{**backup._connection_options(database), "dbname": name or database["NAME"]}, autocommit=True
    )


def all_rows(database):
    """{table: its rows as sorted text}, for every table in the public schema."""
    with connect(database) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {
            table: conn.execute(f'SELECT array_agg(t::text ORDER BY t::text) FROM "{table}" t').fetchone()[0]
            for table in tables
        }


@pytest.fixture
def fresh_database():
    """An empty database beside the configured one, ``database`` settings pointing at it, dropped afterwards."""
    database = {**settings.DATABASES["default"], "NAME": f"{settings.DATABASES['default']['NAME']}_restored"}
    with connect(database, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{database["NAME"]}"')
    yield database
    with connect(database, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')


@committed
def test_a_backup_restores_into_a_fresh_database_with_every_row(tmp_path, fresh_database):
    make_jmml_entry()
    make_classification("Rare hematologic diseases")
    database = settings.DATABASES["default"]

    path = backup.dump(database, tmp_path / "site.dump")
    backup.restore(fresh_database, path)

    original, restored = all_rows(database), all_rows(fresh_database)
    assert restored == original
    assert any(JMML_TITLE in row for row in restored["disorders_disorder"])
    # The search index's extensions came along: a trigram query runs on the copy.
    with connect(fresh_database) as conn:
        assert conn.execute("SELECT similarity('leukemia', 'leukaemia') > 0.3").fetchone() == (True,)


@committed
def test_the_commands_back_up_and_restore_the_configured_database(tmp_path):
    make_jmml_entry()
    path = tmp_path / "before.dump"
    call_command("backup", output=str(path))
    Disorder.objects.all().delete()
    assert not Disorder.objects.exists()

    call_command("restore", str(path), interactive=False)

    connection.close()
    assert list(Disorder.objects.values_list("title", flat=True)) == [JMML_TITLE]


@committed
def test_restore_of_a_missing_file_changes_nothing(tmp_path):
    make_jmml_entry()
    with pytest.raises(Exception, match="No backup file"):
        call_command("restore", str(tmp_path / "nothing.dump"), interactive=False)
    assert Disorder.objects.filter(title=JMML_TITLE).exists()


@pytest.fixture
def embedded_server():
    # Not under tmp_path: any pytest starting on the machine makes /tmp/pytest-of-<user> private again,
    # and the server's own account must walk down to its data directory.
    with tempfile.TemporaryDirectory(prefix="encyclopedia-embedded-") as directory:
        data_dir = Path(directory) / "pg"
        embedded_db.ensure_running(data_dir)
        yield embedded_db.database_settings(data_dir)
        embedded_db.stop(data_dir)


@committed
def test_the_embedded_server_backs_up_and_restores_too(tmp_path, embedded_server):
    with connect(embedded_server) as conn:
        conn.execute("CREATE EXTENSION pg_trgm")
        conn.execute("CREATE TABLE entry (id bigint PRIMARY KEY, title text)")
        conn.execute("INSERT INTO entry VALUES (1, 'Juvenile Myelomonocytic Leukemia'), (2, 'Ménière Disease')")
    # After a reboot nothing has started the server yet: the backup starts it itself.
    embedded_db.stop(embedded_server["DATA_DIR"])
    path = backup.dump(embedded_server, tmp_path / "embedded.dump")
    copy = {**embedded_server, "NAME": "copy"}
    with connect(embedded_server, "postgres") as conn:
        conn.execute("CREATE DATABASE copy")

    backup.restore(copy, path)

    assert all_rows(copy) == all_rows(embedded_server)
    assert all_rows(copy)["entry"] == ['(1,"Juvenile Myelomonocytic Leukemia")', '(2,"Ménière Disease")']


def test_the_tools_match_the_servers_major_version_where_they_can():
    wheel_dump = embedded_db._bin("pg_dump")
    assert backup.pg_tool("pg_dump", 18) == wheel_dump
    system_dump = shutil.which("pg_dump")
    if system_dump and backup.tool_major_version(system_dump) < 18:
        # pg_restore 18 would send a PostgreSQL 15 settings it does not know; the older client is chosen.
        older = backup.tool_major_version(system_dump)
        assert backup.pg_tool("pg_dump", older) == system_dump
    with pytest.raises(backup.BackupError, match="No pg_dump for PostgreSQL 99"):
        backup.pg_tool("pg_dump", 99)
