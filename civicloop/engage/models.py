"""Engage: spaces where the city asks questions, residents' ideas and comments, supports and answers."""

import random

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Until every idea on a question has been shown this often, the least seen come first.
ROTATION_ENOUGH_VIEWS = 200


def new_rotation_key() -> float:
    """An idea's random place among the ideas the fair rotation has shown as often."""
    return random.random()


class Space(models.Model):
    """A place for questions: open to everyone, to city staff only, or to the people invited."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        STAFF = "staff", _("City staff only")
        INVITE = "invite", _("Invited people only")

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=4000, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "staff", "invite"]),
                name="engage_space_visibility_valid",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/ideas/{self.slug}/"


class SpaceInvitee(models.Model):
    """Someone invited to an invite-only space, by the email address or mobile number they sign in with."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="invitees")
    contact_point = models.ForeignKey(
        "subscriptions.ContactPoint", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "contact_point"], name="engage_invitee_once_per_space")
        ]

    def __str__(self) -> str:
        return f"Invitee #{self.pk} of space {self.space_id}"


class Question(models.Model):
    """A question the city asks in a space; ideas are posted to it while it is open."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="questions")
    slug = models.SlugField(max_length=80)
    text = models.CharField(max_length=300)
    description = models.TextField(max_length=4000, blank=True)
    topic = models.ForeignKey(
        "topics.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    community_areas = models.ManyToManyField("places.CommunityArea", blank=True, related_name="+")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    department = models.CharField(max_length=100, help_text="The department that owns and answers it")
    # A jam is a time-boxed brainstorm; its live view is built elsewhere, this only marks it.
    is_jam = models.BooleanField(default=False)
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-opens_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["space", "slug"], name="engage_question_slug_per_space"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="engage_question_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return f"/ideas/{self.space.slug}/{self.slug}/"


class Participant(models.Model):
    """A light account: a resident known by a confirmed email or phone (magic link), or a staff login."""

    contact_point = models.OneToOneField(
        "subscriptions.ContactPoint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    display_name = models.CharField(max_length=60)
    language = models.CharField(max_length=8, default="en")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Part of every sign-in link; raised by each new link and by each use, so a link signs in once.
    token_version = models.PositiveIntegerField(default=1)
    # The name and language asked for with the newest link: they take effect only when it is used.
    pending_display_name = models.CharField(max_length=60, blank=True, default="")
    pending_language = models.CharField(max_length=8, blank=True, default="")
    # A resident known only where they wrote to the city (a web chat, a social network), whose words staff
    # posted as an idea: the place's key, e.g. "inbox-conversation-12". They cannot sign in or be notified.
    relayed_from = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_point__isnull=False) | Q(user__isnull=False) | ~Q(relayed_from=""),
                name="engage_participant_reachable_or_staff",
            ),
            models.UniqueConstraint(
                fields=["relayed_from"],
                condition=~Q(relayed_from=""),
                name="engage_one_participant_per_relay",
            ),
        ]

    def __str__(self) -> str:
        # No address here: __str__ ends up in logs and admin history.
        return f"Participant #{self.pk}"


class ModerationState(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden")
    REMOVED = "removed", _("Removed")


class Moderated(models.Model):
    """What the civility check and, later, moderators decided; a machine only ever holds, never rejects."""

    moderation_state = models.CharField(
        max_length=10, choices=ModerationState.choices, default=ModerationState.PUBLISHED
    )
    held_reasons = models.JSONField(default=list, blank=True)
    civility_score = models.FloatField(default=0.0)

    class Meta:
        abstract = True


class Idea(Moderated):
    """A resident's answer to a question, with its status in the city's hands."""

    class Status(models.TextChoices):
        UNDER_CONSIDERATION = "under_consideration", _("Under consideration")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")
        NOT_PLANNED = "not_planned", _("Not planned")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="ideas")
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(max_length=150)
    body = models.TextField(max_length=5000)
    community_area = models.ForeignKey(
        "places.CommunityArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNDER_CONSIDERATION)
    status_reason = models.CharField(max_length=1000, blank=True)
    is_staff_pick = models.BooleanField(default=False)
    # Kept in step by the services, so lists sort and show counts without counting rows.
    supports_count = models.PositiveIntegerField(default=0)
    comments_count = models.PositiveIntegerField(default=0)
    # How often the fair rotation has shown it, counted up to ROTATION_ENOUGH_VIEWS (past that
    # all ideas are equal), and its place among equals, drawn afresh each time it is shown.
    rotation_views = models.PositiveIntegerField(default=0)
    rotation_key = models.FloatField(default=new_rotation_key)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    # Title and body under the shared multilingual embedder, 384 float16 values: finds similar ideas.
    embedding = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The fair order walks this index and stops after one page, instead of sorting every
            # idea of the question (40,000 ideas: docs/benchmarks.md).
            models.Index(
                fields=["question", "rotation_views", "rotation_key", "moderation_state"],
                name="engage_idea_fair_idx",
            ),
            models.Index(fields=["question", "-created_at"], name="engage_idea_newest_idx"),
            # "Most discussed": walks the question's ideas in order instead of sorting them all.
            models.Index(
                fields=["question", "-comments_count", "-created_at", "-id"], name="engage_idea_discussed_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    moderation_state__in=["published", "held", "hidden", "removed"],
                    status__in=[
                        "under_consideration",
                        "accepted",
                        "in_progress",
                        "implemented",
                        "not_planned",
                    ],
                ),
                name="engage_idea_choices_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_planned") | ~Q(status_reason=""),
                name="engage_idea_not_planned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/ideas/{self.pk}/"


class IdeaRevision(models.Model):
    """An idea as it was before an edit: the history is kept, never rewritten."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=150)
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Revision #{self.pk} of idea {self.idea_id}"


class Comment(Moderated):
    """A comment on an idea, or a reply to one (two levels); staff answers carry an official badge."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(max_length=2000)
    is_official = models.BooleanField(default=False)
    department = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(moderation_state__in=["published", "held", "hidden", "removed"]),
                name="engage_comment_moderation_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_official=False) | ~Q(department=""),
                name="engage_official_reply_names_department",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment #{self.pk} on idea {self.idea_id}"


class CommentRevision(models.Model):
    """A comment as it was before an edit."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Revision #{self.pk} of comment {self.comment_id}"


class Support(models.Model):
    """One person's support for an idea: at most one each, whatever they click."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField()
    # core.throttling.client_network_key of the supporter's address (never the address): flags bursts
    # from one network to moderators. Empty when unknown.
    network_key = models.CharField(max_length=32, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "participant"], name="engage_support_once_per_person")
        ]
        indexes = [models.Index(fields=["created_at"], name="engage_support_created_idx")]

    def __str__(self) -> str:
        return f"Support #{self.pk} of idea {self.idea_id}"


class IdeaFollower(models.Model):
    """Someone told about each change to an idea; a stopped row keeps an author or supporter quiet too."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="followers")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="follows")
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "participant"], name="engage_follow_once_per_person")
        ]

    def __str__(self) -> str:
        return f"Follower #{self.pk} of idea {self.idea_id}"


class IdeaStatusChange(models.Model):
    """One entry on an idea's public timeline: a status set by staff, with the reason."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=20, choices=Idea.Status.choices)
    reason = models.CharField(max_length=1000, blank=True)
    department = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.idea_id}:{self.status}"


class JamPrompt(models.Model):
    """A host's prompt during a jam ("What about winter?"), shown above the ideas, newest first."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="prompts")
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name shown with the prompt, kept as it was when posted (never the login name).
    host_name = models.CharField(max_length=100)
    text = models.TextField(max_length=1000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["question", "-id"], name="engage_prompt_newest_idx")]

    def __str__(self) -> str:
        return f"Prompt #{self.pk} on question {self.question_id}"
