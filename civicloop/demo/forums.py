"""The demo city's forums: a public citywide question with ideas, and a jam in a staff-only space."""

from datetime import timedelta

from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.demo.staff import DEMO_DEPARTMENT
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
from civicloop.subscriptions.services import contact_point_ensure
from civicloop.topics.models import Topic

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
