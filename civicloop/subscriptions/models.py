from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import TimeStampedModel


class Language(models.TextChoices):
    # Each language in its own name: a resident looks for the one they read.
    EN = "en", "English"
    ES = "es", "Español"
    PL = "pl", "Polski"
    ZH_HANS = "zh-hans", "简体中文"
    HI = "hi", "हिंदी"
    AR = "ar", "العربية"


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("As soon as something is published")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")


class Subscriber(TimeStampedModel):
    """A person who asked for updates; no account. Nothing is sent until status is active."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        ACTIVE = "active", _("Active")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.EN)
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.IMMEDIATELY
    )
    all_areas = models.BooleanField(_("all of Chicago"), default=False)
    topics = models.ManyToManyField("topics.Topic", related_name="subscribers", blank=True)
    areas = models.ManyToManyField("places.CommunityArea", related_name="subscribers", blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    # Part of every signed link; raising it makes every link issued before unusable.
    token_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        indexes = [models.Index(fields=["status"], name="subscriptions_subscr_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "unsubscribed"]),
                name="subscriptions_subscriber_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["immediately", "daily", "weekly"]),
                name="subscriptions_subscriber_frequency_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(confirmed_at__isnull=False),
                name="subscriptions_subscriber_active_is_confirmed",
            ),
            models.CheckConstraint(
                condition=~Q(status="unsubscribed") | Q(unsubscribed_at__isnull=False),
                name="subscriptions_subscriber_unsubscribed_is_dated",
            ),
        ]

    def __str__(self) -> str:
        # No address here: __str__ ends up in logs and admin history.
        return f"Subscriber #{self.pk} ({self.status})"


class ContactPoint(TimeStampedModel):
    """One way to reach a subscriber. Normalised value: email lowercased, phone E.164."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message (SMS)")
        WHATSAPP = "whatsapp", "WhatsApp"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("address or number"), max_length=254)
    # Set when the person proved they read this address (the confirmation link for email).
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # WhatsApp: when the person last wrote to the city from it (free text may answer for 24 hours).
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"], name="subscriptions_contactpoint_kind_value_uniq"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["email", "sms", "whatsapp"]),
                name="subscriptions_contactpoint_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(value=""), name="subscriptions_contactpoint_value_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for subscriber #{self.subscriber_id}"


class ConsentRecord(models.Model):
    """What a person agreed to, when, through which channel and in the exact words they saw.

    Append-only evidence: no IP address or device data is kept.
    """

    class Action(models.TextChoices):
        SUBSCRIBE = "subscribe", _("Subscribe")
        CONFIRM = "confirm", _("Confirm")
        PREFERENCES_CHANGE = "preferences_change", _("Change preferences")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consent_records")
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    channel = models.CharField(_("channel"), max_length=32, help_text=_('e.g. "web", "email-one-click"'))
    # Empty only when nothing was shown to the person (an RFC 8058 one-click unsubscribe by their mail app).
    text = models.TextField(_("text shown"), blank=True)
    language = models.CharField(_("language of the text"), max_length=8)
    # The choices in force right after the action: topic slugs, area numbers, all_areas, language, frequency.
    preferences = models.JSONField(_("preferences"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["subscribe", "confirm", "preferences_change", "unsubscribe"]),
                name="subscriptions_consentrecord_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by subscriber #{self.subscriber_id} via {self.channel}"
