from django.contrib import admin
from django.urls import include, path

from civicloop.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/admin/", admin.site.urls),
    path("staff/", include("civicloop.accounts.urls")),
    path("", include("civicloop.delivery.webhook_urls")),
    path("", include("civicloop.subscriptions.urls")),
    path("", include("civicloop.announcements.urls")),
]
