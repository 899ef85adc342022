from django.urls import include, path, re_path

from civicloop.opendata import staff_views, views

app_name = "opendata"
urlpatterns = [
    path("data.json", views.data_json, name="data_json"),
    path("opendata/", views.catalogue, name="catalogue"),
    path("opendata/<slug:identifier>/", views.dataset_detail, name="dataset"),
    path("opendata/<slug:identifier>/dictionary.json", views.dataset_dictionary, name="dictionary"),
    re_path(
        r"^opendata/(?P<identifier>[-\w]+)\.(?P<fmt>csv|json|geojson)$",
        views.dataset_download,
        name="download",
    ),
    # CKAN's action API (/api/3/action/…) and Socrata-style /resource/<dataset>.json|csv
    path("", include("civicloop.opendata.api_urls")),
    path("staff/opendata/", staff_views.exports_overview, name="staff"),
    path("staff/opendata/refresh/", staff_views.exports_refresh, name="staff_refresh"),
]
