"""Jams: time-boxed questions where hosts post prompts while it runs."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.engage.models import JamPrompt, Question
from civicloop.engage.selectors import jam_prompt_allowed, question_is_open
from civicloop.engage.services.errors import EngageRefused
from civicloop.engage.services.typed_input import _required_text

PROMPT_MAX = 1000


def jam_prompt_post(*, question: Question, user: Any, text: str, now: datetime | None = None) -> JamPrompt:
    """A host's prompt in an open jam; it shows at the top of the jam and in its live view at once."""
    moment = now or timezone.now()
    text = _required_text(text, field="text", limit=PROMPT_MAX, message=_("Write the prompt."))
    if not jam_prompt_allowed(question, user):
        raise EngageRefused(_("Only the hosts of this jam can post prompts."))
    if not question_is_open(question, now=moment):
        raise EngageRefused(_("This jam is not open: prompts can be posted only while it runs."))
    name = (user.get_full_name() or _("Host"))[:100]
    return JamPrompt.objects.create(
        question=question, host=user, host_name=name, text=text, created_at=moment
    )
