"""Writes for deliberation: importing a Polis export, residents' statements and votes, their moderation,
the opinion map (re-run by a debounced background task after votes), the report's publication with
the city's official response, and staff opening, closing and seeding conversations. One module per
concern; everything callers use is here."""

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
from civicloop.deliberation.services.opening import (
    ENGAGEMENT_CAPABILITIES,
    SEEDS_MAX,
    conversation_open,
    conversation_seeds_add,
    conversation_status_set,
    engagement_staff,
    seed_statements_check,
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
    "ENGAGEMENT_CAPABILITIES",
    "SEEDS_MAX",
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
    "conversation_open",
    "conversation_report_publish",
    "conversation_seeds_add",
    "conversation_status_set",
    "conversation_votes_exclusion_set",
    "engagement_staff",
    "opinion_map_json",
    "polis_import",
    "resident_vote",
    "seed_statements_check",
    "statement_add",
    "statement_moderate",
    "vote_cast",
]
