"""The site's answer to an unexpected error, in the dialect of the interface that was asked.

An Open311 client reads an error list and a JSON API client reads JSON; only people get the HTML
page. (Seen while PostgreSQL restarted under load: Open311 clients got the HTML page.)
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as html_server_error

from civicloop.servicerequests.open311_render import error_response

PROBLEM = "The city's system had a problem. Try again in a moment."


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/open311/"):
        return error_response(500, PROBLEM, "xml" if request.path.endswith(".xml") else "json")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": PROBLEM}, status=500)
    return html_server_error(request)
