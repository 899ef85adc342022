"""Which of the city's languages (settings.LANGUAGES) a language code means: Django's own matching."""

from django.conf import settings
from django.utils.translation import get_supported_language_variant


def city_language(code: str | None, default: str | None = None) -> str:
    """The city's language for a browser, post or active language code ("es-MX" → "es", "zh-CN" or
    "zh-Hans-SG" → "zh-hans"), else `default` (the site's default language unless given): never a bare
    "zh" for Chinese, which cutting the code at its first hyphen would give."""
    try:
        return get_supported_language_variant((code or "").lower(), strict=True).lower()
    except LookupError:
        return settings.LANGUAGE_CODE if default is None else default
