"""A photo sent by MMS with a report: fetched from Twilio, checked and re-encoded like the web form's."""

import io
import logging

from civicloop.core.images import IMAGE_BYTES_MAX, ImageRejected, image_sanitise
from civicloop.integrations.errors import ProviderError
from civicloop.integrations.sms.twilio import twilio_media_fetch
from civicloop.servicerequests.services import service_request_photo_add

logger = logging.getLogger(__name__)


def request_photo_from_mms(*, request_id: int, media_url: str) -> bool:
    """Add the MMS photo to request `request_id`; False (and nothing stored) when it cannot be used.

    Never logs the address (it names the account and the message) nor anything about the sender.
    """
    try:
        content = twilio_media_fetch(media_url, max_bytes=IMAGE_BYTES_MAX)
    except ProviderError as error:
        logger.warning("mms photo for request %s not fetched: %s", request_id, error)
        return False
    try:
        photo = image_sanitise(io.BytesIO(content))
    except ImageRejected as error:
        logger.info("mms photo for request %s refused: %s", request_id, error.code)
        return False
    return service_request_photo_add(request_id=request_id, photo=photo)
