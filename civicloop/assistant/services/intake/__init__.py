"""311 by text: what the problem is, that service's questions one at a time, where it is, a photo, filed.

"pothole on 35th and Halsted" or "hay ratas en mi callejón" names a service (one of those with a
definition); each of its questions is asked in turn and checked, with an example of a good answer; the
place is an address or two cross streets resolved to a point in Chicago (or a link to drop a pin); by
text a photo may follow as MMS. The request is filed through the same service as the web form and
Open311, with the conversation's channel, and the number's status updates come back by text because
the requester follows their request. All the intake has gathered lives in the conversation's context,
so it survives any number of web processes; MENU abandons it at any step.

One module per part: where a report is at (progress), which service (service_choice), its questions
(questions), the place and photo (location), the dialogue that moves it on (dialogue) and filing it
(filing). Everything callers use is importable from here.
"""

from civicloop.assistant.services.intake.dialogue import intake_continue, intake_start
from civicloop.assistant.services.intake.location import NO_PHOTO, PHOTO_TYPES
from civicloop.assistant.services.intake.progress import (
    DESCRIPTION_MAX,
    MISSES_MAX,
    REPORT_WORDS,
    STEP_ATTRIBUTE,
    STEP_LOCATION,
    STEP_PHOTO,
    STEP_SERVICE,
    STEPS,
    IntakeReply,
    intake_in_progress,
    intake_language,
    intake_step,
    is_report_word,
)
from civicloop.assistant.services.intake.questions import NOT_SURE, SKIP_WORDS
from civicloop.assistant.services.intake.service_choice import (
    SERVICES_MEMO_SECONDS,
    intake_service_for_text,
    looks_like_question,
)

__all__ = [
    "DESCRIPTION_MAX",
    "MISSES_MAX",
    "NOT_SURE",
    "NO_PHOTO",
    "PHOTO_TYPES",
    "REPORT_WORDS",
    "SERVICES_MEMO_SECONDS",
    "SKIP_WORDS",
    "STEPS",
    "STEP_ATTRIBUTE",
    "STEP_LOCATION",
    "STEP_PHOTO",
    "STEP_SERVICE",
    "IntakeReply",
    "intake_continue",
    "intake_in_progress",
    "intake_language",
    "intake_service_for_text",
    "intake_start",
    "intake_step",
    "is_report_word",
    "looks_like_question",
]
