"""JSON API for announcements: the published list with the website's filters, and one announcement.

Texts come in the language the `lang` filter asks for, else the request's (Accept-Language), else
English; `language` says which one was given.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicloop.announcements import selectors
from civicloop.announcements.models import Announcement
from civicloop.core.api import PublicListPagination, web_url
from civicloop.core.errors import NotFound
from civicloop.core.languages import city_language

router = Router(tags=["announcements"])


class AnnouncementQuery(Schema):
    topic: str = Field("", description="A topic's slug")
    area: str = Field("", description="A community area's slug; citywide announcements are included")
    kind: str = Field("", description="policy, program, event or alert")
    lang: str = Field("", description="Only announcements written in this language (en, es)")
    q: str = Field("", description="Words in the title, summary or text")


class TopicRef(Schema):
    slug: str
    name: str


class AreaRef(Schema):
    slug: str
    name: str


def _text(announcement: Announcement, context: Any) -> selectors.LocalizedText:
    request = context["request"] if context else None
    wanted = (request.GET.get("lang", "") if request is not None else "") or get_language() or "en"
    return selectors.localized_text(announcement, city_language(wanted))


class AnnouncementOut(Schema):
    slug: str
    url: str
    kind: str
    status: str
    language: str = Field(description="The language of title and summary")
    title: str
    summary: str
    languages: list[str] = Field(description="Every language the announcement is written in")
    published_at: datetime | None
    content_updated_at: datetime | None
    is_citywide: bool
    topics: list[TopicRef]
    areas: list[AreaRef]
    event_starts_at: datetime | None
    event_ends_at: datetime | None
    event_location: str

    @staticmethod
    def resolve_url(announcement: Announcement) -> str:
        return web_url(announcement.get_absolute_url())

    @staticmethod
    def resolve_language(announcement: Announcement, context: Any) -> str:
        return _text(announcement, context).language

    @staticmethod
    def resolve_title(announcement: Announcement, context: Any) -> str:
        return _text(announcement, context).title

    @staticmethod
    def resolve_summary(announcement: Announcement, context: Any) -> str:
        return _text(announcement, context).summary

    @staticmethod
    def resolve_languages(announcement: Announcement) -> list[str]:
        return sorted(translation.language for translation in announcement.translations.all())


class AnnouncementDetailOut(AnnouncementOut):
    body_html: str = Field(description="The text as sanitised HTML")

    @staticmethod
    def resolve_body_html(announcement: Announcement, context: Any) -> str:
        return _text(announcement, context).body_html


@router.get("/announcements", response=list[AnnouncementOut], url_name="announcements")
@paginate(PublicListPagination)
def announcements(request: HttpRequest, filters: Query[AnnouncementQuery]) -> QuerySet[Announcement]:
    """Published announcements, newest first, filtered as on the website's list."""
    return selectors.announcement_public_list(
        filters=selectors.AnnouncementFilters.from_params(filters.dict())
    )


@router.get("/announcements/{slug}", response=AnnouncementDetailOut, url_name="announcement")
def announcement(request: HttpRequest, slug: str) -> Announcement:
    """One published (or archived) announcement with its full text."""
    try:
        return selectors.announcement_public_detail(slug=slug)
    except NotFound as error:
        raise HttpError(404, error.message) from error
