from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Support organizations"

    def ready(self):
        from encyclopedia import page_cache
        from resources import history

        # One revision holds an organization and its phones: who changed an address or a number, and when.
        history.register()
        # Entry and organization pages show organizations' names and contact details: cached pages go out of date.
        page_cache.follow(self.get_model("Organization"), self.get_model("Phone"))
