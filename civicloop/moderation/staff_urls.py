from django.urls import path

from civicloop.moderation import staff_views

# Included under /staff/moderation/ in the "staff" namespace.
urlpatterns = [
    path("", staff_views.moderation_queue, name="moderation-queue"),
    path("log/", staff_views.moderation_log, name="moderation-log"),
    path("export.csv", staff_views.moderation_export, name="moderation-export"),
    path("<int:case_id>/", staff_views.moderation_case, name="moderation-case"),
    path("coordinated/", staff_views.coordinated_queue, name="moderation-coordinated"),
    path("coordinated/<int:case_id>/", staff_views.coordinated_case, name="moderation-coordinated-case"),
]
