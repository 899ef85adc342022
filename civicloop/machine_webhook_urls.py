"""Providers' signed webhooks: served by core.machine_webhooks.MachineWebhookMiddleware without the
browser's middleware, and included from the root URLconf at "" so that their names reverse."""

from django.urls import include, path

from civicloop.assistant.webhooks_social import meta_webhook, x_webhook

urlpatterns = [
    path("", include("civicloop.delivery.webhook_urls")),
    path("", include("civicloop.assistant.webhook_urls")),
    # Public contracts: Meta's app and X's webhook registration are set up with these addresses.
    path("webhooks/meta", meta_webhook, name="meta-webhook"),
    path("webhooks/x", x_webhook, name="x-webhook"),
]
