"""What the import commands share: who an import is attributed to in the entries' history, and the upkeep after."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from encyclopedia.database import vacuum_analyze


def add_user_argument(parser):
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help="Who the revisions are attributed to (default: the inactive 'system' user).",
    )


def importing_user(username):
    """The user named ``username``, or None (the history then credits the system user)."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No user named {username!r}; nothing was imported.") from None


def refresh_statistics():
    """After an import or a reindex: fresh planner statistics and flushed GIN lists for what was written."""
    vacuum_analyze("disorders", "resources", "reversion")
