"""The demo's staff pages, under /staff/demo/."""

from django.urls import path

from civicloop.demo import views

app_name = "demo"
urlpatterns = [path("resident-message/", views.resident_message, name="resident-message")]
