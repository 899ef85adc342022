"""Staff console: watch an announcement's send and cancel the rest of it."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.announcements.models import Announcement
from civicloop.delivery.models import Delivery
from civicloop.delivery.selectors import announcement_delivery_progress, announcement_social_posts
from civicloop.delivery.services import message_cancel


@require_safe
@capability_required(Capability.VIEW_SUBSCRIBER_STATS)
def staff_delivery_progress(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = Announcement.objects.filter(pk=announcement_id).prefetch_related("translations").first()
    if announcement is None:
        raise Http404
    progress = announcement_delivery_progress(announcement_id=announcement_id)
    return render(
        request,
        "delivery/staff_progress.html",
        {
            "announcement": announcement,
            "progress": progress,
            "statuses": Delivery.Status.choices,
            "social_posts": announcement_social_posts(announcement_id=announcement_id),
        },
    )


@require_POST
@capability_required(Capability.PUBLISH_ANNOUNCEMENTS)
def staff_delivery_cancel(request: HttpRequest, announcement_id: int) -> HttpResponse:
    progress = announcement_delivery_progress(announcement_id=announcement_id)
    if progress.message is None:
        raise Http404
    cancelled = message_cancel(message=progress.message)
    messages.success(request, _("Cancelled %(count)d messages not yet sent.") % {"count": cancelled})
    return redirect("staff:delivery-progress", announcement_id=announcement_id)
