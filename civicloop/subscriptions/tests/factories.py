import factory
from django.utils import timezone

from civicloop.places.models import CommunityArea
from civicloop.subscriptions.models import ContactPoint, Subscriber
from civicloop.topics.models import Topic


class TopicFactory(factory.django.DjangoModelFactory[Topic]):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    name_es = factory.Sequence(lambda n: f"Tema {n}")


class CommunityAreaFactory(factory.django.DjangoModelFactory[CommunityArea]):
    class Meta:
        model = CommunityArea

    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Area {n + 1}")
    slug = factory.Sequence(lambda n: f"area-{n + 1}")
    boundary = factory.LazyFunction(dict)


class SubscriberFactory(factory.django.DjangoModelFactory[Subscriber]):
    class Meta:
        model = Subscriber
        skip_postgeneration_save = True

    language = "en"
    frequency = "immediately"
    all_areas = True

    class Params:
        active = factory.Trait(
            status=Subscriber.Status.ACTIVE, confirmed_at=factory.LazyFunction(timezone.now)
        )

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.topics.set(extracted if extracted is not None else [TopicFactory()])


class ContactPointFactory(factory.django.DjangoModelFactory[ContactPoint]):
    class Meta:
        model = ContactPoint

    subscriber = factory.SubFactory(SubscriberFactory)
    kind = ContactPoint.Kind.EMAIL
    value = factory.Sequence(lambda n: f"resident{n}@example.org")
