"""``python -m encyclopedia.embedded_db start|stop`` (``make stop-db``): start or stop the embedded server."""

import sys

import environ

from encyclopedia.embedded_db import PROJECT_DIR, configured_data_dir, ensure_running, stop

if (PROJECT_DIR / ".env").exists():
    environ.Env.read_env(PROJECT_DIR / ".env")
if sys.argv[1:] == ["stop"]:
    print(
        "Stopped the embedded PostgreSQL."
        if stop(configured_data_dir())
        else "The embedded PostgreSQL was not running."
    )
elif sys.argv[1:] == ["start"]:
    print(f"Embedded PostgreSQL running; socket in {ensure_running(configured_data_dir())}")
else:
    sys.exit("usage: python -m encyclopedia.embedded_db start|stop")
