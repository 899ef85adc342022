"""The resident pages alone, with what base.html needs (set_language), for the view tests."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("civicloop.servicerequests.urls")),
]
