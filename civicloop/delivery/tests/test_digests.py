from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic
from civicloop.delivery.digest_email import digest_emails_build
from civicloop.delivery.digest_schedule import digest_slot, next_digest_time
from civicloop.delivery.digests import digest_run_create
from civicloop.delivery.email import email_build
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Delivery, Message, Suppression
from civicloop.delivery.services import (
    SendOutcome,
    announcement_message_ensure,
    deliveries_claim,
    deliveries_record,
)
from civicloop.delivery.tasks_digests import digests_schedule, send_digests
from civicloop.delivery.tests.factories import make_subscriber
from civicloop.delivery.tests.smtp_sink import smtp_sink
from civicloop.subscriptions.models import Subscriber
from civicloop.subscriptions.selectors import subscription_links

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
FALLBACK_NOTE = "Not yet available in your language; shown in English."
SEND_DIGESTS = "civicloop.delivery.tasks_digests.send_digests"
SEND_DELIVERIES = "civicloop.delivery.tasks.send_deliveries"


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.TIME_ZONE = "America/Chicago"
    settings.DIGEST_DAILY_TIME = "07:00"
    settings.DIGEST_WEEKLY_DAY = "monday"
    settings.DIGEST_WEEKLY_TIME = "07:00"


@pytest.fixture
def smtp(settings):
    with smtp_sink() as (sink, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.SITE_URL = "https://city.example.org"
        yield sink


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def slot(now):
    """The daily run a task starting now is for; its window is the day before it."""
    return digest_slot(now, "daily")


def reader(*, email, frequency="daily", confirmed_at=None, **kwargs):
    """A digest subscriber who confirmed long before the windows under test (unless told otherwise)."""
    subscriber = make_subscriber(email=email, frequency=frequency, **kwargs)
    confirmed = confirmed_at or timezone.now() - timedelta(days=60)
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmed_at=confirmed)
    subscriber.refresh_from_db()
    return subscriber


def published(at, title, **kwargs):
    return make_announcement(title=title, published_at=at, **kwargs)


def deliver(limit=100):
    """What the email sender does with a claimed batch, with the digest builder hooked in, over real SMTP."""
    token, batch = deliveries_claim(channel="email", limit=limit, now=timezone.now() + timedelta(days=8))
    digests = digest_emails_build(batch)
    get_connection().send_messages([digests.get(delivery.pk) or email_build(delivery) for delivery in batch])
    deliveries_record(token=token, outcomes=[SendOutcome(delivery.pk) for delivery in batch])
    return batch


def plain(message):
    return message.get_body(("plain",)).get_content()


def html(message):
    return message.get_body(("html",)).get_content()


def listed_titles(message, candidates):
    text = plain(message)
    return {title for title in candidates if f"* {title}" in text}


# --- who gets a digest, and what it lists ---------------------------------------------------------------


def test_a_daily_subscriber_gets_one_digest_of_exactly_their_new_matching_announcements(smtp, now, slot):
    housing, parks = make_topic(), make_topic("parks-culture", "Parks", "Parques")
    pilsen, loop = make_area(31, "Lower West Side"), make_area(32, "Loop")
    reader(email="daily@example.org", topics=[housing], areas=[pilsen])
    inside = slot - timedelta(hours=3)
    titles = {
        "Housing citywide": published(inside, "Housing citywide", topics=[housing]),
        "Housing in Pilsen": published(inside, "Housing in Pilsen", topics=[housing], areas=[pilsen]),
        "For every topic": published(inside, "For every topic", topics=[]),
        "Housing in the Loop": published(inside, "Housing in the Loop", topics=[housing], areas=[loop]),
        "Parks citywide": published(inside, "Parks citywide", topics=[parks]),
        "Housing alert": published(inside, "Housing alert", topics=[housing], kind=Kind.ALERT),
        "Before the window": published(
            slot - timedelta(days=1, hours=1), "Before the window", topics=[housing]
        ),
        "After the window": published(slot + timedelta(seconds=1), "After the window", topics=[housing]),
    }

    run = digest_run_create(frequency="daily", now=now)
    deliver()

    assert run.created and run.inserted == 1
    (digest,) = smtp.to("daily@example.org")
    assert listed_titles(digest, titles) == {"Housing citywide", "Housing in Pilsen", "For every topic"}
    assert "3" in digest["Subject"] and "daily" in digest["Subject"]
    assert f"https://city.example.org{titles['Housing in Pilsen'].get_absolute_url()}" in html(digest)
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert run.message.kind == Message.Kind.DIGEST and run.message.recipients == 1


def test_a_digest_carries_the_same_list_headers_and_each_recipient_only_their_own_links(smtp, now, slot):
    housing = make_topic()
    first = reader(email="one@example.org", topics=[housing])
    second = reader(email="two@example.org", topics=[housing])
    published(slot - timedelta(hours=1), "Rent help", topics=[housing])

    digest_run_create(frequency="daily", now=now)
    deliver()

    (one,) = smtp.to("one@example.org")
    (two,) = smtp.to("two@example.org")
    links, other = subscription_links(first), subscription_links(second)
    assert str(one["List-Unsubscribe"]).strip().startswith(f"<{links['unsubscribe_url']}>, <mailto:")
    assert one["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert one["List-Id"] and one["Content-Language"] == "en"
    delivery = Delivery.objects.get(contact_point__value="one@example.org")
    assert one["Message-ID"] == f"<{delivery.idempotency_key}@city.example.org>"
    assert links["preferences_url"] in plain(one) and links["unsubscribe_url"] in html(one)
    assert other["unsubscribe_url"] not in one.as_string()
    assert other["preferences_url"] in plain(two)


def test_a_spanish_reader_gets_spanish_texts_and_english_ones_marked(smtp, now, slot):
    housing = make_topic()
    reader(email="es@example.org", topics=[housing], language="es")
    published(slot - timedelta(hours=2), "Rent help", topics=[housing], spanish=("Ayuda con la renta", "Sí."))
    published(slot - timedelta(hours=1), "Tree planting", topics=[housing], spanish=None)

    digest_run_create(frequency="daily", now=now)
    deliver()

    (digest,) = smtp.to("es@example.org")
    with translation.override("es"):
        note = gettext(FALLBACK_NOTE)
    text, page = plain(digest), html(digest)
    assert digest["Content-Language"] == "es"
    assert "* Ayuda con la renta" in text and "Rent help" not in text
    assert f"* Tree planting [{note}]" in text
    assert 'lang="en" style="color:#0b4f8a;">Tree planting</a>' in page
    assert 'lang="es" style="color:#0b4f8a;">Ayuda con la renta</a>' in page


def test_weekly_subscribers_are_left_out_of_the_daily_run_and_get_the_weekly_one(now, slot):
    housing = make_topic()
    reader(email="daily@example.org", topics=[housing])
    reader(email="weekly@example.org", topics=[housing], frequency="weekly")
    published(slot - timedelta(hours=1), "Rent help", topics=[housing])
    published(digest_slot(now, "weekly") - timedelta(hours=1), "Tree planting", topics=[housing])

    daily = digest_run_create(frequency="daily", now=now)
    weekly = digest_run_create(frequency="weekly", now=now)

    def recipients(run):
        return set(
            Delivery.objects.filter(message=run.message).values_list("contact_point__value", flat=True)
        )

    assert recipients(daily) == {"daily@example.org"}
    assert recipients(weekly) == {"weekly@example.org"}
    assert weekly.message.context["frequency"] == "weekly"


def test_immediate_subscribers_never_get_a_digest(now, slot):
    housing = make_topic()
    reader(email="now@example.org", topics=[housing], frequency="immediately")
    published(slot - timedelta(hours=1), "Rent help", topics=[housing])

    assert digest_run_create(frequency="daily", now=now).inserted == 0
    assert digest_run_create(frequency="weekly", now=now).inserted == 0
    assert not Delivery.objects.exists()


def test_only_subscribers_with_something_new_for_them_get_a_delivery(now, slot):
    housing, parks = make_topic(), make_topic("parks-culture", "Parks", "Parques")
    transit, water = make_topic("transit", "Transit", "Transporte"), make_topic("water", "Water", "Agua")
    pilsen, loop = make_area(31, "Lower West Side"), make_area(32, "Loop")
    reader(email="pilsen@example.org", topics=[housing], areas=[pilsen])
    reader(email="loop@example.org", topics=[housing], areas=[loop])  # the housing news is for Pilsen
    reader(email="parks@example.org", topics=[parks])  # only an alert, already sent to everyone
    reader(email="transit@example.org", topics=[transit])  # only older news
    reader(email="water@example.org", topics=[water])  # only news after the window
    reader(email="late@example.org", topics=[housing], confirmed_at=slot - timedelta(minutes=30))
    published(slot - timedelta(hours=1), "Housing in Pilsen", topics=[housing], areas=[pilsen])
    published(slot - timedelta(hours=1), "Park closed", topics=[parks], kind=Kind.ALERT)
    published(slot - timedelta(days=2), "Old transit news", topics=[transit])
    published(slot + timedelta(seconds=1), "Too new", topics=[water])

    run = digest_run_create(frequency="daily", now=now)

    assert list(Delivery.objects.values_list("contact_point__value", flat=True)) == ["pilsen@example.org"]
    assert run.inserted == 1


def test_a_run_with_nobody_to_write_to_is_still_recorded(now):
    run = digest_run_create(frequency="daily", now=now)

    assert run.created and run.inserted == 0
    assert Message.objects.filter(kind=Message.Kind.DIGEST).count() == 1


@pytest.mark.parametrize(
    "who",
    [
        {"status": Subscriber.Status.UNSUBSCRIBED},
        {"status": Subscriber.Status.PENDING},
        {"confirmed": False},
        {"suppressed": True},
        {"sms_only": True},
    ],
    ids=["unsubscribed", "pending", "unconfirmed-address", "suppressed", "sms-only"],
)
def test_those_who_must_not_be_written_to_get_nothing(who, now, slot):
    housing = make_topic()
    reader(email="fine@example.org", topics=[housing])
    if who.pop("sms_only", False):
        reader(email=None, phone="+13125550199", topics=[housing])
    elif who.pop("suppressed", False):
        reader(email="x@example.org", topics=[housing])
        Suppression.objects.create(channel="email", value="x@example.org", reason="complained")
    else:
        make_subscriber(email="x@example.org", frequency="daily", topics=[housing], **who)
    published(slot - timedelta(hours=1), "Rent help", topics=[housing])

    digest_run_create(frequency="daily", now=now)

    assert list(Delivery.objects.values_list("contact_point__value", flat=True)) == ["fine@example.org"]


def test_someone_who_confirmed_during_the_window_gets_only_what_came_after(smtp, now, slot):
    housing = make_topic()
    reader(email="new@example.org", topics=[housing], confirmed_at=slot - timedelta(hours=3))
    published(slot - timedelta(hours=5), "Before they joined", topics=[housing])
    published(slot - timedelta(hours=1), "After they joined", topics=[housing])

    digest_run_create(frequency="daily", now=now)
    deliver()

    (digest,) = smtp.to("new@example.org")
    assert listed_titles(digest, {"Before they joined", "After they joined"}) == {"After they joined"}


def test_what_was_already_emailed_immediately_is_not_repeated(smtp, now, slot):
    housing, parks = make_topic(), make_topic("parks-culture", "Parks", "Parques")
    reader(email="switched@example.org", topics=[housing, parks], frequency="immediately")
    reader(email="only-old@example.org", topics=[housing], frequency="immediately")
    old = published(slot - timedelta(hours=5), "Emailed this morning", topics=[housing])
    message, _ = announcement_message_ensure(announcement=old)
    announcement_fan_out(message=message)
    deliver()
    Subscriber.objects.update(frequency="daily")  # both switch to a daily digest
    published(slot - timedelta(hours=1), "New in parks", topics=[parks])

    run = digest_run_create(frequency="daily", now=now)
    deliver()

    digest = smtp.to("switched@example.org")[-1]
    assert listed_titles(digest, {"Emailed this morning", "New in parks"}) == {"New in parks"}
    assert run.inserted == 1 and len(smtp.to("only-old@example.org")) == 1  # the immediate email only


# --- runs: once per slot, one window after another -------------------------------------------------------


def test_a_second_run_for_the_same_slot_creates_nothing(now, slot):
    housing = make_topic()
    reader(email="daily@example.org", topics=[housing])
    published(slot - timedelta(hours=1), "Rent help", topics=[housing])
    first = digest_run_create(frequency="daily", now=now)

    again = digest_run_create(frequency="daily", now=slot + timedelta(hours=23, minutes=59))

    earlier = digest_run_create(frequency="daily", now=slot - timedelta(hours=1))

    assert not again.created and again.inserted == 0 and again.message.pk == first.message.pk
    assert not earlier.created and earlier.message.pk == first.message.pk  # windows never overlap
    assert Message.objects.filter(kind=Message.Kind.DIGEST).count() == 1
    assert Delivery.objects.count() == 1


def test_the_next_run_covers_only_what_was_published_since_the_last(smtp, now, slot):
    housing = make_topic()
    reader(email="daily@example.org", topics=[housing])
    yesterday = now - timedelta(days=1)
    earlier_slot = digest_slot(yesterday, "daily")
    published(earlier_slot - timedelta(hours=1), "Yesterday's news", topics=[housing])
    digest_run_create(frequency="daily", now=yesterday)
    deliver()
    published(slot - timedelta(hours=1), "Today's news", topics=[housing])

    run = digest_run_create(frequency="daily", now=now)
    deliver()

    first, second = smtp.to("daily@example.org")
    candidates = {"Yesterday's news", "Today's news"}
    assert listed_titles(first, candidates) == {"Yesterday's news"}
    assert listed_titles(second, candidates) == {"Today's news"}
    assert run.message.context["period_start"] == Message.objects.earliest("created_at").context["period_end"]


def test_the_first_run_looks_back_one_period(now, slot):
    daily = digest_run_create(frequency="daily", now=now).message.context
    weekly = digest_run_create(frequency="weekly", now=now).message.context

    def length(context):
        return datetime.fromisoformat(context["period_end"]) - datetime.fromisoformat(context["period_start"])

    assert timedelta(hours=23) <= length(daily) <= timedelta(hours=25)
    assert timedelta(days=7, hours=-1) <= length(weekly) <= timedelta(days=7, hours=1)
    assert datetime.fromisoformat(daily["period_end"]) == slot


# --- the send path ----------------------------------------------------------------------------------------


def test_announcements_and_digests_in_one_batch_each_get_their_own_email(smtp, now, slot):
    housing = make_topic()
    reader(email="daily@example.org", topics=[housing])
    reader(email="now@example.org", topics=[housing], frequency="immediately")
    published(slot - timedelta(hours=1), "Yesterday's news", topics=[housing])
    today = make_announcement(title="Fresh news", topics=[housing])
    message, _ = announcement_message_ensure(announcement=today)
    announcement_fan_out(message=message)
    digest_run_create(frequency="daily", now=now)

    batch = deliver()

    assert len(batch) == 2
    assert smtp.to("now@example.org")[0]["Subject"] == "Fresh news"
    assert "* Yesterday's news" in plain(smtp.to("daily@example.org")[0])


def test_a_batch_without_digests_costs_no_query(django_assert_num_queries):
    housing = make_topic()
    reader(email="now@example.org", topics=[housing], frequency="immediately")
    message, _ = announcement_message_ensure(announcement=make_announcement(topics=[housing]))
    announcement_fan_out(message=message)
    _, batch = deliveries_claim(channel="email", limit=10)

    with django_assert_num_queries(0):
        built = digest_emails_build(batch)

    assert len(batch) == 1 and built == {}


def test_building_a_batch_of_digests_takes_the_same_few_queries_for_5_or_20(
    now, slot, django_assert_max_num_queries
):
    topics = [make_topic(f"topic-{n}", f"Topic {n}", f"Tema {n}") for n in range(3)]
    areas = [make_area(40 + n, f"Area {n}") for n in range(2)]
    for n in range(3):
        published(slot - timedelta(hours=n + 1), f"News {n}", topics=[topics[n]], areas=[areas[n % 2]])
    published(slot - timedelta(hours=5), "Citywide news", topics=[])
    for n in range(20):
        reader(
            email=f"r{n}@example.org",
            topics=topics[: 1 + n % 3],
            areas=[areas[n % 2]] if n % 4 else None,
            language="es" if n % 2 else "en",
        )
    digest_run_create(frequency="daily", now=now)
    claim_time = timezone.now() + timedelta(days=8)
    _, five = deliveries_claim(channel="email", limit=5, now=claim_time)
    _, twenty = deliveries_claim(channel="email", limit=20, now=claim_time)

    with CaptureQueriesContext(connection) as small:
        small_emails = digest_emails_build(five)
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as large:
        large_emails = digest_emails_build(twenty)

    assert len(small_emails) == 5 and len(large_emails) == 15
    assert len(large.captured_queries) == len(small.captured_queries)


# --- schedule ---------------------------------------------------------------------------------------------


def at(year: int, month: int, day: int, hour: int, minute: int, *, fold: int = 0) -> datetime:
    """A Chicago wall-clock time; fold=1 is the second of a repeated (fall-back) hour."""
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO, fold=fold)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 3, 10, 6, 59), at(2026, 3, 10, 7, 0)),
        (at(2026, 3, 10, 7, 0), at(2026, 3, 11, 7, 0)),
        (at(2026, 3, 10, 23, 30), at(2026, 3, 11, 7, 0)),
        (at(2026, 12, 31, 23, 59), at(2027, 1, 1, 7, 0)),
    ],
    ids=["later-today", "at-the-time-means-tomorrow", "across-midnight", "across-new-year"],
)
def test_next_daily_time(now, expected):
    assert next_digest_time(now, "daily") == expected


def test_next_daily_time_keeps_the_wall_clock_across_daylight_saving_changes():
    spring = next_digest_time(at(2026, 3, 7, 8, 0), "daily")
    fall = next_digest_time(at(2026, 10, 31, 8, 0), "daily")

    assert spring == at(2026, 3, 8, 7, 0) and spring.utcoffset() == timedelta(hours=-5)
    assert spring.astimezone(UTC) - at(2026, 3, 7, 7, 0).astimezone(UTC) == timedelta(hours=23)
    assert fall == at(2026, 11, 1, 7, 0) and fall.utcoffset() == timedelta(hours=-6)
    assert fall.astimezone(UTC) - at(2026, 10, 31, 7, 0).astimezone(UTC) == timedelta(hours=25)


def test_a_time_skipped_or_repeated_by_daylight_saving_gives_one_run_that_day(settings):
    settings.DIGEST_DAILY_TIME = "02:30"
    skipped = next_digest_time(at(2026, 3, 8, 0, 0), "daily")
    settings.DIGEST_DAILY_TIME = "01:30"
    repeated = next_digest_time(at(2026, 11, 1, 0, 0), "daily")
    after_repeated = next_digest_time(repeated, "daily")

    assert (skipped.date(), skipped.hour, skipped.minute) == (datetime(2026, 3, 8).date(), 3, 30)
    in_the_repeated_hour = next_digest_time(at(2026, 11, 1, 1, 15, fold=1), "daily")  # after the first 01:30

    assert repeated.utcoffset() == timedelta(hours=-5)  # the first 01:30, still daylight time
    assert after_repeated == at(2026, 11, 2, 1, 30)
    assert in_the_repeated_hour == at(2026, 11, 2, 1, 30)


@pytest.mark.parametrize(
    ("day", "now", "expected"),
    [
        ("monday", at(2026, 3, 8, 10, 0), at(2026, 3, 9, 7, 0)),  # Sunday → Monday
        ("monday", at(2026, 3, 9, 6, 0), at(2026, 3, 9, 7, 0)),  # Monday morning → that Monday
        ("monday", at(2026, 3, 9, 7, 0), at(2026, 3, 16, 7, 0)),  # Monday at 7 → next Monday
        ("Friday", at(2026, 3, 10, 12, 0), at(2026, 3, 13, 7, 0)),
        ("sun", at(2026, 10, 26, 12, 0), at(2026, 11, 1, 7, 0)),  # across the fall-back change
    ],
)
def test_next_weekly_time(settings, day, now, expected):
    settings.DIGEST_WEEKLY_DAY = day

    moment = next_digest_time(now, "weekly")

    assert moment == expected and moment.tzinfo is not None


def test_the_slot_of_a_run_is_the_last_scheduled_time():
    assert digest_slot(at(2026, 3, 10, 6, 59), "daily") == at(2026, 3, 9, 7, 0)
    assert digest_slot(at(2026, 3, 10, 7, 0), "daily") == at(2026, 3, 10, 7, 0)
    assert digest_slot(at(2026, 3, 15, 12, 0), "weekly") == at(2026, 3, 9, 7, 0)


@pytest.mark.parametrize(("name", "value"), [("DIGEST_DAILY_TIME", "7am"), ("DIGEST_WEEKLY_DAY", "someday")])
def test_a_bad_schedule_setting_is_refused(settings, name, value):
    setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=name):
        next_digest_time(at(2026, 3, 10, 12, 0), "weekly" if "WEEKLY" in name else "daily")


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        next_digest_time(datetime(2026, 3, 10, 12, 0), "daily")


# --- tasks ------------------------------------------------------------------------------------------------


def waiting(path):
    return list(DBTaskResult.objects.filter(task_path=path, status="READY").order_by("enqueued_at"))


def test_the_task_creates_the_run_starts_the_sender_on_commit_and_books_the_next(
    django_capture_on_commit_callbacks, now, slot
):
    housing = make_topic()
    reader(email="daily@example.org", topics=[housing])
    published(slot - timedelta(hours=1), "Rent help", topics=[housing])

    with django_capture_on_commit_callbacks() as callbacks:
        added = send_digests.call("daily")
    assert waiting(SEND_DELIVERIES) == []  # nothing before the run is committed
    for callback in callbacks:
        callback()

    assert added == 1
    (sender,) = waiting(SEND_DELIVERIES)
    assert sender.args_kwargs["args"] == ["email"]
    (next_run,) = waiting(SEND_DIGESTS)
    assert next_run.args_kwargs["args"] == ["daily"]
    assert next_run.run_after == next_digest_time(now, "daily")


def test_running_the_task_again_for_the_same_slot_sends_and_books_nothing_more(
    django_capture_on_commit_callbacks, slot
):
    housing = make_topic()
    reader(email="daily@example.org", topics=[housing])
    published(slot - timedelta(hours=1), "Rent help", topics=[housing])

    with django_capture_on_commit_callbacks(execute=True):
        send_digests.call("daily")
    with django_capture_on_commit_callbacks(execute=True):
        added = send_digests.call("daily")

    assert added == 0
    assert len(waiting(SEND_DELIVERIES)) == 1 and len(waiting(SEND_DIGESTS)) == 1
    assert Delivery.objects.count() == 1


def test_schedule_queues_each_frequency_once(now):
    first = digests_schedule(now=now)
    again = digests_schedule(now=now)

    assert first == ["daily", "weekly"] and again == []
    runs = {task.args_kwargs["args"][0]: task.run_after for task in waiting(SEND_DIGESTS)}
    assert runs == {"daily": next_digest_time(now, "daily"), "weekly": next_digest_time(now, "weekly")}
