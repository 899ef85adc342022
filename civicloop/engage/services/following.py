"""Following an idea for its updates, and the "stop updates" link in each of them."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.engage.models import Idea, IdeaFollower, Participant
from civicloop.engage.selectors import Viewer, space_readable
from civicloop.engage.services.errors import EngageRefused
from civicloop.engage.services.participants import participant_for_staff
from civicloop.engage.tokens import EngageLinkInvalid, stop_read


def idea_follow(*, idea: Idea, viewer: Viewer, follow: bool = True, now: datetime | None = None) -> None:
    """Follow an idea (updates on each change) or stop; stopping also quiets an author or supporter."""
    if viewer.participant is None and viewer.is_staff:
        viewer.participant = participant_for_staff(viewer.user)
    if viewer.participant is None or not space_readable(idea.question.space, viewer):
        raise EngageRefused(_("Sign in with your email or phone to follow ideas."))
    moment = now or timezone.now()
    IdeaFollower.objects.update_or_create(
        idea=idea,
        participant=viewer.participant,
        defaults={"stopped_at": None if follow else moment},
        create_defaults={"stopped_at": None if follow else moment, "created_at": moment},
    )


def idea_follow_stop(*, token: str, now: datetime | None = None) -> Idea:
    """The "stop updates" link in an update: that address hears nothing more about that idea."""
    payload = stop_read(token)
    idea = Idea.objects.filter(pk=payload.idea_id).first()
    participant = Participant.objects.filter(contact_point_id=payload.contact_point_id).first()
    if idea is None or participant is None:
        raise EngageLinkInvalid(_("This link is not valid."))
    moment = now or timezone.now()
    IdeaFollower.objects.update_or_create(
        idea=idea,
        participant=participant,
        defaults={"stopped_at": moment},
        create_defaults={"stopped_at": moment, "created_at": moment},
    )
    return idea
