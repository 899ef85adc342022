"""Writes for deliberation: importing a Polis export, residents' statements and votes, their moderation,
the opinion map (re-run by a debounced background task after votes), and the report's publication with
the city's official response. One module per concern; everything callers use is here."""

from civicloop.deliberation.services.errors import (
    DeliberationInvalid,
    DeliberationRefused,
    StatementAlreadyDecided,
    StatementLimitReached,
)
from civicloop.deliberation.services.mapping import (
    ANALYSES_KEPT,
    ANALYSIS_LOST_AFTER,
    conversation_analyse,
    conversation_analyse_if_due,
    conversation_analysis_request,
    opinion_map_json,
)
from civicloop.deliberation.services.polis import PolisExportInvalid, polis_import
from civicloop.deliberation.services.publication import (
    conversation_answering_check,
    conversation_official_response_set,
    conversation_report_publish,
)
from civicloop.deliberation.services.statements import (
    STATEMENTS_PER_PERSON,
    statement_add,
    statement_moderate,
)
from civicloop.deliberation.services.votes import (
    conversation_join,
    conversation_votes_exclusion_set,
    resident_vote,
    vote_cast,
)

__all__ = [
    "ANALYSES_KEPT",
    "ANALYSIS_LOST_AFTER",
    "STATEMENTS_PER_PERSON",
    "DeliberationInvalid",
    "DeliberationRefused",
    "PolisExportInvalid",
    "StatementAlreadyDecided",
    "StatementLimitReached",
    "conversation_analyse",
    "conversation_analyse_if_due",
    "conversation_analysis_request",
    "conversation_answering_check",
    "conversation_join",
    "conversation_official_response_set",
    "conversation_report_publish",
    "conversation_votes_exclusion_set",
    "opinion_map_json",
    "polis_import",
    "resident_vote",
    "statement_add",
    "statement_moderate",
    "vote_cast",
]
