from django.apps import AppConfig


class AnnouncementsConfig(AppConfig):
    name = "civicloop.announcements"
    label = "announcements"
