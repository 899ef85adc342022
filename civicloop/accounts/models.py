from django.contrib.auth.models import AbstractUser
from django.db import models
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
