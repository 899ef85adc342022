"""A webhook for core's tests: it answers with the language active while it runs."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def language_webhook(request: HttpRequest) -> HttpResponse:
    return HttpResponse(translation.get_language(), content_type="text/plain")


urlpatterns = [path("webhooks/test-language", language_webhook)]
