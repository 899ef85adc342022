"""A conversation's data for the open-data catalogue, and Polis's vote log for ``export`` (issue 13).

Three tables, each an iterator of rows, header first, read in chunks from the database so a large
conversation is never held in memory (the CSV views stream them):

- statements: the accepted statements only (held and rejected ones are not the city's to publish),
  with their agree / disagree / pass counts;
- votes: one row per vote on those statements (the latest of each participant on each), the time cut
  to the hour;
- groups: each participant's opinion group in the latest stored analysis, then each group's
  representative statements.

Participants appear only by their anonymous number in the conversation (``external_id``: the next
number when they first voted, or the Polis participant id of an import), never a user id, email
address, phone number or account of theirs; participants a moderator excluded after review of
coordinated voting are left out. Only a conversation in a public space whose report is published is
open data.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from civicloop.core.errors import NotFound
from civicloop.deliberation.models import Conversation, ConversationParticipant, Statement, Vote
from civicloop.deliberation.selectors import analysis_latest
from civicloop.engage.models import Space

OPEN_DATA_TABLES = ("statements", "votes", "groups")
STATEMENT_COLUMNS = ("statement", "text", "created", "moderation", "agrees", "disagrees", "passes")
VOTE_COLUMNS = ("participant", "statement", "vote", "hour")  # vote: 1 agree, -1 disagree, 0 pass
GROUP_COLUMNS = ("group-id", "kind", "participant", "statement", "direction", "agree", "disagree")
VOTE_LOG_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")  # Polis's votes.csv
CHUNK = 2000

Row = list[str | int | float]


def open_data_available(conversation: Conversation) -> bool:
    """Published report, public space: staff-only, invite-only and unplaced conversations never are."""
    space = conversation.space
    return conversation.report_published and space is not None and space.visibility == Space.Visibility.PUBLIC


def open_data_conversations() -> list[Conversation]:
    """Every conversation whose data is open, oldest first (the catalogue's conversation datasets)."""
    candidates = Conversation.objects.select_related("space").filter(
        report_published_at__isnull=False, space__visibility=Space.Visibility.PUBLIC
    )
    return [conversation for conversation in candidates.order_by("id") if open_data_available(conversation)]


def open_data_conversation(conversation_id: int) -> Conversation:
    """The conversation if its data is open; NotFound otherwise (as if it did not exist)."""
    conversation = Conversation.objects.select_related("space").filter(pk=conversation_id).first()
    if conversation is None or not open_data_available(conversation):
        raise NotFound(_("There is no open data for conversation %(id)s.") % {"id": conversation_id})
    return conversation


def _hour(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def _counted(conversation: Conversation) -> QuerySet[ConversationParticipant]:
    """The participants whose votes are published: not those a moderator excluded after review of
    coordinated voting (their votes are left out of every table, as out of the analysis)."""
    return ConversationParticipant.objects.filter(conversation=conversation, excluded_at__isnull=True)


def _accepted(conversation: Conversation) -> QuerySet[Statement]:
    return Statement.objects.filter(conversation=conversation, moderation=Statement.Moderation.ACCEPTED)


def open_data_statements(conversation: Conversation) -> Iterator[Row]:
    counted = Q(votes__participant__in=_counted(conversation))
    statements = (
        _accepted(conversation)
        .annotate(
            agrees=Count("votes", filter=counted & Q(votes__value=Vote.Value.AGREE)),
            disagrees=Count("votes", filter=counted & Q(votes__value=Vote.Value.DISAGREE)),
            passes=Count("votes", filter=counted & Q(votes__value=Vote.Value.PASS)),
        )
        .order_by("id")
        .values_list("external_id", "text", "created_at", "moderation", "agrees", "disagrees", "passes")
    )
    yield list(STATEMENT_COLUMNS)
    for number, text, created, moderation, agrees, disagrees, passes in statements.iterator(CHUNK):
        yield [number, text, _hour(created), moderation, agrees, disagrees, passes]


def open_data_votes(conversation: Conversation) -> Iterator[Row]:
    """Ordered by participant and statement, not by time, so row order tells no more than the hour."""
    votes = (
        Vote.objects.filter(
            conversation=conversation,
            statement__moderation=Statement.Moderation.ACCEPTED,
            participant__in=_counted(conversation),
        )
        .order_by("participant_id", "statement_id")
        .values_list("participant__external_id", "statement__external_id", "value", "created_at")
    )
    yield list(VOTE_COLUMNS)
    for participant, statement, value, created in votes.iterator(CHUNK):
        yield [participant, statement, value, _hour(created)]


def open_data_groups(conversation: Conversation) -> Iterator[Row]:
    """``member`` rows (group-id, participant), then ``representative`` rows (group-id, statement,
    direction, the group's agree and disagree shares). Header only when there is no opinion map yet."""
    yield list(GROUP_COLUMNS)
    latest = analysis_latest(conversation)
    if latest is None or not latest.enough_data:
        return
    groups = latest.opinion_map.get("groups", [])
    people = set(_counted(conversation).values_list("external_id", flat=True))
    for group in groups:
        for number in group.get("participants", []):
            if number in people:
                yield [group["id"], "member", number, "", "", "", ""]
    accepted = set(_accepted(conversation).values_list("external_id", flat=True))
    for group in groups:
        for stat in group.get("representative", []):
            if stat["statement"] in accepted:
                yield [
                    group["id"],
                    "representative",
                    "",
                    stat["statement"],
                    stat["direction"],
                    round(float(stat["agree"]), 4),
                    round(float(stat["disagree"]), 4),
                ]


def open_data_rows(conversation: Conversation, table: str) -> Iterator[Row]:
    """One of OPEN_DATA_TABLES as rows, header first; NotFound for another name."""
    if table == "statements":
        return open_data_statements(conversation)
    if table == "votes":
        return open_data_votes(conversation)
    if table == "groups":
        return open_data_groups(conversation)
    raise NotFound(_("There is no table %(table)s.") % {"table": table})


# ------------------------------------------------------------------------------- Polis vote log


def polis_vote_log_write(conversation: Conversation, directory: str | Path) -> Path:
    """Write Polis openData ``votes.csv`` (the kept vote of each participant on each statement, with
    its time to the millisecond) into ``directory``, for ``civicloop conversations export``.

    Participants and statements by their number, as in participants-votes.csv; +1 agree, −1 disagree,
    0 pass, as Polis's CSVs. The import reads it back (preferring it to participants-votes.csv).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    votes = (
        Vote.objects.filter(conversation=conversation)
        .order_by("statement_id", "created_at", "id")
        .values_list("created_at", "statement__external_id", "participant__external_id", "value")
    )
    path = out / "votes.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(VOTE_LOG_HEADER)
        for created, statement, participant, value in votes.iterator(CHUNK):
            moment = created.astimezone(UTC)
            writer.writerow(
                [
                    int(moment.timestamp()) * 1000 + moment.microsecond // 1000,
                    moment.strftime("%a %b %d %H:%M:%S UTC %Y"),
                    statement,
                    participant,
                    value,
                ]
            )
    return path
