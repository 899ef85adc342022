"""Writes for engage: spaces and questions (staff), light accounts, ideas, comments, supports, answers.

Every refusal is raised before anything is stored. Text is stored as typed and escaped when shown.
One module per concern; everything callers use is here.
"""

from civicloop.engage.services.bursts import (
    BURST_EVIDENCE_IDS,
    BURST_SAME_NETWORK,
    BURST_SUPPORTS,
    BURST_WINDOW,
    NETWORK_TAG_LENGTH,
    NEVER_FLAGGED,
    support_bursts_flag,
    supports_recount,
)
from civicloop.engage.services.civility import Civility
from civicloop.engage.services.comments import COMMENT_MAX, comment_create, comment_edit
from civicloop.engage.services.errors import EngageInvalid, EngageRefused, PostingLimitReached
from civicloop.engage.services.following import idea_follow, idea_follow_stop
from civicloop.engage.services.ideas import (
    EMBEDDINGS_FILLED_PER_CALL,
    IDEA_BODY_MAX,
    TITLE_MAX,
    idea_create,
    idea_edit,
    idea_embeddings_fill,
    ideas_shown_count,
)
from civicloop.engage.services.jams import PROMPT_MAX, jam_prompt_post
from civicloop.engage.services.official_answers import (
    REASON_MAX,
    answering_check,
    idea_staff_pick_set,
    idea_status_change,
    official_reply_create,
)
from civicloop.engage.services.participants import (
    DISPLAY_NAME_MAX,
    SIGN_IN_LINKS_PER_CONTACT,
    participant_for_relay,
    participant_for_resident_contact,
    participant_for_staff,
    participant_rename,
    participant_sign_in_confirm,
    participant_sign_in_pending,
    participant_sign_in_request,
)
from civicloop.engage.services.posting import (
    EDIT_WINDOW,
    NEW_ACCOUNT_AGE,
    NEW_ACCOUNT_POSTS,
    PERSON_WINDOW_SECONDS,
    POSTS_PER_PERSON,
    SUPPORTS_PER_PERSON,
)
from civicloop.engage.services.spaces import (
    RESERVED_SLUGS,
    QuestionInput,
    question_create,
    space_create,
    space_invitees_add,
)
from civicloop.engage.services.supports import idea_support, support_network_keys_forget

__all__ = [
    "BURST_EVIDENCE_IDS",
    "BURST_SAME_NETWORK",
    "BURST_SUPPORTS",
    "BURST_WINDOW",
    "COMMENT_MAX",
    "DISPLAY_NAME_MAX",
    "EDIT_WINDOW",
    "EMBEDDINGS_FILLED_PER_CALL",
    "IDEA_BODY_MAX",
    "NETWORK_TAG_LENGTH",
    "NEVER_FLAGGED",
    "NEW_ACCOUNT_AGE",
    "NEW_ACCOUNT_POSTS",
    "PERSON_WINDOW_SECONDS",
    "POSTS_PER_PERSON",
    "PROMPT_MAX",
    "REASON_MAX",
    "RESERVED_SLUGS",
    "SIGN_IN_LINKS_PER_CONTACT",
    "SUPPORTS_PER_PERSON",
    "TITLE_MAX",
    "Civility",
    "EngageInvalid",
    "EngageRefused",
    "PostingLimitReached",
    "QuestionInput",
    "answering_check",
    "comment_create",
    "comment_edit",
    "idea_create",
    "idea_edit",
    "idea_embeddings_fill",
    "idea_follow",
    "idea_follow_stop",
    "idea_staff_pick_set",
    "idea_status_change",
    "idea_support",
    "ideas_shown_count",
    "jam_prompt_post",
    "official_reply_create",
    "participant_for_relay",
    "participant_for_resident_contact",
    "participant_for_staff",
    "participant_rename",
    "participant_sign_in_confirm",
    "participant_sign_in_pending",
    "participant_sign_in_request",
    "question_create",
    "space_create",
    "space_invitees_add",
    "support_bursts_flag",
    "support_network_keys_forget",
    "supports_recount",
]
