"""Writes for 311: load the catalogue, file requests, change their status, manage API clients.

One module per concern: the catalogue, what a request must say (request_input), filing it, its photo,
its followers, the status workflow, and Open311 API clients; everything callers use is here."""

from civicloop.servicerequests.services.api_clients import (
    ApiKeyInvalid,
    api_client_for_key,
    api_client_issue,
    api_client_revoke,
)
from civicloop.servicerequests.services.catalogue import DATA_FILE, services_load
from civicloop.servicerequests.services.errors import ServiceRequestInvalid
from civicloop.servicerequests.services.filing import service_request_create
from civicloop.servicerequests.services.followers import (
    FollowOutcome,
    follower_confirm,
    follower_stop,
    followers_merge,
    service_request_follow,
    service_request_follow_by_number,
)
from civicloop.servicerequests.services.photos import (
    PHOTO_FIELDS,
    PhotoCleanup,
    request_photos_clean,
    service_request_photo_add,
)
from civicloop.servicerequests.services.public_lists import requests_version_bump
from civicloop.servicerequests.services.request_input import (
    DESCRIPTION_MAX,
    EMAIL_MAX,
    MEDIA_URL_MAX,
    STRING_MAX,
    RequestInput,
)
from civicloop.servicerequests.services.status_changes import (
    CLOSING,
    REOPEN_NOTE_MAX,
    reopen_check,
    service_request_assign,
    service_request_reopen,
    service_request_status_change,
    service_requests_close,
)

__all__ = [
    "CLOSING",
    "DATA_FILE",
    "DESCRIPTION_MAX",
    "EMAIL_MAX",
    "MEDIA_URL_MAX",
    "PHOTO_FIELDS",
    "REOPEN_NOTE_MAX",
    "STRING_MAX",
    "ApiKeyInvalid",
    "FollowOutcome",
    "PhotoCleanup",
    "RequestInput",
    "ServiceRequestInvalid",
    "api_client_for_key",
    "api_client_issue",
    "api_client_revoke",
    "follower_confirm",
    "follower_stop",
    "followers_merge",
    "reopen_check",
    "request_photos_clean",
    "requests_version_bump",
    "service_request_assign",
    "service_request_create",
    "service_request_follow",
    "service_request_follow_by_number",
    "service_request_photo_add",
    "service_request_reopen",
    "service_request_status_change",
    "service_requests_close",
    "services_load",
]
