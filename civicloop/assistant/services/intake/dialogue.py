"""The dialogue of a report by text: a text that names a problem starts it, each answer moves it on, and
what is still missing is asked next (the service's questions, then the place, then a photo) until the
request is filed."""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.assistant.faq import text_fold
from civicloop.assistant.models import PHONE_CHANNELS, Conversation
from civicloop.assistant.services.intake.filing import _file
from civicloop.assistant.services.intake.location import (
    NO_PHOTO,
    _location_question,
    _photos,
    _place_context,
    _web_form_link,
)
from civicloop.assistant.services.intake.progress import (
    DESCRIPTION_MAX,
    MISSES_MAX,
    STEP_ATTRIBUTE,
    STEP_LOCATION,
    STEP_PHOTO,
    STEP_SERVICE,
    IntakeReply,
    _save,
)
from civicloop.assistant.services.intake.questions import (
    _Answer,
    _attribute_answer,
    _attributes,
    _question_text,
)
from civicloop.assistant.services.intake.service_choice import (
    _service_by_code,
    _service_menu,
    _service_name,
    intake_service_for_text,
    looks_like_question,
)
from civicloop.core.sms import sms_max_segments, sms_segments
from civicloop.places.geocoding import LocatedPlace, place_locate
from civicloop.servicerequests.models import Service, ServiceAttribute


def _next_question(
    conversation: Conversation, intake: dict[str, Any], attributes: list[ServiceAttribute] | None = None
) -> IntakeReply:
    """Ask what is still missing (questions, then the place, then a photo), or file the request.

    `attributes`: the service's questions, when the caller has read them already.
    """
    if attributes is None:
        attributes = _attributes(intake["service"])
    index = int(intake.get("attribute", 0))
    if index < len(attributes):
        _save(conversation, STEP_ATTRIBUTE, intake)
        return IntakeReply(_question_text(attributes[index]), "intake_question")
    if intake.get("place") is None:
        _save(conversation, STEP_LOCATION, intake)
        return IntakeReply(_location_question(intake["service"]), "intake_location")
    if (
        conversation.channel in PHONE_CHANNELS
        and intake.get("photo") is None
        and not intake.get("photo_asked")
    ):
        intake["photo_asked"] = True
        _save(conversation, STEP_PHOTO, intake)
        return IntakeReply(_("Send a photo of it now if you can, or reply NO to skip."), "intake_photo")
    return _file(conversation, intake)


def _begin(
    conversation: Conversation,
    service: Service,
    body: str,
    media: list[dict[str, str]] | None,
    *,
    place: LocatedPlace | None,
) -> IntakeReply:
    intake: dict[str, Any] = {"service": service.code, "answers": {}, "attribute": 0, "misses": 0}
    intake["language"] = translation.get_language() or "en"
    intake["description"] = body.strip()[:DESCRIPTION_MAX]
    intake["place"] = _place_context(place) if place else None
    photos, _others = _photos(media)
    intake["photo"] = photos[0] if photos else None
    lead = _("Report: %(service)s.") % {"service": _service_name(service)}
    if place is not None:
        lead = _("Report: %(service)s at %(place)s.") % {
            "service": _service_name(service),
            "place": place.label,
        }
    reply = _next_question(conversation, intake)
    if reply.handled_as == "intake_filed":
        return reply
    # The question must arrive whole: the lead (what and where was understood) goes if both do not fit.
    started = f"{lead} {reply.text}"
    if sms_segments(started).segments > sms_max_segments():
        started = reply.text
    return IntakeReply(started, "intake_started")


def intake_start(
    conversation: Conversation, body: str, *, media: list[dict[str, str]] | None = None, force: bool = False
) -> IntakeReply | None:
    """Begin a report when the text names a problem (and is not a question about one); None otherwise.

    `force`: the resident asked to report (REPORT / REPORTAR) and gets the menu of problems.
    """
    if force:
        text, codes = _service_menu()
        language = translation.get_language() or "en"
        _save(conversation, STEP_SERVICE, {"menu": codes, "misses": 0, "language": language})
        return IntakeReply(text, "intake_menu")
    service = intake_service_for_text(body)
    if service is None:
        return None
    place = place_locate(body)
    if looks_like_question(body) and place is None:
        return None  # "when is garbage collected?" is for the knowledge base
    return _begin(conversation, service, body, media, place=place)


def _missed(conversation: Conversation, intake: dict[str, Any], problem: str, question: str) -> IntakeReply:
    intake["misses"] = int(intake.get("misses", 0)) + 1
    code = intake.get("service")
    if intake["misses"] >= MISSES_MAX:
        _save(conversation, "", None)
        link = _web_form_link(code) if code else settings.SITE_URL + reverse("requests:choose")
        return IntakeReply(
            _("Let's finish this on the web instead: %(link)s (or call 311).") % {"link": link},
            "intake_gave_up",
        )
    _save(conversation, conversation.step, intake)
    return IntakeReply(f"{problem} {question}", "intake_retry")


def intake_continue(
    conversation: Conversation, body: str, *, media: list[dict[str, str]] | None = None
) -> IntakeReply:
    """The resident's answer at the step their report is at."""
    intake: dict[str, Any] = dict(conversation.context.get("intake") or {})
    now = timezone.now()
    photos, others = _photos(media)
    if photos and intake.get("service"):
        intake["photo"] = photos[0]
    step = conversation.step
    if step == STEP_SERVICE:
        folded = text_fold(body).strip()
        codes: list[str] = intake.get("menu", [])
        service: Service | None = None
        if folded.isdigit() and 1 <= int(folded) <= len(codes):
            service = _service_by_code.read(codes[int(folded) - 1])
        else:
            service = intake_service_for_text(body)
        if service is None:
            text, codes = _service_menu()
            return _missed(conversation, intake, _("Sorry, which problem is it?"), text)
        described = "" if folded.isdigit() else body
        place = place_locate(described) if described.strip() else None
        return _begin(conversation, service, described, media, place=place)
    if step == STEP_ATTRIBUTE:
        attributes = _attributes(intake["service"])
        index = int(intake.get("attribute", 0))
        if index >= len(attributes):
            return _next_question(conversation, intake, attributes)
        attribute = attributes[index]
        if photos and not body.strip():
            _save(conversation, step, intake)
            return IntakeReply(
                _("Thanks for the photo.") + " " + _question_text(attribute), "intake_photo_kept"
            )
        try:
            values = _attribute_answer(attribute, body, now=now)
        except _Answer as refused:
            return _missed(conversation, intake, refused.message, _question_text(attribute))
        if values is not None:
            intake.setdefault("answers", {})[attribute.code] = values
        intake["attribute"], intake["misses"] = index + 1, 0
        return _next_question(conversation, intake, attributes)
    if step == STEP_LOCATION:
        place = place_locate(body) if body.strip() else None
        if place is None:
            problem = (
                _("Thanks for the photo.")
                if photos and not body.strip()
                else _("We could not find that place in Chicago.")
            )
            return _missed(conversation, intake, problem, _location_question(intake["service"]))
        intake["place"], intake["misses"] = _place_context(place), 0
        return _next_question(conversation, intake)
    # STEP_PHOTO
    if photos:
        return _next_question(conversation, intake)
    if text_fold(body).strip(" .!") in NO_PHOTO or int(intake.get("misses", 0)) >= 1:
        # A second answer that is no photo files the report without one rather than losing it.
        intake["photo"] = None
        return _file(conversation, intake)
    problem = _("That file is not a photo.") if others else _("We did not get a photo.")
    return _missed(
        conversation,
        intake,
        problem,
        _("Send a photo (JPEG or PNG), or reply NO to send the report without one."),
    )
