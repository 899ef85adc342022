"""The demo city's opinion-mapping conversation: a real Chicago question, 300 demo participants in three
planted opinion groups (transit and bike riders, drivers, safety first), analysed and ready to report."""

import numpy as np
from django.db import transaction
from django.utils import timezone

from civicloop.deliberation.models import Conversation, ConversationParticipant, Statement, Vote
from civicloop.deliberation.services import conversation_analyse
from civicloop.engage.models import Space

DEMO_SOURCE = "demo:getting-around"
DEMO_PARTICIPANTS = 300
DEMO_SEED = 2026
# Each group's chance of agreeing with each statement, in order; shares of the participants.
GROUP_SHARES = (0.45, 0.35, 0.20)
DEMO_STATEMENTS: list[tuple[str, tuple[float, float, float]]] = [
    ("Buses should come more often on the routes people ride most.", (0.95, 0.8, 0.85)),
    ("Protected bike lanes are worth losing some street parking.", (0.9, 0.1, 0.5)),
    ("Streets near schools should have a 20 mph speed limit.", (0.9, 0.55, 0.95)),
    ("Downtown parking should cost more at the busiest times.", (0.8, 0.1, 0.35)),
    ("The city should plow sidewalks, not only streets.", (0.9, 0.75, 0.85)),
    ("Car-free streets on summer weekends make neighborhoods better.", (0.85, 0.15, 0.4)),
    ("Potholes should be fixed in the order they are reported, in every neighborhood.", (0.8, 0.9, 0.85)),
    ("More police on CTA trains would make me ride more often.", (0.3, 0.6, 0.95)),
    ("Bus stops need shelters and benches.", (0.95, 0.7, 0.85)),
    ("Red-light cameras should be removed.", (0.1, 0.75, 0.05)),
    ("Divvy bikes should be free for residents with low incomes.", (0.85, 0.3, 0.5)),
    ("The city should publish how fast it fixes 311 requests in each neighborhood.", (0.9, 0.9, 0.9)),
]
DEMO_RESPONSE = (
    "Thank you to everyone who took part. Across all three groups most of you agreed that buses should "
    "come more often, that bus stops need shelters and that we should publish how fast we fix 311 "
    "requests in each neighborhood: those go into next year's plan. Where you disagreed, on bike lanes "
    "and parking, we will hold ward meetings before deciding."
)
VOTE_SHARE = 0.85  # each participant votes on about this share of the statements
PASS_SHARE = 0.08  # of those, this share are "pass"


@transaction.atomic
def demo_conversation_ensure(*, space: Space) -> Conversation:
    """The demo conversation in `space`, made, voted on and analysed once (idempotent)."""
    existing = Conversation.objects.filter(source=DEMO_SOURCE).first()
    if existing is not None:
        return existing
    now = timezone.now()
    conversation = Conversation.objects.create(
        title="Getting around Chicago",
        prompt="What should the City do first to make getting around your neighborhood easier and safer?",
        space=space,
        source=DEMO_SOURCE,
        created_at=now,
        # Published with the city's answer, so the demo shows a report as residents see it.
        report_published_at=now,
        official_response=DEMO_RESPONSE,
        official_response_department="Chicago Department of Transportation",
        official_response_at=now,
    )
    statements = Statement.objects.bulk_create(
        Statement(
            conversation=conversation,
            external_id=str(number),
            text=text,
            moderation=Statement.Moderation.ACCEPTED,
            created_at=now,
        )
        for number, (text, _) in enumerate(DEMO_STATEMENTS)
    )
    participants = ConversationParticipant.objects.bulk_create(
        ConversationParticipant(conversation=conversation, external_id=str(number), created_at=now)
        for number in range(DEMO_PARTICIPANTS)
    )
    rng = np.random.default_rng(DEMO_SEED)
    groups = rng.choice(len(GROUP_SHARES), size=DEMO_PARTICIPANTS, p=GROUP_SHARES)
    stances = np.array([stance for _, stance in DEMO_STATEMENTS])  # statements x groups
    votes: list[Vote] = []
    for person, group in zip(participants, groups.tolist(), strict=True):
        for statement, stance in zip(statements, stances[:, group].tolist(), strict=True):
            if rng.random() > VOTE_SHARE:
                continue
            value = 0 if rng.random() < PASS_SHARE else (1 if rng.random() < stance else -1)
            votes.append(
                Vote(
                    conversation=conversation,
                    participant=person,
                    statement=statement,
                    value=value,
                    created_at=now,
                )
            )
    Vote.objects.bulk_create(votes, batch_size=1000)
    conversation_analyse(conversation)
    return conversation
