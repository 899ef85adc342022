from django.urls import path

from civicloop.insights import views

app_name = "insights"
urlpatterns = [
    path("insights/", views.insights_dashboard, name="dashboard"),
    path("insights/<slug:chart>.csv", views.insights_csv, name="csv"),
    path("staff/insights/", views.staff_insights, name="staff"),
    path("staff/insights/refresh/", views.staff_insights_refresh, name="staff_refresh"),
    path("areas/", views.area_list, name="areas"),
    path("areas/<slug:slug>/", views.area_detail, name="area"),
]
