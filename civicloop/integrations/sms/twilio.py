"""Twilio adapter: Programmable Messaging's REST API (POST .../Messages.json), no SDK needed."""

import json
import logging
import re
import threading
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError

from .base import WHATSAPP_PREFIX, SmsSendResult

logger = logging.getLogger(__name__)

# Twilio error codes that mean this number will never receive our texts (worth a suppression).
RECIPIENT_ERROR_CODES = frozenset(
    {
        "21211",  # invalid 'To' number
        "21214",  # 'To' number cannot be reached
        "21408",  # permission to send to this region is not enabled
        "21610",  # recipient replied STOP
        "21612",  # 'To' number not reachable by this sender
        "21614",  # 'To' is not a mobile number
        "21635",  # 'To' number cannot receive SMS (e.g. landline)
    }
)
# Runs of digits with phone punctuation; replaced when they hold 8+ digits and are not an ISO date.
_PHONE_RE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{5,}\d(?![\w])")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
RAW_LIMIT = 500


def scrub(raw: str, *numbers: str) -> str:
    """`raw` truncated, with the given numbers (in any common spelling) and anything phone-like removed."""
    for number in filter(None, numbers):
        for spelling in {number, number.lstrip("+"), quote(number, safe=""), quote(number)}:
            raw = raw.replace(spelling, "[number]")
    return _PHONE_RE.sub(_mask_phone_like, raw)[:RAW_LIMIT]


def _mask_phone_like(match: re.Match[str]) -> str:
    text = match.group(0)
    if sum(ch.isdigit() for ch in text) < 8 or _ISO_DATE_RE.fullmatch(text):
        return text
    return "[number]"


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - timezone.now()).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


class TwilioSmsProvider:
    """Sends through Twilio; safe to share between threads (one HTTP session per thread).

    Raises TransientProviderError for 429 (with retry_after), 5xx, timeouts, connection errors
    and unreadable answers; PermanentProviderError for other 4xx, with Twilio's error code in
    `code` (see RECIPIENT_ERROR_CODES). `raw` never contains the recipient's number.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        api_base: str = "https://api.twilio.com",
        timeout: float = 10,
        *,
        messaging_service_sid: str = "",
        whatsapp_from: str = "",
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("Twilio needs a From number or a Messaging Service SID")
        self.account_sid = account_sid
        self.from_number = from_number
        # The city's WhatsApp sender ("whatsapp:+1…"); without it a Messaging Service picks its own.
        self.whatsapp_from = whatsapp_from
        self.messaging_service_sid = messaging_service_sid
        self.url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        self.timeout = timeout
        self._auth = (account_sid, auth_token)
        self._local = threading.local()

    def _session(self) -> requests.Session:
        # requests.Session is not thread-safe; one per thread keeps connections alive without sharing.
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.auth = self._auth
        return session

    def send(
        self,
        *,
        to: str,
        body: str,
        idempotency_key: str,
        status_callback_url: str | None = None,
        content_sid: str = "",
        content_variables: Mapping[str, str] | None = None,
    ) -> SmsSendResult:
        whatsapp = to.startswith(WHATSAPP_PREFIX)
        if content_sid:  # an approved template (WhatsApp outside its 24-hour window): no free text
            data = {
                "To": to,
                "ContentSid": content_sid,
                "ContentVariables": json.dumps(dict(content_variables or {})),
            }
        else:
            data = {"To": to, "Body": body}
        if whatsapp and self.whatsapp_from:
            data["From"] = self.whatsapp_from
        elif self.messaging_service_sid:
            data["MessagingServiceSid"] = self.messaging_service_sid
        elif whatsapp:
            raise PermanentProviderError(
                "twilio: no WhatsApp sender configured", raw="", code="whatsapp_from"
            )
        else:
            data["From"] = self.from_number
        if status_callback_url:
            data["StatusCallback"] = status_callback_url
        headers = {"I-Twilio-Idempotency-Token": idempotency_key, "Accept": "application/json"}
        try:
            response = self._session().post(self.url, data=data, headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise self._transient("timeout", type(exc).__name__) from None
        except requests.RequestException as exc:
            # The exception text may repeat the request; keep only its kind.
            raise self._transient("connection error", type(exc).__name__) from None

        status = response.status_code
        raw = scrub(response.text, to, to.removeprefix(WHATSAPP_PREFIX))
        payload = _json_object(response)
        if status == 429:
            raise self._transient(
                "rate limited", raw, code="429", retry_after=_retry_after(response.headers.get("Retry-After"))
            )
        if status >= 500:
            raise self._transient(f"HTTP {status}", raw, code=str(status))
        if 200 <= status < 300:
            sid = payload.get("sid") if payload else None
            if payload is None or not isinstance(sid, str) or not sid:
                # Maybe sent, maybe not: a retry with the same idempotency token settles it.
                raise self._transient(f"unreadable answer (HTTP {status})", raw)
            return SmsSendResult(provider_message_id=sid, status=str(payload.get("status") or "queued"))
        code = str(payload.get("code") or "") if payload else ""
        kind = "recipient refused" if code in RECIPIENT_ERROR_CODES else "request refused"
        logger.warning("twilio %s: HTTP %s code %s: %s", kind, status, code or "-", raw)
        raise PermanentProviderError(f"twilio {kind}: HTTP {status}", raw=raw, code=code or str(status))

    def _transient(
        self, message: str, raw: str, *, code: str = "", retry_after: float | None = None
    ) -> TransientProviderError:
        logger.warning("twilio send failed (will retry): %s: %s", message, raw)
        return TransientProviderError(f"twilio {message}", raw=raw, code=code, retry_after=retry_after)


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def twilio_signature_valid(request: HttpRequest) -> bool:
    """True when X-Twilio-Signature signs the public URL Twilio called and the POST params.

    The URL is rebuilt from settings.SITE_URL (not the Host header, which a proxy may rewrite).
    No auth token configured means nothing is valid.
    """
    token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return bool(RequestValidator(token).validate(url, request.POST, signature))


MEDIA_TIMEOUT_SECONDS = 15


def twilio_media_fetch(url: str, *, max_bytes: int) -> bytes:
    """The bytes of an MMS attachment Twilio announced in a signed webhook (at most `max_bytes`).

    Only addresses on Twilio's API (settings.TWILIO_API_BASE) are fetched, with the account's
    credentials when set (Twilio may require them for media): a webhook can never point the
    server at another host. Raises PermanentProviderError for another host, a refusal or a file
    too big; TransientProviderError for timeouts, connection errors and server errors.
    """
    base = settings.TWILIO_API_BASE.rstrip("/") + "/"
    if not url.startswith(base):
        raise PermanentProviderError("twilio media: not a Twilio media address", raw="", code="host")
    account_sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    auth = (account_sid, token) if account_sid and token else None
    try:
        with requests.get(url, auth=auth, timeout=MEDIA_TIMEOUT_SECONDS, stream=True) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise TransientProviderError(f"twilio media: HTTP {response.status_code}", raw="")
            if response.status_code >= 400:
                raise PermanentProviderError(
                    f"twilio media: HTTP {response.status_code}", raw="", code=str(response.status_code)
                )
            content = bytearray()
            for chunk in response.iter_content(64 * 1024):
                content += chunk
                if len(content) > max_bytes:
                    raise PermanentProviderError("twilio media: file too big", raw="", code="too_big")
            return bytes(content)
    except requests.RequestException as exc:
        raise TransientProviderError(f"twilio media: {type(exc).__name__}", raw="") from None
