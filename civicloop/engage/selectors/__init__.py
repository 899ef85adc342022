"""Reads for engage: who is looking, what they may see, and the pages' lists in a fixed number of queries.

One module per concern; everything callers use is here. engage.bridging (and with it scipy) is imported
only when a question's bridging order is first made, never when this package is.
"""

from civicloop.engage.selectors.bridging_order import (
    BRIDGING_CACHE_SECONDS,
    BridgingOrder,
    _bridging_key,
    question_bridging,
    question_default_sort,
    supports_counted,
)
from civicloop.engage.selectors.idea_lists import (
    SORTS,
    IdeasInOrder,
    question_ideas,
    question_ideas_bridging,
    supported_idea_ids,
)
from civicloop.engage.selectors.idea_pages import (
    THREADS_PER_PAGE,
    Thread,
    ThreadPage,
    ViewerStanding,
    comment_page_number,
    idea_for_page,
    idea_threads,
    idea_timeline,
    viewer_standing,
)
from civicloop.engage.selectors.jams import (
    JAM_ACTIVITY_SHOWN,
    JAM_STAFF_CAPABILITIES,
    JAM_UPDATE_MAX,
    JamActivity,
    JamCursor,
    JamUpdates,
    jam_prompt_allowed,
    jam_updates,
)
from civicloop.engage.selectors.public_reads import (
    IDEA_PUBLIC_ORDER,
    idea_public,
    idea_public_list,
    question_public,
    question_public_list,
)
from civicloop.engage.selectors.similarity import (
    EMBEDDING_DTYPE,
    SIMILAR_IDEA_MARGIN,
    SIMILAR_IDEAS_SHOWN,
    SIMILARITY_BASELINE_TEXTS,
    embedding_to_bytes,
    idea_text_embedding,
    similar_ideas,
)
from civicloop.engage.selectors.spaces import (
    question_by_slugs,
    question_is_open,
    questions_open_public,
    space_by_slug,
    spaces_for,
)
from civicloop.engage.selectors.summaries import (
    SUMMARY_STATUS_ORDER,
    QuestionSummary,
    StatusCount,
    SummaryGroup,
    question_summary,
)
from civicloop.engage.selectors.viewers import Viewer, _visible_to, idea_visible, space_readable, viewer_for

__all__ = [
    "BRIDGING_CACHE_SECONDS",
    "EMBEDDING_DTYPE",
    "IDEA_PUBLIC_ORDER",
    "JAM_ACTIVITY_SHOWN",
    "JAM_STAFF_CAPABILITIES",
    "JAM_UPDATE_MAX",
    "SIMILARITY_BASELINE_TEXTS",
    "SIMILAR_IDEAS_SHOWN",
    "SIMILAR_IDEA_MARGIN",
    "SORTS",
    "SUMMARY_STATUS_ORDER",
    "THREADS_PER_PAGE",
    "BridgingOrder",
    "IdeasInOrder",
    "JamActivity",
    "JamCursor",
    "JamUpdates",
    "QuestionSummary",
    "StatusCount",
    "SummaryGroup",
    "Thread",
    "ThreadPage",
    "Viewer",
    "ViewerStanding",
    "_bridging_key",
    "_visible_to",
    "comment_page_number",
    "embedding_to_bytes",
    "idea_for_page",
    "idea_public",
    "idea_public_list",
    "idea_text_embedding",
    "idea_threads",
    "idea_timeline",
    "idea_visible",
    "jam_prompt_allowed",
    "jam_updates",
    "question_bridging",
    "question_by_slugs",
    "question_default_sort",
    "question_ideas",
    "question_ideas_bridging",
    "question_is_open",
    "question_public",
    "question_public_list",
    "question_summary",
    "questions_open_public",
    "similar_ideas",
    "space_by_slug",
    "space_readable",
    "spaces_for",
    "supported_idea_ids",
    "supports_counted",
    "viewer_for",
    "viewer_standing",
]
