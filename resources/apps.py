from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Support organizations"

    def ready(self):
        # One revision holds an organization and its phones: who changed an address or a number, and when.
        from resources import history

        history.register()
