"""What the simulated residents will find: the demo city's content, and a sign-in token for each."""

from dataclasses import dataclass

from django.test.utils import override_settings

STATUS_REQUESTS = 200


@dataclass(frozen=True)
class Site:
    """What the residents will find: paths and identifiers read from the loaded content."""

    announcements: list[str]
    question_path: str
    ideas: list[int]
    services: list[str]
    status_ids: list[str]
    sign_in_tokens: list[str]


def site_load(*, residents: int, secret_key: str) -> Site:
    """The demo city's content, and a participant (with a sign-in token) for each resident."""
    from civicloop.accounts.models import User
    from civicloop.announcements.models import Announcement
    from civicloop.demo.announcements import demo_announcement_ensure
    from civicloop.demo.content import DEMO_ANNOUNCEMENTS
    from civicloop.demo.forums import demo_engage_ensure
    from civicloop.demo.staff import demo_staff_ensure
    from civicloop.engage.models import Idea, ModerationState, Participant, Question
    from civicloop.engage.tokens import sign_in_token
    from civicloop.servicerequests.bench import requests_generate
    from civicloop.servicerequests.models import Service, ServiceAttribute, ServiceRequest
    from civicloop.subscriptions.services import contact_point_ensure

    requests_generate(STATUS_REQUESTS)  # topics, areas, the services and their definitions, requests
    demo_staff_ensure()
    for item in DEMO_ANNOUNCEMENTS:
        demo_announcement_ensure(item)
    demo_engage_ensure(User.objects.get(username="admin"), User.objects.get(username="department"))
    question = Question.objects.filter(space__slug="citywide").select_related("space").get()
    # Services whose required questions are all lists (the form offers their choices).
    hard = ServiceAttribute.objects.filter(required=True, variable=True).exclude(
        datatype__in=["singlevaluelist", "multivaluelist"]
    )
    services = list(
        Service.objects.filter(active=True)
        .exclude(pk__in=hard.values("service_id"))
        .order_by("code")
        .values_list("code", flat=True)[:8]
    )
    from django.utils import timezone

    now = timezone.now()
    tokens = []
    with override_settings(SECRET_KEY=secret_key):
        for n in range(residents):
            point = contact_point_ensure(kind="email", value=f"load-resident-{n}@example.org", language="en")
            participant = Participant.objects.create(
                contact_point=point,
                display_name=f"Resident {n}",
                pending_display_name=f"Resident {n}",
                language="en",
                created_at=now,
            )
            tokens.append(
                sign_in_token(participant_id=participant.pk, token_version=participant.token_version)
            )
    return Site(
        announcements=list(Announcement.objects.filter(slug__gt="").values_list("slug", flat=True)[:40]),
        question_path=f"/ideas/{question.space.slug}/{question.slug}/",
        ideas=list(
            Idea.objects.filter(question=question, moderation_state=ModerationState.PUBLISHED).values_list(
                "pk", flat=True
            )
        ),
        services=services,
        status_ids=list(ServiceRequest.objects.order_by("?").values_list("public_id", flat=True)[:50]),
        sign_in_tokens=tokens,
    )
