"""Coordinated voting: groups of new accounts that vote in a conversation (or support ideas on a question)
(nearly) alike, created close together or from one network, found for moderators (issue 13, item 6).

A signal, never a verdict: a case only shows moderators the evidence (counts, times, similarity). A
moderator may leave the group's votes or supports out of the analysis (the opinion map; the bridging
order and support counts), and put them back; nothing is deleted.

How a group is found, set-based (numpy / scipy, no Python loop over votes):

1. candidates: residents' accounts made at most NEW_ACCOUNT before their first vote (or support) there,
   not already in a case of that conversation or question (so no group is flagged twice);
2. each candidate is a set of items: (statement, agree/disagree/pass) pairs, or the ideas supported;
   two candidates with at least `min_items` items each are linked when their Jaccard similarity is at
   least MIN_SIMILARITY (candidate pairs from MinHash buckets, then compared exactly: linear in the
   accounts); linked candidates form groups;
3. in a group, the members created close together (consecutive account creations at most CREATED_GAP
   apart) or sharing one network (supports record a keyed hash of the address) count; MIN_ACCOUNTS of
   them make a case.

Modules: similarity (the numbers), evidence (what a case shows), detection (looking, opening cases),
decisions (a moderator's exclude / keep / undo); everything callers use is here. Loaded when used only
(scipy costs every process ~50 MB): never import this package, or any module of it, at startup.
"""

from civicloop.moderation.coordinated.decisions import (
    CoordinatedCaseAlreadyDecided,
    coordinated_case_exclude,
    coordinated_case_keep,
    coordinated_case_undo,
)
from civicloop.moderation.coordinated.detection import (
    CREATED_GAP,
    MIN_ACCOUNTS,
    MIN_ITEMS_CONVERSATION,
    MIN_ITEMS_QUESTION,
    MIN_SIMILARITY,
    NETWORK_TAG_LENGTH,
    NEW_ACCOUNT,
    RECENT_QUESTIONS,
    conversation_coordinated_flag,
    coordinated_voting_flag,
    question_coordinated_flag,
)
from civicloop.moderation.coordinated.evidence import EVIDENCE_IDS, PATTERN_SHOWN
from civicloop.moderation.coordinated.similarity import (
    LSH_BANDS,
    LSH_ROWS,
    LSH_SEED,
    Pattern,
    created_together,
    group_pattern,
    near_duplicate_groups,
    shared_network,
)

__all__ = [
    "CREATED_GAP",
    "EVIDENCE_IDS",
    "LSH_BANDS",
    "LSH_ROWS",
    "LSH_SEED",
    "MIN_ACCOUNTS",
    "MIN_ITEMS_CONVERSATION",
    "MIN_ITEMS_QUESTION",
    "MIN_SIMILARITY",
    "NETWORK_TAG_LENGTH",
    "NEW_ACCOUNT",
    "PATTERN_SHOWN",
    "RECENT_QUESTIONS",
    "CoordinatedCaseAlreadyDecided",
    "Pattern",
    "conversation_coordinated_flag",
    "coordinated_case_exclude",
    "coordinated_case_keep",
    "coordinated_case_undo",
    "coordinated_voting_flag",
    "created_together",
    "group_pattern",
    "near_duplicate_groups",
    "question_coordinated_flag",
    "shared_network",
]
