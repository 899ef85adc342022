"""Owners are reminded before an entry's review-by date passes: one email per owner, listing their
entries due within REMIND_BEFORE (or already overdue), once per review-by date."""

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicloop.directory.models import DirectoryEntry

logger = logging.getLogger(__name__)

REMIND_BEFORE = timedelta(days=14)


def _due(today: date) -> "list[DirectoryEntry]":
    not_reminded = Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("review_by"))
    return list(
        DirectoryEntry.objects.filter(
            not_reminded,
            review_by__lte=today + REMIND_BEFORE,
            owner__is_active=True,
        )
        .exclude(owner__email="")
        .select_related("owner")
        .only("id", "slug", "department", "review_by", "owner__email", "owner__preferred_language",
              "owner__first_name", "owner__last_name", "owner__username")
        .order_by("owner_id", "review_by", "slug")
    )  # fmt: skip


def directory_review_reminders_send(*, today: date | None = None) -> int:
    """Email each owner whose entries are due for review; returns how many owners were emailed.

    Each entry is marked with the date it was reminded of before the email goes (a second run finds
    nothing to send); if the email fails, the marks are taken back and the error raised, for a retry.
    """
    today = today or timezone.localdate()
    by_owner: dict[int, list[DirectoryEntry]] = defaultdict(list)
    for entry in _due(today):
        by_owner[entry.owner_id].append(entry)  # type: ignore[index]
    emailed = 0
    for entries in by_owner.values():
        claimed = [
            entry
            for entry in entries
            if DirectoryEntry.objects.filter(pk=entry.pk, review_by=entry.review_by)
            .exclude(review_reminded_for=entry.review_by)
            .update(review_reminded_for=entry.review_by)
        ]  # one UPDATE an entry, only for the few due: another run may have taken some
        if not claimed:
            continue
        try:
            _reminder(claimed, today).send()
        except Exception as error:
            DirectoryEntry.objects.filter(pk__in=[entry.pk for entry in claimed]).update(
                review_reminded_for=None
            )
            logger.warning("Review reminder could not be sent: %s", type(error).__name__)
            raise
        emailed += 1
    return emailed


def _reminder(entries: "list[DirectoryEntry]", today: date) -> EmailMessage:
    owner = entries[0].owner
    assert owner is not None
    language = owner.preferred_language or settings.LANGUAGE_CODE
    site = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        lines = [
            _("Hello %(name)s,") % {"name": owner.get_full_name() or owner.username},
            _(
                "These directory entries you own are due for review. Check that each is still right, then "
                "set its next review-by date:"
            ),
        ]
        for entry in entries:
            assert entry.review_by is not None
            when = date_format(entry.review_by, "DATE_FORMAT")
            state = _("overdue since %(date)s") if entry.review_by < today else _("review by %(date)s")
            edit = site + reverse("admin:directory_directoryentry_change", args=[entry.pk])
            lines.append(f"- {site}{entry.get_absolute_url()} ({state % {'date': when}})\n  {edit}")
        subject = _("Directory entries due for review")
    return EmailMessage(
        subject=subject,
        body="\n\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[owner.email],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    )
