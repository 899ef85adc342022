"""Looking for coordinated voting: the new accounts of a conversation (votes) or a question (supports),
their groups, and a case opened per group not in a case there already."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from civicloop.moderation.coordinated.evidence import _evidence, _fingerprint, _Found
from civicloop.moderation.coordinated.similarity import (
    created_together,
    group_pattern,
    near_duplicate_groups,
    shared_network,
)
from civicloop.moderation.models import AuditEvent, CoordinatedVotingCase, CoordinatedVotingMember
from civicloop.moderation.reportables import conversation_votes, question_supports

NEW_ACCOUNT = timedelta(days=7)  # an account this young at its first vote or support is "new"
MIN_ACCOUNTS = 5
MIN_SIMILARITY = 0.9
MIN_ITEMS_CONVERSATION = 5  # votes each: agreeing on a couple of statements says nothing
MIN_ITEMS_QUESTION = 2  # ideas supported each: supports are few per person
CREATED_GAP = timedelta(hours=1)
NETWORK_TAG_LENGTH = 8
RECENT_QUESTIONS = timedelta(days=7)  # closed questions still looked at by a full run


def _setting(name: str, default: Any) -> Any:
    return type(default)(getattr(settings, f"MODERATION_COORDINATED_{name}", default))


def _groups(
    items: sp.csr_matrix,
    account_ids: np.ndarray,
    created: np.ndarray,
    first_at: np.ndarray,
    networks: np.ndarray,
    network_keys: list[str],
    *,
    min_items: int,
) -> list[_Found]:
    min_size = _setting("ACCOUNTS", MIN_ACCOUNTS)
    gap = _setting("CREATED_GAP_SECONDS", CREATED_GAP.total_seconds())
    found: list[_Found] = []
    groups = near_duplicate_groups(
        items, min_similarity=_setting("SIMILARITY", MIN_SIMILARITY), min_items=min_items, min_size=min_size
    )
    for rows in groups:  # one pass per group found, never per vote
        close = created_together(created[rows], gap=gap, min_size=min_size)
        network = shared_network(networks[rows], min_size=min_size)
        keep = rows[close | network]
        if keep.size < min_size:
            continue
        counts = np.diff(items.indptr)[keep]
        codes = networks[keep]
        known = codes[codes >= 0]
        tag, share = "", 0.0
        if known.size:
            top = int(np.bincount(known).argmax())
            share = round(float((codes == top).sum()) / keep.size, 4)
            tag = network_keys[top][:NETWORK_TAG_LENGTH]
        found.append(
            _Found(
                participant_ids=account_ids[keep],
                votes=int(counts.sum()),
                items_each=counts,
                created=created[keep],
                first_at=first_at[keep],
                close_in_time=int(created_together(created[keep], gap=gap, min_size=min_size).sum()),
                network_share=share,
                network_tag=tag,
                pattern=group_pattern(items, keep),
            )
        )
    return found


def _case_open(
    found: _Found, evidence: dict[str, Any], moment: datetime, **place: Any
) -> CoordinatedVotingCase | None:
    """Open the case unless one of its accounts got into a case of the same place meanwhile."""
    ids = [int(p) for p in found.participant_ids]
    with transaction.atomic():
        taken = CoordinatedVotingMember.objects.filter(
            participant_id__in=ids, **{f"case__{k}": v for k, v in place.items()}
        )
        if taken.exists():
            return None
        case = CoordinatedVotingCase.objects.create(
            **place,
            accounts=len(ids),
            votes=found.votes,
            similarity=found.pattern.similarity_min,
            evidence=evidence | {"fingerprint": _fingerprint(found.participant_ids)},
            opened_at=moment,
        )
        CoordinatedVotingMember.objects.bulk_create(
            [CoordinatedVotingMember(case=case, participant_id=pid) for pid in ids]
        )
        AuditEvent.objects.create(
            kind=AuditEvent.Kind.OPENED,
            detail={"coordinated_case": case.pk, "accounts": len(ids), "votes": found.votes},
            created_at=moment,
        )
    return case


def _already_in_case(**place: Any) -> Any:
    return CoordinatedVotingMember.objects.filter(
        participant_id=OuterRef("participant_id"), **{f"case__{k}": v for k, v in place.items()}
    )


def _new(created: np.ndarray, first_at: np.ndarray) -> np.ndarray:
    days = _setting("NEW_ACCOUNT_DAYS", NEW_ACCOUNT.total_seconds() / 86400)
    return (first_at - created) <= days * 86400


def conversation_coordinated_flag(
    conversation: Any, *, now: datetime | None = None
) -> list[CoordinatedVotingCase]:
    """Look for coordinated voting among the conversation's new accounts; open a case per group found
    (idempotent: accounts already in a case of this conversation are not looked at again)."""
    moment = now or timezone.now()
    votes_of = conversation_votes()
    in_case = CoordinatedVotingMember.objects.filter(
        case__conversation=conversation, participant_id=OuterRef("resident_id")
    )
    people = votes_of.participants(conversation, Exists(in_case))
    if len(people) < _setting("ACCOUNTS", MIN_ACCOUNTS):
        return []
    p_ids = np.array([p[0] for p in people], dtype=np.int64)
    residents = np.array([p[1] for p in people], dtype=np.int64)
    created = np.array([p[2].timestamp() for p in people], dtype=np.float64)
    joined = np.array([p[3].timestamp() for p in people], dtype=np.float64)  # joined at the first vote
    new = _new(created, joined)
    if int(new.sum()) < _setting("ACCOUNTS", MIN_ACCOUNTS):
        return []
    p_ids, residents, created, joined = p_ids[new], residents[new], created[new], joined[new]
    votes = np.array(votes_of.votes(conversation), dtype=np.int64).reshape(-1, 3)
    rows = np.searchsorted(p_ids, votes[:, 0])
    ours = (rows < p_ids.size) & (p_ids[np.minimum(rows, p_ids.size - 1)] == votes[:, 0])
    statements, columns = np.unique(votes[ours, 1], return_inverse=True)
    # One column per (statement, agree / pass / disagree): the same vote is the same item.
    items = sp.csr_matrix(
        (np.ones(int(ours.sum())), (rows[ours], columns * 3 + votes[ours, 2] + 1)),
        shape=(p_ids.size, max(statements.size, 1) * 3),
    )
    found = _groups(
        items,
        residents,
        created,
        joined,
        np.full(p_ids.size, -1, dtype=np.int64),  # votes record no network
        [],
        min_items=_setting("ITEMS_CONVERSATION", MIN_ITEMS_CONVERSATION),
    )
    if not found:
        return []
    numbers = votes_of.statement_numbers(conversation, statements.tolist())
    opened = []
    for group in found:
        pattern = [
            [numbers.get(int(statements[c // 3]), ""), int(c % 3) - 1] for c in group.pattern.common.tolist()
        ]
        evidence = _evidence(group, window_days=float(_setting("NEW_ACCOUNT_DAYS", 7.0)), pattern=pattern)
        case = _case_open(group, evidence, moment, kind="conversation", conversation=conversation)
        if case is not None:
            opened.append(case)
    return opened


def question_coordinated_flag(question: Any, *, now: datetime | None = None) -> list[CoordinatedVotingCase]:
    """Look for coordinated supports among the question's new accounts; a case per group found
    (idempotent as for conversations). Supports record a keyed hash of the network: a group sharing
    one counts even when its accounts were made far apart."""
    moment = now or timezone.now()
    rows = question_supports().rows(question, Exists(_already_in_case(question=question)))
    if not rows:
        return []
    supporter = np.array([r[0] for r in rows], dtype=np.int64)
    idea = np.array([r[1] for r in rows], dtype=np.int64)
    at = np.array([r[2].timestamp() for r in rows], dtype=np.float64)
    accounts, first_row, row_of = np.unique(supporter, return_index=True, return_inverse=True)
    created = np.array([rows[i][4].timestamp() for i in first_row], dtype=np.float64)
    first_at = at[first_row]  # sorted by time within each supporter
    keys = [rows[i][3] for i in first_row]
    key_list, key_codes = np.unique(np.array(keys, dtype=object).astype(str), return_inverse=True)
    networks = np.where(np.array(keys, dtype=object).astype(str) == "", -1, key_codes).astype(np.int64)
    new = _new(created, first_at)
    if int(new.sum()) < _setting("ACCOUNTS", MIN_ACCOUNTS):
        return []
    keep_rows = new[row_of]
    index_of = np.cumsum(new) - 1
    ideas, columns = np.unique(idea[keep_rows], return_inverse=True)
    items = sp.csr_matrix(
        (np.ones(int(keep_rows.sum())), (index_of[row_of[keep_rows]], columns)),
        shape=(int(new.sum()), max(ideas.size, 1)),
    )
    found = _groups(
        items,
        accounts[new],
        created[new],
        first_at[new],
        networks[new],
        [str(k) for k in key_list],
        min_items=_setting("ITEMS_QUESTION", MIN_ITEMS_QUESTION),
    )
    opened = []
    for group in found:
        pattern = [[int(ideas[c]), 1] for c in group.pattern.common.tolist()]
        evidence = _evidence(group, window_days=float(_setting("NEW_ACCOUNT_DAYS", 7.0)), pattern=pattern)
        case = _case_open(group, evidence, moment, kind="question", question=question)
        if case is not None:
            opened.append(case)
    return opened


def coordinated_voting_flag(
    *,
    conversation_ids: list[int] | None = None,
    question_ids: list[int] | None = None,
    now: datetime | None = None,
) -> list[CoordinatedVotingCase]:
    """Look in the given conversations and questions, or (neither given) in every open conversation
    and every question open or closed within RECENT_QUESTIONS. Idempotent; safe to run on a schedule
    or when a moderator asks."""
    moment = now or timezone.now()
    if conversation_ids is None and question_ids is None:
        conversations = conversation_votes().conversations(None)
        questions = question_supports().recent(moment, moment - RECENT_QUESTIONS)
    else:
        conversations = conversation_votes().conversations(conversation_ids or [])
        questions = question_supports().questions(question_ids or [])
    opened: list[CoordinatedVotingCase] = []
    for conversation in conversations:
        opened += conversation_coordinated_flag(conversation, now=moment)
    for question in questions:
        opened += question_coordinated_flag(question, now=moment)
    return opened
