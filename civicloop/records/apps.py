from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "civicloop.records"
    label = "records"
    verbose_name = "Backups and records requests"

    def ready(self) -> None:
        # Declares what each app holds about a resident (records/registry.py).
        from civicloop.records import holdings  # noqa: F401
