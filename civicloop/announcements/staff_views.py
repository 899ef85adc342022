"""The communications composer in the staff console."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability, user_can
from civicloop.announcements import selectors, services
from civicloop.announcements.forms import LANGUAGE_FIELDS, AnnouncementForm
from civicloop.announcements.models import Announcement, Status
from civicloop.core.errors import DomainError, NotFound
from civicloop.core.text import markdown_to_safe_html, readability

ACTIONS = {
    "preview",
    services.ComposeAction.SAVE,
    services.ComposeAction.PUBLISH,
    services.ComposeAction.SCHEDULE,
}


@require_http_methods(["GET"])
@capability_required(Capability.COMPOSE_ANNOUNCEMENTS)
def staff_announcement_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    page = Paginator(selectors.announcement_staff_list(status=status), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "announcements/staff_list.html",
        {"page": page, "statuses": Status.choices, "status": status},
    )


def _previews(form: AnnouncementForm) -> list[dict[str, object]]:
    """Rendered text and plain-language grade for each language the editor filled in."""
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else form.initial
    previews = []
    for language, label in LANGUAGE_FIELDS:
        body = str(data.get(f"body_{language}") or "")
        title = str(data.get(f"title_{language}") or "")
        if not (body or title):
            continue
        previews.append(
            {
                "language": language,
                "label": label,
                "title": title,
                "summary": data.get(f"summary_{language}") or "",
                "html": markdown_to_safe_html(body),
                "readability": readability(body, language),
            }
        )
    return previews


@require_http_methods(["GET", "POST"])
@capability_required(Capability.COMPOSE_ANNOUNCEMENTS)
def staff_announcement_compose(request: HttpRequest, announcement_id: int | None = None) -> HttpResponse:
    announcement: Announcement | None = None
    if announcement_id is not None:
        try:
            announcement = selectors.announcement_for_staff(announcement_id=announcement_id)
        except NotFound as error:
            raise Http404(error.message) from error
    if request.method == "GET":
        initial = AnnouncementForm.initial_for(announcement) if announcement else {"is_citywide": True}
        form = AnnouncementForm(initial=initial)
        return _render_composer(request, form, announcement, show_preview=announcement is not None)

    action = request.POST.get("action", "preview")
    if action not in ACTIONS:
        action = "preview"
    if action == services.ComposeAction.PUBLISH and not user_can(
        request.user, Capability.PUBLISH_ANNOUNCEMENTS
    ):
        raise PermissionDenied
    form = AnnouncementForm(request.POST)
    if not form.is_valid() or action == "preview":
        return _render_composer(request, form, announcement, show_preview=form.is_valid())
    try:
        saved = services.announcement_compose(
            announcement=announcement,
            author=request.user,
            details=form.details(),
            action=action,
            publish_at=form.cleaned_data.get("publish_at"),
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _render_composer(request, form, announcement, show_preview=False)
    notices = {
        services.ComposeAction.SAVE: _("Saved."),
        services.ComposeAction.PUBLISH: _("Published."),
        services.ComposeAction.SCHEDULE: _("Scheduled."),
    }
    messages.success(request, notices[action])
    return redirect("staff:announcement-edit", announcement_id=saved.pk)


def _render_composer(
    request: HttpRequest, form: AnnouncementForm, announcement: Announcement | None, *, show_preview: bool
) -> HttpResponse:
    return render(
        request,
        "announcements/compose.html",
        {
            "form": form,
            "announcement": announcement,
            "previews": _previews(form) if show_preview else [],
            "can_publish": user_can(request.user, Capability.PUBLISH_ANNOUNCEMENTS),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@capability_required(Capability.PUBLISH_ANNOUNCEMENTS)
def staff_announcement_archive(request: HttpRequest, announcement_id: int) -> HttpResponse:
    try:
        announcement = selectors.announcement_for_staff(announcement_id=announcement_id)
        services.announcement_archive(announcement=announcement)
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Archived."))
    return redirect("staff:announcement-edit", announcement_id=announcement_id)
