"""Only the delivery webhooks, so their tests do not depend on the root URLconf including them."""

from django.urls import include, path

urlpatterns = [path("", include("civicloop.delivery.webhook_urls"))]
