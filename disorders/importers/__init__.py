"""Importers of other organizations' data: NORD abstracts (``nord``) and Orphanet open data (``orphanet``)."""

import re

from django.utils.text import slugify

# C1 control characters: in text that should have none they are Windows-1252 bytes read as Latin-1.
_C1_CONTROLS = re.compile("[\u0080-\u009f]")


# Every import's revision comment starts so; the home page tells editors' changes from imports by it.
IMPORT_COMMENT_PREFIX = "Imported from"


def import_comment(origin):
    """The revision comment of an import from ``origin`` (a file name, a source)."""
    return f"{IMPORT_COMMENT_PREFIX} {origin}"


def unique_slug(text, is_taken, *, fallback):
    """``text`` as a slug, numbered ("-2", "-3", …) past every slug ``is_taken(slug)`` says is in use."""
    base = slugify(text)[:240].strip("-") or fallback
    candidate, number = base, 2
    while is_taken(candidate):
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def repair_cp1252(text):
    """Windows-1252 leftovers (U+0080–U+009F) as the characters meant: "Crohn\\x92s" becomes "Crohn\u2019s".

    The five bytes Windows-1252 leaves undefined stand for nothing and are dropped.
    """
    return _C1_CONTROLS.sub(lambda match: bytes([ord(match.group())]).decode("cp1252", errors="ignore"), text)


def same_text(stored, wanted):
    """Whether an imported value is what is stored: admin textareas send CRLF, and that alone is no change."""
    if isinstance(stored, str) and isinstance(wanted, str):
        return stored.replace("\r\n", "\n").strip() == wanted.replace("\r\n", "\n").strip()
    return stored == wanted


class TitlesByAction:
    """A run's result: the titles of its entries by what happened to them, from ``outcomes`` (title, action)."""

    outcomes = ()

    def titles(self, action):
        return [outcome.title for outcome in self.outcomes if outcome.action == action]

    @property
    def created(self):
        return self.titles("created")

    @property
    def updated(self):
        return self.titles("updated")

    @property
    def unchanged(self):
        return self.titles("unchanged")
