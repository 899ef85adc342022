"""The public request lists' version: bumped by every write that changes what they show."""

from django.db.models import F

from civicloop.servicerequests.models import RequestsVersion


def requests_version_bump() -> None:
    """Mark the public request lists changed; call inside the transaction that changes them."""
    bumped = RequestsVersion.objects.filter(pk=1).update(number=F("number") + 1)
    if not bumped:  # a new or flushed database
        RequestsVersion.objects.get_or_create(pk=1)
        RequestsVersion.objects.filter(pk=1).update(number=F("number") + 1)
