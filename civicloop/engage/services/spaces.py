"""Staff set up the forums: spaces (public, staff-only or invite-only), their invitees, and questions."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.accounts.permissions import department_may_act
from civicloop.engage.models import Question, Space, SpaceInvitee
from civicloop.engage.services.errors import EngageInvalid
from civicloop.engage.services.typed_input import _contact_value, _required_text
from civicloop.places.models import CommunityArea
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.services import contact_point_ensure
from civicloop.topics.models import Topic

# Paths under /ideas/ that a space's slug must never take.
RESERVED_SLUGS = {"sign-in", "sign-out", "your-name", "stop", "comments", "new"}


def _slug(value: str, *, field: str = "slug") -> str:
    slug = slugify(value)[:80].strip("-")
    if not slug or slug.isdigit() or slug in RESERVED_SLUGS:
        raise EngageInvalid(_("Choose a short web address made of words, like parks-2026."), field=field)
    return slug


def space_create(
    *,
    title: str,
    slug: str = "",
    description: str = "",
    visibility: str,
    actor: Any,
    now: datetime | None = None,
) -> Space:
    """A new space; its slug becomes /ideas/<slug>/ (never all digits: /ideas/<number>/ is an idea)."""
    title = _required_text(title, field="title", limit=200, message=_("Give the space a title."))
    if visibility not in Space.Visibility.values:
        raise EngageInvalid(_("Choose who can take part from the list."), field="visibility")
    clean_slug = _slug(slug or title)
    if Space.objects.filter(slug=clean_slug).exists():
        raise EngageInvalid(_("Another space has this web address."), field="slug")
    return Space.objects.create(
        slug=clean_slug,
        title=title,
        description=description.strip()[:4000],
        visibility=visibility,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now or timezone.now(),
    )


@transaction.atomic
def space_invitees_add(*, space: Space, contacts: Iterable[str], now: datetime | None = None) -> int:
    """Invite people by email address or mobile number; returns how many were new. Bad entries refuse all."""
    moment = now or timezone.now()
    values = []
    for raw in contacts:
        if not raw.strip():
            continue
        try:
            values.append(_contact_value(raw))
        except SubscriptionInvalid as error:
            raise EngageInvalid(f"{raw.strip()[:60]}: {error.message}", field="contacts") from error
    points = [contact_point_ensure(kind=kind, value=value, language="en") for kind, value in values]
    already = set(SpaceInvitee.objects.filter(space=space).values_list("contact_point_id", flat=True))
    new = [
        SpaceInvitee(space=space, contact_point=point, created_at=moment)
        for point in {point.pk: point for point in points}.values()
        if point.pk not in already
    ]
    SpaceInvitee.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@dataclass
class QuestionInput:
    text: str
    opens_at: datetime
    closes_at: datetime
    department: str
    slug: str = ""
    description: str = ""
    topic: Topic | None = None
    community_areas: Iterable[CommunityArea] = ()
    is_jam: bool = False
    hosts: Iterable[Any] = ()


@transaction.atomic
def question_create(
    *, space: Space, data: QuestionInput, actor: Any, now: datetime | None = None
) -> Question:
    """A question the city asks in a space, open for ideas from opens_at until closes_at."""
    text = _required_text(data.text, field="text", limit=300, message=_("Write the question."))
    department = _required_text(
        data.department, field="department", limit=100, message=_("Name the department that owns it.")
    )
    if data.closes_at <= data.opens_at:
        raise EngageInvalid(_("The closing date must be after the opening date."), field="closes_at")
    if actor is not None and not department_may_act(actor, department):
        raise EngageInvalid(
            _("You can ask questions for your own department only (%(department)s).")
            % {"department": actor.department},
            field="department",
        )
    slug = _slug(data.slug or text)
    if Question.objects.filter(space=space, slug=slug).exists():
        raise EngageInvalid(_("Another question in this space has this web address."), field="slug")
    question = Question.objects.create(
        space=space,
        slug=slug,
        text=text,
        description=data.description.strip()[:4000],
        topic=data.topic,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        department=department,
        is_jam=data.is_jam,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now or timezone.now(),
    )
    question.community_areas.set(list(data.community_areas))
    question.hosts.set(list(data.hosts))
    return question
