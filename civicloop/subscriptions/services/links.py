"""The subscriber a link in an email is for, locked for the change it asks (or the link's error)."""

from django.utils.translation import gettext as _

from civicloop.subscriptions.errors import LinkInvalid, LinkUsed
from civicloop.subscriptions.models import Subscriber
from civicloop.subscriptions.tokens import TokenPurpose, token_read


def _subscriber_locked(*, token: str, purpose: TokenPurpose) -> Subscriber:
    payload = token_read(token=token, purpose=purpose)
    subscriber = Subscriber.objects.select_for_update().filter(pk=payload.subscriber_id).first()
    if subscriber is None:
        raise LinkInvalid(_("This link is not valid."))
    if subscriber.token_version != payload.token_version:
        raise LinkUsed(_("This link has already been used."))
    return subscriber
