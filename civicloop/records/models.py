"""The record of records requests: who exported or erased a resident's data, when, and how much.

It never holds the email address or phone number asked about: keeping it would undo an erasure.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecordsRequest(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASURE = "erasure", _("Erasure")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff console")
        COMMAND = "command", _("Command line")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    # Which identifiers were given ("email", "phone"), never their values.
    identified_by = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Rows per dataset (exported, or changed by the erasure).
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["export", "erasure"]) & Q(source__in=["staff", "command"]),
                name="records_request_choices_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.source})"
