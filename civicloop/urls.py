from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from civicloop.api import api_v1
from civicloop.core.views import healthz, metrics, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/admin/", admin.site.urls),
    path("staff/demo/", include("civicloop.demo.urls")),  # 404 outside the demo city
    path("staff/", include("civicloop.accounts.urls")),
    path("open311/", include("civicloop.servicerequests.open311_urls")),
    path("api/v1/", api_v1.urls),
    path("", include("civicloop.opendata.urls")),
    path("", include("civicloop.insights.urls")),
    path("", include(settings.MACHINE_WEBHOOK_URLCONF)),  # Twilio's, Meta's and X's webhooks
    path("", include("civicloop.subscriptions.urls")),
    path("", include("civicloop.servicerequests.urls")),
    path("", include("civicloop.directory.urls")),
    path("", include("civicloop.engage.urls")),
    path("", include("civicloop.deliberation.urls")),
    path("", include("civicloop.engage.moderation_urls")),
    path("", include("civicloop.assistant.urls")),
    path("", include("civicloop.announcements.urls")),
]
# Residents' photos, served by Django only in DEBUG (production: the web server serves MEDIA_ROOT).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# An unexpected error answers Open311 clients with an error list and API clients with JSON.
handler500 = "civicloop.error_pages.server_error"
