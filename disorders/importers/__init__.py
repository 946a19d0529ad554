"""Importers of other organizations' data: NORD abstracts (``nord``) and Orphanet open data (``orphanet``)."""

from django.utils.text import slugify


def unique_slug(text, is_taken, *, fallback):
    """``text`` as a slug, numbered ("-2", "-3", …) past every slug ``is_taken(slug)`` says is in use."""
    base = slugify(text)[:240].strip("-") or fallback
    candidate, number = base, 2
    while is_taken(candidate):
        candidate, number = f"{base}-{number}", number + 1
    return candidate


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
