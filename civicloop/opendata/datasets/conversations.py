"""The opinion-mapping conversations whose report is published: statements, votes and opinion groups,
participants only by their number."""

from __future__ import annotations

from collections.abc import Iterator

from civicloop.opendata.datasets.publication_rules import _masked
from civicloop.opendata.registry import Column, Dataset, Row, dataset_register
from civicloop.opendata.registry import ColumnType as T


def _conversations():  # type: ignore[no-untyped-def]
    from civicloop.deliberation.opendata import open_data_conversations

    return open_data_conversations()


def _conversation_rows(table: str) -> Iterator[Row]:
    from civicloop.deliberation.opendata import open_data_rows

    for conversation in _conversations():
        rows = open_data_rows(conversation, table)
        next(rows)  # its header
        for row in rows:
            values = [None if value == "" else value for value in row]
            if table == "statements":
                values[1] = _masked(str(values[1]))
            yield (conversation.pk, *values)


def _has_conversations() -> bool:
    return bool(_conversations())


CONVERSATION = Column("conversation_id", T.INTEGER, "The conversation's number", indexed=True)
_DESCRIPTION = (
    "From the city's opinion-mapping conversations whose report is published: participants appear "
    "only by their number in the conversation, never by name or contact."
)
for identifier, title, table, columns in (
    (
        "conversation-statements",
        "Conversation Statements",
        "statements",
        (
            CONVERSATION,
            Column("statement", T.INTEGER, "The statement's number in its conversation"),
            Column("text", T.TEXT, "The statement, contact details removed"),
            Column("created", T.TIMESTAMP, "When it was written (UTC, to the hour)"),
            Column("moderation", T.TEXT, "accepted (only accepted statements are published)"),
            Column("agrees", T.INTEGER, "Agree votes"),
            Column("disagrees", T.INTEGER, "Disagree votes"),
            Column("passes", T.INTEGER, "Pass votes"),
        ),
    ),
    (
        "conversation-votes",
        "Conversation Votes",
        "votes",
        (
            CONVERSATION,
            Column("participant", T.INTEGER, "The participant's anonymous number in the conversation"),
            Column("statement", T.INTEGER, "The statement's number"),
            Column("vote", T.INTEGER, "1 agree, -1 disagree, 0 pass"),
            Column("hour", T.TIMESTAMP, "The hour it was cast (UTC)"),
        ),
    ),
    (
        "conversation-groups",
        "Conversation Opinion Groups",
        "groups",
        (
            CONVERSATION,
            Column("group_id", T.INTEGER, "The opinion group"),
            Column("kind", T.TEXT, "member (a participant in the group) or representative (a statement)"),
            Column("participant", T.INTEGER, "For member rows: the participant's anonymous number"),
            Column("statement", T.INTEGER, "For representative rows: the statement's number"),
            Column("direction", T.TEXT, "For representative rows: agree or disagree"),
            Column("agree", T.NUMBER, "Share of the group that agreed"),
            Column("disagree", T.NUMBER, "Share of the group that disagreed"),
        ),
    ),
):
    dataset_register(
        Dataset(
            identifier=identifier,
            title=title,
            description=_DESCRIPTION,
            keywords=("conversations", "opinion mapping", "deliberation", "polis"),
            theme=("participation",),
            accrual_periodicity="R/P1D",
            columns=columns,
            rows=lambda table=table: _conversation_rows(table),  # type: ignore[misc]
            available=_has_conversations,
        )
    )
