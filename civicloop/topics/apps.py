from django.apps import AppConfig


class TopicsConfig(AppConfig):
    name = "civicloop.topics"
    label = "topics"
