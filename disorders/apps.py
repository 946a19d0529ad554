from django.apps import AppConfig


class DisordersConfig(AppConfig):
    name = "disorders"
    verbose_name = "Encyclopedia entries"

    def ready(self):
        # search is imported for its receivers: it connects the search index to entry_saved.
        from disorders import history, search  # noqa: F401

        # One revision holds an entry and every row it owns.
        history.register_entry()
