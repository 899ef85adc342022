from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "civicloop.assistant"
    verbose_name = "Text the city (assistant)"

    def ready(self) -> None:
        from civicloop.assistant import receivers  # noqa: F401 (connects the signal receivers)
