"""What moderation needs from the content it moderates: a small interface content apps register with
(as Decidim's "reportable"), so that moderation imports no content app.

Engage registers ideas and comments (`Reportable`) and the supports on its questions
(`QuestionSupports`, for the looks for bursts and coordinated supports) from its AppConfig.ready();
deliberation registers the votes in its conversations (`ConversationVotes`, for the look for
coordinated voting and a moderator's exclusion of a group's votes) from its own.
Deliberation registers its conversations' statements too, whose state and author are stored its own way
(`state`, `state_store`, `author_id` translate), and the assistant residents' messages in the staff
inbox (no author moderation can tell).
A new kind of content is moderated the same way: it stores `held_reasons`, `civility_score`,
`created_at`, a state (by default `moderation_state`, one of the states below) and an author (by
default `author_id`, a resident: `engage.Participant`), and registers a `Reportable`. It needs no
moderation migration: a case and a report point at their item by (`kind`, `content_id`), and
moderation finds the item through this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The moderation states a reportable stores in its `moderation_state` field.
PUBLISHED = "published"
HELD = "held"
HIDDEN = "hidden"
REMOVED = "removed"
STATES = (PUBLISHED, HELD, HIDDEN, REMOVED)

TITLE_MAX = 150  # a moderator's edit of a title


@dataclass(frozen=True)
class Described:
    """An item as the moderation pages show it, whatever its kind."""

    label: str  # "Idea", in the active language
    heading: str  # "The idea"
    yours: str  # "Your idea", for its author's appeal page
    title: str  # "" for a kind without titles
    body: str
    author_name: str
    path: str  # where the item is seen on the site
    context: str  # the question or conversation it belongs to
    where: str  # one sentence placing it, "On the idea “Bus lanes”"; "" when the title says it
    state_label: str  # its state in its app's own words


def _stored_state(item: Any) -> str:
    return str(item.moderation_state)


def _state_stored(item: Any, state: str) -> None:
    type(item).objects.filter(pk=item.pk).update(moderation_state=state)
    item.moderation_state = state


def _stored_author_id(item: Any) -> int | None:
    return item.author_id  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Reportable:
    """One kind of content moderation works on; every callable takes the content item first."""

    # Stored in the case's (and report's) `kind`, next to the item's number: "idea", "comment".
    kind: str
    model: type[Any]
    # Other columns of the case (and report) the app fills for its own pages' joins, e.g. engage's
    # {"idea_id": 4, "comment_id": None}; {} for a kind with none.
    case_fields: Callable[[Any], dict[str, Any]]
    # (title, body) as published; the title is "" for a kind without one.
    text: Callable[[Any], tuple[str, str]]
    has_title: bool
    body_max: int
    # A moderator's edit: keep the text before as a revision, then store (title, body) at `moment`.
    edit: Callable[[Any, str, str, datetime], None]
    # Called after the item's moderation state changed from `before` to `after` (counts kept in step).
    state_changed: Callable[[Any, str, str], None]
    # The author (with `contact_point`, `confirmed_at` and `language`), for telling them a decision;
    # None when no resident wrote it.
    author: Callable[[Any], Any]
    # What the decision notice says about the item: {"what": its kind, "is_comment", "idea_title",
    # "idea_path"}; the idea's title and path are the conversation's for a statement.
    notice: Callable[[Any], dict[str, Any]]
    # The items in `states`, by number (one query), for the public-records export.
    listed: Callable[[list[str]], list[Any]]
    # (idea number or None, question or conversation, title) of an item listed, for the export.
    export_place: Callable[[Any], tuple[int | None, str, str]]
    # The items of these cases as the queue and the case page show them, by case number: no query for a
    # kind whose case columns the queue joins (engage's), one for a kind without.
    described: Callable[[list[Any]], dict[int, Described]]
    # Whether a moderator may edit the text (not a statement people have voted on).
    editable: bool = True
    # The item's state as moderation names it (one of STATES), and storing one.
    state: Callable[[Any], str] = field(default=_stored_state)
    state_store: Callable[[Any, str], None] = field(default=_state_stored)
    # The resident (engage.Participant) who wrote it, by number; None when none did (an import).
    author_id: Callable[[Any], int | None] = field(default=_stored_author_id)


@dataclass(frozen=True)
class QuestionSupports:
    """The supports on a content app's questions, for the looks for bursts and coordinated supports."""

    # The questions with these numbers, by number.
    questions: Callable[[list[int]], Iterable[Any]]
    # The questions opened by `opened_by` and closing after `closes_after`, by number.
    recent: Callable[[datetime, datetime], Iterable[Any]]
    # Residents' supports on the question not matching `exclude` (an expression on the support's
    # `participant_id`), as (participant_id, idea_id, created_at, network_key, account created_at) rows
    # ordered by participant, time, id (one query).
    rows: Callable[[Any, Any], list[tuple[int, int, datetime, str, datetime]]]
    # Each idea these accounts supported on the question shows its supports less those excluded.
    recount: Callable[[int, list[int]], None]
    # Titles of ideas by number (one query).
    titles: Callable[[list[int]], dict[int, str]]
    # The question of an idea, if the idea exists.
    question_of: Callable[[int], int | None]
    # Opens a case per idea (of these) with a burst of supports; the cases opened.
    bursts_flag: Callable[[list[int]], list[Any]]


@dataclass(frozen=True)
class ConversationVotes:
    """The votes in a content app's conversations, for the look for coordinated voting."""

    # The conversations with these numbers, or (None) every open one; by number.
    conversations: Callable[[list[int] | None], Iterable[Any]]
    # Residents' seats in the conversation (not staff's) not matching `exclude` (an expression on the
    # seat's `resident_id`), as (seat id, resident id, account created_at, joined at) rows by seat id.
    participants: Callable[[Any, Any], list[tuple[int, int, datetime, datetime]]]
    # Residents' votes in the conversation as (seat id, statement id, value) rows, value -1, 0 or 1.
    votes: Callable[[Any], list[tuple[int, int, int]]]
    # The conversation's statements with these ids: their public numbers, by id.
    statement_numbers: Callable[[Any, list[int]], dict[int, str]]
    # The texts of the conversation's statements with these public numbers, by number.
    statement_texts: Callable[[int, list[str]], dict[str, str]]
    # What each vote value is called (-1, 0, 1), in the active language.
    vote_labels: Callable[[], dict[int, str]]
    # Leave these residents' votes in the conversation out of its analysis (True) or put them back
    # (False) at `now`; asks for a new analysis on commit. How many seats changed.
    exclusion_set: Callable[[int, list[int], bool, datetime], int]


_reportables: dict[str, Reportable] = {}
_question_supports: list[QuestionSupports] = []
_conversation_votes: list[ConversationVotes] = []


def reportable_register(reportable: Reportable) -> None:
    """Called by a content app at start-up; registering a kind again replaces it."""
    _reportables[reportable.kind] = reportable


def reportables() -> list[Reportable]:
    """Every kind registered, in the order registered."""
    return list(_reportables.values())


def reportable_for(content: Any) -> Reportable:
    model = type(content)._meta.concrete_model
    for reportable in _reportables.values():
        if reportable.model is model:
            return reportable
    raise LookupError(f"{model.__name__} is not registered with moderation as reportable.")


def reportable_of_kind(kind: str) -> Reportable:
    """The kind a case or report names in its `kind` column."""
    try:
        return _reportables[kind]
    except KeyError:
        raise LookupError(f"No app registered {kind!r} content with moderation.") from None


def question_supports_register(supports: QuestionSupports) -> None:
    _question_supports[:] = [supports]


def question_supports() -> QuestionSupports:
    if not _question_supports:
        raise LookupError("No app registered the supports on its questions with moderation.")
    return _question_supports[0]


def conversation_votes_register(votes: ConversationVotes) -> None:
    _conversation_votes[:] = [votes]


def conversation_votes() -> ConversationVotes:
    if not _conversation_votes:
        raise LookupError("No app registered the votes in its conversations with moderation.")
    return _conversation_votes[0]
