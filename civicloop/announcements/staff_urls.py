from django.urls import path

from civicloop.announcements import staff_views

urlpatterns = [
    path("", staff_views.staff_announcement_list, name="announcement-list"),
    path("new/", staff_views.staff_announcement_compose, name="announcement-new"),
    path("<int:announcement_id>/", staff_views.staff_announcement_compose, name="announcement-edit"),
    path(
        "<int:announcement_id>/archive/", staff_views.staff_announcement_archive, name="announcement-archive"
    ),
]
