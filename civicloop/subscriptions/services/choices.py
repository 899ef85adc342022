"""A subscriber's choices checked: topics and community areas from the lists, a language, how often."""

from collections.abc import Iterable

from django.db.models import Model
from django.utils.translation import gettext as _

from civicloop.places.models import CommunityArea
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.models import Frequency, Language
from civicloop.topics.models import Topic


def _ids(items: Iterable[Model | int | str]) -> set[int]:
    return {int(item.pk) if isinstance(item, Model) else int(item) for item in items}


def _choices_validate(
    *,
    topics: Iterable[Topic | int],
    areas: Iterable[CommunityArea | int],
    all_areas: bool,
    language: str,
    frequency: str,
) -> tuple[set[int], set[int]]:
    try:
        topic_ids, area_ids = _ids(topics), _ids(areas)
    except (TypeError, ValueError) as error:
        raise SubscriptionInvalid(_("Choose topics and areas from the lists."), field="topics") from error
    if not topic_ids:
        raise SubscriptionInvalid(_("Choose at least one topic."), field="topics")
    if Topic.objects.filter(pk__in=topic_ids).count() != len(topic_ids):
        raise SubscriptionInvalid(_("Choose topics from the list."), field="topics")
    if not all_areas and not area_ids:
        raise SubscriptionInvalid(_("Choose at least one community area, or All of Chicago."), field="areas")
    if area_ids and CommunityArea.objects.filter(pk__in=area_ids).count() != len(area_ids):
        raise SubscriptionInvalid(_("Choose community areas from the list."), field="areas")
    if language not in Language.values:
        raise SubscriptionInvalid(_("Choose a language from the list."), field="language")
    if frequency not in Frequency.values:
        raise SubscriptionInvalid(_("Choose how often from the list."), field="frequency")
    return topic_ids, area_ids
