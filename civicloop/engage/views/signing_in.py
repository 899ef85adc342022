"""Signing in by a link sent to an email address or mobile number, the name shown, signing out."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.engage import services
from civicloop.engage.forms import DisplayNameForm, SignInConfirmForm, SignInForm
from civicloop.engage.services import EngageInvalid, EngageRefused, PostingLimitReached
from civicloop.engage.tokens import EngageLinkInvalid, EngageLinkUsed
from civicloop.engage.views._common import (
    SESSION_KEY,
    TOO_FAST,
    _address_limited,
    _refused,
    _safe_next,
    _sign_in_redirect,
    _viewer,
)
from civicloop.subscriptions.selectors import language_supported

# Per network address: generous, since a library or a school shares one address.
SIGN_INS_PER_ADDRESS = 10


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_path = _safe_next(request, request.GET.get("next") or request.POST.get("next", ""))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_bot():
            return render(request, "engage/sign_in_sent.html")
        if _address_limited(request, "engage-sign-in", SIGN_INS_PER_ADDRESS):
            form.is_valid()
            form.add_error(None, str(TOO_FAST))
            status = 429
        elif form.is_valid():
            try:
                services.participant_sign_in_request(
                    contact=form.cleaned_data["contact"],
                    display_name=form.cleaned_data["display_name"],
                    language=language_supported(request.LANGUAGE_CODE),
                    next_path=next_path,
                )
            except EngageInvalid as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            except PostingLimitReached as error:
                form.add_error(None, error.message)
                status = 429
            else:
                return render(request, "engage/sign_in_sent.html")
        status = status if status != 200 else 400
    return render(request, "engage/sign_in.html", {"form": form, "next": next_path}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners open links and must not sign anyone in.
    next_path = _safe_next(request, request.GET.get("next") or request.POST.get("next", ""))
    try:
        participant = services.participant_sign_in_pending(token=token)
    except EngageLinkInvalid as error:
        return _link_problem(request, error)
    form = SignInConfirmForm(request.POST or None, initial={"display_name": participant.pending_display_name})
    context = {"next": next_path, "form": form}
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 400
        return render(request, "engage/sign_in_confirm.html", context, status=status)
    try:
        participant = services.participant_sign_in_confirm(
            token=token, display_name=form.cleaned_data["display_name"]
        )
    except EngageInvalid as error:
        form.add_error("display_name", error.message)
        return render(request, "engage/sign_in_confirm.html", context, status=400)
    except EngageLinkInvalid as error:
        return _link_problem(request, error)
    request.session.cycle_key()  # a new session id on sign-in: no fixation
    request.session[SESSION_KEY] = participant.pk
    return HttpResponseRedirect(next_path)


def _link_problem(request: HttpRequest, error: EngageLinkInvalid) -> HttpResponse:
    # A used or replaced link is not an attack: say so kindly and offer a new one.
    used = isinstance(error, EngageLinkUsed)
    context = {"problem": error.message, "used": used}
    return render(request, "engage/link_problem.html", context, status=410 if used else 400)


@never_cache
@require_http_methods(["GET", "POST"])
def account_name(request: HttpRequest) -> HttpResponse:
    """A signed-in resident changes the name shown with their posts."""
    viewer = _viewer(request)
    if viewer.participant is None:
        return _sign_in_redirect(request)
    form = DisplayNameForm(request.POST or None, initial={"display_name": viewer.participant.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_rename(
                participant=viewer.participant, display_name=form.cleaned_data["display_name"]
            )
        except EngageInvalid as error:
            form.add_error("display_name", error.message)
        except EngageRefused as error:
            return _refused(request, error.message, viewer=viewer)
        else:
            return render(
                request, "engage/account_name.html", {"form": form, "saved": True, "viewer": viewer}
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "engage/account_name.html", {"form": form, "viewer": viewer}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    return HttpResponseRedirect(reverse("engage:home"))
