from django.dispatch import Signal

# Sent once an entry and every row it owns have been written (admin save, import, revert),
# with ``disorder``. Receivers keep data derived from the whole entry current (the search index).
entry_saved = Signal()
# The same for many entries written together (a bulk import), with ``disorders`` (a list), instead of
# ``entry_saved`` for each: receivers can do in one pass what they do per entry.
entries_saved = Signal()

# Sent when what readers see of an entry changed: it was published (``publication.action`` "published")
# or unpublished, with ``disorder`` and ``publication``. Caches of reader pages key on it.
entry_published = Signal()
