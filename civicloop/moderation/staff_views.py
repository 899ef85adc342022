"""The moderation console: the queue (urgent, appeals), one case with its decision form, the audit log,
and the administrator's export of removed content.

Thin views: parse, call one service or selector, redirect with a message.
"""

import csv
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability, user_can
from civicloop.core.errors import NotFound
from civicloop.moderation import selectors, services
from civicloop.moderation.forms import DecisionForm
from civicloop.moderation.models import CoordinatedVotingCase, ModerationCase, ReasonCode
from civicloop.moderation.reportables import reportable_of_kind
from civicloop.moderation.services import DecisionInput

PAGE_SIZE = 50
# The check's codes (uncivil, threat, personal_data) are ReasonCode values too.
REASON_LABELS = {
    "burst": gettext_lazy("Burst of supports from new accounts"),
    "burst_network": gettext_lazy("Burst of supports from one network"),
}


def reason_labels(codes: list[str]) -> list[str]:
    labels = []
    for code in codes:
        if code in ReasonCode.values:
            labels.append(str(ReasonCode(code).label))
        else:
            labels.append(str(REASON_LABELS.get(code, code)))
    return labels


@require_safe
@capability_required(Capability.MODERATE)
def moderation_queue(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "all")
    queue = queue if queue in selectors.QUEUES else "all"
    page = Paginator(selectors.queue_cases(queue), PAGE_SIZE).get_page(request.GET.get("page"))
    cases: list[ModerationCase] = list(page.object_list)
    described = selectors.cases_described(cases)
    for case in cases:
        case.reason_labels = reason_labels(case.reasons)  # type: ignore[attr-defined]
        case.described = described[case.pk]  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "queue": queue,
        "page": page,
        "cases": cases,
        "counts": selectors.queue_counts(),
        "perms_administer": user_can(request.user, Capability.ADMINISTER),
    }
    return render(request, "moderation/staff/queue.html", context)


def _case_page(request: HttpRequest, case_id: int, *, form: DecisionForm | None = None) -> HttpResponse:
    try:
        file = selectors.case_file(case_id)
    except NotFound as error:
        raise Http404(error.message) from error
    reportable = reportable_of_kind(file.case.kind)
    if form is None and file.stage:
        initial = {"stage": file.stage, "body": file.described.body}
        if reportable.has_title:
            initial["title"] = file.described.title
        form = DecisionForm(
            initial=initial, is_comment=not reportable.has_title, editable=reportable.editable
        )
    context = {
        "file": file,
        "case": file.case,
        "content": file.content,
        "described": file.described,
        "reason_labels": reason_labels(file.case.reasons),
        "held_labels": reason_labels(list(file.content.held_reasons or [])),
        "form": form if file.stage else None,
        # An appeal is best decided by someone else than the first decision's moderator.
        "decided_first_by_you": file.stage == "appeal"
        and file.first_decision is not None
        and file.first_decision.moderator_id == request.user.pk,
    }
    return render(
        request,
        "moderation/staff/case.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MODERATE)
def moderation_case(request: HttpRequest, case_id: int) -> HttpResponse:
    if request.method == "GET":
        return _case_page(request, case_id)
    case = ModerationCase.objects.filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case.")
    reportable = reportable_of_kind(case.kind)
    form = DecisionForm(request.POST, is_comment=not reportable.has_title, editable=reportable.editable)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.case_decide(
                case_id=case_id,
                stage=data["stage"],
                data=DecisionInput(
                    action=data["action"],
                    reason=data.get("reason") or "",
                    note=data.get("note") or "",
                    title=data.get("title") or "",
                    body=data.get("body") or "",
                ),
                moderator=request.user,
            )
        except services.AlreadyDecided as error:
            messages.warning(request, error.message)
            return HttpResponseRedirect(reverse("staff:moderation-case", args=[case_id]))
        except services.ModerationInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Decision saved. The author has been told."))
            return HttpResponseRedirect(reverse("staff:moderation-queue"))
    return _case_page(request, case_id, form=form)


@require_safe
@capability_required(Capability.MODERATE)
def moderation_log(request: HttpRequest) -> HttpResponse:
    context = {
        "events": selectors.audit_events(),
        "perms_administer": user_can(request.user, Capability.ADMINISTER),
    }
    return render(request, "moderation/staff/log.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_safe
@capability_required(Capability.ADMINISTER)
def moderation_export(request: HttpRequest) -> HttpResponse:
    """Removed and hidden content with its decisions, as CSV (for public-records requests)."""
    rows = list(selectors.removed_content_rows())
    services.export_logged(actor=request.user, rows=len(rows))
    writer = csv.writer(_Echo())
    body = "".join(writer.writerow(row) for row in [selectors.EXPORT_HEADER, *rows])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="moderated-content-{stamp}.csv"'
    return response


# ------------------------------------------------------------------------------- coordinated voting


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MODERATE)
def coordinated_queue(request: HttpRequest) -> HttpResponse:
    """Coordinated-voting cases; a POST looks for new ones now (as the background task does)."""
    if request.method == "POST":
        from civicloop.moderation import coordinated  # scipy costs every process ~50 MB: loaded when used

        opened = coordinated.coordinated_voting_flag()
        messages.success(
            request,
            ngettext(
                "%(count)d new case of coordinated voting.",
                "%(count)d new cases of coordinated voting.",
                len(opened),
            )
            % {"count": len(opened)},
        )
        return HttpResponseRedirect(reverse("staff:moderation-coordinated"))
    decided = request.GET.get("decided") == "1"
    context = {
        "cases": list(selectors.coordinated_cases(decided=decided)[:PAGE_SIZE]),
        "decided": decided,
        "counts": selectors.queue_counts(),
        "perms_administer": user_can(request.user, Capability.ADMINISTER),
    }
    return render(request, "moderation/staff/coordinated_queue.html", context)


# The function of moderation.coordinated each action calls (by name: scipy is loaded when a case is decided).
COORDINATED_ACTIONS = {
    "exclude": ("coordinated_case_exclude", gettext_lazy("Their votes are left out of the analysis.")),
    "keep": ("coordinated_case_keep", gettext_lazy("Kept: their votes count.")),
    "undo": ("coordinated_case_undo", gettext_lazy("Undone: their votes count again.")),
}


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MODERATE)
def coordinated_case(request: HttpRequest, case_id: int) -> HttpResponse:
    if request.method == "POST":
        action = COORDINATED_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return HttpResponse(_("Choose an action."), status=400)
        from civicloop.moderation import coordinated  # (loaded when used, as above)

        decide_name, done = action
        try:
            getattr(coordinated, decide_name)(case_id=case_id, moderator=request.user)
        except CoordinatedVotingCase.DoesNotExist as error:
            raise Http404("No such case.") from error
        except coordinated.CoordinatedCaseAlreadyDecided as error:
            messages.warning(request, error.message)
        else:
            messages.success(request, str(done))
        return HttpResponseRedirect(reverse("staff:moderation-coordinated-case", args=[case_id]))
    try:
        file = selectors.coordinated_case_file(case_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return render(
        request,
        "moderation/staff/coordinated_case.html",
        {"file": file, "case": file.case, "evidence": file.case.evidence},
    )
