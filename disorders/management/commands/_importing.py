"""What the import commands share: who an import is attributed to in the entries' history."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


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
