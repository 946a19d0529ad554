from django.apps import AppConfig


def store_trigram_thresholds(using, **kwargs):
    from disorders.search import store_trigram_thresholds

    store_trigram_thresholds(using)


class DisordersConfig(AppConfig):
    name = "disorders"
    verbose_name = "Encyclopedia entries"

    def ready(self):
        # search is imported for its receivers: it connects the search index to entry_saved and entries_saved.
        from django.db.models.signals import post_migrate

        from disorders import history, search  # noqa: F401
        from disorders.signals import entry_published
        from encyclopedia import page_cache

        # One revision holds an entry and every row it owns.
        history.register_entry()
        # The search's trigram thresholds belong to the database; a migrate (or restore) puts them there.
        post_migrate.connect(store_trigram_thresholds, sender=self, dispatch_uid="disorders.trigram_thresholds")
        # Cached reader pages go out of date with a publish or unpublish and with the shared rows pages show.
        page_cache.follow(
            *(
                self.get_model(name)
                for name in ["Disclaimer", "Classification", "Source", "Gene", "Sign", "RetiredCode"]
            ),
            signals=[entry_published],
        )
