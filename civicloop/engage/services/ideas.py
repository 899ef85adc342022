"""Residents' ideas: posting and correcting them, their fair rotation, their embeddings for similar ideas."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.sql import UnitRandom
from civicloop.engage.models import (
    ROTATION_ENOUGH_VIEWS,
    Idea,
    IdeaRevision,
    IdeaStatusChange,
    ModerationState,
    Question,
)
from civicloop.engage.selectors import Viewer, embedding_to_bytes, idea_text_embedding
from civicloop.engage.services.civility import _moderation_case, _moderation_fields
from civicloop.engage.services.posting import _editable, _posting_allowed, _posting_limits
from civicloop.engage.services.typed_input import _required_text
from civicloop.places.models import CommunityArea

TITLE_MAX = 150
IDEA_BODY_MAX = 5000


def _idea_text(title: str, body: str) -> tuple[str, str]:
    title = _required_text(title, field="title", limit=TITLE_MAX, message=_("Give your idea a short title."))
    body = _required_text(body, field="body", limit=IDEA_BODY_MAX, message=_("Describe your idea."))
    return title, body


def idea_create(
    *,
    question: Question,
    viewer: Viewer,
    title: str,
    body: str,
    community_area: CommunityArea | None = None,
    now: datetime | None = None,
) -> Idea:
    """Post an idea to an open question the viewer may reach; its author follows it from then on."""
    moment = now or timezone.now()
    title, body = _idea_text(title, body)
    author = _posting_allowed(question=question, viewer=viewer, now=moment)
    _posting_limits(author, now=moment)
    moderation = _moderation_fields(f"{title}\n\n{body}")
    embedding = embedding_to_bytes(idea_text_embedding(title, body))
    with transaction.atomic():
        idea = Idea.objects.create(
            question=question,
            author=author,
            title=title,
            body=body,
            community_area=community_area,
            created_at=moment,
            embedding=embedding,
            **moderation,
        )
        IdeaStatusChange.objects.create(
            idea=idea, status=idea.status, department=question.department, created_at=moment
        )
        _moderation_case(idea)
    return idea


@transaction.atomic
def idea_edit(*, idea: Idea, viewer: Viewer, title: str, body: str, now: datetime | None = None) -> Idea:
    """The author corrects their idea within 15 minutes; the earlier text is kept as a revision."""
    moment = now or timezone.now()
    title, body = _idea_text(title, body)
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    _editable(created_at=idea.created_at, author_id=idea.author_id, viewer=viewer, now=moment)
    IdeaRevision.objects.create(idea=idea, title=idea.title, body=idea.body, created_at=moment)
    idea.title, idea.body, idea.edited_at = title, body, moment
    idea.embedding = embedding_to_bytes(idea_text_embedding(title, body))
    moderation = _moderation_fields(f"{title}\n\n{body}")
    if idea.moderation_state in (ModerationState.PUBLISHED, ModerationState.HELD):
        for name, value in moderation.items():  # a moderator's hide or removal stands after an edit
            setattr(idea, name, value)
    idea.save()
    _moderation_case(idea)
    return idea


def ideas_shown_count(idea_ids: list[int]) -> int:
    """Count one view for each idea a page showed and give it a new random place among its equals
    (one UPDATE), which moves the fair rotation on to the ideas seen least."""
    if not idea_ids:
        return 0
    return Idea.objects.filter(pk__in=idea_ids).update(
        rotation_views=Least(F("rotation_views") + 1, ROTATION_ENOUGH_VIEWS), rotation_key=UnitRandom()
    )


# How many older ideas one call embeds: a few hundred milliseconds at most.
EMBEDDINGS_FILLED_PER_CALL = 50


def idea_embeddings_fill(*, question: Question, limit: int = EMBEDDINGS_FILLED_PER_CALL) -> int:
    """Embed ideas stored before embeddings existed (one query when none is missing); returns how many."""
    missing = list(
        Idea.objects.filter(question=question, embedding__isnull=True).only("pk", "title", "body")[:limit]
    )
    filled = 0
    for idea in missing:
        embedding = embedding_to_bytes(idea_text_embedding(idea.title, idea.body))
        if embedding is None:
            break  # no embedder here: try again another time
        filled += Idea.objects.filter(pk=idea.pk, embedding__isnull=True).update(embedding=embedding)
    return filled
