"""311: the city's services, residents' requests, every status change, and API clients (Open311)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Notes the system writes (in English, as the API shows them); the web shows them in the reader's language.
OPENED_NOTE = gettext_noop("Request opened")
REOPENED_PREFIX = "Reopened by the resident: "


class Service(models.Model):
    """A 311 service residents can request (Chicago's real service codes)."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    name_es = models.CharField(max_length=200, blank=True)
    key = models.SlugField(max_length=100, blank=True, help_text="Chicago's chicagorequests key")
    department = models.CharField(max_length=100, help_text="The Open311 group and agency responsible")
    topic = models.ForeignKey(
        "topics.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keywords = models.CharField(max_length=500, blank=True, help_text="Plain words residents search with")
    sla_hours = models.PositiveIntegerField(default=7 * 24, help_text="Target time to complete")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_definition(self) -> bool:
        return self.attributes.exists()


class ServiceAttribute(models.Model):
    """A question a service definition asks (Open311 attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string"
        NUMBER = "number"
        DATETIME = "datetime"
        TEXT = "text"
        SINGLEVALUELIST = "singlevaluelist"
        MULTIVALUELIST = "multivaluelist"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(max_length=64)
    order = models.PositiveSmallIntegerField(default=0)
    datatype = models.CharField(max_length=20, choices=Datatype.choices)
    required = models.BooleanField(default=False)
    # False for a heading or instruction only (Open311 "variable")
    variable = models.BooleanField(default=True)
    description = models.CharField(max_length=300)
    description_es = models.CharField(max_length=300, blank=True)
    datatype_description = models.CharField(max_length=200, blank=True)
    # [{"key": ..., "name": ..., "name_es": ...}] for list datatypes
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="service_attribute_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.code}"

    def value_keys(self) -> set[str]:
        return {str(value["key"]) for value in self.values}


class ApiClient(models.Model):
    """An application allowed to POST requests (Open311 api_key); only a hash of its key is kept."""

    name = models.CharField(max_length=200)
    key_prefix = models.CharField(max_length=12, help_text="First characters, to recognise a key")
    key_hash = models.CharField(max_length=64, unique=True)
    requests_per_minute = models.PositiveIntegerField(default=60)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class ServiceRequest(models.Model):
    """A resident's 311 request and where it stands."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Detailed(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        DUPLICATE = "duplicate", _("Duplicate")
        COMPLETED = "completed", _("Completed")
        CANNOT_COMPLETE = "cannot_complete", _("Cannot complete")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("Open311 API")
        SMS = "sms", _("Text message")
        WHATSAPP = "whatsapp", "WhatsApp"
        SOCIAL = "social", _("Social media")
        PHONE = "phone", _("Phone")

    public_id = models.CharField(max_length=20, unique=True, help_text="Open311 service_request_id")
    token = models.CharField(max_length=36, unique=True, help_text="Open311 token, given before an id exists")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    detailed_status = models.CharField(max_length=20, choices=Detailed.choices, default=Detailed.SUBMITTED)
    status_notes = models.CharField(max_length=500, blank=True)
    description = models.TextField(max_length=4000, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    community_area = models.ForeignKey(
        "places.CommunityArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attribute_values = models.JSONField(default=dict, blank=True)
    # Public at once: only ever a copy core.images re-encoded (no EXIF/GPS), at most 2,048 px a side.
    photo = models.FileField(upload_to="requests/%Y/%m/", blank=True)
    photo_width = models.PositiveIntegerField(null=True, blank=True)
    photo_height = models.PositiveIntegerField(null=True, blank=True)
    # The same photo at most 320 px a side, for lists.
    photo_thumbnail = models.FileField(upload_to="requests/%Y/%m/", blank=True)
    photo_thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    photo_thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    agency_responsible = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    api_client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Private: never in public pages, the API or exports.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=8, default="en")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(db_index=True)
    expected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set by the database on every write (triggers, migration 0005), never by Python: False only when
    # no public text (description, status notes, address) can hold an email address or phone number,
    # so open data lets the database publish those rows as they are.
    may_hold_contact_details = models.BooleanField(default=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["service", "-requested_at"], name="request_service_idx"),
            models.Index(fields=["status", "-requested_at"], name="request_status_idx"),
            models.Index(fields=["community_area", "-requested_at"], name="request_area_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="request_lat_long_together",
            ),
            models.CheckConstraint(
                condition=~Q(latitude__isnull=True, address="", address_id=""), name="request_has_a_location"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    def get_absolute_url(self) -> str:
        return f"/requests/{self.public_id}/"


class StatusChange(models.Model):
    """One change in a request's life: the public timeline and the staff audit trail."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=10, choices=ServiceRequest.Status.choices)
    detailed_status = models.CharField(max_length=20, choices=ServiceRequest.Detailed.choices)
    note = models.CharField(max_length=1000, blank=True)
    # False for staff-only entries (an assignment): kept in the audit trail, never shown or sent.
    public = models.BooleanField(default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.detailed_status}"


class Follower(models.Model):
    """Someone told about every change to a request: the requester, or a resident who follows it.

    Reached through a subscriptions ContactPoint, so the delivery engine sends in their language and
    honours STOP and bounces. A public follow counts only once its confirmation link is used.
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="followers")
    contact_point = models.ForeignKey(
        "subscriptions.ContactPoint", on_delete=models.CASCADE, related_name="followed_requests"
    )
    is_requester = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "contact_point"], name="follower_request_contact_unique"
            )
        ]

    def __str__(self) -> str:
        # No address here: __str__ ends up in logs and admin history.
        return f"Follower #{self.pk} of {self.request_id}"


class RequestsVersion(models.Model):
    """One row, bumped in the same transaction as every change the public request lists show.

    Open311 list answers are cached under it (open311_cache), so a cached answer is never older than
    the data: any committed change gives new keys. The random token tells apart two databases (a
    test's rolled-back one, a restored backup) that reach the same number by different changes.
    """

    token = models.UUIDField(default=uuid.uuid4)
    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"requests version {self.token}:{self.number}"
