from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "civicloop.integrations"
    label = "integrations"
