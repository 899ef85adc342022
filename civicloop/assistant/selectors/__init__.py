"""Reads for the assistant, one module per concern: the FAQ retriever's calibration (faq_calibration),
a question as the embedder reads it and this process's cache of their embeddings (faq_questions), the
index of entries kept per process (faq_index), the search (`faq_search`, faq_retrieval), the reply it
leads to (`faq_reply`, faq_replies), entries for the public and staff pages (faq_entries) and the web
chat's reads (web_chat). Everything callers use is importable from here; the per-process caches live only in
faq_questions and faq_index (patch them there)."""

from civicloop.assistant.selectors.faq_calibration import (
    ANSWER_CONFIDENCE,
    ANSWER_LEAD,
    FAQ_SEARCH_LIMIT,
    KEYWORD_BLEND,
    KEYWORD_SHARE_FULL_CONFIDENCE,
    LANGUAGE_PREFERENCE,
    LIFT_FULL_CONFIDENCE,
    LIFT_NO_CONFIDENCE,
    MENU_CONFIDENCE,
    MENU_ITEM_CONFIDENCE,
    MENU_SIZE,
    QUERY_MAX_CHARS,
    QUERY_MAX_TOKENS,
    TRANSLATION_SIMILARITY,
    TYPICAL_SCORE_TEXTS,
)
from civicloop.assistant.selectors.faq_entries import (
    faq_entry_for_staff,
    faq_entry_public,
    faq_entry_staff_list,
)
from civicloop.assistant.selectors.faq_index import FAQ_INDEX_RECHECK_SECONDS, faq_index_forget
from civicloop.assistant.selectors.faq_questions import (
    QUERY_CACHE_SIZE,
    faq_query_cache_forget,
    faq_question_embedded,
    question_embedded_words,
    question_essence,
)
from civicloop.assistant.selectors.faq_replies import (
    FaqReply,
    FaqReplyKind,
    faq_entry_reply,
    faq_entry_url,
    faq_menu_pick,
    faq_reply,
)
from civicloop.assistant.selectors.faq_retrieval import FaqMatch, faq_question_prepare, faq_search
from civicloop.assistant.selectors.web_chat import web_conversation_messages, web_conversation_taken_over

__all__ = [
    "ANSWER_CONFIDENCE",
    "ANSWER_LEAD",
    "FAQ_INDEX_RECHECK_SECONDS",
    "FAQ_SEARCH_LIMIT",
    "KEYWORD_BLEND",
    "KEYWORD_SHARE_FULL_CONFIDENCE",
    "LANGUAGE_PREFERENCE",
    "LIFT_FULL_CONFIDENCE",
    "LIFT_NO_CONFIDENCE",
    "MENU_CONFIDENCE",
    "MENU_ITEM_CONFIDENCE",
    "MENU_SIZE",
    "QUERY_CACHE_SIZE",
    "QUERY_MAX_CHARS",
    "QUERY_MAX_TOKENS",
    "TRANSLATION_SIMILARITY",
    "TYPICAL_SCORE_TEXTS",
    "FaqMatch",
    "FaqReply",
    "FaqReplyKind",
    "faq_entry_for_staff",
    "faq_entry_public",
    "faq_entry_reply",
    "faq_entry_staff_list",
    "faq_entry_url",
    "faq_index_forget",
    "faq_menu_pick",
    "faq_query_cache_forget",
    "faq_question_embedded",
    "faq_question_prepare",
    "faq_reply",
    "faq_search",
    "question_embedded_words",
    "question_essence",
    "web_conversation_messages",
    "web_conversation_taken_over",
]
