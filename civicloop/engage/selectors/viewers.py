"""Who is looking (a staff login, a signed-in resident, both or neither) and what they may see."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from civicloop.accounts.permissions import Capability, user_can
from civicloop.engage.models import Idea, ModerationState, Participant, Space, SpaceInvitee


@dataclass
class Viewer:
    """Whoever is looking: a staff login, a signed-in resident, both or neither."""

    user: Any = None
    participant: Participant | None = None
    is_staff: bool = False
    is_moderator: bool = False
    invited_space_ids: set[int] = field(default_factory=set)

    @property
    def can_take_part(self) -> bool:
        """Signed in as a resident, or staff (whose participant is made on their first post)."""
        return self.participant is not None or self.is_staff

    @property
    def participant_id(self) -> int | None:
        return self.participant.pk if self.participant is not None else None


def viewer_for(*, user: Any, participant_id: int | None) -> Viewer:
    """The viewer for a request: staff by their login, residents by the participant their magic link set."""
    is_staff = bool(getattr(user, "is_authenticated", False) and getattr(user, "is_city_staff", False))
    participant = None
    if is_staff:
        participant = Participant.objects.filter(user=user).first()
    elif participant_id:
        participant = Participant.objects.filter(
            pk=participant_id, confirmed_at__isnull=False, user__isnull=True
        ).first()
    return Viewer(
        user=user if is_staff else None,
        participant=participant,
        is_staff=is_staff,
        is_moderator=is_staff and user_can(user, Capability.MODERATE),
    )


def space_readable(space: Space, viewer: Viewer) -> bool:
    """Public spaces are open to all, staff-only ones to staff, invite-only ones to staff and invitees."""
    if space.visibility == Space.Visibility.PUBLIC or viewer.is_staff:
        return True
    if space.visibility == Space.Visibility.STAFF or viewer.participant is None:
        return False
    if space.pk not in viewer.invited_space_ids:
        point_id = viewer.participant.contact_point_id
        if (
            point_id is None
            or not SpaceInvitee.objects.filter(space=space, contact_point_id=point_id).exists()
        ):
            return False
        viewer.invited_space_ids.add(space.pk)
    return True


def _visible_to(viewer: Viewer, prefix: str = "") -> Q:
    """Published content for everyone; held content also for its author; everything for moderators.

    `prefix` applies the same rule to a related row, e.g. "idea__" for the idea a comment is on.
    """
    if viewer.is_moderator:
        return Q()
    visible = Q(**{f"{prefix}moderation_state": ModerationState.PUBLISHED})
    if viewer.participant is not None:
        visible |= Q(
            **{f"{prefix}moderation_state": ModerationState.HELD, f"{prefix}author_id": viewer.participant.pk}
        )
    return visible


def idea_visible(idea: Idea, viewer: Viewer) -> bool:
    if idea.moderation_state == ModerationState.PUBLISHED or viewer.is_moderator:
        return True
    return idea.moderation_state == ModerationState.HELD and idea.author_id == viewer.participant_id
