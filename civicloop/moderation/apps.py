from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "civicloop.moderation"
    label = "moderation"
    verbose_name = "Moderation"
