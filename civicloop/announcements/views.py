from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from civicloop.announcements import selectors
from civicloop.announcements.cards import card_content, card_jpeg, card_png
from civicloop.announcements.models import Kind
from civicloop.core.errors import NotFound
from civicloop.core.languages import city_language
from civicloop.places.selectors import community_area_list
from civicloop.topics.selectors import topic_list

PAGE_SIZE = 20
CARD_MAX_AGE = 60 * 60


def _language() -> str:
    return city_language(get_language())


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    language = _language()
    alerts = selectors.announcements_localize(selectors.announcement_urgent_alerts(), language)
    latest = selectors.announcements_localize(selectors.announcement_public_list()[:8], language)
    events = selectors.announcements_localize(selectors.announcement_upcoming_events(limit=4), language)
    return render(
        request,
        "announcements/home.html",
        {"alerts": alerts, "latest": latest, "events": events, "topics": topic_list()},
    )


@require_safe
def announcement_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.AnnouncementFilters.from_params(request.GET)
    paginator = Paginator(selectors.announcement_public_list(filters=filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    announcements = selectors.announcements_localize(page.object_list, _language())
    feed_query = urlencode(
        {k: v for k, v in (("topic", filters.topic), ("area", filters.area), ("lang", filters.language)) if v}
    )
    base_query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "announcements/list.html",
        {
            "page": page,
            "announcements": announcements,
            "filters": filters,
            "topics": topic_list(),
            "areas": community_area_list(),
            "kinds": Kind.choices,
            "languages": settings.LANGUAGES,
            "feed_query": feed_query,
            "base_query": base_query,
        },
    )


@require_safe
def announcement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        announcement = selectors.announcement_public_detail(slug=slug)
    except NotFound as error:
        raise Http404(error.message) from error
    language = _language()
    text = selectors.localized_text(announcement, language)
    url = f"{settings.SITE_URL}{announcement.get_absolute_url()}"
    share = {
        "email": f"mailto:?subject={quote(text.title)}&body={quote(url)}",
        "sms": f"sms:?&body={quote(text.title + ' ' + url)}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}",
        "x": f"https://x.com/intent/post?text={quote(text.title)}&url={quote(url, safe='')}",
        "bluesky": f"https://bsky.app/intent/compose?text={quote(text.title + ' ' + url)}",
    }
    topic_slugs = [topic.slug for topic in announcement.topics.all()]
    return render(
        request,
        "announcements/detail.html",
        {
            "announcement": announcement,
            "text": text,
            "share": share,
            "absolute_url": url,
            "topic_feeds": announcement.topics.all(),
            "first_topic": topic_slugs[0] if topic_slugs else "",
        },
    )


@require_safe
def announcement_card(request: HttpRequest, slug: str, image_format: str = "png") -> HttpResponse:
    """The announcement's card (PNG, or JPEG for Instagram) in `?lang=` (else English)."""
    try:
        announcement = selectors.announcement_public_detail(slug=slug)
    except NotFound as error:
        raise Http404(error.message) from error
    language = request.GET.get("lang", "")
    content = card_content(announcement, language if language in selectors.SUPPORTED_LANGUAGES else "en")
    # Networks and browsers fetch it again and again; an unchanged card is not drawn or sent again.
    etag = content.etag(image_format)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    elif image_format == "jpeg":
        response = HttpResponse(card_jpeg(content), content_type="image/jpeg")
    else:
        response = HttpResponse(card_png(content), content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={CARD_MAX_AGE}"
    return response
