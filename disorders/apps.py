from django.apps import AppConfig


class DisordersConfig(AppConfig):
    name = "disorders"
    verbose_name = "Encyclopedia entries"

    def ready(self):
        # search is imported for its receivers: it connects the search index to entry_saved.
        from disorders import history, search  # noqa: F401
        from disorders.signals import entry_saved
        from encyclopedia import page_cache

        # One revision holds an entry and every row it owns.
        history.register_entry()
        # Cached reader pages go out of date with a saved entry and with the shared rows entries show.
        page_cache.follow(
            *(
                self.get_model(name)
                for name in ["Disclaimer", "Classification", "Source", "Gene", "Sign", "RetiredCode"]
            ),
            signals=[entry_saved],
        )
