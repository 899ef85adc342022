"""Moderation: cases in the queue, residents' reports, moderators' decisions, appeals and the audit log.

Nothing here is ever deleted, and nothing here deletes content: a decision only changes the item's
`moderation_state` (an idea's, a comment's: any kind registered in reportables.py). Each `Decision`
keeps the text as it was and the check's verdict, so the civility check can be retrained from what
moderators decided.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReasonCode(models.TextChoices):
    """Why content breaks the code of conduct: reports and rejections use the same list."""

    UNCIVIL = "uncivil", _("Insults, abuse or harassment")
    THREAT = "threat", _("A threat of violence")
    PERSONAL_DATA = "personal_data", _("Someone's personal details (email, phone, home address)")
    HATE = "hate", _("Hate against a group of people")
    SPAM = "spam", _("Spam or advertising")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Something else against the code of conduct")


class ModerationCase(models.Model):
    """One item (an idea, or a comment on it) waiting for, or decided by, a moderator.

    At most one case per item is undecided at a time; a case is opened by the civility check, by a
    resident's report or by a burst of supports, and more reports join the open case.
    """

    class Source(models.TextChoices):
        CHECK = "check", _("Civility check")
        REPORT = "report", _("Reported by residents")
        BURST = "burst", _("Burst of supports")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        DECIDED = "decided", _("Decided")
        APPEALED = "appealed", _("Appealed: waiting for a moderator")
        CLOSED = "closed", _("Closed")

    # The item: its kind as registered with moderation (reportables.Reportable.kind: "idea", "comment")
    # and its number; a new kind of content needs no column here.
    kind = models.CharField(max_length=30)
    content_id = models.PositiveBigIntegerField()
    # Engage's own columns for its items (its Reportable.case_fields fills them), for its pages' joins.
    idea = models.ForeignKey("engage.Idea", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Set for a comment's case (the idea is then the comment's idea).
    comment = models.ForeignKey(
        "engage.Comment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    urgent = models.BooleanField(default=False)
    # Reason codes: the check's (uncivil, threat, personal_data) and the reports' (ReasonCode).
    reasons = models.JSONField(default=list, blank=True)
    score = models.FloatField(default=0.0)
    # For bursts: what the moderator needs to judge them (counts, times, account ages); no personal data.
    evidence = models.JSONField(default=dict, blank=True)
    reports_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "opened_at", "id"]
        indexes = [
            models.Index(fields=["state", "-urgent", "opened_at"], name="moderation_case_queue_idx"),
            models.Index(fields=["kind", "content_id"], name="moderation_case_item_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_id"],
                condition=Q(state__in=["open", "appealed"]),
                name="moderation_one_pending_case_per_item",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["check", "report", "burst"])
                & Q(state__in=["open", "decided", "appealed", "closed"]),
                name="moderation_case_choices_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}"

    @property
    def is_comment(self) -> bool:
        return self.kind == "comment"

    @property
    def pending(self) -> bool:
        return self.state in (self.State.OPEN, self.State.APPEALED)


class Report(models.Model):
    """A person's report of an idea or a comment, with a reason; once per person and item."""

    case = models.ForeignKey(ModerationCase, on_delete=models.PROTECT, related_name="reports")
    # The item, as on its case.
    kind = models.CharField(max_length=30)
    content_id = models.PositiveBigIntegerField()
    idea = models.ForeignKey("engage.Idea", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    comment = models.ForeignKey(
        "engage.Comment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter = models.ForeignKey("engage.Participant", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=ReasonCode.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "kind", "content_id"], name="moderation_report_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk} on case {self.case_id}"


class Decision(models.Model):
    """A moderator's decision on a case (or on its appeal): the audit log and the retraining data."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approve: publish it")
        REJECT = "reject", _("Reject: remove it from the site")
        EDIT = "edit", _("Edit it and publish, with a note")

    class Stage(models.TextChoices):
        FIRST = "first", _("First decision")
        APPEAL = "appeal", _("Appeal")

    case = models.ForeignKey(ModerationCase, on_delete=models.PROTECT, related_name="decisions")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.FIRST)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    # Empty for an approval; a ReasonCode for a rejection or an edit.
    reason = models.CharField(max_length=20, choices=ReasonCode.choices, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    # The content as the moderator saw it, and (for an edit) as they left it.
    title_before = models.CharField(max_length=150, blank=True)
    text_before = models.TextField(max_length=5000)
    title_after = models.CharField(max_length=150, blank=True)
    text_after = models.TextField(max_length=5000, blank=True)
    state_before = models.CharField(max_length=10)
    state_after = models.CharField(max_length=10)
    # The civility check's verdict on text_before: {"held", "reasons", "score"}.
    check_verdict = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One decision per stage: a second moderator's click cannot act twice.
            models.UniqueConstraint(fields=["case", "stage"], name="moderation_one_decision_per_stage"),
            models.CheckConstraint(
                condition=Q(action__in=["approve", "reject", "edit"]) & Q(stage__in=["first", "appeal"]),
                name="moderation_decision_choices_valid",
            ),
            models.CheckConstraint(
                condition=Q(action="approve") | ~Q(reason=""), name="moderation_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Decision #{self.pk} ({self.action}) on case {self.case_id}"


class Appeal(models.Model):
    """The author asks for a second look at a decision, once per case."""

    case = models.OneToOneField(ModerationCase, on_delete=models.PROTECT, related_name="appeal")
    author = models.ForeignKey("engage.Participant", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Appeal on case {self.case_id}"


class AuditEvent(models.Model):
    """Every step taken on a case, by a person or by the machine, in order; never edited or deleted."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        REPORTED = "reported", _("Reported")
        HIDDEN = "hidden", _("Hidden pending review")
        RECHECKED = "rechecked", _("Checked again after an edit")
        DECIDED = "decided", _("Decided")
        APPEALED = "appealed", _("Appealed")
        EXPORTED = "exported", _("Removed content exported")
        COORDINATED_EXCLUDED = "coord_excl", _("Coordinated votes left out of the analysis")
        COORDINATED_INCLUDED = "coord_incl", _("Coordinated votes put back into the analysis")
        COORDINATED_KEPT = "coord_kept", _("Coordinated voting looked at: kept")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    case = models.ForeignKey(
        ModerationCase, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class CoordinatedVotingCase(models.Model):
    """A group of new accounts that voted in a conversation, or supported ideas on a question, (nearly)
    alike and were created close together or from one network: a signal for a moderator, never a verdict.

    Nothing is removed: a moderator may leave the group's votes (or supports) out of the analysis, and
    put them back. Each account is in at most one case per conversation or question (the detector skips
    accounts already in one), so the same group is never flagged twice.
    """

    class Kind(models.TextChoices):
        CONVERSATION = "conversation", _("Votes in a conversation")
        QUESTION = "question", _("Supports on a question")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        EXCLUDED = "excluded", _("Left out of the analysis")
        KEPT = "kept", _("Looked at: kept in the analysis")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    conversation = models.ForeignKey(
        "deliberation.Conversation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        "engage.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    accounts = models.PositiveIntegerField()
    # Votes (or supports) the group cast, the number a moderator leaves out by excluding it.
    votes = models.PositiveIntegerField()
    similarity = models.FloatField(help_text=_("Lowest similarity of a member to the group's common pattern"))
    # Counts, times and similarity for the moderator; participant numbers, never personal data.
    evidence = models.JSONField(default=dict)
    opened_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["state", "opened_at"], name="moderation_coord_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="conversation", conversation__isnull=False, question__isnull=True))
                | Q(kind="question", question__isnull=False, conversation__isnull=True),
                name="moderation_coord_case_has_one_place",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "excluded", "kept"]), name="moderation_coord_case_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Coordinated voting case #{self.pk}"

    @property
    def pending(self) -> bool:
        return self.state == self.State.OPEN


class CoordinatedVotingMember(models.Model):
    """One account in a coordinated-voting case (the resident's light account)."""

    case = models.ForeignKey(CoordinatedVotingCase, on_delete=models.CASCADE, related_name="members")
    participant = models.ForeignKey("engage.Participant", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "participant"], name="moderation_coord_member_once")
        ]
        indexes = [models.Index(fields=["participant", "case"], name="moderation_coord_member_idx")]

    def __str__(self) -> str:
        return f"Member {self.participant_id} of coordinated case {self.case_id}"
