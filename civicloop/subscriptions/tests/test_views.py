import re
import time
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.selectors import consent_text, subscription_links
from civicloop.subscriptions.tests.factories import ContactPointFactory, SubscriberFactory
from civicloop.subscriptions.tokens import TokenPurpose, token_make
from civicloop.subscriptions.views import SUBSCRIBE_POST_LIMIT
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db

SUBSCRIBE_URL = "/subscribe/"
CONFIRM_PATH = re.compile(r"https://city\.example\.org(/subscribe/confirm/[^/\s]+/)")
XSS_PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def confirm_path_in(text: str) -> str:
    match = CONFIRM_PATH.search(text)
    assert match, "no confirmation link"
    return match.group(1)


def path_of(url: str) -> str:
    return url.removeprefix("https://city.example.org")


def nothing_stored() -> bool:
    return Subscriber.objects.count() == ContactPoint.objects.count() == ConsentRecord.objects.count() == 0


def h1_count(response) -> int:
    return response.content.decode().count("<h1")


@pytest.fixture
def form_data(topics, areas):
    return {
        "email": "resident@example.org",
        "phone": "",
        "topics": [str(topics[0].pk)],
        "areas": [str(areas[0].pk)],
        "language": "en",
        "frequency": "immediately",
    }


@pytest.fixture
def post_subscribe(client, django_capture_on_commit_callbacks):
    def _post(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SUBSCRIBE_URL, data, **extra)

    return _post


def active_subscriber(**kwargs) -> Subscriber:
    subscriber = SubscriberFactory.create(active=True, **kwargs)
    ContactPointFactory.create(subscriber=subscriber, value="resident@example.org")
    return subscriber


def unsubscribe_path(subscriber: Subscriber) -> str:
    return path_of(subscription_links(subscriber)["unsubscribe_url"])


def preferences_path(subscriber: Subscriber) -> str:
    return path_of(subscription_links(subscriber)["preferences_url"])


# --- the subscribe page ------------------------------------------------------------------------------


def test_the_subscribe_url_is_the_public_contract():
    assert reverse("subscriptions:subscribe") == "/subscribe/"
    assert reverse("subscriptions:sent") == "/subscribe/sent/"
    assert reverse("subscriptions:confirm", args=["abc:def"]) == "/subscribe/confirm/abc:def/"
    assert reverse("subscriptions:preferences", args=["abc"]) == "/preferences/abc/"
    assert reverse("subscriptions:unsubscribe", args=["abc"]) == "/unsubscribe/abc/"


def test_the_subscribe_page_shows_every_topic_and_area_with_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    topics_ensure()
    community_areas_load()

    with django_assert_max_num_queries(2):
        response = client.get(SUBSCRIBE_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('name="topics"') == Topic.objects.count() == 12
    assert page.count('name="areas"') == CommunityArea.objects.count() == 77


def test_the_subscribe_page_shows_the_consent_text_before_the_button(client, topics):
    response = client.get(SUBSCRIBE_URL)

    page = response.content.decode()
    consent = consent_text(action="subscribe", language="en")
    assert page.index(consent) < page.index('<button type="submit">Subscribe</button>')


def test_the_subscribe_page_has_one_heading_and_labelled_fields(client, topics, areas):
    response = client.get(SUBSCRIBE_URL)

    page = response.content.decode()
    assert h1_count(response) == 1
    for field_id in ("id_email", "id_phone", "id_all_areas"):
        assert f'<label for="{field_id}"' in page
    assert "<legend>Topics</legend>" in page


def test_the_language_defaults_to_the_page_language(client, topics):
    response = client.get(SUBSCRIBE_URL, HTTP_ACCEPT_LANGUAGE="es")

    assert re.search(r'<input type="radio" name="language" value="es"[^>]*checked', response.content.decode())


# --- subscribing through the page --------------------------------------------------------------------


def test_subscribing_redirects_to_check_your_email(post_subscribe, form_data):
    response = post_subscribe(form_data)

    assert response.status_code == 302
    assert response["Location"] == "/subscribe/sent/?email=1&sms=0"


def test_subscribing_sends_one_email_and_nothing_else(post_subscribe, form_data, mailoutbox):
    post_subscribe(form_data)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["resident@example.org"]


def test_the_check_your_email_page_says_so(client):
    response = client.get("/subscribe/sent/?email=1&sms=0")

    assert "Check your email" in response.content.decode()
    assert h1_count(response) == 1


def test_a_phone_only_subscription_gets_an_honest_page(client, post_subscribe, form_data):
    response = post_subscribe(form_data | {"email": "", "phone": "(312) 744-5000"})
    page = client.get(response["Location"]).content.decode()

    assert response["Location"] == "/subscribe/sent/?email=0&sms=1"
    assert "Text messages are not available yet" in page
    assert "Check your email" not in page


def test_the_emailed_link_asks_before_confirming(client, post_subscribe, form_data, mailoutbox):
    post_subscribe(form_data)
    path = confirm_path_in(mailoutbox[0].body)

    response = client.get(path)

    assert response.status_code == 200
    assert "Yes, confirm my subscription" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_the_emailed_link_confirms_with_its_button(client, post_subscribe, form_data, mailoutbox):
    post_subscribe(form_data)
    path = confirm_path_in(mailoutbox[0].body)

    response = client.post(path)

    assert response.status_code == 200
    assert "Subscription confirmed" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.contact_points.get().confirmed_at is not None


def test_confirming_an_active_subscription_again_shows_already_confirmed(client):
    subscriber = active_subscriber()
    path = reverse(
        "subscriptions:confirm",
        args=[token_make(subscriber_id=subscriber.pk, token_version=1, purpose=TokenPurpose.CONFIRM)],
    )
    ContactPoint.objects.update(confirmed_at=subscriber.confirmed_at)

    response = client.post(path)

    assert response.status_code == 200
    assert "Already confirmed" in response.content.decode()
    assert not subscriber.consent_records.exists()


def test_subscribing_twice_through_the_page_keeps_one_subscriber(post_subscribe, form_data, topics):
    post_subscribe(form_data)

    post_subscribe(form_data | {"email": "Resident@Example.org", "topics": [str(topics[2].pk)]})

    subscriber = Subscriber.objects.get()
    assert set(subscriber.topics.all()) == {topics[0], topics[2]}


def test_all_of_chicago_can_replace_the_areas(post_subscribe, form_data):
    post_subscribe(form_data | {"areas": [], "all_areas": "on"})

    subscriber = Subscriber.objects.get()
    assert subscriber.all_areas is True
    assert not subscriber.areas.exists()


def test_the_consent_record_keeps_the_text_shown_on_the_page(client, post_subscribe, form_data):
    shown = client.get(SUBSCRIBE_URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    post_subscribe(form_data | {"language": "en"}, HTTP_ACCEPT_LANGUAGE="es")

    record = ConsentRecord.objects.get()
    assert record.language == "es"
    assert record.text in shown


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "", "phone": "555"}, "phone"),
        ({"email": "", "phone": "call me maybe"}, "phone"),
        ({"email": "", "phone": ""}, "email"),
        ({"topics": []}, "topics"),
        ({"topics": ["999999"]}, "topics"),
        ({"topics": ["abc"]}, "topics"),
        ({"areas": ["999999"]}, "areas"),
        ({"areas": []}, "areas"),
        ({"language": "fr"}, "language"),
        ({"frequency": "hourly"}, "frequency"),
    ],
)
def test_bad_input_shows_a_form_error_and_stores_nothing(
    post_subscribe, form_data, mailoutbox, changes, field
):
    response = post_subscribe(form_data | changes)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'id="error-summary"' in response.content.decode()
    assert nothing_stored()
    assert mailoutbox == []


def test_an_oversized_email_is_refused_with_a_message(post_subscribe, form_data):
    response = post_subscribe(
        form_data | {"email": "a" * 64 + "@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 70 + ".org"}
    )

    assert "at most 254 characters" in " ".join(response.context["form"].errors["email"])
    assert nothing_stored()


def test_an_oversized_phone_is_refused_with_a_message(post_subscribe, form_data):
    response = post_subscribe(form_data | {"email": "", "phone": "+1 312 744 5000" + " " * 10 + "0" * 20})

    assert "at most 32 characters" in " ".join(response.context["form"].errors["phone"])
    assert nothing_stored()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markup_in_the_email_is_refused_and_shown_inert(post_subscribe, form_data, payload):
    response = post_subscribe(form_data | {"email": payload})

    page = response.content.decode()
    assert "email" in response.context["form"].errors
    assert payload not in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert nothing_stored()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markup_in_the_phone_and_choices_is_shown_inert(post_subscribe, form_data, payload):
    response = post_subscribe(form_data | {"phone": payload, "topics": [payload]})

    page = response.content.decode()
    assert payload not in page
    assert "<img src=x" not in page
    assert nothing_stored()


def test_the_error_summary_links_to_the_first_checkbox_of_a_group(post_subscribe, form_data):
    response = post_subscribe(form_data | {"topics": []})

    assert '<a href="#id_topics_0">' in response.content.decode()


def test_too_many_posts_from_one_client_get_429(post_subscribe, form_data):
    for _ in range(SUBSCRIBE_POST_LIMIT):
        assert post_subscribe(form_data | {"email": "bad"}).status_code == 200

    response = post_subscribe(form_data)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert nothing_stored()


def test_the_rate_limit_is_per_client(post_subscribe, form_data):
    for _ in range(SUBSCRIBE_POST_LIMIT + 1):
        post_subscribe(form_data | {"email": "bad"}, REMOTE_ADDR="10.0.0.1")

    response = post_subscribe(form_data, REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 302


# --- unsubscribing -----------------------------------------------------------------------------------


def test_opening_the_unsubscribe_link_never_unsubscribes(client):
    subscriber = active_subscriber()

    response = client.get(unsubscribe_path(subscriber))

    assert response.status_code == 200
    assert "Yes, unsubscribe me" in response.content.decode()
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.token_version) == (Subscriber.Status.ACTIVE, 1)
    assert not subscriber.consent_records.exists()


def test_a_one_click_urlencoded_post_without_cookies_or_csrf_unsubscribes():
    subscriber = active_subscriber()
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(
        unsubscribe_path(subscriber),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.consent_records.get().channel == "email-one-click"


def test_a_one_click_multipart_post_without_cookies_or_csrf_unsubscribes():
    subscriber = active_subscriber()
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(unsubscribe_path(subscriber), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert Subscriber.objects.get(pk=subscriber.pk).status == Subscriber.Status.UNSUBSCRIBED


def test_the_unsubscribe_button_records_the_text_shown(client):
    subscriber = active_subscriber()
    path = unsubscribe_path(subscriber)
    shown = client.get(path).content.decode()

    response = client.post(path)

    record = subscriber.consent_records.get()
    assert "You are unsubscribed" in response.content.decode()
    assert (record.channel, record.action) == ("web", "unsubscribe")
    assert record.text in shown


def test_a_reused_unsubscribe_link_shows_a_clear_page_and_changes_nothing(client):
    subscriber = active_subscriber()
    path = unsubscribe_path(subscriber)
    client.post(path)
    before = Subscriber.objects.get(pk=subscriber.pk)

    response = client.post(path)

    assert response.status_code == 410
    assert "This link has already been used" in response.content.decode()
    assert 'href="/subscribe/"' in response.content.decode()
    after = Subscriber.objects.get(pk=subscriber.pk)
    assert (after.token_version, after.unsubscribed_at) == (before.token_version, before.unsubscribed_at)
    assert subscriber.consent_records.count() == 1


def test_old_preference_links_stop_working_after_unsubscribing(client):
    subscriber = active_subscriber()
    preferences = preferences_path(subscriber)
    client.post(unsubscribe_path(subscriber))

    response = client.get(preferences)

    assert response.status_code == 410


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_link_shows_a_clear_page_and_changes_nothing(client, method):
    subscriber = active_subscriber()
    forged = unsubscribe_path(subscriber).replace("/unsubscribe/", "/unsubscribe/x")

    response = getattr(client, method)(forged)

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert 'href="/subscribe/"' in response.content.decode()
    assert h1_count(response) == 1
    assert Subscriber.objects.get(pk=subscriber.pk).status == Subscriber.Status.ACTIVE


def test_an_expired_unsubscribe_link_shows_a_clear_page_and_changes_nothing(client):
    subscriber = active_subscriber()
    with mock.patch("time.time", return_value=time.time() - 400 * 24 * 60 * 60):
        token = token_make(subscriber_id=subscriber.pk, token_version=1, purpose=TokenPurpose.UNSUBSCRIBE)

    response = client.post(f"/unsubscribe/{token}/")

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert Subscriber.objects.get(pk=subscriber.pk).status == Subscriber.Status.ACTIVE


def test_an_expired_confirm_link_shows_a_clear_page(client, post_subscribe, form_data):
    post_subscribe(form_data)
    subscriber = Subscriber.objects.get()
    with mock.patch("time.time", return_value=time.time() - 8 * 24 * 60 * 60):
        token = token_make(subscriber_id=subscriber.pk, token_version=1, purpose=TokenPurpose.CONFIRM)

    response = client.post(f"/subscribe/confirm/{token}/")

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_an_unsubscribe_token_cannot_confirm(client):
    subscriber = SubscriberFactory.create()
    ContactPointFactory.create(subscriber=subscriber)
    token = token_make(subscriber_id=subscriber.pk, token_version=1, purpose=TokenPurpose.UNSUBSCRIBE)

    response = client.post(f"/subscribe/confirm/{token}/")

    assert response.status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


# --- preferences -------------------------------------------------------------------------------------


def test_the_preferences_page_is_prefilled(client, topics, areas):
    subscriber = active_subscriber(topics=[topics[1]], all_areas=False)
    subscriber.areas.set([areas[2]])

    response = client.get(preferences_path(subscriber))

    form = response.context["form"]
    assert response.status_code == 200
    assert form["topics"].value() == [topics[1].pk]
    assert form["areas"].value() == [areas[2].pk]
    assert h1_count(response) == 1


def test_the_preferences_page_masks_the_address(client):
    subscriber = active_subscriber()

    page = client.get(preferences_path(subscriber)).content.decode()

    assert "resident@example.org" not in page
    assert "re•••@example.org" in page


def test_saving_preferences_changes_them_and_records_consent(client, topics):
    subscriber = active_subscriber(topics=[topics[0]])
    path = preferences_path(subscriber)

    response = client.post(
        path, {"topics": [str(topics[2].pk)], "all_areas": "on", "language": "es", "frequency": "weekly"}
    )

    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert list(subscriber.topics.all()) == [topics[2]]
    assert (subscriber.language, subscriber.frequency) == ("es", "weekly")
    assert subscriber.consent_records.get().action == "preferences_change"
    assert "Your choices are saved" in client.get(response["Location"]).content.decode()


def test_invalid_preferences_show_errors_and_change_nothing(client, topics):
    subscriber = active_subscriber(topics=[topics[0]])

    response = client.post(
        preferences_path(subscriber), {"topics": [], "language": "es", "frequency": "weekly"}
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"topics", "areas"}
    subscriber.refresh_from_db()
    assert subscriber.language == "en"
    assert not subscriber.consent_records.exists()


def test_a_forged_preferences_link_shows_a_clear_page(client):
    response = client.get("/preferences/not-a-token/")

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
