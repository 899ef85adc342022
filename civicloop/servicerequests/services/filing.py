"""Filing a request (web form, Open311, text message): checked, numbered, timed, followed by its requester."""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from civicloop.core.errors import NotFound
from civicloop.core.images import SanitisedImage
from civicloop.servicerequests.models import OPENED_NOTE, ApiClient, Service, ServiceRequest, StatusChange
from civicloop.servicerequests.services.errors import ServiceRequestInvalid
from civicloop.servicerequests.services.followers import _requester_follow
from civicloop.servicerequests.services.photos import PHOTO_FIELDS, _photo_attach
from civicloop.servicerequests.services.public_lists import requests_version_bump
from civicloop.servicerequests.services.request_input import (
    DESCRIPTION_MAX,
    RequestInput,
    _attribute_values,
    _contact,
    _location,
    _media_url,
)


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
