"""Signals the assistant answers: a number subscribed on the web is asked to reply YES; a change to the
city's services or knowledge base is seen at once by this process (other processes re-read them within
seconds: core.memo, selectors.FAQ_INDEX_RECHECK_SECONDS)."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicloop.assistant.models import FaqEntry
from civicloop.assistant.selectors import faq_index_forget
from civicloop.assistant.services.confirmation import phone_confirmation_send
from civicloop.core.memo import memos_forget
from civicloop.servicerequests.models import Service, ServiceAttribute
from civicloop.subscriptions.signals import phone_confirmation_wanted


@receiver(phone_confirmation_wanted)
def ask_number_to_confirm(sender: Any, contact_point_id: int, **kwargs: Any) -> None:
    phone_confirmation_send(contact_point_id=contact_point_id)


@receiver(post_save, sender=Service)
@receiver(post_delete, sender=Service)
@receiver(post_save, sender=ServiceAttribute)
@receiver(post_delete, sender=ServiceAttribute)
def services_changed(sender: Any, **kwargs: Any) -> None:
    memos_forget()


@receiver(post_save, sender=FaqEntry)
@receiver(post_delete, sender=FaqEntry)
def knowledge_base_changed(sender: Any, **kwargs: Any) -> None:
    faq_index_forget()
