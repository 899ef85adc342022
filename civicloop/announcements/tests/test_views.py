import pytest
from django.utils import translation

from civicloop.announcements.models import Kind
from civicloop.announcements.services import announcement_archive
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic

pytestmark = pytest.mark.django_db


def spanish(client):
    client.cookies["django_language"] = "es"
    return client


def test_home_puts_urgent_alerts_on_top(client):
    make_announcement(title="Regular program news")
    make_announcement(title="Extreme cold warning", kind=Kind.ALERT)

    html = client.get("/").content.decode()

    assert 'id="alerts-title"' in html
    assert html.index("Extreme cold warning") < html.index("Regular program news")
    assert "/subscribe/" in html


def test_list_filters_by_topic_area_kind_and_language(client):
    pilsen, loop = make_area(31, "Lower West Side"), make_area(32, "Loop")
    parks = make_topic("parks-culture", "Parks and culture", "Parques y cultura")
    make_announcement(title="Pilsen parks festival", topics=[parks], areas=[pilsen])
    make_announcement(title="Loop parks festival", topics=[parks], areas=[loop])
    make_announcement(title="Citywide parks news", topics=[parks], spanish=None)
    make_announcement(title="Housing news")
    make_announcement(title="Policy on parks", topics=[parks], kind=Kind.POLICY)

    def titles(query):
        return client.get(f"/announcements/?{query}").content.decode()

    by_area = titles("topic=parks-culture&area=lower-west-side")
    assert "Pilsen parks festival" in by_area and "Citywide parks news" in by_area
    assert "Loop parks festival" not in by_area and "Housing news" not in by_area
    assert "Citywide parks news" not in titles("topic=parks-culture&lang=es")
    by_kind = titles("kind=policy")
    assert "Policy on parks" in by_kind and "Pilsen parks festival" not in by_kind


def test_search_finds_words_in_title_and_text(client):
    make_announcement(title="Lead pipes", body="Free water tests for homes")
    make_announcement(title="Tree planting", body="Parkway trees")

    html = client.get("/announcements/?q=water+tests").content.decode()

    assert "Lead pipes" in html and "Tree planting" not in html


@pytest.mark.parametrize(
    "query",
    ["topic=nope", "area=atlantis", "kind=rumour", "lang=fr", "page=999", "page=abc", "q=" + "x" * 5000],
)
def test_unknown_filter_values_give_an_empty_result_not_an_error(client, query):
    make_announcement(title="Something")

    response = client.get(f"/announcements/?{query}")

    assert response.status_code == 200


def test_unknown_topic_matches_nothing(client):
    make_announcement(title="Something")

    assert "Something" not in client.get("/announcements/?topic=nope").content.decode()


def test_the_list_is_paginated(client):
    for number in range(23):
        make_announcement(title=f"Notice number {number:02d}", spanish=None)

    first = client.get("/announcements/").content.decode()
    second = client.get("/announcements/?page=2").content.decode()

    assert "Notice number 22" in first and "Notice number 02" not in first
    assert "Notice number 02" in second and 'rel="prev"' in second


def test_list_page_queries_stay_constant_as_announcements_grow(client, django_assert_max_num_queries):
    topic = make_topic()
    for number in range(3):
        make_announcement(title=f"A{number}", topics=[topic], areas=[make_area()])
    with django_assert_max_num_queries(7) as few:
        client.get("/announcements/")
    for number in range(25):
        make_announcement(title=f"B{number}", topics=[topic], areas=[make_area()])

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/announcements/")
    with django_assert_max_num_queries(len(few.captured_queries) + 3):
        client.get("/")


def test_drafts_are_not_public(client):
    draft = make_announcement(title="Secret draft", publish=False)

    assert client.get(f"/announcements/{draft.slug}/").status_code == 404
    assert "Secret draft" not in client.get("/announcements/").content.decode()


def test_archived_pages_stay_up_with_a_notice_but_leave_the_list(client):
    announcement = announcement_archive(announcement=make_announcement(title="Old news"))

    page = client.get(f"/announcements/{announcement.slug}/").content.decode()

    assert "archived" in page
    assert "Old news" not in client.get("/announcements/").content.decode()


def test_detail_has_share_links_feeds_and_updated_notice(client):
    from civicloop.announcements.services import AnnouncementDetails, AnnouncementText, announcement_update

    topic = make_topic()
    announcement = make_announcement(title="Rent help", topics=[topic])
    announcement_update(
        announcement=announcement,
        editor=None,
        details=AnnouncementDetails(
            kind=announcement.kind,
            topics=[topic],
            texts={"en": AnnouncementText(title="Rent help (corrected)", body_markdown="New dates")},
        ),
    )

    html = client.get(f"/announcements/{announcement.slug}/").content.decode()

    assert "Updated on" in html
    assert "Rent help (corrected)" in html and "Change history" in html
    assert "facebook.com/sharer" in html and "mailto:" in html
    assert f'href="/feeds/announcements.atom?topic={topic.slug}"' in html
    assert f"/events/{topic.slug}.ics" in html


def test_spanish_readers_get_the_spanish_version(client):
    announcement = make_announcement(title="Rent help", spanish=("Ayuda con la renta", "Solicite ya."))

    html = spanish(client).get(f"/announcements/{announcement.slug}/").content.decode()

    assert "Ayuda con la renta" in html
    assert '<html lang="es" dir="ltr">' in html


def test_without_a_spanish_version_the_english_one_is_shown_with_a_notice(client):
    announcement = make_announcement(title="English only", spanish=None)

    html = spanish(client).get(f"/announcements/{announcement.slug}/").content.decode()

    assert "English only" in html
    assert 'class="notice"' in html
    assert '<article lang="en">' in html


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>"],
)
def test_script_in_announcement_text_is_inert_on_every_page(client, payload):
    announcement = make_announcement(
        title=f"Title {payload}", summary=f"Sum {payload}", body=f"Body {payload}"
    )

    for url in ("/", "/announcements/", f"/announcements/{announcement.slug}/"):
        html = client.get(url).content.decode()
        assert payload not in html
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg/onload" not in html


def test_script_in_search_and_filters_is_escaped(client):
    html = client.get('/announcements/?q="><script>alert(1)</script>').content.decode()

    assert "<script>alert(1)</script>" not in html


def test_language_switcher_changes_the_interface_language(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/announcements/"})

    assert response.status_code == 302
    with translation.override("en"):
        html = client.get("/announcements/").content.decode()
    assert '<html lang="es" dir="ltr">' in html


def test_unknown_area_matches_nothing_not_even_citywide(client):
    make_announcement(title="Citywide news")

    assert "Citywide news" not in client.get("/announcements/?area=atlantis").content.decode()
