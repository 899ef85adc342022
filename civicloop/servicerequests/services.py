"""Writes for 311: load the catalogue, file requests, change their status, manage API clients."""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError, NotFound
from civicloop.core.images import ImageRejected, SanitisedImage, image_sanitise
from civicloop.core.text import web_address
from civicloop.places.selectors import community_area_for_point
from civicloop.servicerequests.catalog import DEFINITIONS, KEYWORDS, NAMES_ES, department_for
from civicloop.servicerequests.models import (
    OPENED_NOTE,
    REOPENED_PREFIX,
    ApiClient,
    Follower,
    RequestsVersion,
    Service,
    ServiceAttribute,
    ServiceRequest,
    StatusChange,
)
from civicloop.servicerequests.notifications import follow_confirmation_send, status_changes_notify
from civicloop.servicerequests.tokens import RequestLinkInvalid, follow_confirm_read, reopen_read, stop_read
from civicloop.subscriptions.models import ContactPoint
from civicloop.subscriptions.services import contact_point_ensure
from civicloop.topics.models import Topic

DATA_FILE = Path(__file__).resolve().parent / "data" / "chicago_service_codes.json"
DESCRIPTION_MAX = 4000
STRING_MAX = 200
MEDIA_URL_MAX = 500
EMAIL_MAX = 254  # ServiceRequest.email's column (EmailField's default length)
PHOTO_FIELDS = (
    "photo",
    "photo_width",
    "photo_height",
    "photo_thumbnail",
    "photo_thumbnail_width",
    "photo_thumbnail_height",
)
CLOSING = {
    ServiceRequest.Detailed.COMPLETED,
    ServiceRequest.Detailed.CANNOT_COMPLETE,
    ServiceRequest.Detailed.DUPLICATE,
}


class ServiceRequestInvalid(DomainError):
    """Bad input: Open311 answers 400 with this code and description."""

    def __init__(self, description: str, *, code: str = "400", field: str | None = None) -> None:
        super().__init__(description, field=field)
        self.code = code


class ApiKeyInvalid(DomainError):
    """Missing, unknown or revoked api_key: Open311 answers 403."""


@transaction.atomic
def services_load(*, data_file: Path = DATA_FILE) -> int:
    """Load or refresh Chicago's services and the ten definitions (idempotent)."""
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    rows = json.loads(data_file.read_text(encoding="utf-8"))
    for row in rows:
        department, topic_slug, days = department_for(row["service_name"])
        service, _ = Service.objects.update_or_create(
            code=row["service_code"],
            defaults={
                "name": row["service_name"],
                "name_es": NAMES_ES.get(row["service_name"], ""),
                "key": row.get("chicagorequests_key", "")[:100],
                "department": department,
                "topic": topics.get(topic_slug),
                "keywords": KEYWORDS.get(row["service_name"], ""),
                "sla_hours": days * 24,
            },
        )
        for order, attribute in enumerate(DEFINITIONS.get(row["service_name"], [])):
            ServiceAttribute.objects.update_or_create(
                service=service, code=attribute["code"], defaults={**attribute, "order": order}
            )
    requests_version_bump()  # service names show in the request lists
    return len(rows)


def requests_version_bump() -> None:
    """Mark the public request lists changed; call inside the transaction that changes them."""
    bumped = RequestsVersion.objects.filter(pk=1).update(number=F("number") + 1)
    if not bumped:  # a new or flushed database
        RequestsVersion.objects.get_or_create(pk=1)
        RequestsVersion.objects.filter(pk=1).update(number=F("number") + 1)


@dataclass
class RequestInput:
    """What a resident or an Open311 client sent; strings as received (an empty one counts as missing)."""

    service_code: str
    latitude: str = ""
    longitude: str = ""
    address: str = ""
    address_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""
    media_url: str = ""
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    device_id: str = ""
    account_id: str = ""
    language: str = "en"
    channel: str = ServiceRequest.Channel.WEB


def _location(data: RequestInput) -> tuple[float | None, float | None, Any]:
    if not (data.latitude and data.longitude) and (data.latitude or data.longitude):
        raise ServiceRequestInvalid(_("Both lat and long are required together."), field="lat")
    if data.latitude and data.longitude:
        try:
            latitude, longitude = float(data.latitude), float(data.longitude)
        except ValueError as error:
            raise ServiceRequestInvalid(_("lat and long must be decimal degrees."), field="lat") from error
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ServiceRequestInvalid(_("lat or long is out of range."), field="lat")
        area = community_area_for_point(latitude=latitude, longitude=longitude)
        if area is None:
            raise ServiceRequestInvalid(_("That location is outside the City of Chicago."), field="lat")
        return latitude, longitude, area
    if not (data.address.strip() or data.address_id.strip()):
        raise ServiceRequestInvalid(
            _("A location is required: lat and long, address_string or address_id."), field="address"
        )
    return None, None, None


def _attribute_values(service: Service, given: dict[str, list[str]]) -> dict[str, Any]:
    """Check every answer against the service definition; returns the clean values by code."""
    definitions = {attribute.code: attribute for attribute in service.attributes.all()}
    unknown = sorted(set(given) - set(definitions))
    if unknown:
        raise ServiceRequestInvalid(f"Unknown attribute: {unknown[0]}.", field="attributes")
    clean: dict[str, Any] = {}
    for code, attribute in definitions.items():
        values = [value for value in given.get(code, []) if value.strip()]
        if not values:
            if attribute.required and attribute.variable:
                raise ServiceRequestInvalid(f"Attribute {code} is required.", field=code)
            continue
        clean[code] = _checked(attribute, values)
    return clean


def _checked(attribute: ServiceAttribute, values: list[str]) -> Any:
    code, datatype = attribute.code, attribute.datatype
    if datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
        wrong = [value for value in values if value not in attribute.value_keys()]
        if wrong:
            raise ServiceRequestInvalid(f"Attribute {code} has no value {wrong[0]!r}.", field=code)
        return values
    if len(values) > 1:
        raise ServiceRequestInvalid(f"Attribute {code} takes one value.", field=code)
    value = values[0].strip()
    if datatype == ServiceAttribute.Datatype.SINGLEVALUELIST and value not in attribute.value_keys():
        raise ServiceRequestInvalid(f"Attribute {code} has no value {value!r}.", field=code)
    if datatype == ServiceAttribute.Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError as error:
            raise ServiceRequestInvalid(f"Attribute {code} must be a number.", field=code) from error
        if number != number or number in (float("inf"), float("-inf")):
            raise ServiceRequestInvalid(f"Attribute {code} must be a number.", field=code)
        return number
    if datatype == ServiceAttribute.Datatype.DATETIME:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise ServiceRequestInvalid(f"Attribute {code} must be a W3C datetime.", field=code)
        return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)).isoformat()
    limit = DESCRIPTION_MAX if datatype == ServiceAttribute.Datatype.TEXT else STRING_MAX
    if len(value) > limit:
        raise ServiceRequestInvalid(f"Attribute {code} is longer than {limit} characters.", field=code)
    return value


def _media_url(given: str) -> str:
    """The photo link an Open311 client sent: an http or https address, never javascript: or data:."""
    url = given.strip()
    if not url:
        return ""
    if len(url) > MEDIA_URL_MAX:
        raise ServiceRequestInvalid(
            _("media_url is longer than %(limit)d characters.") % {"limit": MEDIA_URL_MAX}, field="media_url"
        )
    if not web_address(url):
        raise ServiceRequestInvalid(
            _("media_url must be a web address starting with http:// or https://."), field="media_url"
        )
    return url


def _contact(data: RequestInput) -> tuple[str, str]:
    email = data.email.strip().lower()
    if email:
        try:
            if len(email) > EMAIL_MAX:  # validate_email takes up to 320: PostgreSQL would refuse the row
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError as error:
            raise ServiceRequestInvalid(_("email is not a valid email address."), field="email") from error
    phone = ""
    if data.phone.strip():
        try:
            number = phonenumbers.parse(data.phone, "US")
        except phonenumbers.NumberParseException as error:
            raise ServiceRequestInvalid(_("phone is not a valid phone number."), field="phone") from error
        if not phonenumbers.is_valid_number(number):
            raise ServiceRequestInvalid(_("phone is not a valid phone number."), field="phone")
        phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return email, phone


def _photo_attach(request: ServiceRequest, photo: SanitisedImage) -> None:
    """Store the display copy and the thumbnail on `request` (saved by the caller)."""
    extension = photo.extension
    request.photo.save(f"{request.pk}-photo.{extension}", photo.display, save=False)
    request.photo_width, request.photo_height = photo.display_size
    request.photo_thumbnail.save(f"{request.pk}-photo-thumbnail.{extension}", photo.thumbnail, save=False)
    request.photo_thumbnail_width, request.photo_thumbnail_height = photo.thumbnail_size


@dataclass(frozen=True)
class PhotoCleanup:
    cleaned: int
    removed: int


def request_photos_clean(*, batch_size: int = 100) -> PhotoCleanup:
    """Photos stored before uploads were re-encoded (no thumbnail yet): re-encoded now from their pixels.

    Each is replaced by a copy with no metadata (no GPS position) plus a thumbnail; one that cannot be
    read as an image is taken down rather than left public as uploaded. Safe to run again.
    """
    cleaned = removed = 0
    last_id = 0
    while True:
        batch = list(
            ServiceRequest.objects.filter(pk__gt=last_id, photo_thumbnail="")
            .exclude(photo="")
            .order_by("pk")
            .only("pk", "photo")[:batch_size]
        )
        if not batch:
            return PhotoCleanup(cleaned=cleaned, removed=removed)
        for request in batch:
            last_id = request.pk
            original = request.photo.name
            try:
                with request.photo.open("rb") as stored:
                    photo = image_sanitise(stored)
            except (ImageRejected, OSError):
                photo = None
            if photo is None:
                request.photo = ""  # type: ignore[assignment]
                ServiceRequest.objects.filter(pk=request.pk).update(photo="")
                removed += 1
            else:
                _photo_attach(request, photo)
                ServiceRequest.objects.filter(pk=request.pk).update(
                    photo=request.photo.name,
                    photo_width=request.photo_width,
                    photo_height=request.photo_height,
                    photo_thumbnail=request.photo_thumbnail.name,
                    photo_thumbnail_width=request.photo_thumbnail_width,
                    photo_thumbnail_height=request.photo_thumbnail_height,
                )
                cleaned += 1
            request.photo.storage.delete(original)


def service_request_create(
    *,
    data: RequestInput,
    api_client: ApiClient | None = None,
    photo: SanitisedImage | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """File a request. Raises NotFound (unknown service) or ServiceRequestInvalid; stores nothing then.

    A photo must come from core.images.image_sanitise: it is public at once, so never the upload itself.
    """
    if photo is not None and not isinstance(photo, SanitisedImage):
        raise TypeError("photo must be a SanitisedImage from core.images.image_sanitise")
    service = Service.objects.filter(code=data.service_code.strip(), active=True).first()
    if service is None:
        raise NotFound(f"No service with code {data.service_code!r}.")
    if len(data.description) > DESCRIPTION_MAX:
        raise ServiceRequestInvalid(
            f"description is longer than {DESCRIPTION_MAX} characters.", field="description"
        )
    media_url = _media_url(data.media_url)
    latitude, longitude, area = _location(data)
    values = _attribute_values(service, data.attributes)
    email, phone = _contact(data)
    moment = now or timezone.now()
    token = str(uuid.uuid4())
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            public_id=token[:20],
            token=token,
            service=service,
            description=data.description.strip(),
            latitude=latitude,
            longitude=longitude,
            address=data.address.strip()[:300],
            address_id=data.address_id.strip()[:100],
            community_area=area,
            attribute_values=values,
            media_url=media_url,
            agency_responsible=service.department,
            channel=data.channel,
            api_client=api_client,
            email=email,
            phone=phone,
            first_name=data.first_name.strip()[:100],
            last_name=data.last_name.strip()[:100],
            device_id=data.device_id.strip()[:100],
            account_id=data.account_id.strip()[:100],
            language=data.language if data.language in ("en", "es") else "en",
            requested_at=moment,
            updated_at=moment,
            expected_at=moment + timedelta(hours=service.sla_hours),
        )
        # Chicago-style id, e.g. 26-00001234: the year, then the row number.
        request.public_id = f"{moment:%y}-{request.pk:08d}"
        if photo is not None:
            _photo_attach(request, photo)
        request.save(update_fields=["public_id", *PHOTO_FIELDS])
        StatusChange.objects.create(
            request=request,
            status=request.status,
            detailed_status=request.detailed_status,
            note=OPENED_NOTE,
            created_at=moment,
        )
        _requester_follow(request, email=email, phone=phone, moment=moment)
        requests_version_bump()
    return request


def service_request_photo_add(*, request_id: int, photo: SanitisedImage) -> bool:
    """Give a filed request the photo its requester sent afterwards (by MMS); False if it has one already.

    The photo must come from core.images.image_sanitise, as for the web form.
    """
    if not isinstance(photo, SanitisedImage):
        raise TypeError("photo must be a SanitisedImage from core.images.image_sanitise")
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.photo:
            return False
        _photo_attach(request, photo)
        request.save(update_fields=list(PHOTO_FIELDS))
        requests_version_bump()
    return True


def _requester_follow(request: ServiceRequest, *, email: str, phone: str, moment: datetime) -> None:
    """The requester hears about every change on each channel they gave (no confirmation: they filed it)."""
    for kind, value in ((ContactPoint.Kind.EMAIL, email), (ContactPoint.Kind.SMS, phone)):
        if value:
            point = contact_point_ensure(kind=kind, value=value, language=request.language)
            Follower.objects.create(
                request=request,
                contact_point=point,
                is_requester=True,
                confirmed_at=moment,
                created_at=moment,
            )


@transaction.atomic
def service_request_status_change(
    *,
    request: ServiceRequest,
    detailed_status: str,
    note: str = "",
    actor: Any = None,
    parent: ServiceRequest | None = None,
    now: datetime | None = None,
) -> StatusChange:
    """Move a request to a new detailed status with a note; the timeline keeps every change.

    Its followers are told (after commit). A duplicate's followers also follow the request it duplicates.
    """
    if detailed_status not in ServiceRequest.Detailed.values:
        raise ServiceRequestInvalid(f"Unknown status {detailed_status!r}.", field="detailed_status")
    if detailed_status == ServiceRequest.Detailed.DUPLICATE and (parent is None or parent.pk == request.pk):
        raise ServiceRequestInvalid("A duplicate needs the request it duplicates.", field="parent")
    moment = now or timezone.now()
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    closing = detailed_status in CLOSING
    request.detailed_status = detailed_status
    request.status = ServiceRequest.Status.CLOSED if closing else ServiceRequest.Status.OPEN
    request.closed_at = moment if closing else None
    request.status_notes = note.strip()[:500]
    request.updated_at = moment
    request.parent = parent if detailed_status == ServiceRequest.Detailed.DUPLICATE else request.parent
    request.save(
        update_fields=["detailed_status", "status", "closed_at", "status_notes", "updated_at", "parent"]
    )
    change = StatusChange.objects.create(
        request=request,
        status=request.status,
        detailed_status=detailed_status,
        note=note.strip()[:1000],
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=moment,
    )
    requests_version_bump()
    status_changes_notify([change])
    if detailed_status == ServiceRequest.Detailed.DUPLICATE and parent is not None:
        followers_merge(source=request, target=parent, now=moment)
    return change


def followers_merge(*, source: ServiceRequest, target: ServiceRequest, now: datetime | None = None) -> int:
    """Everyone confirmed as following `source` now follows `target` too (one INSERT, no duplicates)."""
    moment = now or timezone.now()
    already = Follower.objects.filter(request=target).values("contact_point_id")
    moved = [
        Follower(request=target, contact_point_id=point_id, confirmed_at=moment, created_at=moment)
        for point_id in Follower.objects.filter(request=source, confirmed_at__isnull=False)
        .exclude(contact_point_id__in=already)
        .values_list("contact_point_id", flat=True)
    ]
    Follower.objects.bulk_create(moved, ignore_conflicts=True)
    return len(moved)


@transaction.atomic
def service_requests_close(
    *,
    request_ids: list[int],
    detailed_status: str = ServiceRequest.Detailed.COMPLETED,
    note: str = "",
    actor: Any = None,
    now: datetime | None = None,
) -> int:
    """Close many open requests at once (bulk close), each with the same note; returns how many closed."""
    if detailed_status not in CLOSING or detailed_status == ServiceRequest.Detailed.DUPLICATE:
        raise ServiceRequestInvalid("Bulk close needs completed or cannot complete.", field="detailed_status")
    moment = now or timezone.now()
    open_ids = list(
        ServiceRequest.objects.select_for_update()
        .filter(pk__in=request_ids, status=ServiceRequest.Status.OPEN)
        .values_list("pk", flat=True)
    )
    ServiceRequest.objects.filter(pk__in=open_ids).update(
        status=ServiceRequest.Status.CLOSED,
        detailed_status=detailed_status,
        closed_at=moment,
        status_notes=note.strip()[:500],
        updated_at=moment,
    )
    changes = StatusChange.objects.bulk_create(
        [
            StatusChange(
                request_id=request_id,
                status=ServiceRequest.Status.CLOSED,
                detailed_status=detailed_status,
                note=note.strip()[:1000],
                actor=actor if getattr(actor, "pk", None) else None,
                created_at=moment,
            )
            for request_id in open_ids
        ]
    )
    requests_version_bump()
    status_changes_notify(changes)
    return len(open_ids)


@transaction.atomic
def service_request_assign(
    *, request: ServiceRequest, assignee: Any, actor: Any = None, now: datetime | None = None
) -> StatusChange:
    """Give a request to a member of staff (or None to unassign); kept in the staff-only audit trail."""
    moment = now or timezone.now()
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    request.assigned_to = assignee
    request.updated_at = moment
    request.save(update_fields=["assigned_to", "updated_at"])
    name = assignee.get_username() if assignee is not None else ""
    return StatusChange.objects.create(
        request=request,
        status=request.status,
        detailed_status=request.detailed_status,
        note=f"Assigned to {name}" if name else "Unassigned",
        public=False,
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=moment,
    )


@dataclass(frozen=True)
class FollowOutcome:
    follower: Follower
    confirmation_sent: bool


def service_request_follow(
    *, request: ServiceRequest, email: str = "", phone: str = "", language: str = "en"
) -> list[FollowOutcome]:
    """Follow a public request by email and/or text; each new address gets a confirmation link first."""
    email, phone = _contact(RequestInput(service_code="", email=email, phone=phone))
    if not email and not phone:
        raise ServiceRequestInvalid(_("Give an email address or a mobile number."), field="email")
    outcomes = []
    for kind, value in ((ContactPoint.Kind.EMAIL, email), (ContactPoint.Kind.SMS, phone)):
        if not value:
            continue
        with transaction.atomic():
            point = contact_point_ensure(kind=kind, value=value, language=language)
            follower, _created = Follower.objects.get_or_create(
                request=request, contact_point=point, defaults={"created_at": timezone.now()}
            )
            # Already confirmed: nothing to send. Unconfirmed: send the link again (it may have been lost).
            send = follower.confirmed_at is None
            if send:
                follower.request = request
                transaction.on_commit(partial(follow_confirmation_send, follower))
        outcomes.append(FollowOutcome(follower=follower, confirmation_sent=send))
    return outcomes


def follower_confirm(*, token: str, now: datetime | None = None) -> Follower:
    """The follow link was used: from now on this follower hears about every change."""
    follower = Follower.objects.select_related("request").filter(pk=follow_confirm_read(token)).first()
    if follower is None:
        raise RequestLinkInvalid(_("This link is not valid."))
    Follower.objects.filter(pk=follower.pk, confirmed_at__isnull=True).update(
        confirmed_at=now or timezone.now()
    )
    follower.refresh_from_db()
    return follower


def follower_stop(*, token: str) -> ServiceRequest:
    """Stop one person's updates about one request (the link in each update, and one-click unsubscribe)."""
    payload = stop_read(token)
    request = ServiceRequest.objects.filter(pk=payload.request_id).only("public_id").first()
    if request is None:
        raise RequestLinkInvalid(_("This link is not valid."))
    Follower.objects.filter(request_id=payload.request_id, contact_point_id=payload.contact_point_id).delete()
    return request


def reopen_check(*, public_id: str, token: str) -> ServiceRequest:
    """The request a "not fixed?" link may reopen, or RequestLinkInvalid once it no longer applies."""
    request_id, change_id = reopen_read(token)
    request = ServiceRequest.objects.filter(pk=request_id, public_id=public_id).first()
    if request is None:
        raise RequestLinkInvalid(_("This link is not valid."))
    latest = StatusChange.objects.filter(request_id=request_id, public=True).order_by("-created_at", "-id")
    if latest.values_list("pk", flat=True).first() != change_id:
        raise RequestLinkInvalid(
            _("This request has changed since that message: the link no longer applies.")
        )
    return request


REOPEN_NOTE_MAX = 1000


@transaction.atomic
def service_request_reopen(
    *, public_id: str, token: str, note: str, now: datetime | None = None
) -> StatusChange:
    """ "Not fixed?": the resident reopens a completed request with what is still wrong."""
    request = reopen_check(public_id=public_id, token=token)
    if not note.strip():
        raise ServiceRequestInvalid(_("Tell us what is still wrong."), field="note")
    if len(note) > REOPEN_NOTE_MAX:
        raise ServiceRequestInvalid(_("Keep it under 1,000 characters."), field="note")
    return service_request_status_change(
        request=request,
        detailed_status=ServiceRequest.Detailed.SUBMITTED,
        note=f"{REOPENED_PREFIX}{note.strip()}",
        now=now,
    )


def _key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_client_issue(*, name: str, requests_per_minute: int = 60) -> tuple[ApiClient, str]:
    """A new API key for a client application; the raw key is returned once and never stored."""
    if not name.strip():
        raise ServiceRequestInvalid("A client name is required.", field="name")
    raw_key = "c311_" + secrets.token_urlsafe(24)
    client = ApiClient.objects.create(
        name=name.strip()[:200],
        key_prefix=raw_key[:12],
        key_hash=_key_hash(raw_key),
        requests_per_minute=requests_per_minute,
    )
    return client, raw_key


def api_client_revoke(*, client: ApiClient, now: datetime | None = None) -> ApiClient:
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())
    client.refresh_from_db()
    return client


def api_client_for_key(raw_key: str) -> ApiClient:
    """The active client holding this key, or ApiKeyInvalid."""
    client = ApiClient.objects.filter(key_hash=_key_hash(raw_key.strip()), revoked_at__isnull=True).first()
    if not raw_key.strip() or client is None:
        raise ApiKeyInvalid("api_key is missing, unknown or revoked.")
    return client
