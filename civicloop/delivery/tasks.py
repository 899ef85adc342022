"""Background tasks: small, idempotent, safe to retry. They load ids and call services."""

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from civicloop.announcements.models import Announcement, Status
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Channel, Message
from civicloop.delivery.sending import deliveries_send_pending, next_retry_at
from civicloop.delivery.services import announcement_message_ensure
from civicloop.delivery.social import social_posts_queue

# Urgent alerts jump the queue: their fan-out and senders run before routine work.
URGENT_PRIORITY = 50


@task()
def fan_out_announcement(announcement_id: int) -> int:
    """Create the deliveries of a published announcement, then start the senders."""
    announcement = Announcement.objects.filter(pk=announcement_id, status=Status.PUBLISHED).first()
    if announcement is None:
        return 0
    social_posts_queue(announcement=announcement)
    message, _created = announcement_message_ensure(announcement=announcement)
    if message.status == Message.Status.CANCELLED:
        return 0
    inserted = announcement_fan_out(message=message)
    priority = URGENT_PRIORITY if message.urgent else 0
    # Several senders per channel, so one large send spreads over every worker (claims are leased).
    for channel in Channel.values:
        for _sender in range(max(1, int(getattr(settings, "DELIVERY_SENDERS_PER_CHANNEL", 2)))):
            send_deliveries.using(priority=priority).enqueue(channel)
    return inserted


@task()
def send_deliveries(channel: str) -> int:
    """Send what is due on a channel; if retries wait for later, come back when the first is due."""
    handled = deliveries_send_pending(channel=channel)
    due = next_retry_at(channel)
    if due is not None:
        send_deliveries.using(run_after=max(due, timezone.now())).enqueue(channel)
    return handled


def resume_unfinished_sends() -> list[str]:
    """Enqueue what a dead worker or a lost queue left unfinished: fan-outs not done, deliveries waiting."""
    unfinished = Message.objects.filter(kind=Message.Kind.ANNOUNCEMENT, status=Message.Status.FANNING_OUT)
    for announcement_id, urgent in unfinished.values_list("announcement_id", "urgent"):
        fan_out_announcement.using(priority=URGENT_PRIORITY if urgent else 0).enqueue(announcement_id)
    channels = []
    for channel in Channel.values:
        due = next_retry_at(channel)
        if due is not None:
            send_deliveries.using(run_after=max(due, timezone.now())).enqueue(channel)
            channels.append(channel)
    return channels
