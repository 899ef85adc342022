"""Resident pages for engage: spaces, questions with their ideas, an idea's discussion, sign-in by link.

Thin views: parse, build the viewer, call one service or selector, render. Every page works without
JavaScript; each action is a plain form POST followed by a redirect. One module per part of the
forums; every view urls.py names, and everything other apps use, is here.
"""

from civicloop.engage.views._common import (
    ADDRESS_WINDOW_SECONDS,
    HELD_REASON_LABELS,
    SESSION_KEY,
    TOO_FAST,
    held_reasons,
)
from civicloop.engage.views.browsing import (
    PAGE_SIZE,
    SORT_LABELS,
    idea_detail,
    ideas_home,
    question_detail,
    question_summary,
    space_detail,
)
from civicloop.engage.views.jams import jam_live, jam_prompt
from civicloop.engage.views.posting import (
    POSTS_PER_ADDRESS,
    SIMILAR_CHECKS_PER_ADDRESS,
    SIMILAR_TEXT_MAX,
    SIMILAR_TEXT_MIN,
    comment_edit,
    idea_comment,
    idea_edit,
    idea_new,
    similar_ideas,
)
from civicloop.engage.views.reporting import appeal, report_comment, report_idea
from civicloop.engage.views.signing_in import (
    SIGN_INS_PER_ADDRESS,
    account_name,
    sign_in,
    sign_in_confirm,
    sign_out,
)
from civicloop.engage.views.supporting import SUPPORTS_PER_ADDRESS, follow_stop, idea_follow, idea_support

__all__ = [
    "ADDRESS_WINDOW_SECONDS",
    "HELD_REASON_LABELS",
    "PAGE_SIZE",
    "POSTS_PER_ADDRESS",
    "SESSION_KEY",
    "SIGN_INS_PER_ADDRESS",
    "SIMILAR_CHECKS_PER_ADDRESS",
    "SIMILAR_TEXT_MAX",
    "SIMILAR_TEXT_MIN",
    "SORT_LABELS",
    "SUPPORTS_PER_ADDRESS",
    "TOO_FAST",
    "account_name",
    "appeal",
    "comment_edit",
    "follow_stop",
    "held_reasons",
    "idea_comment",
    "idea_detail",
    "idea_edit",
    "idea_follow",
    "idea_new",
    "idea_support",
    "ideas_home",
    "jam_live",
    "jam_prompt",
    "question_detail",
    "question_summary",
    "report_comment",
    "report_idea",
    "sign_in",
    "sign_in_confirm",
    "sign_out",
    "similar_ideas",
    "space_detail",
]
