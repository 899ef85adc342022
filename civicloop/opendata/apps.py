from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "civicloop.opendata"
    verbose_name = "Open data: catalogue, exports, DCAT-US, CKAN and SODA-style APIs"
