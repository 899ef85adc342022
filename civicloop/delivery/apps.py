from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "civicloop.delivery"
    label = "delivery"

    def ready(self) -> None:
        from civicloop.announcements.publishing import on_published_register
        from civicloop.core.metrics import metrics_source
        from civicloop.delivery.metrics import delivery_metrics
        from civicloop.delivery.services import announcement_delivery_start

        metrics_source(delivery_metrics)
        # Publishing means delivering: once committed, the outbox fans the announcement out
        # (announcements import no delivery module).
        on_published_register(announcement_delivery_start)
