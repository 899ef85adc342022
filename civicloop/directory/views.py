"""The directory's pages: the front door to city services and programs, an entry, and the journeys."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from civicloop.core.errors import NotFound
from civicloop.core.languages import city_language
from civicloop.directory import selectors
from civicloop.directory.models import DirectoryEntry
from civicloop.directory.search import QUERY_MAX, search_words
from civicloop.topics.selectors import topic_list

PAGE_SIZE = 20
LANGUAGES = {code for code, _ in settings.LANGUAGES}


def _language() -> str:
    return city_language(get_language())


@require_safe
def directory_home(request: HttpRequest) -> HttpResponse:
    """Life events first, then topics, then a search in plain words; a topic or a query lists entries."""
    language = _language()
    raw_query = request.GET.get("q", "")
    query = raw_query.strip()[:QUERY_MAX]
    topic_slug = request.GET.get("topic", "").strip()[:80]
    topics = list(topic_list())
    topic = next((item for item in topics if item.slug == topic_slug), None)
    page = None
    entries: list[DirectoryEntry] = []
    if query:
        results = selectors.entry_search(query)
    elif topic_slug:
        results = selectors.entry_topic_list(topic_slug=topic_slug)
    else:
        results = None
    if results is not None:
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        entries = selectors.entries_localize(page.object_list, language)
    base_query = urlencode({k: v for k, v in (("q", query), ("topic", topic_slug)) if v})
    return render(
        request,
        "directory/home.html",
        {
            "life_events": selectors.life_events_localize(selectors.life_event_list(), language),
            "topics": topics,
            "topic": topic,
            "topic_slug": topic_slug,
            "query": query,
            "query_cut": len(raw_query.strip()) > QUERY_MAX,
            "query_has_words": bool(search_words(query)),
            "page": page,
            "entries": entries,
            "base_query": base_query,
            "query_max": QUERY_MAX,
        },
    )


@require_safe
def entry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        entry = selectors.entry_public_detail(slug=slug)
    except NotFound as error:
        raise Http404(error.message) from error
    language = _language()
    return render(
        request,
        "directory/entry_detail.html",
        {
            "entry": entry,
            "text": selectors.entry_text(entry, language),
            "journeys": selectors.entry_journeys(entry, language),
            "locations": list(entry.locations.all()),
            "languages_offered": selectors.language_names(entry.languages_offered),
        },
    )


@require_safe
def life_event_list(request: HttpRequest) -> HttpResponse:
    language = _language()
    return render(
        request,
        "directory/life_event_list.html",
        {"life_events": selectors.life_events_localize(selectors.life_event_list(), language)},
    )


@require_safe
def life_event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        life_event = selectors.life_event_public_detail(slug=slug)
    except NotFound as error:
        raise Http404(error.message) from error
    language = _language()
    return render(
        request,
        "directory/life_event_detail.html",
        {
            "life_event": life_event,
            "text": selectors.life_event_text(life_event, language),
            "steps": selectors.journey_localize(life_event, language),
        },
    )


@require_safe
def life_event_structured_data(request: HttpRequest, slug: str) -> JsonResponse:
    """The journey as schema.org HowTo (JSON-LD), in `?lang=` or the reader's language; linked from its page
    (a file, not an inline script: the pages' policy allows no inline script element)."""
    try:
        life_event = selectors.life_event_public_detail(slug=slug)
    except NotFound as error:
        raise Http404(error.message) from error
    requested = request.GET.get("lang", "")
    language = requested if requested in LANGUAGES else _language()
    steps = selectors.journey_localize(life_event, language)
    return JsonResponse(
        selectors.journey_structured_data(life_event, steps, language, settings.SITE_URL),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
