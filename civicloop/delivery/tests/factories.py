from django.utils import timezone

from civicloop.places.models import CommunityArea
from civicloop.subscriptions.models import ContactPoint, Subscriber
from civicloop.topics.models import Topic


def make_subscriber(
    *,
    email: str | None = None,
    phone: str | None = None,
    topics: list[Topic] | None = None,
    areas: list[CommunityArea] | None = None,
    language: str = "en",
    frequency: str = "immediately",
    status: str = Subscriber.Status.ACTIVE,
    confirmed: bool = True,
    whatsapp: str | None = None,
) -> Subscriber:
    """An active, confirmed subscriber (unless told otherwise) with the given contact points."""
    now = timezone.now()
    subscriber = Subscriber.objects.create(
        language=language,
        frequency=frequency,
        all_areas=not areas,
        status=status,
        confirmed_at=now if status == Subscriber.Status.ACTIVE else None,
        unsubscribed_at=now if status == Subscriber.Status.UNSUBSCRIBED else None,
    )
    subscriber.topics.set(topics or [])
    subscriber.areas.set(areas or [])
    points = (
        (ContactPoint.Kind.EMAIL, email),
        (ContactPoint.Kind.SMS, phone),
        (ContactPoint.Kind.WHATSAPP, whatsapp),
    )
    for kind, value in points:
        if value:
            ContactPoint.objects.create(
                subscriber=subscriber, kind=kind, value=value, confirmed_at=now if confirmed else None
            )
    return subscriber
