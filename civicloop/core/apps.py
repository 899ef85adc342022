from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    label = "core"

    def ready(self) -> None:
        from civicloop.core.health import task_queue_metrics
        from civicloop.core.metrics import metrics_source

        metrics_source(task_queue_metrics)
