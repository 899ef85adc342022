from django.urls import path

from civicloop.records import staff_views

urlpatterns = [
    path("", staff_views.records_home, name="records"),
    path("export/", staff_views.records_export_download, name="records-export"),
    path("erase/", staff_views.records_erase_confirm, name="records-erase"),
]
