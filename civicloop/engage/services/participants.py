"""Light accounts: sign-in by a magic link to an email address or mobile number, names, staff posting."""

from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.throttling import rate_limit_exceeded
from civicloop.engage.models import Participant
from civicloop.engage.notifications import sign_in_link_send
from civicloop.engage.services.errors import EngageInvalid, EngageRefused, PostingLimitReached
from civicloop.engage.services.typed_input import _contact_value, _required_text
from civicloop.engage.tokens import EngageLinkInvalid, EngageLinkUsed, sign_in_read
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.selectors import language_supported
from civicloop.subscriptions.services import contact_point_ensure

DISPLAY_NAME_MAX = 60
SIGN_IN_LINKS_PER_CONTACT = 5


def _display_name(value: str) -> str:
    return _required_text(
        value,
        field="display_name",
        limit=DISPLAY_NAME_MAX,
        message=_("Give the name to show with your posts."),
    )


def participant_sign_in_request(
    *, contact: str, display_name: str, language: str, next_path: str = "", now: datetime | None = None
) -> Participant:
    """Send a magic link to an email address or mobile number; the account counts once it is used.

    The same address is the same person. Anyone can type anyone's address, so nothing about an existing
    participant changes here: the name and language asked for wait until the link is used, and each new
    link makes the ones sent before it unusable.
    """
    name = _display_name(display_name)
    if not contact.strip():
        raise EngageInvalid(_("Give an email address or a mobile number."), field="contact")
    try:
        kind, value = _contact_value(contact)
    except SubscriptionInvalid as error:
        raise EngageInvalid(error.message, field="contact") from error
    # Nobody may flood someone else's inbox or phone with sign-in links.
    if rate_limit_exceeded(
        scope="engage-sign-in-link", subject=value, limit=SIGN_IN_LINKS_PER_CONTACT, window_seconds=3600
    ):
        raise PostingLimitReached(
            _("We sent several links to this address already. Please try again in an hour.")
        )
    language = language_supported(language)
    with transaction.atomic():
        point = contact_point_ensure(kind=kind, value=value, language=language)
        participant, created = Participant.objects.get_or_create(
            contact_point=point,
            defaults={
                "display_name": name,
                "language": language,
                "pending_display_name": name,
                "pending_language": language,
                "created_at": now or timezone.now(),
            },
        )
        if not created:
            Participant.objects.filter(pk=participant.pk).update(
                token_version=F("token_version") + 1, pending_display_name=name, pending_language=language
            )
            participant.refresh_from_db(fields=["token_version", "pending_display_name", "pending_language"])
        transaction.on_commit(partial(sign_in_link_send, participant.pk, next_path))
    return participant


def _sign_in_link_used() -> EngageLinkUsed:
    return EngageLinkUsed(
        _("This link has already been used, or a newer one was sent. Each sign-in link works once.")
    )


def participant_sign_in_pending(*, token: str) -> Participant:
    """The participant a sign-in link is for, if it can still be used (it is not used up by reading)."""
    payload = sign_in_read(token)
    participant = Participant.objects.filter(pk=payload.participant_id, user__isnull=True).first()
    if participant is None:
        raise EngageLinkInvalid(_("This link is not valid."))
    if participant.token_version != payload.token_version:
        raise _sign_in_link_used()
    return participant


def participant_sign_in_confirm(
    *, token: str, display_name: str = "", now: datetime | None = None
) -> Participant:
    """The magic link was used: the address is proven, and this browser may post as the participant.

    A link signs in once: using it raises the participant's token version in the same statement that
    checks it, so of two uses at the same moment only one succeeds. The name is the one typed on the
    confirmation page, else the one asked for with this link.
    """
    participant = participant_sign_in_pending(token=token)
    name = (
        _display_name(display_name)
        if display_name.strip()
        else participant.pending_display_name or participant.display_name
    )
    language = participant.pending_language or participant.language
    moment = now or timezone.now()
    used = Participant.objects.filter(
        pk=participant.pk, user__isnull=True, token_version=participant.token_version
    ).update(
        token_version=F("token_version") + 1,
        confirmed_at=Coalesce("confirmed_at", Value(moment)),
        display_name=name,
        language=language,
        pending_display_name="",
        pending_language="",
    )
    if not used:
        raise _sign_in_link_used()
    participant.refresh_from_db()
    return participant


def participant_rename(*, participant: Participant, display_name: str) -> Participant:
    """A signed-in resident changes the name shown with their posts (staff are named by their login)."""
    if participant.user_id is not None:
        raise EngageRefused(_("Staff are shown by the name of their staff login."))
    name = _display_name(display_name)
    Participant.objects.filter(pk=participant.pk).update(display_name=name)
    participant.display_name = name
    return participant


def participant_for_staff(user: Any) -> Participant:
    """The participant a staff login posts and replies as (made on first use, confirmed by the login)."""
    name = (user.get_full_name() or user.username)[:DISPLAY_NAME_MAX]
    moment = timezone.now()
    try:
        with transaction.atomic():
            participant, _created = Participant.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": name,
                    "language": user.preferred_language or "en",
                    "confirmed_at": moment,
                    "created_at": moment,
                },
            )
    except IntegrityError:  # the same staff member posted twice at once
        participant = Participant.objects.get(user=user)
    return participant


def participant_for_resident_contact(
    *, kind: str, value: str, display_name: str, language: str, now: datetime | None = None
) -> Participant:
    """The participant of a resident who wrote to the city from this number (SMS, WhatsApp), for staff to
    post their words: found by its contact point as a sign-in finds them, else made. Writing from the
    number proves it as a used sign-in link would, so the participant is confirmed; an existing one keeps
    their name and language. `value` must already be normalised (E.164)."""
    moment = now or timezone.now()
    language = language_supported(language)
    name = _display_name(display_name)
    point = contact_point_ensure(kind=kind, value=value, language=language)
    try:
        with transaction.atomic():
            participant, created = Participant.objects.get_or_create(
                contact_point=point,
                defaults={
                    "display_name": name,
                    "language": language,
                    "confirmed_at": moment,
                    "created_at": moment,
                },
            )
    except IntegrityError:  # made a moment ago by the resident's own sign-in or another staff post
        participant, created = Participant.objects.get(contact_point=point), False
    if not created and participant.confirmed_at is None:
        Participant.objects.filter(pk=participant.pk, confirmed_at__isnull=True).update(confirmed_at=moment)
        participant.refresh_from_db(fields=["confirmed_at"])
    return participant


def participant_for_relay(
    *, relayed_from: str, display_name: str, language: str, now: datetime | None = None
) -> Participant:
    """The participant standing for a resident known only where they wrote (`relayed_from` names the place,
    e.g. a web chat): one per place, confirmed by the staff who post for them; never signs in."""
    if not relayed_from.strip():
        raise EngageInvalid(_("A relayed resident needs the place they wrote from."), field="relayed_from")
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            participant, _created = Participant.objects.get_or_create(
                relayed_from=relayed_from[:64],
                defaults={
                    "display_name": _display_name(display_name),
                    "language": language_supported(language),
                    "confirmed_at": moment,
                    "created_at": moment,
                },
            )
    except IntegrityError:  # the same place's participant made a moment ago
        participant = Participant.objects.get(relayed_from=relayed_from[:64])
    return participant
