from django.urls import path

from civicloop.servicerequests import views

app_name = "requests"
urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.service_choose, name="choose"),
    path("requests/new/<str:service_code>/", views.request_new, name="new"),
    path("requests/follow/<str:token>/", views.follow_confirm, name="follow_confirm"),
    path("requests/stop/<str:token>/", views.follow_stop, name="stop"),
    path("requests/<str:public_id>/", views.request_detail, name="detail"),
    path("requests/<str:public_id>/follow/", views.request_follow, name="follow"),
    path("requests/<str:public_id>/reopen/<str:token>/", views.request_reopen, name="reopen"),
]
