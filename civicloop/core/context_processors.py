from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    return {"CITY_NAME": settings.CITY_NAME, "SITE_URL": settings.SITE_URL}
