"""The outbox: one Message per thing to send, one Delivery per (message, contact point, channel)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    WHATSAPP = "whatsapp", "WhatsApp"


class Message(models.Model):
    """Something the city sends: an announcement, a digest, or a notification."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement")
        DIGEST = "digest", _("Digest")
        NOTIFICATION = "notification", _("Notification")

    class Status(models.TextChoices):
        FANNING_OUT = "fanning_out", _("Finding recipients")
        SENDING = "sending", _("Sending")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FANNING_OUT)
    announcement = models.ForeignKey(
        "announcements.Announcement", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    urgent = models.BooleanField(default=False)
    # Notifications and digests: which template, with what context (no personal data).
    template = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Publishing the same announcement twice never sends it twice.
            models.UniqueConstraint(
                fields=["announcement"],
                condition=Q(kind="announcement"),
                name="message_one_send_per_announcement",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"


class Delivery(models.Model):
    """One message to one contact point on one channel; the unit that is claimed, sent and retried."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        SUPPRESSED = "suppressed", _("Suppressed")
        CANCELLED = "cancelled", _("Cancelled")

    # This table takes a million rows per citywide alert. Per-row foreign-key triggers cost more than the
    # insert itself, so the links are kept by the ORM (CASCADE) rather than by database constraints.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False, db_index=False
    )  # indexed by delivery_once_per_contact_and_channel, which starts with message
    contact_point = models.ForeignKey(
        "subscriptions.ContactPoint", on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker owns a claimed delivery until its lease expires; then another may take it over.
    lease_token = models.CharField(max_length=36, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["message", "contact_point", "channel"], name="delivery_once_per_contact_and_channel"
            )
        ]
        indexes = [
            models.Index(fields=["channel", "status", "next_attempt_at"], name="delivery_claim_idx"),
            models.Index(fields=["message", "channel", "status"], name="delivery_progress_idx"),
            models.Index(
                fields=["provider_message_id"],
                name="delivery_provider_id_idx",
                condition=~Q(provider_message_id=""),  # empty until sent: no index entry at fan-out
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}:{self.contact_point_id}:{self.channel}"

    @property
    def idempotency_key(self) -> str:
        """Stable across retries, so providers that honour it never send twice."""
        return f"civicloop-{self.message_id}-{self.contact_point_id}-{self.channel}"


class Suppression(models.Model):
    """An address or number the city must never send to (bounced, complained, opted out by text)."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")
        OPTED_OUT = "opted_out", _("Opted out")
        FAILED = "failed", _("Failed repeatedly")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    value = models.CharField(max_length=254, help_text="Normalised email address or E.164 number")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "value"], name="suppression_unique_value")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.reason}"


class SocialNetwork(models.TextChoices):
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"


class SocialPost(models.Model):
    """An announcement posted to one of the city's social accounts (at most once per network)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        POSTED = "posted", _("Posted")
        FAILED = "failed", _("Failed")

    announcement = models.ForeignKey(
        "announcements.Announcement", on_delete=models.CASCADE, related_name="social_posts"
    )
    network = models.CharField(max_length=20, choices=SocialNetwork.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    text = models.TextField(blank=True)
    remote_id = models.CharField(max_length=300, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "network"], name="social_post_once_per_network")
        ]
        # A resident's reply names the city's post by its id there: looked up for each new thread.
        indexes = [models.Index(fields=["remote_id", "network"], name="social_post_remote_idx")]

    def __str__(self) -> str:
        return f"{self.network}:{self.announcement_id}"


class WhatsAppTemplate(models.Model):
    """A message template Meta approved for the city's WhatsApp sender (Twilio Content API), in one language.

    WhatsApp lets a business write freely only within 24 hours of the person's last message; after that
    only an approved template may be sent. Staff record each notification's template here, per language,
    once Meta has approved it; `variables` names, in order, the notification's values that fill {{1}}, {{2}}…
    """

    template = models.CharField(
        max_length=60, help_text=_("The notification it stands for, e.g. request_status")
    )
    language = models.CharField(max_length=8)
    content_sid = models.CharField(max_length=64, help_text=_("Twilio Content SID, HX…"))
    variables = models.JSONField(
        default=list, blank=True, help_text=_("The notification's values for {{1}}, {{2}}…, in order")
    )
    approved = models.BooleanField(default=False, help_text=_("Meta approved it: it may be sent"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"], name="whatsapp_template_once_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"
