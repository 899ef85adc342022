"""Retention: subscriptions never confirmed are forgotten with their addresses."""

from datetime import datetime

from civicloop.subscriptions.models import Subscriber


def unconfirmed_subscribers_forget(cutoff: datetime) -> int:
    """Retention: subscriptions never confirmed, asked for before `cutoff`, are deleted with their
    addresses (nothing was ever sent to them but the confirmation request). The number deleted."""
    stale = Subscriber.objects.filter(status=Subscriber.Status.PENDING, created_at__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    Subscriber.objects.filter(pk__in=ids).delete()
    return len(ids)
