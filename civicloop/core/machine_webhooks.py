"""Providers' signed webhooks (Twilio, Meta, X) go straight to their view after the middleware every
request needs (the request log, security headers) and the NUL refusal (as NullBytesRefusedMiddleware
refuses it), skipping the fifteen a person's browser needs: the page's CSP, static files, CORS,
sessions, language, CSRF, sign-in, second factor, staff expiry and audit, messages, framing.

A provider's server sends no cookie, no CSRF token and no Accept-Language; its signature, checked by
the view, is its authentication. Those middlewares only cost it time: about a fifth of each text the
SMS assistant answers (docs/benchmarks.md, "SMS assistant"). The paths are in their own URLconf
(settings.MACHINE_WEBHOOK_URLCONF), which the root URLconf includes too, so names reverse as before and
a path this middleware does not know goes the usual way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver
from django.utils import translation

from civicloop.core.null_bytes import multipart_holds_null, refusal, request_holds_null


class MachineWebhookMiddleware:
    """What comes before it in MIDDLEWARE runs for webhooks, what follows does not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.webhooks = get_resolver(settings.MACHINE_WEBHOOK_URLCONF)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            match = self.webhooks.resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        view = match.func
        # What NullBytesRefusedMiddleware would check, on entry and once the view is known.
        if request_holds_null(request) or multipart_holds_null(
            request, view_checks_csrf=not getattr(view, "csrf_exempt", False)
        ):
            return refusal(request)
        request.resolver_match = match
        # What LocaleMiddleware would choose for a request with no cookie or Accept-Language: the city's
        # default, not whatever language this thread's previous request left active.
        translation.activate(settings.LANGUAGE_CODE)
        return view(request, *match.args, **match.kwargs)
