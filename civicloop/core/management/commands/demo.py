from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.text import slugify
from shapely.geometry import shape

from civicloop.accounts.models import Role, User
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Announcement, Kind
from civicloop.announcements.services import (
    AnnouncementDetails,
    AnnouncementText,
    announcement_create,
    announcement_publish,
    announcement_schedule,
)
from civicloop.assistant.services.knowledge import faq_demo_load
from civicloop.core.demo_content import (
    DEMO_ANNOUNCEMENTS,
    DEMO_PASSWORD,
    DEMO_STAFF,
    HOW_TO_EN,
    HOW_TO_ES,
    DemoAnnouncement,
)
from civicloop.deliberation.demo import demo_conversation_ensure
from civicloop.engage.models import Idea, Participant, Space
from civicloop.engage.selectors import Viewer
from civicloop.engage.services import (
    QuestionInput,
    comment_create,
    idea_create,
    idea_status_change,
    idea_support,
    official_reply_create,
    question_create,
    space_create,
)
from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceAttribute, ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    service_request_create,
    service_request_status_change,
    services_load,
)
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.services import contact_point_ensure
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure

SCHEDULED_DEMO = DemoAnnouncement(
    "program", ["streets-transportation"], [], 0,
    ("Snow plow tracker is live for the season",
     "See where plows are working in real time.",
     "Follow plows on the city's map during every snowfall."),
    ("El rastreador de quitanieves está activo esta temporada",
     "Vea dónde trabajan las quitanieves en tiempo real.",
     "Siga a las quitanieves en el mapa de la ciudad durante cada nevada."),
)  # fmt: skip


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


DEMO_DEPARTMENT = "Transportation"
DEMO_REQUEST_COUNT = 40
DEMO_DESCRIPTIONS = [
    ("Deep enough to damage a tire, near the bus stop.", "en"),
    ("Lleva varias semanas así, por favor revisen.", "es"),
    ("Right in front of the school entrance.", "en"),
    ("", "en"),
    ("Cerca de la esquina, frente a la tienda.", "es"),
]
# Where each demo request stands: (detailed status, days ago filed). The old open ones are past their SLA.
DEMO_STAGES = [
    ("submitted", 1, ""),
    ("acknowledged", 3, "Crew scheduled."),
    ("in_progress", 6, "Crew on site."),
    ("completed", 9, "Work completed."),
    ("submitted", 40, ""),
]


def _demo_answer(attribute: ServiceAttribute, moment: datetime) -> list[str]:
    """A plausible answer to a service question, for the demo's requests."""
    if attribute.values:
        return [str(attribute.values[0]["key"])]
    if attribute.datatype == ServiceAttribute.Datatype.NUMBER:
        return ["2"]
    if attribute.datatype == ServiceAttribute.Datatype.DATETIME:
        return [moment.isoformat(timespec="minutes")]
    return ["Seen on the way to work"]


DEMO_HISTORY_REQUESTS = 4000
# Before the forty requests above (up to 42 days old), which stay first in every list.
DEMO_HISTORY_ENDS_DAYS_AGO = 45


def demo_history_ensure() -> int:
    """A year of generated 311 history across the community areas (idempotent), so the dashboards,
    neighbourhood pages and open data have figures above the privacy threshold."""
    from civicloop.servicerequests.bench import requests_generate

    if ServiceRequest.objects.filter(token__startswith="bench-").exists():
        return 0
    until = timezone.now() - timedelta(days=DEMO_HISTORY_ENDS_DAYS_AGO)
    return requests_generate(DEMO_HISTORY_REQUESTS, until=until, span=timedelta(days=315)).count


def demo_requests_ensure() -> int:
    """Forty requests across the common services and real community areas, at every stage (idempotent)."""
    if ServiceRequest.objects.exists():
        return ServiceRequest.objects.count()
    defined = Service.objects.filter(attributes__isnull=False).distinct()
    services = list(defined.prefetch_related("attributes"))
    areas = list(CommunityArea.objects.order_by("number"))
    now = timezone.now()
    for index in range(DEMO_REQUEST_COUNT):
        service, area = services[index % len(services)], areas[(index * 7) % len(areas)]
        stage, days_ago, note = DEMO_STAGES[index % len(DEMO_STAGES)]
        moment = now - timedelta(days=days_ago, hours=index)
        point = shape(area.boundary).representative_point()
        description, language = DEMO_DESCRIPTIONS[index % len(DEMO_DESCRIPTIONS)]
        request = service_request_create(
            data=RequestInput(
                service_code=service.code,
                latitude=f"{point.y:.6f}",
                longitude=f"{point.x:.6f}",
                attributes={
                    attribute.code: _demo_answer(attribute, moment)
                    for attribute in service.attributes.all()
                    if attribute.variable
                },
                description=description,
                language=language,
                channel=ServiceRequest.Channel.PHONE if index % 3 else ServiceRequest.Channel.WEB,
            ),
            now=moment,
        )
        if stage != "submitted":
            service_request_status_change(
                request=request, detailed_status=stage, note=note, now=moment + timedelta(days=1)
            )
    return DEMO_REQUEST_COUNT


DEMO_RESIDENTS = [
    ("ana.demo@example.org", "Ana", "es"),
    ("ben.demo@example.org", "Ben", "en"),
    ("chen.demo@example.org", "Chen", "en"),
    ("dolores.demo@example.org", "Dolores", "es"),
]
# (author index, title, body); the last one is rude on purpose: the civility check holds it.
DEMO_IDEAS = [
    (0, "Mensajes de texto en español", "Enviar avisos de programas nuevos por SMS en español e inglés."),
    (1, "Posters at CTA stops", "Put a QR code for new programs at bus and train stops."),
    (2, "Ward newsletters in one place", "Collect every alderman's newsletter on one city page."),
    (3, "Ferias en las bibliotecas", "Una feria mensual en cada biblioteca para conocer los programas."),
    (1, "Fire the idiots", "Whoever runs city communications is a bunch of useless idiots."),
]


def demo_engage_ensure(admin: User, department_user: User) -> int:
    """A public citywide question and a 72-hour jam in a staff-only space, with ideas (idempotent)."""
    if Space.objects.exists():
        return Idea.objects.count()
    now = timezone.now()
    citywide = space_create(title="Citywide", slug="citywide", visibility="public", actor=admin)
    question = question_create(
        space=citywide,
        data=QuestionInput(
            text="How can the City better inform you about new programs?",
            opens_at=now - timedelta(days=2),
            closes_at=now + timedelta(days=28),
            department="Office of Public Engagement",
            topic=Topic.objects.filter(slug="digital-equity").first(),
        ),
        actor=admin,
    )
    staff_space = space_create(title="City staff", slug="city-staff", visibility="staff", actor=admin)
    question_create(
        space=staff_space,
        data=QuestionInput(
            text="How can we cut the time it takes to fix a pothole?",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=71),
            department=DEMO_DEPARTMENT,
            is_jam=True,
            hosts=[department_user],
        ),
        actor=admin,
    )
    residents = []
    for email, name, language in DEMO_RESIDENTS:
        point = contact_point_ensure(kind="email", value=email, language=language)
        residents.append(
            Participant.objects.get_or_create(
                contact_point=point,
                defaults={"display_name": name, "language": language, "created_at": now, "confirmed_at": now},
            )[0]
        )
    ideas = [
        idea_create(question=question, viewer=Viewer(participant=residents[author]), title=title, body=body)
        for author, title, body in DEMO_IDEAS
    ]
    comment_create(
        idea=ideas[0], viewer=Viewer(participant=residents[3]), body="¡Sí! Y también por WhatsApp."
    )
    for supporter in residents[1:]:
        idea_support(idea=ideas[0], viewer=Viewer(participant=supporter))
    official_reply_create(
        idea=ideas[1], user=admin, body="Thank you: we are testing QR posters at ten stops this spring."
    )
    idea_status_change(idea=ideas[1], status="accepted", actor=admin)
    return len(ideas)


class Command(BaseCommand):
    help = "Load the demo city: community areas, topics, staff of each role, announcements (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        areas = community_areas_load()
        topics = topics_ensure()
        for username, email, role, name in DEMO_STAFF:
            staff_user_ensure(
                username=username, email=email, role=Role(role), password=DEMO_PASSWORD, full_name=name
            )
        # The department login works one real queue (least privilege); the admin sees every queue.
        User.objects.filter(username="department").update(department=DEMO_DEPARTMENT)
        created = sum(self._ensure(item) for item in DEMO_ANNOUNCEMENTS)
        created += self._ensure(SCHEDULED_DEMO, schedule_in=timedelta(minutes=2))
        subscribers = demo_subscribers_ensure()
        services = services_load()
        requests = demo_requests_ensure()
        demo_history_ensure()
        requests = ServiceRequest.objects.count()
        ideas = demo_engage_ensure(
            User.objects.get(username="admin"), User.objects.get(username="department")
        )
        faq = faq_demo_load()
        conversation = demo_conversation_ensure(space=Space.objects.get(slug="citywide"))
        total = Announcement.objects.count()
        self.stdout.write(
            f"Demo city ready: {areas} community areas, {topics} topics, "
            f"{total} announcements ({created} new), {subscribers} demo subscribers, "
            f"{services} 311 services, {requests} 311 requests, {ideas} ideas, "
            f"{faq.created + faq.updated + faq.unchanged} answers for the assistant, "
            f"an opinion-mapping conversation at /conversations/{conversation.pk}/ "
            f"(report: /conversations/{conversation.pk}/report/)."
        )
        self.stdout.write(f"Demo staff logins at /staff/ (password for all: {DEMO_PASSWORD}):")
        for username, _email, role, name in DEMO_STAFF:
            self.stdout.write(f"  {username:<11} {role:<15} {name}")

    def _ensure(self, item: DemoAnnouncement, schedule_in: timedelta | None = None) -> int:
        if Announcement.objects.filter(slug=slugify(item.en[0])[:60]).exists():
            return 0
        now = timezone.now()
        starts = ends = None
        if item.kind == Kind.EVENT:
            day = timezone.localdate() + timedelta(days=item.days)
            starts = timezone.make_aware(datetime.combine(day, time(18, 0)))
            ends = starts + timedelta(hours=2)
        texts = {
            "en": AnnouncementText(title=item.en[0], summary=item.en[1], body_markdown=item.en[2] + HOW_TO_EN)
        }
        if item.es:
            texts["es"] = AnnouncementText(
                title=item.es[0], summary=item.es[1], body_markdown=item.es[2] + HOW_TO_ES
            )
        details = AnnouncementDetails(
            kind=item.kind,
            topics=list(Topic.objects.filter(slug__in=item.topics)),
            areas=list(CommunityArea.objects.filter(number__in=item.areas)),
            is_citywide=not item.areas,
            event_starts_at=starts,
            event_ends_at=ends,
            event_location=item.location,
            texts=texts,
        )
        announcement = announcement_create(author=None, details=details)
        if schedule_in is not None:
            announcement_schedule(announcement=announcement, publish_at=now + schedule_in)
            return 1
        published_days_ago = item.days % 11 + 1 if item.kind == Kind.EVENT else item.days
        # Past announcements are history: they are not mailed to today's demo subscribers.
        announcement_publish(
            announcement=announcement, now=now - timedelta(days=published_days_ago, hours=1), deliver=False
        )
        return 1
