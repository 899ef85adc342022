"""Reads for the outbox: how far a send has got."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from civicloop.core.rows import row_get
from civicloop.delivery.models import Delivery, Message, SocialPost

DONE = {
    Delivery.Status.SENT,
    Delivery.Status.DELIVERED,
    Delivery.Status.FAILED,
    Delivery.Status.BOUNCED,
    Delivery.Status.SUPPRESSED,
    Delivery.Status.CANCELLED,
}


@dataclass
class DeliveryProgress:
    message: Message | None
    total: int = 0
    done: int = 0
    # (channel, language) -> status -> count
    rows: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(100 * self.done / self.total)

    @property
    def running(self) -> bool:
        return (
            self.message is not None
            and self.message.status != Message.Status.CANCELLED
            and self.done < self.total
        )


def announcement_delivery_progress(*, announcement_id: int) -> DeliveryProgress:
    """Per channel and language, how many deliveries are in each status (two queries)."""
    message = Message.objects.filter(kind=Message.Kind.ANNOUNCEMENT, announcement_id=announcement_id).first()
    progress = DeliveryProgress(message=message)
    if message is None:
        return progress
    counts = (
        Delivery.objects.filter(message=message)
        .values("channel", "language", "status")
        .annotate(n=Count("id"))
        .order_by("channel", "language")
    )
    rows: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in counts:
        rows[(row["channel"], row["language"])][row["status"]] = row["n"]
        progress.total += row["n"]
        if row["status"] in DONE:
            progress.done += row["n"]
    progress.rows = dict(rows)
    return progress


def social_post_by_remote_id(*, network: str, remote_id: str) -> SocialPost | None:
    """The city's post on `network` with this id there (a Mastodon status id, a Bluesky at:// URI), if any."""
    if not remote_id:
        return None
    return row_get(SocialPost, network=network, remote_id=remote_id)  # each new social conversation asks


def announcement_social_posts(*, announcement_id: int) -> list[SocialPost]:
    """The announcement's post on each of the city's social networks, in the order they were queued."""
    return list(SocialPost.objects.filter(announcement_id=announcement_id).order_by("id"))


def social_post_latest_remote_id(network: str) -> str:
    """The id on `network` of the city's latest post there ("" when it has posted nothing yet)."""
    latest = (
        SocialPost.objects.filter(network=network, status=SocialPost.Status.POSTED)
        .exclude(remote_id="")
        .order_by("-posted_at", "-id")
        .values_list("remote_id", flat=True)
        .first()
    )
    return latest or ""
