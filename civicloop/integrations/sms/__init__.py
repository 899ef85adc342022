"""Text-message providers: pick one with settings.SMS_BACKEND ("console" or "twilio")."""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import WHATSAPP_PREFIX, SmsProvider, SmsSendResult
from .console import ConsoleSmsProvider
from .twilio import TwilioSmsProvider

__all__ = [
    "WHATSAPP_PREFIX",
    "ConsoleSmsProvider",
    "SmsProvider",
    "SmsSendResult",
    "TwilioSmsProvider",
    "sms_provider",
]


def sms_provider() -> SmsProvider:
    """The configured provider; the same instance while the settings stay the same (keeps connections)."""
    return _build(
        getattr(settings, "SMS_BACKEND", "console"),
        getattr(settings, "TWILIO_ACCOUNT_SID", ""),
        getattr(settings, "TWILIO_AUTH_TOKEN", ""),
        getattr(settings, "TWILIO_FROM_NUMBER", ""),
        getattr(settings, "TWILIO_MESSAGING_SERVICE_SID", ""),
        getattr(settings, "TWILIO_API_BASE", "") or "https://api.twilio.com",
        getattr(settings, "TWILIO_WHATSAPP_FROM", ""),
    )


@lru_cache(maxsize=4)
def _build(
    backend: str,
    account_sid: str,
    auth_token: str,
    from_number: str,
    service_sid: str,
    api_base: str,
    whatsapp_from: str,
) -> SmsProvider:
    if backend == "console":
        return ConsoleSmsProvider()
    if backend == "twilio":
        if not (account_sid and auth_token and (from_number or service_sid)):
            raise ImproperlyConfigured(
                "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID."
            )
        return TwilioSmsProvider(
            account_sid,
            auth_token,
            from_number,
            api_base,
            messaging_service_sid=service_sid,
            whatsapp_from=whatsapp_from,
        )
    raise ImproperlyConfigured(f"Unknown SMS_BACKEND {backend!r}: use 'console' or 'twilio'.")
