from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import TimeStampedModel

TITLE_MAX = 160
SUMMARY_MAX = 300
BODY_MAX = 20_000


class Kind(models.TextChoices):
    POLICY = "policy", _("Policy")
    PROGRAM = "program", _("Program")
    EVENT = "event", _("Event")
    ALERT = "alert", _("Alert")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Announcement(TimeStampedModel):
    """A policy, program, event or alert the city tells residents about, in one or more languages."""

    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    is_citywide = models.BooleanField(default=True)
    topics = models.ManyToManyField("topics.Topic", related_name="announcements", blank=True)
    areas = models.ManyToManyField("places.CommunityArea", related_name="announcements", blank=True)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When a scheduled announcement goes out"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Set when the text changes after publishing, so pages can say "Updated on …".
    content_updated_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    event_starts_at = models.DateTimeField(null=True, blank=True)
    event_ends_at = models.DateTimeField(null=True, blank=True)
    event_location = models.CharField(max_length=200, blank=True)
    post_to_social = models.BooleanField(
        default=False, help_text="Also post to the city's social accounts when published"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="announcement_public_idx"),
            models.Index(fields=["kind", "status", "-published_at"], name="announcement_kind_idx"),
            models.Index(fields=["status", "publish_at"], name="announcement_due_idx"),
            models.Index(fields=["kind", "status", "event_starts_at"], name="announcement_event_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="event") | Q(event_starts_at__isnull=False),
                name="announcement_event_has_start",
            ),
            models.CheckConstraint(
                condition=Q(event_ends_at__isnull=True)
                | Q(event_starts_at__isnull=True)
                | Q(event_ends_at__gte=models.F("event_starts_at")),
                name="announcement_event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="announcement_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return f"/announcements/{self.slug}/"

    @property
    def is_urgent(self) -> bool:
        return self.kind == Kind.ALERT

    @property
    def was_updated(self) -> bool:
        return bool(
            self.content_updated_at and self.published_at and self.content_updated_at > self.published_at
        )


class AnnouncementTranslation(models.Model):
    """The text of an announcement in one language; English is always present."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.CharField(max_length=SUMMARY_MAX, blank=True)
    body_markdown = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(help_text="Sanitised rendering of body_markdown")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "language"], name="announcement_one_text_per_language"
            )
        ]
        indexes = [models.Index(fields=["language", "announcement"], name="translation_language_idx")]

    def __str__(self) -> str:
        return f"{self.announcement_id}:{self.language}"


class AnnouncementRevision(models.Model):
    """The text as it was before an edit made after publishing: the public record of changes."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.CharField(max_length=SUMMARY_MAX, blank=True)
    body_markdown = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-replaced_at", "-id"]

    def __str__(self) -> str:
        return f"{self.announcement_id}:{self.language}@{self.replaced_at:%Y-%m-%d}"
