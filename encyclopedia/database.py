"""Big writes, and the upkeep the application does itself after them (autovacuum may be off or late on a server)."""

from django.apps import apps
from django.db import connection


def tables_of(*app_labels):
    """The tables of these apps' models, many-to-many tables included."""
    tables = set()
    for label in app_labels:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.add(model._meta.db_table)
    return sorted(tables)


def vacuum_analyze(*app_labels):
    """``VACUUM (ANALYZE)`` these apps' tables: planner statistics, and GIN indexes' pending lists flushed.

    Right after a bulk import the planner knows nothing of the new rows and the GIN indexes keep
    them in unsorted pending lists, which makes pages 5 to 12 times slower until this runs.
    VACUUM cannot run inside a transaction; a caller inside one (a test) is left to do it after.
    Returns whether it ran.
    """
    if connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(connection.ops.quote_name(t) for t in tables_of(*app_labels))}")
    return True


def copy_rows(model, field_names, rows):
    """Write ``rows`` (tuples of ``field_names``' values as the database takes them) into ``model``'s table with COPY.

    For an import's large or many rows: an INSERT of them is built with every value quoted into one
    literal statement per batch (Django binds parameters on the client), which the server then parses.
    COPY streams them, and the server works while the client sends.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in field_names)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
