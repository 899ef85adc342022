from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "civicloop.assistant"
    verbose_name = "Text the city (assistant)"

    def ready(self) -> None:
        from civicloop.assistant import (
            receivers,  # noqa: F401 (connects the signal receivers)
            reportables,
        )
        from civicloop.assistant.services.retention import message_bodies_forget
        from civicloop.core.retention import RetentionRule, retention_rule

        retention_rule(
            RetentionRule("assistant message bodies", "RETENTION_MESSAGE_BODY_DAYS", message_bodies_forget)
        )
        # Staff report an abusive message to the moderators through moderation's registry.
        reportables.register()
