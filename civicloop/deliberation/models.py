"""Deliberation: opinion-mapping conversations (statements, agree / disagree / pass votes, results).

A conversation's statements and participants carry an ``external_id``: the Polis comment or
participant id when imported, otherwise the next number in the conversation. It is what exports and
the analysis JSON show, so a resident is only ever an anonymous number there.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STATEMENT_MAX_LENGTH = 140  # for statements written here; imported ones keep their full text
OFFICIAL_RESPONSE_MAX_LENGTH = 2000  # as an idea's official reply


class Conversation(models.Model):
    """Residents vote agree / disagree / pass on short statements about a city question."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(max_length=200)
    prompt = models.TextField(
        max_length=4000, blank=True, help_text=_("The question or topic put to residents")
    )
    # Where it is asked: the space decides who may see it (public, staff-only, invite-only). Optional:
    # an imported conversation belongs nowhere until staff place it, and is then staff-only.
    space = models.ForeignKey(
        "engage.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="conversations"
    )
    question = models.ForeignKey(
        "engage.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(
        max_length=200, blank=True, default="", help_text=_('Where it came from, e.g. "polis:vtaiwan.uberx"')
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The staff member who opened it at /staff/conversations/new/; none when imported or the demo's.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when votes asked for a new analysis and one is enqueued for then; cleared by the task that
    # runs it. Only the vote that sets it enqueues, so a burst of votes makes one task (debounce).
    analysis_due_at = models.DateTimeField(null=True, blank=True)
    # The report is the city's once published; before that only staff see it.
    report_published_at = models.DateTimeField(null=True, blank=True)
    report_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    official_response = models.TextField(max_length=OFFICIAL_RESPONSE_MAX_LENGTH, blank=True, default="")
    official_response_department = models.CharField(max_length=100, blank=True, default="")
    official_response_at = models.DateTimeField(null=True, blank=True)
    official_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="deliberation_conversation_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/conversations/{self.pk}/"

    @property
    def department(self) -> str:
        """Who answers for it: its question's department; none (any staff may) when it has no question."""
        return self.question.department if self.question_id is not None and self.question else ""

    @property
    def report_published(self) -> bool:
        return self.report_published_at is not None


class ConversationParticipant(models.Model):
    """Someone voting in one conversation: a resident's light account, or a Polis participant imported."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    external_id = models.CharField(max_length=64, help_text=_("Anonymous number in the conversation"))
    resident = models.ForeignKey(
        "engage.Participant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when a moderator left this participant's votes out of the analysis after review of
    # coordinated voting (moderation.CoordinatedVotingCase); the votes themselves are kept.
    excluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "external_id"], name="deliberation_participant_number_once"
            ),
            models.UniqueConstraint(
                fields=["conversation", "resident"],
                condition=Q(resident__isnull=False),
                name="deliberation_resident_once_per_conversation",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "id"], name="deliberation_part_conv_idx")]

    def __str__(self) -> str:
        return f"Participant {self.external_id} in conversation {self.conversation_id}"


class Statement(models.Model):
    """A short statement residents vote on. Moderation as Polis's ``moderated``: 1, 0, −1; hidden (after
    residents' reports, until a moderator decides the case) is 0 as held is."""

    class Moderation(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        HELD = "held", _("Held for moderation")
        HIDDEN = "hidden", _("Hidden after reports")
        REJECTED = "rejected", _("Rejected")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="statements")
    external_id = models.CharField(max_length=64, help_text=_("Polis comment id, or the next number"))
    text = models.TextField()
    author = models.ForeignKey(
        ConversationParticipant, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.HELD)
    created_at = models.DateTimeField(default=timezone.now)
    # The civility check's verdict on a statement written here (reason codes, 0..1 score).
    held_reasons = models.JSONField(default=list, blank=True)
    civility_score = models.FloatField(default=0.0)
    # A moderator's decision on a held statement: who, when, and for a rejection the code-of-conduct
    # reason (moderation.ReasonCode) and a note.
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.CharField(max_length=20, blank=True, default="")
    moderation_note = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "external_id"], name="deliberation_statement_number_once"
            ),
            models.CheckConstraint(
                condition=Q(moderation__in=["accepted", "held", "hidden", "rejected"]),
                name="deliberation_statement_moderation_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="deliberation_stmt_conv_idx"),
            models.Index(fields=["moderation", "created_at"], name="deliberation_stmt_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"Statement {self.external_id} in conversation {self.conversation_id}"


class Vote(models.Model):
    """One vote per participant per statement; casting again replaces it (the latest is kept)."""

    class Value(models.IntegerChoices):
        AGREE = 1, _("Agree")
        PASS = 0, _("Pass / unsure")
        DISAGREE = -1, _("Disagree")

    # The conversation is the statement's, repeated so the analysis reads all votes from one index.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(ConversationParticipant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(default=timezone.now, help_text=_("When the kept vote was cast"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"], name="deliberation_vote_once"),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="deliberation_vote_value_valid"),
        ]
        indexes = [
            models.Index(
                fields=["conversation", "participant", "statement"], name="deliberation_vote_conv_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Vote {self.value} by {self.participant_id} on {self.statement_id}"


class AnalysisResult(models.Model):
    """One run of the opinion map; the newest is the conversation's current result."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="analyses")
    created_at = models.DateTimeField(default=timezone.now)
    enough_data = models.BooleanField(default=False)
    participants = models.PositiveIntegerField(help_text=_("Participants in the map"))
    statements = models.PositiveIntegerField()
    votes = models.PositiveIntegerField(default=0)
    # Left out after a moderator's review of coordinated voting: participants and their votes.
    excluded_participants = models.PositiveIntegerField(default=0)
    excluded_votes = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(help_text=_("Time the analysis took"))
    # groups (participants by external id), representative and consensus statements, see services.
    opinion_map = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-id"], name="deliberation_result_newest_idx")]

    def __str__(self) -> str:
        return f"Analysis #{self.pk} of conversation {self.conversation_id}"
