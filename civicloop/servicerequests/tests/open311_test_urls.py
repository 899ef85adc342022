"""Only the Open311 routes, mounted where civicloop/urls.py mounts them."""

from django.urls import include, path

urlpatterns = [path("open311/", include("civicloop.servicerequests.open311_urls"))]
