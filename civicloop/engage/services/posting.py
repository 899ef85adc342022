"""Who may post where and when, and at what pace: the rules ideas, comments and supports share."""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from civicloop.core.throttling import rate_limit_exceeded
from civicloop.engage.models import Comment, Idea, Participant, Question
from civicloop.engage.selectors import Viewer, question_is_open, space_readable
from civicloop.engage.services.errors import EngageRefused, PostingLimitReached
from civicloop.engage.services.participants import participant_for_staff

EDIT_WINDOW = timedelta(minutes=15)
# A person may post this many ideas and comments, and give this many supports, per window.
POSTS_PER_PERSON = 10
SUPPORTS_PER_PERSON = 60
PERSON_WINDOW_SECONDS = 10 * 60
# In an account's first day, a few posts only: a fresh address is cheap for a spammer.
NEW_ACCOUNT_AGE = timedelta(days=1)
NEW_ACCOUNT_POSTS = 3


def _author_check(author: Participant) -> None:
    if author.confirmed_at is None:
        raise EngageRefused(_("Use the link we sent you to confirm your email or phone before posting."))


def _posting_allowed(*, question: Question, viewer: Viewer, now: datetime) -> Participant:
    """The participant who may post here now, or a refusal (someone else's space, a closed question)."""
    if not space_readable(question.space, viewer):
        raise EngageRefused(_("This space is only for the people it was opened to."))
    if not question_is_open(question, now=now):
        raise EngageRefused(_("This question is not open for ideas and comments."))
    if viewer.participant is None and viewer.is_staff:
        viewer.participant = participant_for_staff(viewer.user)
    if viewer.participant is None:
        raise EngageRefused(_("Sign in with your email or phone to take part."))
    _author_check(viewer.participant)
    return viewer.participant


def _posting_limits(participant: Participant, *, now: datetime) -> None:
    """A person's pace: a few posts on their first day, then POSTS_PER_PERSON per ten minutes."""
    if participant.user_id is not None:
        return  # staff answer many threads in a row; their login is their accountability
    if now - participant.created_at < NEW_ACCOUNT_AGE:
        posted = (
            Idea.objects.filter(author=participant).count()
            + Comment.objects.filter(author=participant).count()
        )
        if posted >= NEW_ACCOUNT_POSTS:
            raise PostingLimitReached(
                _("New accounts can post %(count)d times on their first day. Please come back tomorrow.")
                % {"count": NEW_ACCOUNT_POSTS}
            )
    if rate_limit_exceeded(
        scope="engage-post",
        subject=str(participant.pk),
        limit=POSTS_PER_PERSON,
        window_seconds=PERSON_WINDOW_SECONDS,
    ):
        raise PostingLimitReached(_("You are posting very fast. Please wait a few minutes and try again."))


def _editable(*, created_at: datetime, author_id: int, viewer: Viewer, now: datetime) -> None:
    if viewer.participant is None or viewer.participant.pk != author_id:
        raise EngageRefused(_("Only the author can edit this."))
    if now - created_at > EDIT_WINDOW:
        raise EngageRefused(_("Posts can be edited for 15 minutes only."))
