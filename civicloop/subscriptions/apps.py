from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "civicloop.subscriptions"
    label = "subscriptions"
