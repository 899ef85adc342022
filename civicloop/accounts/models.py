from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COMMUNICATIONS = "communications", _("Communications")
    DEPARTMENT = "department", _("Department staff")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """Residents need no account to read or subscribe; staff log in with a role."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RESIDENT)
    preferred_language = models.CharField(max_length=8, default="en")
    # Department staff work this department's 311 queue (a Service.department name); blank: all.
    department = models.CharField(max_length=100, blank=True)
    community_area = models.ForeignKey(
        "places.CommunityArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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
