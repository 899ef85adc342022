"""Background work for the assistant: a photo sent by MMS, fetched, cleaned and added to its request."""

import logging

from django_tasks import task

from civicloop.assistant.services.photos import request_photo_from_mms

logger = logging.getLogger(__name__)


@task()
def request_photo_attach(request_id: int, media_url: str) -> bool:
    """Enqueued when a report by text is filed with a photo; True when the photo was added."""
    return request_photo_from_mms(request_id=request_id, media_url=media_url)
