from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "civicloop.deliberation"
    verbose_name = "Deliberation: opinion-mapping conversations"

    def ready(self) -> None:
        from civicloop.deliberation import reportables

        # Moderation looks for coordinated voting in conversations through its registry (it imports no
        # deliberation module).
        reportables.register()
