from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "civicloop.delivery"
    label = "delivery"
