"""JSON API for the topic taxonomy."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from civicloop.core.api import PublicListPagination, web_url
from civicloop.topics.models import Topic
from civicloop.topics.selectors import topic_list

router = Router(tags=["topics"])


class TopicOut(Schema):
    slug: str
    name: str = Field(description="In the request's language (Accept-Language)")
    name_en: str
    name_es: str
    url: str = Field(description="The announcements about this topic on the website")

    @staticmethod
    def resolve_url(topic: Topic) -> str:
        return web_url("/announcements/", topic=topic.slug)


@router.get("/topics", response=list[TopicOut], url_name="topics")
@paginate(PublicListPagination)
def topics(request: HttpRequest) -> QuerySet[Topic]:
    """The city's topics, in the order the website lists them."""
    return topic_list()
