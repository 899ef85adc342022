"""The assistant: conversations with residents by text (and on the web), every message in and out, and
the knowledge base of common questions it answers from. The staff inbox reads the same conversations,
and adds the replies and mentions the city's social accounts receive.

Kept as one module: Django finds an app's models here, and their constraints refer to one another."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeskStatus(models.TextChoices):
    """Where a conversation stands for the staff desk (the assistant's own step is another thing)."""

    OPEN = "open", _("Open")
    PENDING = "pending", _("Waiting for the resident")
    RESOLVED = "resolved", _("Resolved")


class Conversation(models.Model):
    """One resident's thread with the assistant: one per phone number, or one per web visitor.

    On a social network: one per resident and remote thread (the post a reply thread starts from), so
    each of the many residents answering one of the city's posts has their own conversation, and a staff
    reply goes into the thread it answers. The assistant never answers these itself.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message")
        WHATSAPP = "whatsapp", "WhatsApp"
        WEB = "web", _("Web chat")
        MASTODON = "mastodon", "Mastodon"
        BLUESKY = "bluesky", "Bluesky"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        X = "x", "X"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    # E.164 for texts and WhatsApp; empty for the web. Shown only to the staff roles that need it.
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
    # Social networks: the resident's stable id there (Mastodon account id, Bluesky DID), the handle shown
    # (it may change), the thread's root post, and the city's post it answers when the root is one.
    remote_account_id = models.CharField(max_length=300, blank=True, default="")
    remote_handle = models.CharField(max_length=300, blank=True, default="")
    remote_thread_id = models.CharField(max_length=300, blank=True, default="")
    city_post = models.ForeignKey(
        "delivery.SocialPost", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A member of staff answers it from the inbox: the assistant stays silent (compliance keywords aside).
    taken_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_over_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    # Its latest message is the resident's and asks for an answer (not a keyword the assistant answered
    # in full): kept by every path that stores a message, so that the inbox counts and filters the
    # waiting conversations from an index rather than each one's latest message.
    needs_answer = models.BooleanField(default=False)
    # The service desk (services/desk.py): who has it, which department's team, where it stands.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A city department, named as the 311 services name it (Service.department); "" for none.
    assigned_team = models.CharField(max_length=100, blank=True, default="")
    desk_status = models.CharField(max_length=10, choices=DeskStatus.choices, default=DeskStatus.OPEN)
    # When the desk status last changed: a resident's message after it reopens a pending or resolved one.
    desk_status_at = models.DateTimeField(null=True, blank=True)
    labels = models.ManyToManyField("assistant.InboxLabel", blank=True, related_name="conversations")
    # One resident's conversations on several channels, shown as one thread; None: on its own.
    resident_thread = models.ForeignKey(
        "assistant.ResidentThread",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    # Staff took it out of its thread: the same number's conversations no longer join it by themselves.
    thread_unlinked_at = models.DateTimeField(null=True, blank=True)

    # Not a column: changes made while one message is handled, written at its end in one UPDATE
    # (services.conversations.conversation_stage / conversation_save).
    staged_fields: dict[str, object] | None = None
    # Not a column either: for a text conversation, whether its number is suppressed as opted out.
    sms_suppressed: bool | None = None

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(channel="sms"), name="assistant_one_sms_conversation_per_phone"
            ),
            # WhatsApp is a channel of its own (its consent and opt-out are not the number's SMS ones).
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(channel="whatsapp"),
                name="assistant_one_whatsapp_conversation_per_phone",
            ),
            models.UniqueConstraint(
                fields=["web_key"], condition=Q(channel="web"), name="assistant_one_web_conversation_per_key"
            ),
            models.UniqueConstraint(
                fields=["channel", "remote_account_id", "remote_thread_id"],
                condition=Q(channel__in=["mastodon", "bluesky", "facebook", "instagram", "x"]),
                name="assistant_one_social_conversation_per_thread",
            ),
            models.CheckConstraint(
                condition=(Q(channel__in=["sms", "whatsapp"]) & ~Q(phone=""))
                | (Q(channel="web") & ~Q(web_key=""))
                | (
                    Q(channel__in=["mastodon", "bluesky", "facebook", "instagram", "x"])
                    & ~Q(remote_account_id="")
                    & ~Q(remote_thread_id="")
                ),
                name="assistant_conversation_reachable",
            ),
        ]
        indexes = [
            models.Index(fields=["-last_message_at"], name="assistant_conv_recent_idx"),
            # The waiting conversations: their count and the "needs an answer" view (by channel too).
            # Partial: a boolean is tested bare (WHERE needs_answer), which an index prefix cannot serve.
            models.Index(
                fields=["-last_message_at"], condition=Q(needs_answer=True), name="assistant_conv_waiting_idx"
            ),
            models.Index(
                fields=["channel", "-last_message_at"],
                condition=Q(needs_answer=True),
                name="assistant_conv_chan_wait_idx",
            ),
            # The auto-resolve sweep and the status filter.
            models.Index(fields=["desk_status", "desk_status_at"], name="assistant_conv_desk_idx"),
            # Same-number conversations (SMS and WhatsApp) found for the resident thread.
            models.Index(fields=["phone"], name="assistant_conv_phone_idx"),
            # A social event's thread, looked up for every event: the unique constraint's partial index
            # (channel IN the networks) is not used for one network's look-up on SQLite.
            models.Index(
                fields=["remote_thread_id", "remote_account_id", "channel"], name="assistant_conv_remote_idx"
            ),
        ]

    def __str__(self) -> str:
        # No number here: __str__ ends up in logs and admin history.
        return f"Conversation #{self.pk} ({self.channel})"

    @property
    def is_social(self) -> bool:
        return self.channel in SOCIAL_CHANNELS


SOCIAL_CHANNELS = frozenset(
    {
        Conversation.Channel.MASTODON,
        Conversation.Channel.BLUESKY,
        Conversation.Channel.FACEBOOK,
        Conversation.Channel.INSTAGRAM,
        Conversation.Channel.X,
    }
)
# Channels that reach a resident at a phone number (Twilio): the assistant answers on both alike.
PHONE_CHANNELS = frozenset({Conversation.Channel.SMS, Conversation.Channel.WHATSAPP})


# What the assistant answered in full (compliance keywords, HELP): a resident's message handled as one of
# these needs no answer from staff.
NO_ANSWER_NEEDED = ("opt_out", "opt_out_repeat", "opt_in", "help", "start_hint", "while_opted_out")


class MessageModerationState(models.TextChoices):
    """Moderation's states (civicloop.moderation.reportables) for a message staff reported."""

    PUBLISHED = "published", _("Shown")
    HELD = "held", _("Held for moderation")
    HIDDEN = "hidden", _("Hidden after reports")
    REMOVED = "removed", _("Removed by a moderator")


class AssistantMessage(models.Model):
    """A message in or out of a conversation, stored before anything acts on it."""

    class Direction(models.TextChoices):
        IN = "in", _("From the resident")
        OUT = "out", _("To the resident")

    class SendStatus(models.TextChoices):
        """A staff reply's way out ("" for everything else: the webhook's answer carries the bot's)."""

        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

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
    # A reply written by a member of staff in the inbox (None: the resident's, or the assistant's).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A staff reply's key, from the form that wrote it: a double or retried POST sends it once.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    send_status = models.CharField(max_length=10, choices=SendStatus.choices, blank=True, default="")
    send_error = models.TextField(blank=True, default="")
    # Social networks: the post's id there (Mastodon status id, Bluesky at:// URI), its web address, and
    # what a reply to it needs (Bluesky's cid and thread root, Mastodon's visibility and the author's acct).
    remote_id = models.CharField(max_length=300, blank=True, default="")
    remote_url = models.URLField(max_length=500, blank=True, default="")
    remote_meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # A resident's message staff reported to the moderators (assistant/reportables.py): hidden after
    # reports, removed or restored by a moderator's decision; the record export keeps its text.
    moderation_state = models.CharField(
        max_length=10, choices=MessageModerationState.choices, default=MessageModerationState.PUBLISHED
    )
    held_reasons = models.JSONField(default=list, blank=True)  # moderation's interface; never held today
    civility_score = models.FloatField(default=0.0)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id"],
                condition=Q(direction="in") & ~Q(provider_message_id=""),
                name="assistant_inbound_once_per_provider_id",
            ),
            # A post fetched twice (overlapping polls) is stored once.
            models.UniqueConstraint(
                fields=["remote_id"],
                condition=Q(direction="in") & ~Q(remote_id=""),
                name="assistant_inbound_once_per_remote_post",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="assistant_staff_reply_once_per_key",
            ),
        ]
        indexes = [
            # The inbox's "latest message of each conversation".
            models.Index(fields=["conversation", "-created_at", "-id"], name="assistant_msg_latest_idx"),
            # Which conversation a social reply belongs to (the post it answers).
            models.Index(fields=["remote_id"], name="assistant_msg_remote_idx"),
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


class InboxCannedReply(models.Model):
    """A ready answer staff pick in the inbox, in English and Spanish (the conversation's language wins)."""

    title = models.CharField(_("title"), max_length=100)
    body_en = models.TextField(_("text in English"))
    body_es = models.TextField(_("text in Spanish"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "title", "id"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title

    def body_for(self, language: str) -> str:
        return self.body_es if language == "es" and self.body_es else self.body_en


class SocialMentionsCursor(models.Model):
    """How far the inbox has read one city account's notifications (Mastodon id, Bluesky indexedAt)."""

    network = models.CharField(max_length=20)
    # The account: its server (Mastodon) or PDS and handle (Bluesky); a new account starts afresh.
    account = models.CharField(max_length=300)
    position = models.CharField(max_length=100, blank=True, default="")
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "account"], name="assistant_one_cursor_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.network}:{self.position}"


class InboxLabel(models.Model):
    """A label staff put on conversations (many per conversation), in a colour of a fixed palette."""

    class Colour(models.TextChoices):
        # Dark enough for white text at WCAG AA (4.5:1) on every one.
        BLUE = "blue", _("Blue")
        GREEN = "green", _("Green")
        PURPLE = "purple", _("Purple")
        RED = "red", _("Red")
        BROWN = "brown", _("Brown")
        GREY = "grey", _("Grey")

    name = models.CharField(_("name"), max_length=50, unique=True)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices, default=Colour.BLUE)

    class Meta:
        ordering = ["name"]
        verbose_name = _("inbox label")
        verbose_name_plural = _("inbox labels")

    def __str__(self) -> str:
        return self.name


class InboxEvent(models.Model):
    """What staff (or the desk itself) did to a conversation, for its record: never edited."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")
        REOPENED = "reopened", _("Reopened by the resident's message")
        AUTO_RESOLVED = "auto_resolved", _("Resolved after no reply")
        LABELLED = "labelled", _("Labelled")
        UNLABELLED = "unlabelled", _("Label removed")
        NOTE = "note", _("Note")
        LINKED = "linked", _("Linked to another conversation")
        UNLINKED = "unlinked", _("Unlinked")
        IDEA = "idea", _("Turned into an idea")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="desk_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The staff member's name when it happened: the record keeps it after the account goes.
    actor_name = models.CharField(max_length=200, blank=True, default="")
    # What changed, in words for the record ("to Streets and Sanitation", "pending", a label's name).
    detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="assistant_desk_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class InboxIdea(models.Model):
    """A resident's message staff posted as an idea on an open question (engage), and whether the resident
    was told where they wrote from. The form's key is unique: the same form posted twice makes one idea."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="ideas")
    idea = models.ForeignKey("engage.Idea", on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    # Why the resident could not be told on their channel (its rules refused the message); "" when told.
    not_told_reason = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Inbox idea #{self.pk}"


class InboxServiceRequest(models.Model):
    """A 311 request staff filed from a conversation or linked it to: the conversation's community area is
    that request's (the inbox's area filter)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="service_requests")
    request = models.ForeignKey("servicerequests.ServiceRequest", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "request"], name="assistant_one_link_per_request")
        ]

    def __str__(self) -> str:
        return f"Conversation #{self.conversation_id} to request #{self.request_id}"


class InboxNote(models.Model):
    """A private note on a conversation: staff only, never sent, never shown to the resident."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="desk_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note #{self.pk}"


class InboxMention(models.Model):
    """A colleague @mentioned in a note: emailed once (`notified_at`), and listed on their inbox."""

    note = models.ForeignKey(InboxNote, on_delete=models.CASCADE, related_name="mentions")
    mentioned = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notified_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "mentioned"], name="assistant_one_mention_per_note")
        ]
        indexes = [models.Index(fields=["mentioned", "seen_at"], name="assistant_mention_unseen_idx")]

    def __str__(self) -> str:
        return f"Mention #{self.pk}"


class InboxSavedView(models.Model):
    """A named set of inbox filters one member of staff keeps (the query string it shows)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="assistant_one_saved_view_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class ResidentThread(models.Model):
    """One resident across channels: the conversations pointing at it show as one thread in the inbox."""

    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Resident thread #{self.pk}"
