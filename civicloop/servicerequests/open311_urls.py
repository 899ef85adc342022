"""Open311 GeoReport v2 under /open311/: discovery.{json,xml} and v2/… (include at "open311/")."""

from django.urls import re_path

from civicloop.servicerequests import open311

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^v2/services" + FMT, open311.service_list, name="open311-services"),
    re_path(r"^v2/services/(?P<code>[^/]+?)" + FMT, open311.service_definition, name="open311-service"),
    re_path(r"^v2/requests" + FMT, open311.requests, name="open311-requests"),
    re_path(r"^v2/requests/(?P<public_id>[^/]+?)" + FMT, open311.request_detail, name="open311-request"),
    re_path(r"^v2/tokens/(?P<token>[^/]+?)" + FMT, open311.token, name="open311-token"),
    # Last: any other .json or .xml address (an id holding a slash, a resource the spec lacks) is the
    # spec's 404 error list, not the website's HTML page.
    re_path(r"^.*?" + FMT, open311.not_found, name="open311-not-found"),
]
