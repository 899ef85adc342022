from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "civicloop.delivery"
    label = "delivery"

    def ready(self) -> None:
        from civicloop.core.metrics import metrics_source
        from civicloop.delivery.metrics import delivery_metrics

        metrics_source(delivery_metrics)
