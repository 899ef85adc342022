"""Contact points for notifications a person asked for elsewhere (a 311 request's updates)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from civicloop.subscriptions.models import ContactPoint, Subscriber
from civicloop.subscriptions.selectors import language_supported


def contact_point_ensure(*, kind: str, value: str, language: str) -> ContactPoint:
    """A way to reach someone for notifications they asked for (a 311 request's updates).

    An existing contact point is reused. Otherwise a pending subscriber with no topics is made:
    announcements go only to active subscribers, so this never subscribes anyone to anything else.
    `value` must already be normalised (email lowercased, phone E.164).
    """
    points = ContactPoint.objects.select_related("subscriber")
    point = points.filter(kind=kind, value=value).first()
    if point is not None:
        return point
    try:
        with transaction.atomic():
            subscriber = Subscriber.objects.create(language=language_supported(language))
            return ContactPoint.objects.create(subscriber=subscriber, kind=kind, value=value)
    except IntegrityError:  # someone else added the same address a moment ago: use theirs
        return points.get(kind=kind, value=value)


def contact_point_heard_from(*, kind: str, value: str, moment: datetime) -> int:
    """The person wrote to the city from this address at `moment` (WhatsApp's 24-hour window opens)."""
    return (
        ContactPoint.objects.filter(kind=kind, value=value)
        .filter(Q(last_message_at__isnull=True) | Q(last_message_at__lt=moment))
        .update(last_message_at=moment)
    )


def contact_point_last_heard_set(*, kind: str, value: str, moment: datetime | None) -> int:
    """When the person last wrote from this address, as the conversation shows it (staff acting on it
    later must not open WhatsApp's 24-hour window from their own time)."""
    return ContactPoint.objects.filter(kind=kind, value=value).update(last_message_at=moment)
