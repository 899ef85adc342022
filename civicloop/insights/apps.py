from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "civicloop.insights"
    verbose_name = "Insights: participation and response dashboards"
