from django.apps import AppConfig


class DisordersConfig(AppConfig):
    name = "disorders"
    verbose_name = "Encyclopedia entries"
