"""Writes for subscriptions: request, confirm (double opt-in), change preferences, unsubscribe.

Every write records the consent text the person saw. Nothing is sent to a subscriber before they
confirm, except the confirmation email itself, and that only after the transaction commits.
One module per concern; everything callers use is here.
"""

from civicloop.subscriptions.services.confirmation import subscription_confirm, subscription_confirm_by_text
from civicloop.subscriptions.services.consent import (
    CHANNEL_EMAIL_ONE_CLICK,
    CHANNEL_OF_NUMBER_KIND,
    CHANNEL_SMS,
    CHANNEL_WEB,
    CHANNEL_WHATSAPP,
    consent_by_number_record,
)
from civicloop.subscriptions.services.contact_points import (
    contact_point_ensure,
    contact_point_heard_from,
    contact_point_last_heard_set,
)
from civicloop.subscriptions.services.preferences import (
    subscription_area_add_by_text,
    subscription_preferences_update,
)
from civicloop.subscriptions.services.retention import unconfirmed_subscribers_forget
from civicloop.subscriptions.services.subscribing import subscription_request
from civicloop.subscriptions.services.unsubscribing import subscription_unsubscribe

__all__ = [
    "CHANNEL_EMAIL_ONE_CLICK",
    "CHANNEL_OF_NUMBER_KIND",
    "CHANNEL_SMS",
    "CHANNEL_WEB",
    "CHANNEL_WHATSAPP",
    "consent_by_number_record",
    "contact_point_ensure",
    "contact_point_heard_from",
    "contact_point_last_heard_set",
    "subscription_area_add_by_text",
    "subscription_confirm",
    "subscription_confirm_by_text",
    "subscription_preferences_update",
    "subscription_request",
    "subscription_unsubscribe",
    "unconfirmed_subscribers_forget",
]
