"""Atom, RSS and iCalendar: the public syndication contracts (RFC 4287, RSS 2.0, RFC 5545)."""

import email.utils
import html as html_lib
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import feedparser
import pytest
from django.utils import timezone
from icalendar import Calendar

from civicloop.announcements.models import Kind
from civicloop.announcements.services import announcement_archive
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM_URL = "/feeds/announcements.atom"
RSS_URL = "/feeds/announcements.rss"
FEED_URLS = [ATOM_URL, RSS_URL]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"

pytestmark = pytest.mark.django_db


# --- helpers -----------------------------------------------------------------------------------------


def get_ok(client, url: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    response = client.get(url, data or {})
    assert response.status_code == 200, (url, data, response.status_code)
    return response


def feed_titles(client, url: str, data: dict[str, str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Entry titles of a feed, after checking feedparser read it as well-formed."""
    parsed = feedparser.parse(get_ok(client, url, data).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.title for entry in parsed.entries]


def parse_calendar(content: bytes) -> Calendar:
    calendar = Calendar.from_ical(content)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    return calendar


def event_summaries(client, url: str, data: dict[str, str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    calendar = parse_calendar(get_ok(client, url, data).content)
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def html_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _TagCollector()
    collector.feed(html)
    collector.close()
    return collector.tags


def html_payloads(content: bytes) -> list[str]:
    """The text of every element a reader renders as HTML: Atom type="html" elements, RSS descriptions."""
    root = ET.fromstring(content)
    if root.tag == f"{ATOM}feed":
        return [el.text or "" for el in root.iter() if el.get("type") in ("html", "xhtml")]
    return [item.findtext("description") or "" for item in root.iter("item")]


def event(title: str, **kwargs):  # type: ignore[no-untyped-def]
    return make_announcement(
        title=title, kind=Kind.EVENT, event_in_days=kwargs.pop("event_in_days", 7), **kwargs
    )


# --- format: required elements ---------------------------------------------------------------------


def test_atom_feed_and_every_entry_have_the_required_rfc4287_elements(client):
    # Given two published announcements
    make_announcement(title="Rental help")
    make_announcement(title="Street sweeping begins", spanish=None)

    # When the Atom feed is fetched
    response = get_ok(client, ATOM_URL)

    # Then it is an Atom document with feed id/title/updated and complete entries
    assert response["Content-Type"].startswith("application/atom+xml")
    assert not feedparser.parse(response.content).bozo
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), f"feed lacks <{name}>"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), f"entry lacks <{name}>"
        links = entry.findall(f"{ATOM}link")
        assert links and all(link.get("href", "").startswith("http") for link in links)


def test_rss_channel_and_every_item_have_guid_and_rfc822_pubdate(client):
    # Given two announcements published at known times
    first = make_announcement(title="Rental help", published_at=timezone.now() - timedelta(days=3))
    second = make_announcement(
        title="Street sweeping begins", published_at=timezone.now() - timedelta(days=1)
    )

    # When the RSS feed is fetched
    response = get_ok(client, RSS_URL)

    # Then the channel has title/link/description and each item a guid and its RFC 822 publication date
    assert response["Content-Type"].startswith("application/rss+xml")
    assert not feedparser.parse(response.content).bozo
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel lacks <{name}>"
    items = channel.findall("item")
    assert len(items) == 2
    assert first.published_at and second.published_at
    expected = {second.get_absolute_url(): second.published_at, first.get_absolute_url(): first.published_at}
    for item in items:
        assert (item.findtext("guid") or "").strip()
        published = email.utils.parsedate_to_datetime(item.findtext("pubDate") or "")
        assert published.tzinfo is not None
        path = (item.findtext("link") or "").split("://", 1)[-1].split("/", 1)[-1]
        assert published == expected["/" + path].replace(microsecond=0)


def test_events_calendar_vevents_have_uid_dtstamp_dtstart_and_summary(client):
    # Given two upcoming events and a non-event announcement
    event("Budget town hall")
    event("Park cleanup", event_in_days=14)
    make_announcement(title="Rental help")

    # When the calendar is fetched
    response = get_ok(client, "/events.ics")

    # Then it parses without component errors and each event has the required properties
    assert response["Content-Type"].startswith("text/calendar")
    calendar = parse_calendar(response.content)
    assert calendar["VERSION"] == "2.0" and calendar.get("PRODID")
    events = calendar.walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Budget town hall", "Park cleanup"]
    for vevent in events:
        for name in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert vevent.get(name), f"VEVENT lacks {name}"
        assert vevent.decoded("DTSTAMP").utcoffset() == timedelta(0), "DTSTAMP must be in UTC"
    assert len({str(e["UID"]) for e in events}) == 2


def test_events_calendar_text_is_plain_text_without_html_entities(client):
    # Given an event whose text contains characters HTML must escape
    event("Parks & Recreation fair", summary="", body="Food & music for <all> ages")

    # When the calendar is fetched
    calendar = parse_calendar(get_ok(client, "/events.ics").content)

    # Then the description is the plain text, not HTML-escaped text
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Parks & Recreation fair"
    assert "&amp;" not in str(vevent["DESCRIPTION"]) and "&lt;" not in str(vevent["DESCRIPTION"])
    assert "Food & music" in str(vevent["DESCRIPTION"])


# --- filters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", FEED_URLS)
def test_topic_filter_returns_only_that_topic(client, url):
    # Given announcements on two topics
    housing, health = make_topic("housing", "Housing", "Vivienda"), make_topic("health", "Health", "Salud")
    make_announcement(title="Rental help", topics=[housing])
    make_announcement(title="Flu shots", topics=[health])
    make_announcement(title="Senior housing clinic", topics=[health, housing])

    # When the feed is filtered by topic
    titles = feed_titles(client, url, {"topic": "housing"})

    # Then only that topic's announcements are listed
    assert sorted(titles) == ["Rental help", "Senior housing clinic"]


@pytest.mark.parametrize("url", FEED_URLS)
def test_area_filter_returns_the_area_and_citywide_but_not_other_areas(client, url):
    # Given a citywide announcement and ones targeted at two different areas
    pilsen, near_north = make_area(31, "Lower West Side"), make_area(8, "Near North Side")
    make_announcement(title="Citywide rental help")
    make_announcement(title="Lower West Side street fair", areas=[pilsen])
    make_announcement(title="Near North Side water main", areas=[near_north])

    # When the feed is filtered by one area
    titles = feed_titles(client, url, {"area": "lower-west-side"})

    # Then that area's and the citywide announcements are listed, not the other area's
    assert sorted(titles) == ["Citywide rental help", "Lower West Side street fair"]


@pytest.mark.parametrize("url", FEED_URLS)
def test_lang_es_returns_only_spanish_versions_in_a_spanish_feed(client, url):
    # Given one announcement with a Spanish version and one in English only
    make_announcement(title="Rental help", spanish=("Ayuda con el alquiler", "Solicite **ahora**."))
    make_announcement(title="Street sweeping begins", spanish=None)

    # When the Spanish feed is fetched
    response = get_ok(client, url, {"lang": "es"})

    # Then only the Spanish version is listed, with its Spanish title, and the feed declares Spanish
    parsed = feedparser.parse(response.content)
    assert [entry.title for entry in parsed.entries] == ["Ayuda con el alquiler"]
    root = ET.fromstring(response.content)
    language = root.get(XML_LANG) if url == ATOM_URL else root.findtext("channel/language")
    assert language == "es"


UNKNOWN_VALUES = [
    pytest.param({"topic": "no-such-topic"}, id="topic"),
    pytest.param({"area": "atlantis"}, id="area"),
    pytest.param({"lang": "xx"}, id="lang"),
]


@pytest.mark.parametrize("url", FEED_URLS)
@pytest.mark.parametrize("param", UNKNOWN_VALUES)
def test_unknown_filter_values_return_a_valid_empty_feed(client, url, param):
    # Given a published announcement
    make_announcement(title="Rental help")

    # When the feed is filtered by a value that does not exist
    response = get_ok(client, url, param)

    # Then a well-formed feed with no entries is returned
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.version in ("atom10", "rss20")
    assert parsed.entries == []


@pytest.mark.parametrize("param", UNKNOWN_VALUES)
def test_unknown_filter_values_return_a_valid_empty_calendar(client, param):
    # Given an upcoming event
    event("Budget town hall")

    # When the calendar is filtered by a value that does not exist
    summaries = event_summaries(client, "/events.ics", param)

    # Then a valid calendar with no events is returned
    assert summaries == []


def test_events_calendar_query_filters_select_topic_area_and_language(client):
    # Given events on different topics, areas and languages
    housing, health = make_topic("housing", "Housing", "Vivienda"), make_topic("health", "Health", "Salud")
    pilsen, near_north = make_area(31, "Lower West Side"), make_area(8, "Near North Side")
    event("Housing fair", topics=[housing], spanish=("Feria de vivienda", "Venga."))
    event("Pilsen housing clinic", topics=[housing], areas=[pilsen], spanish=None)
    event("Near North housing clinic", topics=[housing], areas=[near_north])
    event("Flu shots", topics=[health])

    # When the calendar is filtered by topic, area and Spanish
    summaries = event_summaries(
        client, "/events.ics", {"topic": "housing", "area": "lower-west-side", "lang": "es"}
    )

    # Then only the matching event is listed, in Spanish
    assert summaries == ["Feria de vivienda"]


def test_topic_calendar_contains_only_that_topics_events(client):
    # Given events on two topics
    housing, health = make_topic("housing", "Housing", "Vivienda"), make_topic("health", "Health", "Salud")
    event("Housing fair", topics=[housing])
    event("Flu shots", topics=[health])

    # When the per-topic calendar is fetched
    summaries = event_summaries(client, "/events/health.ics")

    # Then it lists only that topic's events
    assert summaries == ["Flu shots"]


# --- what never appears ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", FEED_URLS)
def test_drafts_and_archived_announcements_never_appear_in_feeds(client, url):
    # Given a published, a draft and an archived announcement
    make_announcement(title="Published news")
    make_announcement(title="Draft news", publish=False)
    announcement_archive(announcement=make_announcement(title="Archived news"))

    # When the feed is fetched
    titles = feed_titles(client, url)

    # Then only the published one is listed
    assert titles == ["Published news"]


def test_drafts_and_archived_events_never_appear_in_calendars(client):
    # Given a published, a draft and an archived event
    event("Published fair")
    event("Draft fair", publish=False)
    announcement_archive(announcement=event("Archived fair"))

    # When the calendars are fetched
    everything = event_summaries(client, "/events.ics")
    per_topic = event_summaries(client, "/events/housing.ics")

    # Then only the published event is listed
    assert everything == per_topic == ["Published fair"]


@pytest.mark.parametrize("url", FEED_URLS)
@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_markup_in_a_title_is_escaped_text_in_feeds(client, url, payload):
    # Given an announcement whose title is an XSS payload
    make_announcement(title=f"Rent {payload} help", spanish=None)

    # When the feed is fetched
    response = get_ok(client, url)

    # Then the raw XML never holds the markup unescaped, and the title reads as text
    assert b"<script" not in response.content and b"<img" not in response.content
    (entry,) = feedparser.parse(response.content).entries
    assert entry.title == f"Rent {payload} help"
    assert entry.title_detail.type == "text/plain"


@pytest.mark.parametrize("url", FEED_URLS)
@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_markup_in_a_summary_or_body_is_never_a_live_element_in_feeds(client, url, payload):
    # Given announcements with an XSS payload in the summary, and one in the body only
    make_announcement(title="In summary", summary=f"Help {payload} now", spanish=None)
    make_announcement(title="In body", summary="", body=f"Help {payload} now", spanish=None)

    # When the feed is fetched
    response = get_ok(client, url)

    # Then the HTML readers render contains no script or image element, and nor does feedparser's output
    assert b"<script" not in response.content and b"<img" not in response.content
    payloads = html_payloads(response.content)
    assert len(payloads) == 2
    for html in payloads:
        assert [tag for tag, _ in html_tags(html) if tag in ("script", "img")] == []
    entries = {entry.title: entry for entry in feedparser.parse(response.content).entries}
    for entry in entries.values():
        assert [tag for tag, _ in html_tags(entry.summary) if tag in ("script", "img")] == []
    # The summary is kept, shown as the text it is
    assert html_lib.escape(payload, quote=False) in entries["In summary"].summary


def test_markup_in_an_event_title_is_text_in_the_calendar(client):
    # Given an event whose title and summary are XSS payloads
    event(f"Fair {SCRIPT}", summary=f"Come {IMG}")

    # When the calendar is fetched
    calendar = parse_calendar(get_ok(client, "/events.ics").content)

    # Then the summary is the literal text (iCalendar TEXT is never HTML) and no HTML alternative is added
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == f"Fair {SCRIPT}"
    assert "X-ALT-DESC" not in vevent


# --- autodiscovery -----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/", "/announcements/", "detail"])
def test_pages_advertise_atom_and_rss_feeds_that_work(client, page):
    # Given a published announcement
    announcement = make_announcement(title="Rental help")
    url = announcement.get_absolute_url() if page == "detail" else page

    # When the page is fetched
    html = get_ok(client, url).content.decode()

    # Then its head links to an Atom and an RSS feed, and each link serves a feed listing the announcement
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert '<link rel="alternate" type="application/rss+xml"' in html
    links = {
        attrs["type"]: attrs["href"]
        for tag, attrs in html_tags(html)
        if tag == "link" and attrs.get("rel") == "alternate"
    }
    for kind in ("application/atom+xml", "application/rss+xml"):
        href = links[kind] or ""
        assert feed_titles(client, href) == ["Rental help"], href


# --- constant number of queries -----------------------------------------------------------------------

# Measured (tight): the list page runs count, page, translations, topics, areas, topic list, area list;
# a feed runs its page, translations, topics and areas.
QUERY_BUDGET = {
    "/announcements/": 7,
    f"{ATOM_URL}?topic=housing&area=lower-west-side&lang=es": 4,
    f"{RSS_URL}?topic=housing": 4,
}


def _make_mixed(count: int) -> None:
    area = make_area(31, "Lower West Side")
    for number in range(count):
        make_announcement(
            title=f"Announcement {number}",
            areas=[area] if number % 3 == 0 else None,
            spanish=("Anuncio", "Texto.") if number % 2 else None,
        )


@pytest.mark.parametrize("url", list(QUERY_BUDGET))
def test_pages_and_feeds_issue_a_constant_number_of_queries(client, django_assert_max_num_queries, url):
    # Given a few announcements, measured under the budget
    _make_mixed(3)
    with django_assert_max_num_queries(QUERY_BUDGET[url]):
        get_ok(client, url)

    # When thirty more are added
    _make_mixed(30)

    # Then the same page still fits the same budget (no per-row queries)
    with django_assert_max_num_queries(QUERY_BUDGET[url]):
        response = get_ok(client, url)
    assert len(response.content) > 0
