"""The datasets the city publishes, each read through its app's models and selectors (issue 14).

Rules every dataset keeps: no names, email addresses, phone numbers, account ids or tokens; free text
residents typed is masked as the public pages mask it; only what the public pages show (published
announcements, public spaces, content moderation let through, published conversation reports);
counts of people below OPENDATA_MIN_CELL are published empty (``suppressed``).

One module per subject; each registers its datasets when imported. The imports below run in the
catalogue's order (/data.json lists the datasets as they were registered): keep them in this order.
"""

# isort: off
from civicloop.opendata.datasets.publication_rules import CHUNK, SUPPRESSION_NOTE, _masked, suppressed
from civicloop.opendata.datasets.service_requests import (
    SERVICE_COLUMNS,
    SERVICE_REQUEST_COLUMNS,
    SERVICE_REQUEST_TABLE,
    _service_requests,
    service_rows,
)
from civicloop.opendata.datasets.announcements import (
    ANNOUNCEMENT_COLUMNS,
    REACH_COLUMNS,
    announcement_rows,
    reach_rows,
)
from civicloop.opendata.datasets.ideas import (
    IDEA_COLUMNS,
    RESPONSE_COLUMNS,
    _public_ideas,
    idea_rows,
    response_rows,
)
from civicloop.opendata.datasets.conversations import (
    _DESCRIPTION,
    CONVERSATION,
    _conversation_rows,
    _conversations,
    _has_conversations,
)
from civicloop.opendata.datasets.participation import PARTICIPATION_COLUMNS, participation_rows
from civicloop.opendata.datasets.inbox_response_times import INBOX_RESPONSE_COLUMNS, inbox_response_rows
# isort: on

__all__ = [
    "ANNOUNCEMENT_COLUMNS",
    "CHUNK",
    "CONVERSATION",
    "IDEA_COLUMNS",
    "INBOX_RESPONSE_COLUMNS",
    "PARTICIPATION_COLUMNS",
    "REACH_COLUMNS",
    "RESPONSE_COLUMNS",
    "SERVICE_COLUMNS",
    "SERVICE_REQUEST_COLUMNS",
    "SERVICE_REQUEST_TABLE",
    "SUPPRESSION_NOTE",
    "_DESCRIPTION",
    "_conversation_rows",
    "_conversations",
    "_has_conversations",
    "_masked",
    "_public_ideas",
    "_service_requests",
    "announcement_rows",
    "idea_rows",
    "inbox_response_rows",
    "participation_rows",
    "reach_rows",
    "response_rows",
    "service_rows",
    "suppressed",
]
