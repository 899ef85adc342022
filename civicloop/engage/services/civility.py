"""The civility check on what residents post: held for a moderator to look at, never rejected."""

from dataclasses import dataclass
from typing import Any

from civicloop.engage.models import Comment, Idea, ModerationState


@dataclass(frozen=True)
class Civility:
    held: bool
    reasons: list[str]
    score: float


def _civility(text: str) -> Civility:
    """The moderation app's check; it holds for a person to look at, it never rejects."""
    from civicloop.moderation.checks import civility_check  # local: moderation is built alongside

    result = civility_check().check_many([text])[0]
    return Civility(
        held=bool(result.held), reasons=[str(reason) for reason in result.reasons], score=float(result.score)
    )


def _moderation_case(content: Idea | Comment) -> None:
    """Held content goes to the moderation queue (and a case the author's edit cleared is closed)."""
    from civicloop.moderation.services import content_checked

    content_checked(content)


def _moderation_fields(text: str) -> dict[str, Any]:
    check = _civility(text)
    return {
        "moderation_state": ModerationState.HELD if check.held else ModerationState.PUBLISHED,
        "held_reasons": check.reasons,
        "civility_score": check.score,
    }
