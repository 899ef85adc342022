"""The demo city's subscribers: confirmed, of every language, frequency, topic and area."""

from django.utils import timezone

from civicloop.places.models import CommunityArea
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.topics.models import Topic

DEMO_SUBSCRIBERS = 240
DEMO_DOMAIN = "demo.civicloop.local"


def demo_subscribers_ensure() -> int:
    """Confirmed demo subscribers (fake addresses and 555 numbers), so a publication has an audience."""
    if ContactPoint.objects.filter(value__endswith=f"@{DEMO_DOMAIN}").exists():
        return ContactPoint.objects.filter(value__endswith=f"@{DEMO_DOMAIN}").count()
    now = timezone.now()
    topics = list(Topic.objects.order_by("position"))
    areas = list(CommunityArea.objects.order_by("number"))
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(
            language="es" if n % 3 == 0 else "en",
            frequency="immediately" if n % 10 < 7 else ("daily" if n % 10 < 9 else "weekly"),
            all_areas=n % 4 == 0,
            status=Subscriber.Status.ACTIVE,
            confirmed_at=now,
        )
        for n in range(DEMO_SUBSCRIBERS)
    )
    Subscriber.topics.through.objects.bulk_create(
        Subscriber.topics.through(subscriber_id=s.pk, topic_id=topics[(n + k) % len(topics)].pk)
        for n, s in enumerate(subscribers)
        for k in (0, 5)
    )
    Subscriber.areas.through.objects.bulk_create(
        Subscriber.areas.through(subscriber_id=s.pk, communityarea_id=areas[n % len(areas)].pk)
        for n, s in enumerate(subscribers)
        if not s.all_areas
    )
    points = [
        ContactPoint(subscriber=s, kind="email", value=f"resident{n}@{DEMO_DOMAIN}", confirmed_at=now)
        for n, s in enumerate(subscribers)
    ] + [
        # 555-01xx numbers are reserved for fiction: no real phone is ever texted by the demo.
        ContactPoint(subscriber=s, kind="sms", value=f"+1312555{100 + n % 100:04d}", confirmed_at=now)
        for n, s in enumerate(subscribers[:100])
    ]
    ContactPoint.objects.bulk_create(points)
    ConsentRecord.objects.bulk_create(
        ConsentRecord(subscriber=s, action="subscribe", channel="demo", text="Demo data", language=s.language)
        for s in subscribers
    )
    return DEMO_SUBSCRIBERS
