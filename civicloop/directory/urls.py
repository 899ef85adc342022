from django.urls import path

from civicloop.directory import hsds, views

app_name = "directory"
urlpatterns = [
    path("services/", views.directory_home, name="home"),
    path("services/life-events/", views.life_event_list, name="life-events"),
    path("services/life-events/<slug:slug>/", views.life_event_detail, name="life-event"),
    path(
        "services/life-events/<slug:slug>.jsonld", views.life_event_structured_data, name="life-event-jsonld"
    ),
    path("services/<slug:slug>/", views.entry_detail, name="entry"),
    # Public contract: the HSDS 3.0 API reference's paths, without a trailing slash.
    path("api/hsds/services", hsds.hsds_services, name="hsds-services"),
    path("api/hsds/services/<str:hsds_id>", hsds.hsds_service_detail, name="hsds-service"),
]
