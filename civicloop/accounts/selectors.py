from datetime import datetime

from axes.models import AccessAttempt
from django.db.models import Sum


def login_failures_count(*, since: datetime, username: str = "", address_pseudonym: str = "") -> int:
    """Failed sign-ins django-axes counts against one username or one address (its pseudonym) since then.

    The same sum axes compares with its failure limit. Give exactly one of username and address_pseudonym.
    """
    if bool(username) == bool(address_pseudonym):
        raise ValueError("Give exactly one of username and address_pseudonym.")
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since)
    attempts = (
        attempts.filter(username=username) if username else attempts.filter(ip_address=address_pseudonym)
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
