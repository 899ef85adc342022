"""Subscription pages: parse, call one service or selector, render. No account: signed links authorise."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.subscriptions import selectors, services
from civicloop.subscriptions.errors import (
    AlreadyConfirmed,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    SubscriptionInvalid,
)
from civicloop.subscriptions.forms import PreferencesForm, SubscribeForm
from civicloop.subscriptions.models import ConsentRecord, Frequency
from civicloop.subscriptions.tokens import TokenPurpose

SUBSCRIBE_POST_LIMIT = 10
SUBSCRIBE_POST_WINDOW_SECONDS = 10 * 60


def _page_language() -> str:
    return selectors.language_supported(translation.get_language())


def _form_error_add(form: forms.Form, error: SubscriptionInvalid) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _link_problem(request: HttpRequest, error: LinkInvalid) -> HttpResponse:
    """A clear page for a link that cannot be used; nothing was changed."""
    if isinstance(error, LinkExpired):
        status, problem = 410, "expired"
    elif isinstance(error, LinkUsed):
        status, problem = 410, "used"
    else:
        status, problem = 400, "invalid"
    return render(request, "subscriptions/link_problem.html", {"problem": problem}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    language = _page_language()
    status = 200
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if client_rate_limit_exceeded(
            request,
            scope="subscribe",
            limit=SUBSCRIBE_POST_LIMIT,
            window_seconds=SUBSCRIBE_POST_WINDOW_SECONDS,
        ):
            form.is_valid()  # keep what they typed on the page, but store nothing
            form.add_error(
                None, _("Too many attempts from your connection. Please wait 10 minutes and try again.")
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.subscription_request(
                    email=data["email"] or None,
                    phone=data["phone"] or None,
                    topics=data["topics"],
                    areas=data["areas"],
                    all_areas=data["all_areas"],
                    language=data["language"],
                    frequency=data["frequency"],
                    consent_language=language,
                )
            except SubscriptionInvalid as error:
                _form_error_add(form, error)
            else:
                query = f"email={int(bool(data['email']))}&sms={int(bool(data['phone']))}"
                return HttpResponseRedirect(f"{reverse('subscriptions:sent')}?{query}")
    else:
        form = SubscribeForm(initial={"language": language, "frequency": Frequency.IMMEDIATELY})
    context = {
        "form": form,
        "consent_text": selectors.consent_text(action=ConsentRecord.Action.SUBSCRIBE, language=language),
    }
    return render(request, "subscriptions/subscribe.html", context, status=status)


@require_safe
def sent(request: HttpRequest) -> HttpResponse:
    by_sms = request.GET.get("sms") == "1"
    by_email = request.GET.get("email") == "1" or not by_sms
    return render(request, "subscriptions/sent.html", {"by_email": by_email, "by_sms": by_sms})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links; they must not subscribe anyone); POST confirms."""
    language = _page_language()
    try:
        if request.method == "POST":
            subscriber = services.subscription_confirm(token=token, consent_language=language)
            return render(
                request,
                "subscriptions/confirmed.html",
                {"subscriber": subscriber, "links": selectors.subscription_links(subscriber)},
            )
        subscriber = selectors.subscriber_for_token(token=token, purpose=TokenPurpose.CONFIRM)
    except LinkInvalid as error:
        return _link_problem(request, error)
    except AlreadyConfirmed:
        return render(request, "subscriptions/already_confirmed.html")
    if not selectors.subscriber_needs_confirming(subscriber):
        return render(request, "subscriptions/already_confirmed.html")
    context = {"consent_text": selectors.consent_text(action=ConsentRecord.Action.CONFIRM, language=language)}
    return render(request, "subscriptions/confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    language = _page_language()
    try:
        subscriber = selectors.subscriber_for_token(token=token, purpose=TokenPurpose.PREFERENCES)
    except LinkInvalid as error:
        return _link_problem(request, error)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.subscription_preferences_update(
                    token=token,
                    topics=data["topics"],
                    areas=data["areas"],
                    all_areas=data["all_areas"],
                    language=data["language"],
                    frequency=data["frequency"],
                    consent_language=language,
                )
            except LinkInvalid as error:
                return _link_problem(request, error)
            except SubscriptionInvalid as error:
                _form_error_add(form, error)
            else:
                messages.success(request, _("Your choices are saved."))
                return redirect("subscriptions:preferences", token=token)
    else:
        form = PreferencesForm(initial=selectors.subscriber_preferences_initial(subscriber))
    context: dict[str, Any] = {
        "form": form,
        "subscriber": subscriber,
        "contacts": selectors.subscriber_contact_summary(subscriber),
        "consent_text": selectors.consent_text(
            action=ConsentRecord.Action.PREFERENCES_CHANGE, language=language
        ),
        "unsubscribe_url": selectors.subscription_links(subscriber)["unsubscribe_url"],
    }
    return render(request, "subscriptions/preferences.html", context)


@csrf_exempt  # RFC 8058: mail providers POST without cookies or a CSRF token; the signed token authorises.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET only asks (it never unsubscribes); any POST unsubscribes, including the one-click POST."""
    language = _page_language()
    try:
        if request.method == "POST":
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            services.subscription_unsubscribe(
                token=token,
                channel=services.CHANNEL_EMAIL_ONE_CLICK if one_click else services.CHANNEL_WEB,
                consent_language=language,
            )
            return render(request, "subscriptions/unsubscribed.html")
        subscriber = selectors.subscriber_for_token(token=token, purpose=TokenPurpose.UNSUBSCRIBE)
    except LinkInvalid as error:
        return _link_problem(request, error)
    context = {
        "consent_text": selectors.consent_text(action=ConsentRecord.Action.UNSUBSCRIBE, language=language),
        "preferences_url": selectors.subscription_links(subscriber)["preferences_url"],
    }
    return render(request, "subscriptions/unsubscribe.html", context)
