"""A request's photo: stored re-encoded with a thumbnail, added later by MMS, old uploads cleaned."""

from dataclasses import dataclass

from django.db import transaction

from civicloop.core.images import ImageRejected, SanitisedImage, image_sanitise
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services.public_lists import requests_version_bump

PHOTO_FIELDS = (
    "photo",
    "photo_width",
    "photo_height",
    "photo_thumbnail",
    "photo_thumbnail_width",
    "photo_thumbnail_height",
)


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
