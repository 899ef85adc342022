from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "civicloop.servicerequests"
    label = "servicerequests"
