import logging
import math
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicloop.accounts.login_throttle import login_cooloff, login_cooloff_minutes, login_failure_limit
from civicloop.accounts.models import Passkey, Role, StaffAuditEvent, StaffSecurityEvent, User
from civicloop.accounts.selectors import login_failures_count
from civicloop.core.context_processors import city_name
from civicloop.core.errors import DomainError

logger = logging.getLogger(__name__)

USERNAME_KEPT = 150  # characters of an attempted username kept in the audit trail


@transaction.atomic
def staff_user_ensure(*, username: str, email: str, role: Role, password: str, full_name: str) -> User:
    """Create or update a staff login with exactly this role (idempotent, for the demo and set-up)."""
    first, _, last = full_name.partition(" ")
    user, _ = User.objects.get_or_create(username=username)
    user.email = email
    user.first_name, user.last_name = first, last
    _staff_role_apply(user, role)
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


def _staff_role_apply(user: User, role: Role) -> None:
    user.role = role
    user.is_staff = role == Role.ADMIN  # only admins reach Django's admin site
    user.is_superuser = role == Role.ADMIN


@transaction.atomic
def staff_user_sync_from_oidc(
    *, subject: str, role: Role | None, email: str, username: str, first_name: str, last_name: str
) -> User | None:
    """The account single sign-on signs in, matched on the provider's subject, with the role its groups give.

    No role (in none of the configured groups): None, and no account is created; an existing account loses
    its staff role. Accounts made here have no usable password, so they can only sign in through the city's
    provider. Names and email follow the provider at every sign-in; a deactivated account stays so.
    """
    user = User.objects.select_for_update().filter(oidc_subject=subject).first()
    if role is None:
        if user is not None and user.role != Role.RESIDENT:
            _staff_role_apply(user, Role.RESIDENT)
            user.save(update_fields=["role", "is_staff", "is_superuser"])
        return None
    if user is None:
        user = User(oidc_subject=subject, username=_free_username(username or f"sso-{subject}"))
        user.set_unusable_password()
    user.email = email[:254]
    user.first_name, user.last_name = first_name[:150], last_name[:150]
    _staff_role_apply(user, role)
    user.save()
    return user


def _free_username(wanted: str) -> str:
    """The provider's name for the person, unless a local account already has it (never taken over)."""
    base = wanted.strip()[:140] or "sso-user"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@transaction.atomic
def staff_login_lockout_record(
    *, username: str, address_pseudonym: str | None, network_key: str, at: datetime
) -> list[StaffSecurityEvent]:
    """Record the lockouts that a counted failed sign-in started: its username's, its address's, or both.

    A lockout starts when the failures for a username (or from an address) within the cool-off reach the
    limit exactly, so each lockout is recorded once however often the locked-out sign-in is retried.
    When an account with an email address is locked, its holder is emailed after commit (a task).
    Nothing here keeps an IP address: `network_key` is a keyed hash, `address_pseudonym` is only counted.
    """
    limit, since = login_failure_limit(), at - login_cooloff()
    user = User.objects.filter(username=username).first() if username else None
    kinds = []
    if username and login_failures_count(username=username, since=since) == limit:
        kinds.append(StaffSecurityEvent.Kind.LOCKED_OUT)
    if address_pseudonym and login_failures_count(address_pseudonym=address_pseudonym, since=since) == limit:
        kinds.append(StaffSecurityEvent.Kind.ADDRESS_LOCKED_OUT)
    events = [
        StaffSecurityEvent.objects.create(
            kind=kind, user=user, username=username[:USERNAME_KEPT], network_key=network_key, created_at=at
        )
        for kind in kinds
    ]
    for event in events:
        if event.kind == StaffSecurityEvent.Kind.LOCKED_OUT and user and user.is_active and user.email:
            transaction.on_commit(partial(_enqueue_lockout_email, event.pk))
    return events


def _enqueue_lockout_email(event_id: int) -> None:
    from civicloop.accounts.tasks import send_staff_lockout_email

    send_staff_lockout_email.enqueue(event_id)


def staff_lockout_email_send(*, event_id: int) -> bool:
    """Email the account holder that their account was locked; True if this call sent the email.

    Once per lockout: safe to run again (a second run finds the event already notified), and a failed
    send leaves it un-notified for a retry. The email never shows the password tried or any address.
    """
    event = (
        StaffSecurityEvent.objects.select_related("user")
        .filter(pk=event_id, kind=StaffSecurityEvent.Kind.LOCKED_OUT, notified_at__isnull=True)
        .first()
    )
    user = event.user if event else None
    if event is None or user is None or not user.is_active or not user.email:
        return False
    if not StaffSecurityEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    ):
        return False  # another run claimed it
    try:
        _lockout_email(event, user).send()
    except Exception as error:
        StaffSecurityEvent.objects.filter(pk=event.pk).update(notified_at=None)
        logger.warning(
            "Lockout email for security event %s could not be sent: %s", event.pk, type(error).__name__
        )
        raise
    return True


def _lockout_email(event: StaffSecurityEvent, user: User) -> EmailMessage:
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        local = timezone.localtime(event.created_at)
        minutes = login_cooloff_minutes()
        subject = gettext("Your staff account was locked after failed sign-in attempts")
        paragraphs = [
            gettext("Hello %(name)s,") % {"name": user.get_full_name() or user.get_username()},
            gettext(
                "On %(when)s, someone tried to sign in to your staff account (%(username)s) with a wrong "
                "password %(count)d times. To protect it, we locked the account."
            )
            % {
                "when": f"{date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})",
                "username": user.get_username(),
                "count": login_failure_limit(),
            },
            ngettext(
                "It unlocks by itself %(minutes)d minute after the last attempt. You do not need to do "
                "anything.",
                "It unlocks by itself %(minutes)d minutes after the last attempt. You do not need to do "
                "anything.",
                minutes,
            )
            % {"minutes": minutes},
            gettext(
                "If this was not you, tell your IT department. Nobody from the city will ever ask you "
                "for your password."
            ),
            city_name(),
        ]
    return EmailMessage(
        subject=subject,
        body="\n\n".join(paragraphs) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    )


def security_event_network_keys_forget(cutoff: datetime) -> int:
    """Retention: the network hash on sign-in security events older than `cutoff` is blanked."""
    return (
        StaffSecurityEvent.objects.filter(created_at__lt=cutoff)
        .exclude(network_key="")
        .update(network_key="")
    )


def staff_audit_record(
    *,
    kind: StaffAuditEvent.Kind,
    actor: object,
    method: str = "",
    route: str = "",
    target: str = "",
    status_code: int | None = None,
) -> StaffAuditEvent:
    """One line in the staff audit log; copies the actor's username and role as they are now."""
    user = actor if isinstance(actor, User) and actor.pk else None
    return StaffAuditEvent.objects.create(
        kind=kind,
        actor=user,
        actor_username=user.get_username()[:150] if user else "",
        actor_role=user.role if user else "",
        method=method[:10],
        route=route[:200],
        target=target[:200],
        status_code=status_code,
    )


class SecondFactorInvalid(DomainError):
    pass


class SecondFactorThrottled(DomainError):
    pass


TOTP_DEVICE_NAME = "Authenticator app"


@transaction.atomic
def second_factor_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app secret this person is setting up (the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def second_factor_enrolment_confirm(*, user: User, token: str) -> TOTPDevice:
    """Confirm the pending secret with a code from the app; then it is the person's only device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise SecondFactorInvalid(gettext("Start again: the set-up expired."), field="token")
    # Outside a transaction: a wrong code's throttling must be kept when the error is raised.
    _second_factor_check(user=user, device=device, token=token)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        staff_audit_record(kind=StaffAuditEvent.Kind.SECOND_FACTOR_ENROLLED, actor=user)
    return device


def second_factor_verify(*, user: User, token: str) -> TOTPDevice:
    """The confirmed device this code is from; wrong codes make the next try wait (1, 2, 4... seconds)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    if device is None:
        raise SecondFactorInvalid(gettext("Set up two-factor sign-in first."), field="token")
    _second_factor_check(user=user, device=device, token=token)
    staff_audit_record(kind=StaffAuditEvent.Kind.SECOND_FACTOR_VERIFIED, actor=user)
    return device


def _second_factor_check(*, user: User, device: TOTPDevice, token: str) -> None:
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = (details or {}).get("locked_until")
        seconds = max(1, math.ceil((wait - timezone.now()).total_seconds())) if wait else 1
        raise SecondFactorThrottled(
            ngettext(
                "Too many wrong codes. Wait %(seconds)d second, then try the newest code.",
                "Too many wrong codes. Wait %(seconds)d seconds, then try the newest code.",
                seconds,
            )
            % {"seconds": seconds},
            field="token",
        )
    if not device.verify_token(token.replace(" ", "")):
        staff_audit_record(kind=StaffAuditEvent.Kind.SECOND_FACTOR_FAILED, actor=user)
        raise SecondFactorInvalid(
            gettext("That code is not right. Enter the 6-digit code your app shows now."), field="token"
        )


@transaction.atomic
def second_factor_reset(*, user: User, actor: object) -> int:
    """Lost phone: remove every two-factor device of `user` (apps and passkeys); they set up a new one at
    their next sign-in."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    passkeys, _ = Passkey.objects.filter(user=user).delete()
    count += passkeys
    staff_audit_record(
        kind=StaffAuditEvent.Kind.SECOND_FACTOR_RESET, actor=actor, target=f"user={user.get_username()}"
    )
    return count
