"""The Open311 routes, mounted where civicloop/urls.py mounts them, and the resident pages they link to."""

from django.urls import include, path

urlpatterns = [
    path("open311/", include("civicloop.servicerequests.open311_urls")),
    path("", include("civicloop.servicerequests.urls")),
]
