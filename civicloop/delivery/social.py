"""Posting published announcements to the city's social accounts: one SocialPost per network.

Flow: `social_posts_queue` (on publish) creates the rows and, after commit, enqueues one
`post_announcement_to_social` task per new row; the task calls `social_post_send` and schedules its own
retries with backoff. A row is posted at most once: only QUEUED rows are sent, and every attempt for a
row carries the same idempotency key and queue time, which the adapters turn into "the same post".
"""

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicloop.announcements.cards import card_content, card_png
from civicloop.announcements.models import Announcement, Status
from civicloop.announcements.selectors import DEFAULT_LANGUAGE, localized_text
from civicloop.delivery.models import SocialNetwork, SocialPost
from civicloop.integrations.errors import PermanentProviderError, ProviderError, TransientProviderError
from civicloop.integrations.social import (
    SocialImage,
    SocialImagePoster,
    SocialPoster,
    SocialPostResult,
    social_poster_for,
    social_posters,
)
from civicloop.integrations.social.text import social_post_text

SOCIAL_MAX_ATTEMPTS = 5
ERROR_MAX = 1000
# Networks whose posts are an image: they get the announcement's card.
NETWORKS_WITH_CARD = frozenset({SocialNetwork.INSTAGRAM})


@dataclass(frozen=True)
class SocialSendResult:
    """What one send did: the row as saved (None if it no longer exists), and the error to retry after.

    `retry` is set only when the row is still QUEUED and another attempt may succeed.
    """

    social_post: SocialPost | None
    retry: TransientProviderError | None = None


def social_post_idempotency_key(social_post: SocialPost) -> str:
    """The same for every attempt of a row, different for every row."""
    return f"civicloop-social-{social_post.pk}"


def social_posts_queue(*, announcement: Announcement) -> list[SocialPost]:
    """Queue the announcement for every configured network; returns its social posts (may be empty).

    Does nothing unless the announcement is published and has `post_to_social` ticked (both re-read from
    the database). Idempotent: calling it again returns the same rows and enqueues nothing new; a task is
    enqueued, after commit, only for rows this call created.
    """
    announcement.refresh_from_db(fields=["status", "post_to_social"])
    if not announcement.post_to_social or announcement.status != Status.PUBLISHED:
        return []
    posts = []
    with transaction.atomic():
        for network in [poster.network for poster in social_posters()]:
            post, created = SocialPost.objects.get_or_create(announcement=announcement, network=network)
            posts.append(post)
            if created:
                transaction.on_commit(partial(_enqueue_send, post.pk))
    return posts


def _enqueue_send(social_post_id: int) -> None:
    from civicloop.delivery.tasks_social import post_announcement_to_social

    post_announcement_to_social.enqueue(social_post_id)


def social_post_send(
    *, social_post_id: int, poster: SocialPoster | None = None, max_attempts: int = SOCIAL_MAX_ATTEMPTS
) -> SocialSendResult:
    """Make one attempt to post a queued social post, and record the outcome on the row.

    - Not QUEUED (already POSTED or FAILED): nothing is sent; the row is returned as it is.
    - Success: POSTED with remote id, remote URL and posted_at.
    - Permanent failure (or no poster configured for the network, or a link too long to post): FAILED
      with the error.
    - Transient failure: attempts + 1 and the error noted; the result's `retry` says to try again, unless
      this was attempt `max_attempts`, which makes it FAILED.

    The post text (title, summary if it fits, link to the announcement page, fitted to the network's
    limit as it counts) is in the city's social language (SOCIAL_LANGUAGE) when the announcement has a
    text in it, else in English. It is built on the first attempt and stored, so every retry sends exactly
    the same text. Instagram's post is the announcement's card with the text as caption. No database
    transaction is held while the network is called.
    """
    social_post = SocialPost.objects.select_related("announcement").filter(pk=social_post_id).first()
    if social_post is None or social_post.status != SocialPost.Status.QUEUED:
        return SocialSendResult(social_post)
    poster = poster or social_poster_for(social_post.network)
    if poster is None:
        return _record_failure(social_post, f"{social_post.get_network_display()} is not configured.")
    announcement = social_post.announcement
    text = localized_text(announcement, social_language())
    link = settings.SITE_URL + announcement.get_absolute_url()
    try:
        if link not in social_post.text:
            social_post.text = social_post_text(
                title=text.title, summary=text.summary, link=link, limit=poster.limit, count=poster.count
            )
            SocialPost.objects.filter(pk=social_post.pk).update(text=social_post.text)
        result = _post(social_post, poster, link=link, language=text.language)
    except TransientProviderError as error:
        return _record_transient(social_post, error, max_attempts=max_attempts)
    except (PermanentProviderError, ValueError) as error:
        return _record_failure(social_post, _describe(error))
    # The post exists whatever the row said meanwhile, so the row must say so too.
    SocialPost.objects.filter(pk=social_post.pk).exclude(status=SocialPost.Status.POSTED).update(
        status=SocialPost.Status.POSTED,
        remote_id=result.remote_id,
        remote_url=result.remote_url,
        posted_at=timezone.now(),
        attempts=F("attempts") + 1,
        error="",
    )
    return SocialSendResult(_reloaded(social_post))


def social_language() -> str:
    """The language the city's accounts post in: SOCIAL_LANGUAGE, English unless the city sets another."""
    return getattr(settings, "SOCIAL_LANGUAGE", "") or DEFAULT_LANGUAGE


def social_card_image(announcement: Announcement, language: str) -> SocialImage:
    """The announcement's card in `language`: its JPEG's public address (what Instagram fetches), its alt
    text, and the PNG for posters that keep a copy (the demo's files)."""
    content = card_content(announcement, language)
    query = "" if content.language == DEFAULT_LANGUAGE else f"?lang={content.language}"
    return SocialImage(
        url=f"{settings.SITE_URL}{announcement.get_absolute_url()}card.jpg{query}",
        alt_text=content.alt_text,
        render=partial(card_png, content),
    )


def _post(social_post: SocialPost, poster: SocialPoster, *, link: str, language: str) -> SocialPostResult:
    key = social_post_idempotency_key(social_post)
    if social_post.network not in NETWORKS_WITH_CARD:
        return poster.post(
            text=social_post.text,
            link=link,
            idempotency_key=key,
            created_at=social_post.created_at,
            language=language,
        )
    if not isinstance(poster, SocialImagePoster):
        raise PermanentProviderError(
            f"{social_post.get_network_display()} needs an image this poster cannot post."
        )
    return poster.post_with_image(
        text=social_post.text,
        link=link,
        image=social_card_image(social_post.announcement, language),
        idempotency_key=key,
        created_at=social_post.created_at,
        language=language,
    )


def _record_failure(social_post: SocialPost, error: str) -> SocialSendResult:
    SocialPost.objects.filter(pk=social_post.pk, status=SocialPost.Status.QUEUED).update(
        status=SocialPost.Status.FAILED, attempts=F("attempts") + 1, error=error[:ERROR_MAX]
    )
    return SocialSendResult(_reloaded(social_post))


def _record_transient(
    social_post: SocialPost, error: TransientProviderError, *, max_attempts: int
) -> SocialSendResult:
    SocialPost.objects.filter(pk=social_post.pk, status=SocialPost.Status.QUEUED).update(
        attempts=F("attempts") + 1, error=_describe(error)[:ERROR_MAX]
    )
    saved = _reloaded(social_post)
    if saved.status != SocialPost.Status.QUEUED:
        return SocialSendResult(saved)
    if saved.attempts >= max_attempts:
        SocialPost.objects.filter(pk=saved.pk, status=SocialPost.Status.QUEUED).update(
            status=SocialPost.Status.FAILED,
            error=f"Gave up after {saved.attempts} attempts. {_describe(error)}"[:ERROR_MAX],
        )
        return SocialSendResult(_reloaded(saved))
    return SocialSendResult(saved, retry=error)


def _reloaded(social_post: SocialPost) -> SocialPost:
    social_post.refresh_from_db()
    return social_post


def _describe(error: Exception) -> str:
    if isinstance(error, ProviderError) and error.raw:
        return f"{error} — {error.raw[:300]}"
    return str(error)
