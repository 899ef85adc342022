"""Provider webhooks of the delivery engine; included from the root URLconf at ""."""

from django.conf import settings
from django.urls import path

from civicloop.delivery import webhooks

TWILIO_STATUS_PATH = "sms/twilio/status"  # a public contract: Twilio is configured with this URL

urlpatterns = [
    path(TWILIO_STATUS_PATH, webhooks.twilio_status, name="twilio-status"),
]


def twilio_status_callback_url() -> str:
    """The absolute StatusCallback URL to give Twilio with each message."""
    return f"{settings.SITE_URL}/{TWILIO_STATUS_PATH}"
