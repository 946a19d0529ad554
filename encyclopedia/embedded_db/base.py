"""Django's PostgreSQL backend for the embedded server: a refused connection starts the server.

Settings stay pure data, so ``manage.py check`` or ``makemigrations --help`` never run initdb or
pg_ctl. The server is started by whatever really connects; connecting first and starting only
when refused keeps the usual path (server already up) to one plain connection.
"""

import psycopg
from django.db.backends.postgresql import base

from encyclopedia import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        try:
            return super().get_new_connection(conn_params)
        except psycopg.OperationalError:
            embedded_db.ensure_running(self.settings_dict["DATA_DIR"])
            return super().get_new_connection(conn_params)
