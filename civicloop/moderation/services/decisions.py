"""A moderator's decision (approve, reject or edit) on a case or its appeal, and the author told why."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.moderation.models import AuditEvent, Decision, ModerationCase, ReasonCode
from civicloop.moderation.reportables import PUBLISHED, REMOVED, TITLE_MAX, reportable_for
from civicloop.moderation.services.audit import _audit
from civicloop.moderation.services.cases import Content, _state_set, case_content
from civicloop.moderation.services.errors import AlreadyDecided, ModerationInvalid

DECISION_TEMPLATE = "moderation_decision"
NOTE_MAX = 1000


@dataclass
class DecisionInput:
    action: str
    reason: str = ""
    note: str = ""
    # For an edit: the text as the moderator leaves it (the title only for an idea).
    title: str = ""
    body: str = ""


def _decision_clean(data: DecisionInput, content: Content) -> DecisionInput:
    if data.action not in Decision.Action.values:
        raise ModerationInvalid(_("Choose approve, reject or edit."), field="action")
    note = data.note.strip()
    if len(note) > NOTE_MAX:
        raise ModerationInvalid(_("Keep it under %(limit)d characters.") % {"limit": NOTE_MAX}, field="note")
    reason = data.reason if data.action != Decision.Action.APPROVE else ""
    if data.action != Decision.Action.APPROVE and reason not in ReasonCode.values:
        raise ModerationInvalid(_("Choose the reason from the list."), field="reason")
    title, body = data.title.strip(), data.body.strip()
    if data.action == Decision.Action.EDIT:
        if not reportable_for(content).editable:
            raise ModerationInvalid(
                _("People have voted on this text, so it cannot be edited: approve or reject it."),
                field="action",
            )
        if not note:
            raise ModerationInvalid(_("Tell the author what you changed and why."), field="note")
        reportable = reportable_for(content)
        if not body or (reportable.has_title and not title):
            raise ModerationInvalid(_("Give the text as it should be published."), field="body")
        limit = reportable.body_max
        if len(body) > limit or len(title) > TITLE_MAX:
            raise ModerationInvalid(_("Keep it under %(limit)d characters.") % {"limit": limit}, field="body")
    return DecisionInput(action=data.action, reason=reason, note=note, title=title, body=body)


def case_decide(
    *, case_id: int, stage: str, data: DecisionInput, moderator: Any, now: datetime | None = None
) -> Decision:
    """A moderator's decision. `stage` is what the moderator's form was for ("first" or "appeal"):
    if the case moved on meanwhile (someone decided it), nothing is done and AlreadyDecided is raised.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        case = ModerationCase.objects.select_for_update().get(pk=case_id)
        expected = (
            ModerationCase.State.OPEN if stage == Decision.Stage.FIRST else ModerationCase.State.APPEALED
        )
        if case.state != expected:
            raise AlreadyDecided(_("This was decided already. Nothing was changed; here is the decision."))
        content = case_content(case, for_update=True)
        clean = _decision_clean(data, content)
        reportable = reportable_for(content)
        title_before, text_before = reportable.text(content)
        state_before = reportable.state(content)
        if clean.action == Decision.Action.EDIT:
            reportable.edit(content, clean.title, clean.body, moment)
        state_after = REMOVED if clean.action == Decision.Action.REJECT else PUBLISHED
        _state_set(content, state_after)
        try:
            with transaction.atomic():
                decision = Decision.objects.create(
                    case=case,
                    stage=stage,
                    moderator=moderator,
                    action=clean.action,
                    reason=clean.reason,
                    note=clean.note,
                    title_before=title_before,
                    text_before=text_before,
                    title_after=clean.title if clean.action == Decision.Action.EDIT else "",
                    text_after=clean.body if clean.action == Decision.Action.EDIT else "",
                    state_before=state_before,
                    state_after=state_after,
                    check_verdict={
                        "held": bool(content.held_reasons),
                        "reasons": list(content.held_reasons or []),
                        "score": round(float(content.civility_score), 4),
                    },
                    created_at=moment,
                )
        except IntegrityError as error:
            raise AlreadyDecided(
                _("This was decided already. Nothing was changed; here is the decision.")
            ) from error
        case.state = (
            ModerationCase.State.DECIDED if stage == Decision.Stage.FIRST else ModerationCase.State.CLOSED
        )
        case.decided_at = moment
        case.save(update_fields=["state", "decided_at"])
        _audit(
            AuditEvent.Kind.DECIDED,
            case=case,
            actor=moderator,
            moment=moment,
            stage=stage,
            action=clean.action,
            reason=clean.reason,
            state_before=state_before,
            state_after=state_after,
        )
        decision_notify(decision, content)
    return decision


def appeal_possible(case: ModerationCase, decision: Decision | None) -> bool:
    """A first decision against the author (removed or edited) may be appealed, once."""
    return (
        case.state == ModerationCase.State.DECIDED
        and decision is not None
        and decision.stage == Decision.Stage.FIRST
        and decision.action != Decision.Action.APPROVE
    )


def _label(choices: Any, value: str) -> str:
    # The English label is the msgid; the template translates it into the recipient's language.
    with translation.override("en"):
        return str(choices(value).label) if value in choices.values else ""


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def decision_notify(decision: Decision, content: Content) -> None:
    """Tell the author what was decided and why, in their language, by their confirmed email or phone."""
    from civicloop.delivery.models import Delivery
    from civicloop.delivery.services import notification_send

    reportable = reportable_for(content)
    author = reportable.author(content)
    if author is None or author.contact_point is None or author.confirmed_at is None:
        return  # nobody to tell (an imported statement), or a staff login: they read the console
    can_appeal = appeal_possible(decision.case, decision)
    notice = reportable.notice(content)
    context = {
        "case_id": decision.case_id,
        "what": notice.get("what", "comment" if notice["is_comment"] else "idea"),
        "is_comment": notice["is_comment"],
        "idea_title": notice["idea_title"],
        "action": decision.action,
        "stage": decision.stage,
        "reason_label": _label(ReasonCode, decision.reason),
        "note": decision.note,
        "published": decision.state_after == PUBLISHED,
        "idea_url": _absolute(notice["idea_path"]),
        "can_appeal": can_appeal,
        "appeal_url": _absolute(reverse("moderation:appeal", args=[decision.case_id])) if can_appeal else "",
        "code_of_conduct_url": _absolute(reverse("moderation:code_of_conduct")),
    }
    context["link"] = context["appeal_url"] or context["idea_url"]
    delivery = notification_send(
        contact_point=author.contact_point, template=DECISION_TEMPLATE, context=context
    )
    # In the language the author posted in, whatever their subscription says.
    Delivery.objects.filter(pk=delivery.pk).update(language=author.language)
