"""The assistant's provider webhooks; included from the root URLconf at ""."""

from django.urls import path

from civicloop.assistant import webhooks

TWILIO_INBOUND_PATH = "sms/twilio/inbound"  # a public contract: Twilio is configured with this URL

urlpatterns = [
    path(TWILIO_INBOUND_PATH, webhooks.twilio_inbound, name="twilio-inbound"),
]
