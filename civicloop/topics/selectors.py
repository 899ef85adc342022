from django.db.models import QuerySet

from civicloop.topics.models import Topic


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.order_by("position", "name_en")
