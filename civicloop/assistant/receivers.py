"""Signals the assistant answers: a number subscribed on the web is asked to reply YES."""

from typing import Any

from django.dispatch import receiver

from civicloop.assistant.services.confirmation import phone_confirmation_send
from civicloop.subscriptions.signals import phone_confirmation_wanted


@receiver(phone_confirmation_wanted)
def ask_number_to_confirm(sender: Any, contact_point_id: int, **kwargs: Any) -> None:
    phone_confirmation_send(contact_point_id=contact_point_id)
