from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def city_name() -> str:
    """The city's name in the active language."""
    return settings.CITY_NAME_ES if (get_language() or "en").startswith("es") else settings.CITY_NAME


def site(request: HttpRequest) -> dict[str, str]:
    return {"CITY_NAME": city_name(), "SITE_URL": settings.SITE_URL}
