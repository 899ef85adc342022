"""A resident's report form sent from a content app's page (an idea, a comment, a statement): the
per-address limit, then moderation's service, its refusals turned into form errors or a refusal page."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.moderation import services
from civicloop.moderation.forms import ReportForm

# Per network address: generous, since a library or a school shares one address.
REPORTS_PER_ADDRESS = 30
ADDRESS_WINDOW_SECONDS = 60 * 60


@dataclass(frozen=True)
class ReportSent:
    sent: bool  # the report was stored: thank the resident and redirect
    status: int  # the form page's status otherwise (400, 429)
    refused: str = ""  # a refusal to show on its own page (403): one's own post, reported already


def report_submit(request: HttpRequest, form: ReportForm, *, reporter: Any, content: Any) -> ReportSent:
    """Sends a POSTed report form; errors are added to `form`."""
    if client_rate_limit_exceeded(
        request,
        scope="moderation-report",
        limit=REPORTS_PER_ADDRESS,
        window_seconds=ADDRESS_WINDOW_SECONDS,
    ):
        form.is_valid()
        form.add_error(None, _("Too many reports from your connection. Please try again in an hour."))
        return ReportSent(sent=False, status=429)
    if not form.is_valid():
        return ReportSent(sent=False, status=400)
    try:
        services.report_create(
            reporter=reporter,
            content=content,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except services.ModerationRefused as error:
        return ReportSent(sent=False, status=403, refused=error.message)
    except services.ReportLimitReached as error:
        form.add_error(None, error.message)
        return ReportSent(sent=False, status=429)
    except services.ModerationInvalid as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return ReportSent(sent=False, status=400)
    return ReportSent(sent=True, status=302)
