"""Which service a report by text is about: the problem named in a resident's words, or the menu of them.

"pothole on 35th and Halsted" or "hay ratas en mi callejón" names a service (one of those with a
definition); a question about one ("when is garbage collected?") is for the knowledge base.
"""

import re

from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _

from civicloop.assistant.faq import keyword_words, text_fold
from civicloop.core.memo import ProcessMemo
from civicloop.servicerequests.models import Service, ServiceAttribute
from civicloop.servicerequests.web_selectors import service_common_list

# Words that name no problem ("street" is in a pothole and a street light alike).
_GENERIC = {
    "street", "calle", "complaint", "request", "in", "on", "out", "the", "de", "la", "el", "en", "of",
    "maintenance", "inspection", "removal",
}  # fmt: skip
_QUESTION_START = re.compile(
    r"^\s*[¿]?\s*(when|how|what|where|why|who|which|can|could|do|does|is|are|should|will|cuando|como|"
    r"que|donde|por que|quien|cual|puedo|se puede|debo|hay que)\b"
)


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
