from datetime import date, datetime, time, timedelta

from axes.models import AccessAttempt
from django.db.models import QuerySet, Sum
from django.utils import timezone

from civicloop.accounts.models import StaffAuditEvent


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


def staff_audit_events(
    *, actor: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[StaffAuditEvent]:
    """The staff audit log, newest first; `actor` is a username (exact, any case), dates are local days."""
    events = StaffAuditEvent.objects.all()
    if actor:
        events = events.filter(actor_username__iexact=actor)
    zone = timezone.get_current_timezone()
    if since:
        events = events.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        events = events.filter(
            created_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
        )
    return events.order_by("-created_at", "-id")
