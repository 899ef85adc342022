from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "civicloop.deliberation"
    verbose_name = "Deliberation: opinion-mapping conversations"
