"""The city's directory: services and programs described once, where to get them, and life-event journeys.

Modelled on the EU's CPSV-AP (a public service grouped by life event), GOV.UK's step-by-step journeys
and Open Referral HSDS 3.0 (what the directory exports)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import TimeStampedModel

NAME_MAX = 200
SUMMARY_MAX = 400
# /services/life-events/ is the journeys' own page, so no entry may take that slug.
RESERVED_SLUGS = ("life-events",)


class Kind(models.TextChoices):
    SERVICE = "service", _("Service")
    PROGRAM = "program", _("Program")


class TextStatus(models.TextChoices):
    REVIEWED = "reviewed", _("Reviewed")
    MACHINE_TRANSLATED = "machine_translated", _("Machine translated")


class StepRelation(models.TextChoices):
    AND = "and", _("and")
    OR = "or", _("or")


class ServiceLocation(models.Model):
    """A place residents go in person: an office, a library, a warming centre."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    address = models.CharField(max_length=300)
    community_area = models.ForeignKey(
        "places.CommunityArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hours = models.CharField(max_length=300, blank=True, help_text="Opening hours, as residents read them")
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="location_has_name"),
            models.CheckConstraint(condition=~Q(address=""), name="location_has_address"),
        ]

    def __str__(self) -> str:
        return self.name


class DirectoryEntry(TimeStampedModel):
    """One city service or program, described once: what it is, who for, how to get it, where and when."""

    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Its HSDS id")
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    department = models.CharField(max_length=100)
    topic = models.ForeignKey(
        "topics.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The 311 service this entry describes, if any; at most one entry per 311 service.
    service = models.ForeignKey(
        "servicerequests.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    online_url = models.URLField(max_length=300, blank=True, help_text="Where to apply or ask online")
    phone = models.CharField(max_length=30, blank=True)
    text_keyword = models.CharField(
        max_length=30, blank=True, help_text="The word residents text to the city's number"
    )
    in_person = models.BooleanField(default=False, help_text="Residents can get it at its locations")
    locations = models.ManyToManyField(ServiceLocation, related_name="entries", blank=True)
    languages_offered = models.JSONField(
        default=list, blank=True, help_text="Language codes the service itself is offered in"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_by = models.DateField(null=True, blank=True, help_text="When the owner checks it is still right")
    # The review-by date its owner was last reminded of: a new date earns a new reminder, the same one none.
    review_reminded_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "directory entries"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="directory_entry_kind_known"),
            models.CheckConstraint(condition=~Q(slug__in=RESERVED_SLUGS), name="directory_entry_slug_free"),
            models.CheckConstraint(condition=~Q(slug=""), name="directory_entry_has_slug"),
            models.CheckConstraint(condition=~Q(department=""), name="directory_entry_has_department"),
            models.UniqueConstraint(
                fields=["service"], condition=Q(service__isnull=False), name="directory_entry_one_per_service"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return f"/services/{self.slug}/"


class DirectoryEntryText(models.Model):
    """An entry in one language; English is always present. Cost, time and documents are words too."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(max_length=20, choices=TextStatus.choices, default=TextStatus.REVIEWED)
    name = models.CharField(max_length=NAME_MAX)
    summary = models.CharField(max_length=SUMMARY_MAX)
    who_for = models.TextField(blank=True)
    how_to_get = models.TextField(blank=True)
    cost = models.CharField(max_length=200, blank=True)
    time_taken = models.CharField(max_length=200, blank=True)
    documents_needed = models.TextField(blank=True)
    # Name, summary and who it is for, lower-cased and without accents (directory.search.search_document),
    # kept by the services that write the text, so a search is the same on SQLite and PostgreSQL.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["entry_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "language"], name="directory_one_text_per_language"),
            models.CheckConstraint(condition=~Q(name=""), name="directory_text_has_name"),
            models.CheckConstraint(
                condition=Q(status__in=TextStatus.values), name="directory_text_status_known"
            ),
        ]
        indexes = [models.Index(fields=["language", "entry"], name="directory_text_language_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.language}"


class LifeEvent(models.Model):
    """A moment in a resident's life (having a baby, losing a job) and the steps the city helps with."""

    slug = models.SlugField(max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]
        constraints = [models.CheckConstraint(condition=~Q(slug=""), name="life_event_has_slug")]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return f"/services/life-events/{self.slug}/"


class LifeEventText(models.Model):
    """A life event's title and summary in one language; English is always present."""

    life_event = models.ForeignKey(LifeEvent, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(max_length=20, choices=TextStatus.choices, default=TextStatus.REVIEWED)
    title = models.CharField(max_length=NAME_MAX)
    summary = models.CharField(max_length=SUMMARY_MAX, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["life_event", "language"], name="life_event_one_text_per_language"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="life_event_text_has_title"),
        ]

    def __str__(self) -> str:
        return f"{self.life_event_id}:{self.language}"


class LifeEventStep(models.Model):
    """A numbered step of a journey; `relation` says whether the next step comes as well ("and") or
    instead ("or")."""

    life_event = models.ForeignKey(LifeEvent, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    # {"en": "...", "es": "..."}: English always present.
    title = models.JSONField()
    optional = models.BooleanField(default=False)
    relation = models.CharField(max_length=3, choices=StepRelation.choices, default=StepRelation.AND)

    class Meta:
        ordering = ["life_event_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["life_event", "number"], name="life_event_step_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="life_event_step_number_positive"),
            models.CheckConstraint(condition=Q(title__has_key="en"), name="life_event_step_title_in_english"),
            models.CheckConstraint(
                condition=Q(relation__in=StepRelation.values), name="life_event_step_relation_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.life_event_id}#{self.number}"


class StepTask(models.Model):
    """A task within a step: the entry that does it, a note in each language, and whether to show its cost."""

    step = models.ForeignKey(LifeEventStep, on_delete=models.CASCADE, related_name="tasks")
    entry = models.ForeignKey(DirectoryEntry, on_delete=models.PROTECT, related_name="tasks")
    order = models.PositiveSmallIntegerField(default=0)
    # {"en": "...", "es": "..."}; may be empty ({}), when the entry's name says it all.
    note = models.JSONField(default=dict, blank=True)
    show_cost = models.BooleanField(default=False, help_text="Show the entry's cost next to the task")

    class Meta:
        ordering = ["step_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "entry"], name="step_task_entry_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.step_id}:{self.entry_id}"
