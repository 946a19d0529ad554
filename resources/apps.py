from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Support organizations"

    def ready(self):
        from disorders import history
        from resources.models import DisorderResource

        # An entry's list of organizations is part of the entry's history; the organizations themselves are shared.
        history.register_part(
            DisorderResource, "resources", name_fields=["organization"], describe=lambda row: row.text("organization")
        )
