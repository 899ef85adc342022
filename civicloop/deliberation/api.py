"""JSON API for opinion-mapping conversations in public spaces and their published reports.

A report is public once staff publish it (as its web page and open data); residents appear in it only
as group sizes and shares, never by any number or name.
"""

from datetime import datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from civicloop.core.api import PublicListPagination, web_url
from civicloop.core.errors import NotFound
from civicloop.deliberation import selectors
from civicloop.deliberation.models import Conversation
from civicloop.deliberation.opendata import open_data_available
from civicloop.deliberation.report import DivisiveStatement, conversation_report
from civicloop.engage.models import Space

router = Router(tags=["conversations"])

# Inlined under its own title: as a bare enum it would be the OpenAPI component "Status", the same name as an
# idea's status, and one would overwrite the other in /api/v1/openapi.json.
ConversationStatus = Annotated[
    Conversation.Status,
    WithJsonSchema(
        {"title": "ConversationStatus", "type": "string", "enum": list(Conversation.Status.values)}
    ),
]


class SpaceRef(Schema):
    slug: str
    title: str
    url: str

    @staticmethod
    def resolve_url(space: Space) -> str:
        return web_url(space.get_absolute_url())


class QuestionRef(Schema):
    id: int
    text: str
    url: str

    @staticmethod
    def resolve_url(question: Any) -> str:
        return web_url(question.get_absolute_url())


def _report_path(conversation: Conversation) -> str:
    return f"{conversation.get_absolute_url()}report/"


class ConversationOut(Schema):
    id: int
    url: str
    title: str
    prompt: str
    status: ConversationStatus
    created_at: datetime
    space: SpaceRef
    question: QuestionRef | None
    statements_count: int = Field(description="Accepted statements residents vote on")
    report_published_at: datetime | None
    report_url: str | None = Field(description="The report's web page, once published")

    @staticmethod
    def resolve_url(conversation: Conversation) -> str:
        return web_url(conversation.get_absolute_url())

    @staticmethod
    def resolve_question(conversation: Conversation) -> Any:
        question = conversation.question
        # Only a question residents can read themselves: one of a public space.
        if question is None or question.space.visibility != Space.Visibility.PUBLIC:
            return None
        return question

    @staticmethod
    def resolve_report_url(conversation: Conversation) -> str | None:
        return web_url(_report_path(conversation)) if conversation.report_published else None


class ReportStatementOut(Schema):
    number: str = Field(description="The statement's number in the conversation")
    text: str
    direction: str = Field(description="agree or disagree: what most did")
    agree: int = Field(description="Percent who agreed")
    disagree: int = Field(description="Percent who disagreed")
    agree_outside: int | None = Field(None, description="Percent of everyone else who agreed")
    disagree_outside: int | None = Field(None, description="Percent of everyone else who disagreed")


class ReportGroupOut(Schema):
    id: int
    label: str
    size: int = Field(description="Participants in the group")
    percent: int = Field(description="Share of the opinion map")
    representative: list[ReportStatementOut] = Field(description="What sets the group apart")


class DivisiveGroupOut(Schema):
    group: str
    agree: int
    disagree: int
    votes: int


class DivisiveStatementOut(Schema):
    number: str
    text: str
    groups: list[DivisiveGroupOut]

    @staticmethod
    def resolve_groups(statement: DivisiveStatement) -> list[dict[str, object]]:
        return [
            {"group": label, "agree": agree, "disagree": disagree, "votes": votes}
            for label, agree, disagree, votes in statement.groups
        ]


class OfficialResponseOut(Schema):
    body: str
    department: str
    created_at: datetime | None


class ConversationReportOut(Schema):
    conversation_id: int
    url: str
    published_at: datetime
    official_response: OfficialResponseOut | None
    enough_data: bool = Field(description="Whether there were enough votes for an opinion map")
    participants: int
    statements: int
    votes: int
    excluded_participants: int = Field(description="Left out after review of coordinated voting")
    excluded_votes: int
    groups: list[ReportGroupOut]
    consensus: list[ReportStatementOut] = Field(description="What people agree on across groups")
    divisive: list[DivisiveStatementOut] = Field(description="Statements that divide the groups")


def _public_conversation(conversation_id: int) -> Conversation:
    try:
        return selectors.conversation_public(conversation_id)
    except NotFound as error:
        raise HttpError(404, error.message) from error


@router.get("/conversations", response=list[ConversationOut], url_name="conversations")
@paginate(PublicListPagination)
def conversations(request: HttpRequest) -> QuerySet[Conversation]:
    """Conversations in public spaces, newest first."""
    return selectors.conversation_public_list()


@router.get("/conversations/{conversation_id}", response=ConversationOut, url_name="conversation")
def conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    return _public_conversation(conversation_id)


@router.get(
    "/conversations/{conversation_id}/report", response=ConversationReportOut, url_name="conversation_report"
)
def conversation_report_published(request: HttpRequest, conversation_id: int) -> dict[str, object]:
    """The published report: opinion groups, what sets each apart, consensus and division."""
    found = _public_conversation(conversation_id)
    if not open_data_available(found):
        raise HttpError(404, _("The report on this conversation is not published."))
    report = conversation_report(found)
    official_response = (
        {
            "body": found.official_response,
            "department": found.official_response_department,
            "created_at": found.official_response_at,
        }
        if found.official_response
        else None
    )
    return {
        "conversation_id": found.pk,
        "url": web_url(_report_path(found)),
        "published_at": found.report_published_at,
        "official_response": official_response,
        "enough_data": report.enough_data,
        "participants": report.participants,
        "statements": report.statements,
        "votes": report.votes,
        "excluded_participants": report.excluded_participants,
        "excluded_votes": report.excluded_votes,
        "groups": report.groups,
        "consensus": report.consensus,
        "divisive": report.divisive,
    }
