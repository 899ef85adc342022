from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "civicloop.bench"
    label = "bench"
