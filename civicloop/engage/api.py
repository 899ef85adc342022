"""JSON API for the forums: the city's questions in public spaces, residents' ideas and official answers.

As a signed-out visitor sees the website: public spaces only, published ideas only, an author by the
name they chose to show (never their contact details or account).
"""

from datetime import datetime
from typing import Annotated, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from civicloop.core.api import PublicListPagination, web_url
from civicloop.core.errors import NotFound
from civicloop.engage import selectors
from civicloop.engage.models import Idea, Question, Space

router = Router(tags=["questions and ideas"])

# Inlined under its own title: as a bare enum it would be the OpenAPI component "Status", the same name as a
# conversation's status, and one would overwrite the other in /api/v1/openapi.json.
IdeaStatus = Annotated[
    Idea.Status, WithJsonSchema({"title": "IdeaStatus", "type": "string", "enum": list(Idea.Status.values)})
]


class SpaceRef(Schema):
    slug: str
    title: str
    url: str

    @staticmethod
    def resolve_url(space: Space) -> str:
        return web_url(space.get_absolute_url())


class TopicRef(Schema):
    slug: str
    name: str


class AreaRef(Schema):
    slug: str
    name: str


class QuestionOut(Schema):
    id: int
    url: str
    text: str
    description: str
    space: SpaceRef
    topic: TopicRef | None
    community_areas: list[AreaRef]
    department: str = Field(description="The department that owns and answers it")
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    is_jam: bool
    ideas_count: int = Field(description="Published ideas")

    @staticmethod
    def resolve_url(question: Question) -> str:
        return web_url(question.get_absolute_url())

    @staticmethod
    def resolve_is_open(question: Question) -> bool:
        return selectors.question_is_open(question)


class QuestionRef(Schema):
    id: int
    text: str
    url: str

    @staticmethod
    def resolve_url(question: Question) -> str:
        return web_url(question.get_absolute_url())


class IdeaOut(Schema):
    id: int
    url: str
    title: str
    question: QuestionRef
    author_name: str = Field(description="The name the author chose to show")
    community_area: AreaRef | None
    status: IdeaStatus
    is_staff_pick: bool
    supports_count: int
    comments_count: int
    created_at: datetime
    edited_at: datetime | None

    @staticmethod
    def resolve_url(idea: Idea) -> str:
        return web_url(idea.get_absolute_url())

    @staticmethod
    def resolve_author_name(idea: Idea) -> str:
        return idea.author.display_name


class StatusChangeOut(Schema):
    status: IdeaStatus
    reason: str
    department: str
    created_at: datetime


class OfficialResponseOut(Schema):
    body: str
    department: str
    created_at: datetime
    edited_at: datetime | None


class IdeaDetailOut(IdeaOut):
    body: str
    status_reason: str
    timeline: list[StatusChangeOut] = Field(description="Each status the city set, oldest first")
    official_responses: list[OfficialResponseOut] = Field(description="Staff answers, oldest first")


class IdeaQuery(Schema):
    # Bounded to a 64-bit id: a larger number is a 422, not a database overflow.
    question: int | None = Field(None, ge=1, le=2**63 - 1, description="Only ideas on this question (its id)")
    status: IdeaStatus | None = None
    sort: Literal["recent", "supported"] = Field("recent", description="Newest or most supported first")


@router.get("/questions", response=list[QuestionOut], url_name="questions")
@paginate(PublicListPagination)
def questions(request: HttpRequest) -> QuerySet[Question]:
    """The city's questions in public spaces, newest first."""
    return selectors.question_public_list()


@router.get("/questions/{question_id}", response=QuestionOut, url_name="question")
def question(request: HttpRequest, question_id: int) -> Question:
    try:
        return selectors.question_public(question_id)
    except NotFound as error:
        raise HttpError(404, error.message) from error


@router.get("/ideas", response=list[IdeaOut], url_name="ideas")
@paginate(PublicListPagination)
def ideas(request: HttpRequest, filters: Query[IdeaQuery]) -> QuerySet[Idea]:
    """Published ideas on the questions in public spaces."""
    return selectors.idea_public_list(
        question_id=filters.question,
        status=filters.status.value if filters.status else "",
        sort=filters.sort,
    )


@router.get("/ideas/{idea_id}", response=IdeaDetailOut, url_name="idea")
def idea(request: HttpRequest, idea_id: int) -> Idea:
    """One idea with its status timeline and the city's official responses."""
    try:
        return selectors.idea_public(idea_id)
    except NotFound as error:
        raise HttpError(404, error.message) from error
