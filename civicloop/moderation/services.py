"""Writes for moderation: cases from the check, reports and bursts; decisions; appeals; the export log.

A machine only ever holds or hides content pending review; only a moderator removes it, and nothing
is ever deleted. Every step is written to the audit log (`AuditEvent`) in the same transaction.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError
from civicloop.core.throttling import rate_limit_exceeded
from civicloop.engage.models import (
    Comment,
    CommentRevision,
    Idea,
    IdeaRevision,
    ModerationState,
    Participant,
    Support,
)
from civicloop.moderation.models import (
    Appeal,
    AuditEvent,
    Decision,
    ModerationCase,
    ReasonCode,
    Report,
)

DECISION_TEMPLATE = "moderation_decision"
NOTE_MAX = 1000
REPORT_NOTE_MAX = 500
APPEAL_MAX = 2000
# Content reported by this many different people is hidden until a moderator looks (setting overrides).
REPORTS_TO_HIDE = 3
REPORTS_PER_PERSON = 10
REPORT_WINDOW_SECONDS = 60 * 60
# A burst: this many supports within BURST_WINDOW from accounts made after the question opened.
BURST_SUPPORTS = 10
BURST_WINDOW = timedelta(hours=1)
NEVER_FLAGGED = datetime(2000, 1, 1, tzinfo=UTC)  # before any support: counts them all
BURST_EVIDENCE_IDS = 50
# A burst from one network address: this many supports of one idea from one address within BURST_WINDOW
# (a household or an office shares one, so the case is for a moderator to judge, not a verdict).
BURST_SAME_NETWORK = 5
NETWORK_TAG_LENGTH = 8  # of the address's keyed hash, shown to moderators to tell networks apart
URGENT_REASONS = {"threat"}

Content = Idea | Comment


class ModerationInvalid(DomainError):
    """Bad input: the form shows this next to `field`."""


class ModerationRefused(DomainError):
    """Not allowed: someone else's post, an appeal made already, a post that cannot be reported (403)."""


class AlreadyDecided(DomainError):
    """Another moderator (or this one, in another tab) decided this already: nothing was done twice."""


class ReportLimitReached(DomainError):
    """Too many reports from one person or network address for now (429)."""


def reports_to_hide() -> int:
    return int(getattr(settings, "MODERATION_REPORTS_TO_HIDE", REPORTS_TO_HIDE))


def _audit(
    kind: str, *, case: ModerationCase | None, actor: Any = None, moment: datetime, **detail: Any
) -> None:
    AuditEvent.objects.create(
        kind=kind,
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        detail=detail,
        created_at=moment,
    )


def case_content(case: ModerationCase) -> Content:
    return case.comment if case.comment_id is not None else case.idea  # type: ignore[return-value]


def _key(content: Content) -> dict[str, Any]:
    if isinstance(content, Comment):
        return {"idea_id": content.idea_id, "comment_id": content.pk}
    return {"idea_id": content.pk, "comment__isnull": True}


def _pending_case(content: Content) -> ModerationCase | None:
    return (
        ModerationCase.objects.select_for_update()
        .filter(**_key(content), state__in=[ModerationCase.State.OPEN, ModerationCase.State.APPEALED])
        .first()
    )


def _case_open(
    content: Content, *, source: str, moment: datetime, **fields: Any
) -> tuple[ModerationCase, bool]:
    """The item's pending case, or a new one (one pending case per item, even under a race)."""
    case = _pending_case(content)
    if case is not None:
        return case, False
    key = (
        {"idea_id": content.idea_id, "comment_id": content.pk}
        if isinstance(content, Comment)
        else {"idea_id": content.pk}
    )
    try:
        with transaction.atomic():
            case = ModerationCase.objects.create(**key, source=source, opened_at=moment, **fields)
    except IntegrityError:  # someone opened it at the same moment
        existing = _pending_case(content)
        if existing is None:
            raise
        return existing, False
    _audit(AuditEvent.Kind.OPENED, case=case, moment=moment, source=source, reasons=case.reasons)
    return case, True


def _state_set(content: Content, state: str) -> None:
    """Change the content's moderation state, keeping the idea's published-comment count in step."""
    before = content.moderation_state
    if before == state:
        return
    type(content).objects.filter(pk=content.pk).update(moderation_state=state)
    content.moderation_state = state
    if isinstance(content, Comment):
        published = ModerationState.PUBLISHED
        if state == published:
            Idea.objects.filter(pk=content.idea_id).update(comments_count=F("comments_count") + 1)
        elif before == published:
            Idea.objects.filter(pk=content.idea_id, comments_count__gt=0).update(
                comments_count=F("comments_count") - 1
            )


# ------------------------------------------------------------------------------------- the check's holds


@transaction.atomic
def content_checked(content: Content, *, now: datetime | None = None) -> ModerationCase | None:
    """Called by engage after each new or edited idea or comment was checked.

    Held content gets a case in the queue (urgent for a threat). If the author's edit passes the check,
    a case the check alone opened is closed: the machine never decided against anyone.
    """
    moment = now or timezone.now()
    reasons = list(content.held_reasons or [])
    if content.moderation_state == ModerationState.HELD:
        urgent = bool(URGENT_REASONS & set(reasons))
        case, created = _case_open(
            content,
            source=ModerationCase.Source.CHECK,
            moment=moment,
            reasons=reasons,
            score=content.civility_score,
            urgent=urgent,
        )
        if not created:
            case.reasons = sorted(set(case.reasons) | set(reasons))
            case.score = max(case.score, content.civility_score)
            case.urgent = case.urgent or urgent
            case.save(update_fields=["reasons", "score", "urgent"])
            _audit(AuditEvent.Kind.RECHECKED, case=case, moment=moment, reasons=reasons)
        return case
    pending = _pending_case(content)
    if pending is not None and pending.source == ModerationCase.Source.CHECK and pending.reports_count == 0:
        ModerationCase.objects.filter(pk=pending.pk).update(
            state=ModerationCase.State.CLOSED, decided_at=moment
        )
        pending.state = ModerationCase.State.CLOSED
        _audit(AuditEvent.Kind.RECHECKED, case=pending, moment=moment, reasons=reasons, closed=True)
    return pending


# ---------------------------------------------------------------------------------------------- reports


def report_create(
    *,
    reporter: Participant,
    content: Content,
    reason: str,
    note: str = "",
    now: datetime | None = None,
) -> Report:
    """A person reports an idea or a comment; at `reports_to_hide()` different people it is hidden."""
    if reason not in ReasonCode.values:
        raise ModerationInvalid(_("Choose a reason from the list."), field="reason")
    note = note.strip()
    if len(note) > REPORT_NOTE_MAX:
        raise ModerationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": REPORT_NOTE_MAX}, field="note"
        )
    if content.author_id == reporter.pk:
        raise ModerationRefused(_("You cannot report your own post. You can edit it for 15 minutes."))
    if content.moderation_state not in (ModerationState.PUBLISHED, ModerationState.HIDDEN):
        raise ModerationRefused(_("This post is already with the moderators."))
    if Report.objects.filter(reporter=reporter, **_key(content)).exists():
        raise ModerationRefused(_("You reported this already. A moderator will look at it."))
    if rate_limit_exceeded(
        scope="moderation-report",
        subject=str(reporter.pk),
        limit=REPORTS_PER_PERSON,
        window_seconds=REPORT_WINDOW_SECONDS,
    ):
        raise ReportLimitReached(_("You have sent many reports. Please try again in an hour."))
    moment = now or timezone.now()
    with transaction.atomic():
        content = type(content).objects.select_for_update().get(pk=content.pk)
        case, _created = _case_open(content, source=ModerationCase.Source.REPORT, moment=moment)
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    case=case,
                    idea_id=content.idea_id if isinstance(content, Comment) else content.pk,
                    comment=content if isinstance(content, Comment) else None,
                    reporter=reporter,
                    reason=reason,
                    note=note,
                    created_at=moment,
                )
        except IntegrityError as error:  # a double click
            raise ModerationRefused(_("You reported this already. A moderator will look at it.")) from error
        reporters = Report.objects.filter(case=case).values("reporter_id").distinct().count()
        case.reports_count = reporters
        case.reasons = sorted({*case.reasons, reason})
        case.urgent = case.urgent or reason in URGENT_REASONS
        case.save(update_fields=["reports_count", "reasons", "urgent"])
        _audit(AuditEvent.Kind.REPORTED, case=case, moment=moment, reason=reason, reporters=reporters)
        if reporters >= reports_to_hide() and content.moderation_state == ModerationState.PUBLISHED:
            _state_set(content, ModerationState.HIDDEN)
            _audit(AuditEvent.Kind.HIDDEN, case=case, moment=moment, reporters=reporters)
    return report


# -------------------------------------------------------------------------------------------- decisions


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
        if not note:
            raise ModerationInvalid(_("Tell the author what you changed and why."), field="note")
        if not body or (isinstance(content, Idea) and not title):
            raise ModerationInvalid(_("Give the text as it should be published."), field="body")
        limit = 2000 if isinstance(content, Comment) else 5000
        if len(body) > limit or len(title) > 150:
            raise ModerationInvalid(_("Keep it under %(limit)d characters.") % {"limit": limit}, field="body")
    return DecisionInput(action=data.action, reason=reason, note=note, title=title, body=body)


def _text_of(content: Content) -> tuple[str, str]:
    return (content.title, content.body) if isinstance(content, Idea) else ("", content.body)


def case_decide(
    *, case_id: int, stage: str, data: DecisionInput, moderator: Any, now: datetime | None = None
) -> Decision:
    """A moderator's decision. `stage` is what the moderator's form was for ("first" or "appeal"):
    if the case moved on meanwhile (someone decided it), nothing is done and AlreadyDecided is raised.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        case = (
            ModerationCase.objects.select_for_update(of=("self",))
            .select_related("idea", "comment")
            .get(pk=case_id)
        )
        expected = (
            ModerationCase.State.OPEN if stage == Decision.Stage.FIRST else ModerationCase.State.APPEALED
        )
        if case.state != expected:
            raise AlreadyDecided(_("This was decided already. Nothing was changed; here is the decision."))
        content = type(case_content(case)).objects.select_for_update().get(pk=case_content(case).pk)
        clean = _decision_clean(data, content)
        title_before, text_before = _text_of(content)
        state_before = content.moderation_state
        if clean.action == Decision.Action.EDIT:
            if isinstance(content, Idea):
                IdeaRevision.objects.create(
                    idea=content, title=content.title, body=content.body, created_at=moment
                )
                Idea.objects.filter(pk=content.pk).update(
                    title=clean.title, body=clean.body, edited_at=moment
                )
            else:
                CommentRevision.objects.create(comment=content, body=content.body, created_at=moment)
                Comment.objects.filter(pk=content.pk).update(body=clean.body, edited_at=moment)
        state_after = (
            ModerationState.REMOVED if clean.action == Decision.Action.REJECT else ModerationState.PUBLISHED
        )
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


def decision_notify(decision: Decision, content: Content) -> None:
    """Tell the author what was decided and why, in their language, by their confirmed email or phone."""
    from civicloop.delivery.models import Delivery
    from civicloop.delivery.services import notification_send
    from civicloop.engage.tokens import absolute

    author = Participant.objects.select_related("contact_point__subscriber").get(pk=content.author_id)
    if author.contact_point is None or author.confirmed_at is None:
        return  # a staff login: they read the console
    idea_id = content.idea_id if isinstance(content, Comment) else content.pk
    can_appeal = appeal_possible(decision.case, decision)
    context = {
        "case_id": decision.case_id,
        "is_comment": isinstance(content, Comment),
        "idea_title": Idea.objects.filter(pk=idea_id).values_list("title", flat=True).first() or "",
        "action": decision.action,
        "stage": decision.stage,
        "reason_label": _label(ReasonCode, decision.reason),
        "note": decision.note,
        "published": decision.state_after == ModerationState.PUBLISHED,
        "idea_url": absolute(reverse("engage:idea", args=[idea_id])),
        "can_appeal": can_appeal,
        "appeal_url": absolute(reverse("moderation:appeal", args=[decision.case_id])) if can_appeal else "",
        "code_of_conduct_url": absolute(reverse("moderation:code_of_conduct")),
    }
    context["link"] = context["appeal_url"] or context["idea_url"]
    delivery = notification_send(
        contact_point=author.contact_point, template=DECISION_TEMPLATE, context=context
    )
    # In the language the author posted in, whatever their subscription says.
    Delivery.objects.filter(pk=delivery.pk).update(language=author.language)


# ---------------------------------------------------------------------------------------------- appeals


@transaction.atomic
def appeal_create(*, case_id: int, author: Participant, text: str, now: datetime | None = None) -> Appeal:
    """The author asks for a second look; the case goes back to the queue with the appeal on top."""
    text = text.strip()
    if not text:
        raise ModerationInvalid(_("Say why the decision should change."), field="text")
    if len(text) > APPEAL_MAX:
        raise ModerationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": APPEAL_MAX}, field="text"
        )
    case = (
        ModerationCase.objects.select_for_update(of=("self",))
        .select_related("idea", "comment")
        .get(pk=case_id)
    )
    if case_content(case).author_id != author.pk:
        raise ModerationRefused(_("Only the author can appeal a decision about their post."))
    if Appeal.objects.filter(case=case).exists():
        raise ModerationRefused(_("You appealed this decision already. An appeal can be made once."))
    first = Decision.objects.filter(case=case, stage=Decision.Stage.FIRST).first()
    if not appeal_possible(case, first):
        raise ModerationRefused(_("There is no decision against this post to appeal."))
    moment = now or timezone.now()
    appeal = Appeal.objects.create(case=case, author=author, text=text, created_at=moment)
    case.state = ModerationCase.State.APPEALED
    case.save(update_fields=["state"])
    _audit(AuditEvent.Kind.APPEALED, case=case, moment=moment)
    return appeal


# ---------------------------------------------------------------------------------------------- bursts


def support_bursts_flag(
    *, now: datetime | None = None, window: timedelta = BURST_WINDOW, idea_ids: list[int] | None = None
) -> list[ModerationCase]:
    """Open a case for each idea (or each of `idea_ids`) with a burst of supports within `window`:
    from accounts made after its question opened ("burst"), or from one network address
    ("burst_network"); one case with both reasons when both happened.

    Idempotent: an idea with a pending case is left alone, and a decided burst is not flagged
    again (only supports after its case was opened count towards the next). The evidence has counts, times,
    participant numbers and a short tag per network (from the keyed hash of the address: the same
    tag means the same address); never an address.
    """
    moment = now or timezone.now()
    in_window = Support.objects.filter(
        created_at__gte=moment - window, created_at__lte=moment, participant__user__isnull=True
    )
    if idea_ids is not None:
        in_window = in_window.filter(idea_id__in=idea_ids)
    # Supports a burst case already showed moderators are not counted again once it is decided.
    last_flagged = ModerationCase.objects.filter(
        idea_id=OuterRef("idea_id"), comment__isnull=True, source=ModerationCase.Source.BURST
    ).order_by("-opened_at")
    in_window = in_window.filter(
        created_at__gt=Coalesce(Subquery(last_flagged.values("opened_at")[:1]), Value(NEVER_FLAGGED))
    )
    found: dict[int, dict[str, Any]] = {}  # idea id -> reasons and evidence

    def evidence_for(idea_id: int) -> dict[str, Any]:
        return found.setdefault(idea_id, {"reasons": [], "evidence": {}})

    from_new_accounts = in_window.filter(participant__created_at__gt=F("idea__question__opens_at"))
    minimum = int(getattr(settings, "MODERATION_BURST_SUPPORTS", BURST_SUPPORTS))
    for row in _bursts(from_new_accounts, ["idea_id"], minimum):
        supporters = _supporters(from_new_accounts.filter(idea_id=row["idea_id"]))
        entry = evidence_for(row["idea_id"])
        entry["reasons"].append("burst")
        entry["evidence"] |= {
            "supports_from_new_accounts": row["count"],
            "first_support_at": row["first"].isoformat(),
            "last_support_at": row["last"].isoformat(),
            "participant_ids": [pid for pid, _created in supporters],
            "accounts_created": [created.isoformat() for _pid, created in supporters],
        }
    from_one_network = in_window.exclude(network_key="")
    minimum = int(getattr(settings, "MODERATION_BURST_SAME_NETWORK", BURST_SAME_NETWORK))
    for row in _bursts(from_one_network, ["idea_id", "network_key"], minimum):
        supporters = _supporters(
            from_one_network.filter(idea_id=row["idea_id"], network_key=row["network_key"])
        )
        entry = evidence_for(row["idea_id"])
        if "burst_network" not in entry["reasons"]:
            entry["reasons"].append("burst_network")
        entry["evidence"].setdefault("network_bursts", []).append(
            {
                "network": row["network_key"][:NETWORK_TAG_LENGTH],
                "supports": row["count"],
                "first_support_at": row["first"].isoformat(),
                "last_support_at": row["last"].isoformat(),
                "participant_ids": [pid for pid, _created in supporters],
            }
        )
    opened: list[ModerationCase] = []
    for idea in Idea.objects.filter(pk__in=list(found)).select_related("question").order_by("id"):
        entry = found[idea.pk]
        evidence = {
            "window_minutes": int(window.total_seconds() // 60),
            "supports_total": idea.supports_count,
            "question_opened_at": idea.question.opens_at.isoformat(),
            **entry["evidence"],
        }
        with transaction.atomic():
            if _pending_case(idea) is not None:
                continue
            case, created = _case_open(
                idea,
                source=ModerationCase.Source.BURST,
                moment=moment,
                reasons=entry["reasons"],
                evidence=evidence,
            )
        if created:
            opened.append(case)
    return opened


def _bursts(
    supports: QuerySet[Support], group_by: list[str], minimum: int
) -> QuerySet[Support, dict[str, Any]]:
    """Groups of at least `minimum` supports, with their count and first and last times (one query)."""
    return (
        supports.values(*group_by)
        .annotate(count=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .filter(count__gte=minimum)
        .order_by(*group_by)
    )


def _supporters(supports: QuerySet[Support]) -> list[tuple[int, datetime]]:
    """Participant numbers and account times of the first BURST_EVIDENCE_IDS supports, oldest first."""
    return list(
        supports.order_by("created_at").values_list("participant_id", "participant__created_at")[
            :BURST_EVIDENCE_IDS
        ]
    )


# ---------------------------------------------------------------------------------------------- export


def export_logged(*, actor: Any, rows: int, now: datetime | None = None) -> None:
    _audit(AuditEvent.Kind.EXPORTED, case=None, actor=actor, moment=now or timezone.now(), rows=rows)
