"""The query APIs: CKAN's action API and Socrata-style resources. Included from ``opendata/urls.py``."""

from django.urls import path, re_path

from civicloop.opendata.ckan import ckan_action
from civicloop.opendata.soda import soda_resource, soda_unknown_format

urlpatterns = [
    path("api/3/action/<str:action>", ckan_action, name="ckan_action"),
    # ckanapi's RemoteCKAN calls /api/action/ (CKAN serves both).
    path("api/action/<str:action>", ckan_action, name="ckan_action_unversioned"),
    re_path(r"^resource/(?P<identifier>[\w-]+)\.(?P<fmt>json|csv)$", soda_resource, name="soda_resource"),
    re_path(r"^resource/(?P<identifier>[\w-]+)\.(?P<fmt>\w+)$", soda_unknown_format),
]
