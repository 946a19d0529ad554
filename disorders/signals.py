from django.dispatch import Signal

# Sent once an entry and every row it owns have been written (admin save, import, revert),
# with ``disorder``. Receivers keep data derived from the whole entry current (the search index).
entry_saved = Signal()

# Sent when what readers see of an entry changed: it was published (``publication.action`` "published")
# or unpublished, with ``disorder`` and ``publication``. Caches of reader pages key on it.
entry_published = Signal()
