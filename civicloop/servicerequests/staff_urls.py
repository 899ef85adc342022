from django.urls import path

from civicloop.servicerequests import staff_key_views, staff_views

urlpatterns = [
    path("", staff_views.staff_request_queue, name="request-queue"),
    # Before the request pages: a request number never looks like these.
    path("api-keys/", staff_key_views.api_keys, name="api-keys"),
    path("api-keys/<int:client_id>/revoke/", staff_key_views.api_key_revoke, name="api-key-revoke"),
    path("<str:public_id>/", staff_views.staff_request_detail, name="request-detail"),
    path("<str:public_id>/status/", staff_views.staff_request_status, name="request-status"),
    path("<str:public_id>/duplicate/", staff_views.staff_request_duplicate, name="request-duplicate"),
    path("<str:public_id>/assign/", staff_views.staff_request_assign, name="request-assign"),
]
