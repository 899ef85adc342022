from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COMMUNICATIONS = "communications", _("Communications")
    DEPARTMENT = "department", _("Department staff")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):  # type: ignore[django-manager-missing]  # Passkey's user (a django-otp Device)
    """Residents need no account to read or subscribe; staff log in with a role."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RESIDENT)
    preferred_language = models.CharField(max_length=8, default="en")
    # Department staff work this department's 311 queue (a Service.department name); blank: all.
    department = models.CharField(max_length=100, blank=True)
    community_area = models.ForeignKey(
        "places.CommunityArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The city identity provider's `sub` for accounts made by single sign-on: matched on, never the email.
    oidc_subject = models.CharField(max_length=255, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["oidc_subject"], condition=~models.Q(oidc_subject=""), name="user_oidc_subject_unique"
            )
        ]

    @property
    def is_city_staff(self) -> bool:
        return self.is_active and self.role != Role.RESIDENT


class StaffSecurityEvent(models.Model):
    """The audit trail of sign-in security events (lockouts); written by services, never edited.

    It keeps no IP address: `network_key` is a keyed hash of the client's address
    (core.throttling.client_network_key), enough to tell events from one network apart.
    """

    class Kind(models.TextChoices):
        LOCKED_OUT = "locked_out", _("Account locked after failed sign-ins")
        ADDRESS_LOCKED_OUT = "address_locked_out", _("Network address locked after failed sign-ins")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    # The account the sign-in named, when one has that username.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text=_("As typed, shortened."))
    network_key = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When the account holder was emailed about it (empty: not emailed, or not yet).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.username} {self.created_at:%Y-%m-%d %H:%M}"


class StaffAuditEvent(models.Model):
    """What city staff changed, and their sign-ins: written by the audit middleware and signals, never edited.

    It keeps no request body, no network address and no resident's contact details: the route's name and
    its ids, the method and the response status are enough to find the change in the app's own records.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("Changed data")
        SIGNED_IN = "signed_in", _("Signed in")
        SIGNED_OUT = "signed_out", _("Signed out")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        SECOND_FACTOR_ENROLLED = "2fa_enrolled", _("Set up two-factor sign-in")
        SECOND_FACTOR_VERIFIED = "2fa_verified", _("Passed two-factor sign-in")
        SECOND_FACTOR_FAILED = "2fa_failed", _("Wrong two-factor code")
        SECOND_FACTOR_RESET = "2fa_reset", _("Two-factor sign-in reset")
        PASSKEY_ADDED = "passkey_added", _("Added a passkey")
        PASSKEY_REMOVED = "passkey_removed", _("Removed a passkey")
        AUDIT_EXPORTED = "audit_exported", _("Exported the audit log")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHANGE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copies, so the record still says who it was after the account is renamed or deleted.
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    method = models.CharField(max_length=10, blank=True)
    # The route's name (e.g. "staff:request-status") when it resolves, else the path without its query.
    route = models.CharField(max_length=200, blank=True)
    # The ids the route names (e.g. "public_id=SR-1"), or what a sign-in event concerns.
    target = models.CharField(max_length=200, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor_username", "-created_at"], name="staffaudit_actor_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.kind} {self.route}"


class Passkey(Device):
    """A staff member's WebAuthn passkey (security key, phone or laptop), a second factor like the app's code.

    A django-otp device, so a session verified with it is verified exactly as one verified with a code
    (`django_otp.login`), and `user_has_device` counts it. Written by accounts.passkeys, never by hand.
    """

    # The authenticator's id for the credential (base64url, as browsers send it; at most 1023 bytes).
    credential_id: "models.CharField[str, str]" = models.CharField(max_length=1400, unique=True)
    # COSE-encoded public key, from the verified registration.
    public_key: "models.BinaryField[bytes, bytes | memoryview]" = models.BinaryField()
    # The authenticator's signature counter: a response must raise it (or both stay 0), else it is refused.
    sign_count: "models.PositiveBigIntegerField[int, int]" = models.PositiveBigIntegerField(default=0)
    # What the browser said it can reach the authenticator by ("usb", "nfc", "ble", "internal", "hybrid").
    transports = models.JSONField(default=list, blank=True)
    created_at: "models.DateTimeField[datetime, datetime]" = models.DateTimeField(default=timezone.now)
    last_used_at: "models.DateTimeField[datetime | None, datetime | None]" = models.DateTimeField(
        null=True, blank=True
    )

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        ordering = ["created_at", "id"]

    def verify_token(self, token: object) -> bool:
        return False  # a passkey answers a WebAuthn challenge (accounts.passkeys), never a typed code
