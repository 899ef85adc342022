from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "civicloop.directory"
    label = "directory"
