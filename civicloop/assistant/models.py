"""The assistant: conversations with residents by text (and on the web), every message in and out, and
the knowledge base of common questions it answers from."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One resident's thread with the assistant: one per phone number, or one per web visitor."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message")
        WEB = "web", _("Web chat")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    # E.164 for texts; empty for the web. Shown only to the staff roles that need it.
    phone = models.CharField(max_length=32, blank=True, default="")
    # For the web: a keyed hash of the visitor's session, never the session key itself.
    web_key = models.CharField(max_length=64, blank=True, default="")
    # Chosen by the resident (LANG ES) or detected; empty until known.
    language = models.CharField(max_length=8, blank=True, default="")
    # Where the conversation stands (a step of an intake, a menu offered) and what it has gathered.
    step = models.CharField(max_length=40, blank=True, default="")
    context = models.JSONField(default=dict, blank=True)
    # Set by STOP (and its plain-words equivalents), cleared by START; the number is suppressed too.
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # The one "reply START to get texts again" sentence after an opt-out is sent at most once.
    start_hint_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(channel="sms"), name="assistant_one_sms_conversation_per_phone"
            ),
            models.UniqueConstraint(
                fields=["web_key"], condition=Q(channel="web"), name="assistant_one_web_conversation_per_key"
            ),
            models.CheckConstraint(
                condition=(Q(channel="sms") & ~Q(phone="")) | (Q(channel="web") & ~Q(web_key="")),
                name="assistant_conversation_reachable",
            ),
        ]
        indexes = [models.Index(fields=["-last_message_at"], name="assistant_conv_recent_idx")]

    def __str__(self) -> str:
        # No number here: __str__ ends up in logs and admin history.
        return f"Conversation #{self.pk} ({self.channel})"


class AssistantMessage(models.Model):
    """A message in or out of a conversation, stored before anything acts on it."""

    class Direction(models.TextChoices):
        IN = "in", _("From the resident")
        OUT = "out", _("To the resident")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    body = models.TextField(blank=True)
    # Twilio's MessageSid for a text in: a retry of the same message is found by it and acts once.
    provider_message_id = models.CharField(max_length=64, blank=True, default="")
    # For a reply: the message it answers (a retried message gets the same reply back).
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # What the assistant did with it, e.g. "opt_out", "help", "faq", "menu": for staff and for measuring.
    handled_as = models.CharField(max_length=30, blank=True, default="")
    # MMS attachments: [{"url": ..., "content_type": ...}].
    media = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id"],
                condition=Q(direction="in") & ~Q(provider_message_id=""),
                name="assistant_inbound_once_per_provider_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk}"


class FaqEntry(models.Model):
    """A common question and the city's answer, in one language; found by meaning or by keywords."""

    # The id the entry was imported with (`civicloop assistant import-faq`): re-importing updates it.
    external_id = models.CharField(max_length=100, unique=True)
    question = models.TextField()
    answer = models.TextField()
    language = models.CharField(max_length=8, default="en")
    topic = models.ForeignKey(
        "topics.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service = models.ForeignKey(
        "servicerequests.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The multilingual embedding of the question, computed once when the entry is saved.
    embedding = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self) -> str:
        return self.question[:80]
