from django.urls import path

from civicloop.servicerequests import views

app_name = "requests"
urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.service_choose, name="choose"),
    path("requests/new/<str:service_code>/", views.request_new, name="new"),
    path("requests/<str:public_id>/", views.request_detail, name="detail"),
]
