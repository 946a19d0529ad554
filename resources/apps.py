from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Support organizations"

    def ready(self):
        from encyclopedia import page_cache

        # Entry and organization pages show organizations' names and contact details: cached pages go out of date.
        page_cache.follow(self.get_model("Organization"), self.get_model("Phone"))
