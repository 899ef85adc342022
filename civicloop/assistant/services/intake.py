"""311 by text: what the problem is, that service's questions one at a time, where it is, a photo, filed.

"pothole on 35th and Halsted" or "hay ratas en mi callejón" names a service (one of those with a
definition); each of its questions is asked in turn and checked, with an example of a good answer; the
place is an address or two cross streets resolved to a point in Chicago (or a link to drop a pin); by
text a photo may follow as MMS. The request is filed through the same service as the web form and
Open311, with the conversation's channel, and the number's status updates come back by text because
the requester follows their request. All the intake has gathered lives in the conversation's context,
so it survives any number of web processes; MENU abandons it at any step.
"""

import copy
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.assistant.faq import keyword_words, language_guess, text_fold
from civicloop.assistant.models import Conversation
from civicloop.assistant.services.conversations import conversation_stage
from civicloop.core.errors import DomainError, NotFound
from civicloop.core.memo import ProcessMemo
from civicloop.core.sms import sms_max_segments, sms_segments
from civicloop.places.geocoding import LocatedPlace, place_locate
from civicloop.servicerequests.models import Service, ServiceAttribute, ServiceRequest
from civicloop.servicerequests.services import RequestInput, service_request_create
from civicloop.servicerequests.web_selectors import service_common_list

STEP_SERVICE = "intake_service"
STEP_ATTRIBUTE = "intake_attribute"
STEP_LOCATION = "intake_location"
STEP_PHOTO = "intake_photo"
STEPS = {STEP_SERVICE, STEP_ATTRIBUTE, STEP_LOCATION, STEP_PHOTO}
REPORT_WORDS = {"REPORT", "REPORTAR", "311", "REQUEST", "SOLICITUD", "QUEJA"}
SKIP_WORDS = {"skip", "omitir", "saltar", "pass", "n/a", "na", "none", "ninguno", "ninguna"}
NOT_SURE = {"no se", "not sure", "dont know", "don't know", "idk", "no lo se", "unknown"}
NO_PHOTO = SKIP_WORDS | {"no", "nope", "no photo", "sin foto", "no tengo", "no thanks", "no gracias"}
PHOTO_TYPES = {"image/jpeg", "image/jpg", "image/png", "image/webp"}  # what image_sanitise reads
# After this many answers that could not be used, the resident gets the web form instead of a loop.
MISSES_MAX = 3
DESCRIPTION_MAX = 500
# Words that name no problem ("street" is in a pothole and a street light alike).
_GENERIC = {
    "street", "calle", "complaint", "request", "in", "on", "out", "the", "de", "la", "el", "en", "of",
    "maintenance", "inspection", "removal",
}  # fmt: skip
_QUESTION_START = re.compile(
    r"^\s*[¿]?\s*(when|how|what|where|why|who|which|can|could|do|does|is|are|should|will|cuando|como|"
    r"que|donde|por que|quien|cual|puedo|se puede|debo|hay que)\b"
)
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_DIGITS_ONLY = re.compile(r"^\s*\d+\s*$")
_WEEKDAYS = {
    "monday": 0, "lunes": 0, "tuesday": 1, "martes": 1, "wednesday": 2, "miercoles": 2, "thursday": 3,
    "jueves": 3, "friday": 4, "viernes": 4, "saturday": 5, "sabado": 5, "sunday": 6, "domingo": 6,
}  # fmt: skip
_DATE_FILLER = re.compile(r"\b(since|desde|el|on|about|around|como|last|pasado|este|this)\b")


@dataclass(frozen=True)
class IntakeReply:
    text: str
    handled_as: str


class _Answer(DomainError):
    """An answer that does not fit the question (its message says what would)."""


# ---------------------------------------------------------------------------------------------------------
# Which service


def _service_words(*names: str) -> set[str]:
    words = keyword_words(" ".join(names))
    return {word for word in words if word not in _GENERIC and len(word) >= 3}


def _word_matches(typed: str, known: str) -> bool:
    # "ratas" ~ "rata", "potholes" ~ "pothole", "grafitti" ~ "graffiti"; short words must be equal.
    if len(typed) < 4 or len(known) < 4:
        return typed == known
    return typed[:5] == known[:5] or typed.startswith(known) or known.startswith(typed)


# The city's services change a few times a year but are read on every report by text: each process keeps
# them this long (a change made in this process is seen at once, see receivers.py).
SERVICES_MEMO_SECONDS = 30.0


def _services_with_words_read(_key: object) -> list[tuple[str, frozenset[str], bool]]:
    """Each active service residents have plain words for: its code, those words, whether it has questions."""
    rows = (
        Service.objects.filter(active=True)
        .exclude(keywords="")
        .annotate(defined=Exists(ServiceAttribute.objects.filter(service=OuterRef("pk"))))
        .values_list("code", "name", "name_es", "keywords", "defined")
    )
    return [
        (code, frozenset(_service_words(name, name_es, keywords)), defined)
        for code, name, name_es, keywords, defined in rows
    ]


_services_with_words = ProcessMemo(_services_with_words_read, seconds=SERVICES_MEMO_SECONDS)
_service_by_code = ProcessMemo(
    lambda code: Service.objects.filter(code=code).first(), seconds=SERVICES_MEMO_SECONDS
)
_service_questions = ProcessMemo(
    lambda code: list(
        ServiceAttribute.objects.filter(service__code=code, variable=True).order_by("order", "id")
    ),
    seconds=SERVICES_MEMO_SECONDS,
)
_services_common = ProcessMemo(lambda _key: list(service_common_list()), seconds=SERVICES_MEMO_SECONDS)


def intake_service_for_text(text: str) -> Service | None:
    """The service with a definition a resident's words name, or None if none does or it is unclear.

    Every service residents have plain words for competes, so "trash pickup" goes to the missed
    pick-up (which has no questions yet: no intake, the knowledge base answers) and not the broken cart.
    """
    words = [word for word in keyword_words(text) if word not in _GENERIC]
    if not words:
        return None
    with_definition: set[str] = set()
    scores: list[tuple[int, str]] = []
    for code, known, defined in _services_with_words.read():
        if defined:
            with_definition.add(code)
        score = sum(any(_word_matches(word, word_known) for word_known in known) for word in words)
        if score:
            scores.append((score, code))
    scores.sort(key=lambda pair: -pair[0])
    if (
        not scores
        or (len(scores) > 1 and scores[0][0] == scores[1][0])
        or scores[0][1] not in with_definition
    ):
        return None
    return _service_by_code.read(scores[0][1])


def looks_like_question(text: str) -> bool:
    folded = text_fold(text)
    return "?" in text or bool(_QUESTION_START.match(folded))


def _service_name(service: Service) -> str:
    return service.name_es if translation.get_language() == "es" and service.name_es else service.name


def _service_menu() -> tuple[str, list[str]]:
    services = _services_common.read()
    options = ", ".join(f"{n} {_service_name(service)}" for n, service in enumerate(services, start=1))
    text = _("What is the problem? %(options)s. Reply with a number, or describe it in a few words.") % {
        "options": options
    }
    return text, [service.code for service in services]


# ---------------------------------------------------------------------------------------------------------
# The questions


def _attributes(code: str) -> list[ServiceAttribute]:
    return _service_questions.read(code)


def _value_name(value: dict[str, Any]) -> str:
    spanish = translation.get_language() == "es"
    return str(value.get("name_es") if spanish and value.get("name_es") else value.get("name", value["key"]))


def _question_text(attribute: ServiceAttribute) -> str:
    spanish = translation.get_language() == "es"
    question = attribute.description_es if spanish and attribute.description_es else attribute.description
    question = question.rstrip(" ?.") + ("?" if question.rstrip().endswith("?") else ".")
    datatype = attribute.datatype
    if datatype in (ServiceAttribute.Datatype.SINGLEVALUELIST, ServiceAttribute.Datatype.MULTIVALUELIST):
        options = ", ".join(f"{n} {_value_name(value)}" for n, value in enumerate(attribute.values, start=1))
        how = (
            _("Reply with one or more numbers, e.g. 1 3.")
            if datatype == ServiceAttribute.Datatype.MULTIVALUELIST
            else _("Reply with a number, e.g. 1.")
        )
        text = f"{question} {options}. {how}"
    elif datatype == ServiceAttribute.Datatype.NUMBER:
        text = f"{question} " + _("Reply with a number, e.g. 2.")
    elif datatype == ServiceAttribute.Datatype.DATETIME:
        text = f"{question} " + _("E.g. today, yesterday, last Monday or 12/1.")
    else:
        text = f"{question} " + _("A few words are enough.")
    if not attribute.required:
        text += " " + _("(Or reply SKIP.)")
    return text


def _list_answer(attribute: ServiceAttribute, answer: str) -> list[str]:
    values = attribute.values
    folded = text_fold(answer)
    numbers = [int(number) for number in re.findall(r"\d+", folded)]
    if numbers:
        if any(not 1 <= number <= len(values) for number in numbers):
            raise _Answer(_("Please reply with a number from 1 to %(count)d.") % {"count": len(values)})
        keys = [str(values[number - 1]["key"]) for number in dict.fromkeys(numbers)]
    else:
        # Words: a value's name in either language, or its key ("Alley", "callejón", "yes", "sí").
        keys = [
            str(value["key"])
            for value in values
            if any(
                re.search(rf"\b{re.escape(text_fold(str(name)))}\b", folded)
                for name in (value["key"], value.get("name", ""), value.get("name_es", ""))
                if name
            )
        ]
        if not keys:
            raise _Answer(_("Please reply with the number of one of the choices."))
    if attribute.datatype == ServiceAttribute.Datatype.SINGLEVALUELIST and len(keys) > 1:
        raise _Answer(_("Please choose just one."))
    return keys


def _number_answer(answer: str) -> list[str]:
    match = _NUMBER.search(answer)
    if match is None:
        raise _Answer(_("Please reply with a number, e.g. 2."))
    number = float(match.group().replace(",", "."))
    if number < 0 or number > 1_000_000:
        raise _Answer(_("Please reply with a number, e.g. 2."))
    return [f"{number:g}"]


def _datetime_answer(answer: str, *, now: datetime) -> list[str]:
    folded = text_fold(answer).strip(" .!")
    local_now = timezone.localtime(now)
    moment: datetime | None = None
    if folded in ("today", "hoy", "now", "ahora", "this morning", "esta manana", "tonight", "esta noche"):
        moment = local_now
    elif folded in ("yesterday", "ayer", "last night", "anoche"):
        moment = local_now - timedelta(days=1)
    else:
        cleaned = _DATE_FILLER.sub(" ", folded).strip()
        weekday = _WEEKDAYS.get(cleaned)
        if weekday is not None:
            moment = local_now - timedelta(days=(local_now.weekday() - weekday) % 7 or 7)
        elif cleaned and not _DIGITS_ONLY.match(cleaned):
            # Loaded on first use: a quarter of a second and some memory.
            import dateparser  # type: ignore[import-untyped]

            moment = dateparser.parse(
                cleaned,
                languages=["en", "es"],
                settings={
                    "PREFER_DATES_FROM": "past",
                    "RETURN_AS_TIMEZONE_AWARE": True,
                    "TIMEZONE": settings.TIME_ZONE,
                },
            )
    if moment is None or moment > local_now + timedelta(hours=1):
        raise _Answer(_("Please reply with a day, e.g. today, yesterday, last Monday or 12/1."))
    return [moment.replace(microsecond=0).isoformat()]


def _attribute_answer(attribute: ServiceAttribute, answer: str, *, now: datetime) -> list[str] | None:
    """The values to file for this answer; None when an optional question is skipped; else _Answer."""
    folded = text_fold(answer).strip(" .!")
    is_list = attribute.datatype in (
        ServiceAttribute.Datatype.SINGLEVALUELIST,
        ServiceAttribute.Datatype.MULTIVALUELIST,
    )
    if folded in SKIP_WORDS or (folded in NOT_SURE and not is_list):
        if attribute.required:
            raise _Answer(_("We need this one to send the request."))
        return None
    if not folded:
        raise _Answer(_("Please reply with an answer."))
    if is_list:
        return _list_answer(attribute, answer)
    if attribute.datatype == ServiceAttribute.Datatype.NUMBER:
        return _number_answer(answer)
    if attribute.datatype == ServiceAttribute.Datatype.DATETIME:
        return _datetime_answer(answer, now=now)
    limit = 4000 if attribute.datatype == ServiceAttribute.Datatype.TEXT else 200
    return [answer.strip()[:limit]]


# ---------------------------------------------------------------------------------------------------------
# Where, and the photo


def _place_context(place: LocatedPlace) -> dict[str, Any]:
    return {"latitude": place.latitude, "longitude": place.longitude, "label": place.label}


def _photos(media: list[dict[str, str]] | None) -> tuple[list[dict[str, str]], bool]:
    """The photos among an MMS's attachments, and whether anything else was attached."""
    photos = [item for item in media or [] if item.get("content_type", "").lower() in PHOTO_TYPES]
    return photos[:1], len(photos) < len(media or [])


def _web_form_link(code: str) -> str:
    return settings.SITE_URL + reverse("requests:new", args=[code])


def _location_question(code: str) -> str:
    return _(
        "Where is it? Reply with an address (e.g. 3500 S Halsted St) or two cross streets "
        "(e.g. 35th and Halsted). Or drop a pin: %(link)s"
    ) % {"link": _web_form_link(code)}


# ---------------------------------------------------------------------------------------------------------
# The conversation


def _save(conversation: Conversation, step: str, intake: dict[str, Any] | None) -> None:
    # A copy: what is written at the message's end is what the intake was at this step.
    context = {"intake": copy.deepcopy(intake)} if intake is not None else {}
    conversation_stage(conversation, step=step, context=context)


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
        conversation.channel == Conversation.Channel.SMS
        and intake.get("photo") is None
        and not intake.get("photo_asked")
    ):
        intake["photo_asked"] = True
        _save(conversation, STEP_PHOTO, intake)
        return IntakeReply(_("Send a photo of it now if you can, or reply NO to skip."), "intake_photo")
    return _file(conversation, intake)


def _file(conversation: Conversation, intake: dict[str, Any]) -> IntakeReply:
    place = intake["place"]
    data = RequestInput(
        service_code=intake["service"],
        latitude=str(place["latitude"]),
        longitude=str(place["longitude"]),
        address=place["label"],
        attributes=intake.get("answers", {}),
        description=intake.get("description", ""),
        phone=conversation.phone,
        language=translation.get_language() or "en",
        channel=(
            ServiceRequest.Channel.SMS
            if conversation.channel == Conversation.Channel.SMS
            else ServiceRequest.Channel.WEB
        ),
    )
    try:
        request = service_request_create(data=data)
    except (DomainError, NotFound):
        # The city's definitions changed under the conversation, or the place left the city's map.
        _save(conversation, "", None)
        return IntakeReply(
            _("Sorry, we could not file that by text. Please use %(link)s or call 311.")
            % {"link": _web_form_link(intake["service"])},
            "intake_failed",
        )
    photo = intake.get("photo")
    if photo:
        from civicloop.assistant.tasks import request_photo_attach

        # After commit: a worker must find the request it is given.
        transaction.on_commit(
            partial(request_photo_attach.enqueue, request_id=request.pk, media_url=photo["url"])
        )
    _save(conversation, "", None)
    tracking = settings.SITE_URL + request.get_absolute_url()
    if conversation.channel == Conversation.Channel.SMS:
        text = _(
            "Thank you. Your 311 request number is %(number)s (%(service)s at %(place)s). We will text you "
            "when its status changes; text STATUS %(number)s any time. %(link)s"
        )
    else:
        text = _(
            "Thank you. Your 311 request number is %(number)s (%(service)s at %(place)s). "
            "Follow it at %(link)s"
        )
    return IntakeReply(
        text
        % {
            "number": request.public_id,
            "service": _service_name(request.service),
            "place": place["label"],
            "link": tracking,
        },
        "intake_filed",
    )


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


def intake_language(conversation: Conversation, body: str) -> str:
    """The resident's choice, else the language the report began in, else this text's, else English."""
    intake = conversation.context.get("intake") or {}
    return conversation.language or intake.get("language") or language_guess(body) or "en"


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


def intake_in_progress(conversation: Conversation) -> bool:
    return intake_step(conversation.step)


def intake_step(step: str) -> bool:
    return step in STEPS


def is_report_word(word: str) -> bool:
    return word in REPORT_WORDS
