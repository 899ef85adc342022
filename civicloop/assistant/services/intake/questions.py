"""The service's questions in a report by text: each asked in turn, with an example of a good answer, and
the answer checked (a choice by number or name, a number, a day, or a few words)."""

import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.assistant.faq import text_fold
from civicloop.assistant.services.intake.service_choice import SERVICES_MEMO_SECONDS
from civicloop.core.errors import DomainError
from civicloop.core.memo import ProcessMemo
from civicloop.servicerequests.models import ServiceAttribute

SKIP_WORDS = {"skip", "omitir", "saltar", "pass", "n/a", "na", "none", "ninguno", "ninguna"}
NOT_SURE = {"no se", "not sure", "dont know", "don't know", "idk", "no lo se", "unknown"}
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_DIGITS_ONLY = re.compile(r"^\s*\d+\s*$")
_WEEKDAYS = {
    "monday": 0, "lunes": 0, "tuesday": 1, "martes": 1, "wednesday": 2, "miercoles": 2, "thursday": 3,
    "jueves": 3, "friday": 4, "viernes": 4, "saturday": 5, "sabado": 5, "sunday": 6, "domingo": 6,
}  # fmt: skip
_DATE_FILLER = re.compile(r"\b(since|desde|el|on|about|around|como|last|pasado|este|this)\b")


class _Answer(DomainError):
    """An answer that does not fit the question (its message says what would)."""


_service_questions = ProcessMemo(
    lambda code: list(
        ServiceAttribute.objects.filter(service__code=code, variable=True).order_by("order", "id")
    ),
    seconds=SERVICES_MEMO_SECONDS,
)


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
