from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "civicloop.engage"
    verbose_name = "Engage: spaces, questions and ideas"
