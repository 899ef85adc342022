from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "civicloop.assistant"
    verbose_name = "Text the city (assistant)"
