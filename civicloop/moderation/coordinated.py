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
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.sparse.csgraph import connected_components

from civicloop.core.errors import DomainError
from civicloop.deliberation.models import Conversation, ConversationParticipant, Vote
from civicloop.deliberation.services import conversation_votes_exclusion_set
from civicloop.engage.models import Idea, Question, Support
from civicloop.moderation.models import AuditEvent, CoordinatedVotingCase, CoordinatedVotingMember

NEW_ACCOUNT = timedelta(days=7)  # an account this young at its first vote or support is "new"
MIN_ACCOUNTS = 5
MIN_SIMILARITY = 0.9
MIN_ITEMS_CONVERSATION = 5  # votes each: agreeing on a couple of statements says nothing
MIN_ITEMS_QUESTION = 2  # ideas supported each: supports are few per person
CREATED_GAP = timedelta(hours=1)
# MinHash LSH (near_duplicate_groups): 10 bands of 8 values find pairs at J = 0.9 with 99.6 %.
LSH_BANDS = 10
LSH_ROWS = 8
LSH_SEED = 20261206
EVIDENCE_IDS = 200
PATTERN_SHOWN = 20
NETWORK_TAG_LENGTH = 8
RECENT_QUESTIONS = timedelta(days=7)  # closed questions still looked at by a full run


class CoordinatedCaseAlreadyDecided(DomainError):
    """The case moved on meanwhile (another moderator, another tab): nothing was done."""


def _setting(name: str, default: Any) -> Any:
    return type(default)(getattr(settings, f"MODERATION_COORDINATED_{name}", default))


# ------------------------------------------------------------------------------------------ the numbers


def _minhash_bands(x: sp.csr_matrix, bands: int, rows_per_band: int, seed: int) -> np.ndarray:
    """One key per row and band (rows × bands): a band's MinHash values hashed together. Rows with
    Jaccard similarity J share a band's key with probability J ** rows_per_band."""
    rng = np.random.default_rng(seed)
    count = bands * rows_per_band
    ranks = np.argsort(rng.random((count, x.shape[1])), axis=1).astype(np.int64)  # k random orders
    starts = x.indptr[:-1]
    signature = np.stack([np.minimum.reduceat(ranks[k][x.indices], starts) for k in range(count)], axis=1)
    weights = rng.integers(1, 2**61 - 1, size=rows_per_band, dtype=np.int64).astype(np.uint64)
    mixed = signature.reshape(x.shape[0], bands, rows_per_band).astype(np.uint64) * weights
    return mixed.sum(axis=2)  # wraps around modulo 2**64: a hash, collisions are checked exactly


def near_duplicate_groups(
    items: sp.csr_matrix, *, min_similarity: float, min_items: int, min_size: int
) -> list[np.ndarray]:
    """Row indices of groups of rows (sets of items, nonzero = has it) linked by Jaccard similarity at
    least `min_similarity`, each row with at least `min_items` items; groups of `min_size` rows or more,
    in order of their first row.

    Linear in the rows, not quadratic: MinHash with LSH_BANDS bands of LSH_ROWS values puts rows that
    are near-duplicates in a common bucket of some band (J = 0.9: 99.6 % of pairs; J = 0.5: 4 %); each
    row is compared exactly with its bucket's first row, and linked rows form groups. Identical rows
    always share every bucket. Deterministic (a fixed seed).
    """
    x = sp.csr_matrix(items, dtype=np.float64, copy=True)
    x.sum_duplicates()
    x.data[:] = 1.0
    sizes = np.diff(x.indptr).astype(np.float64)
    eligible = np.flatnonzero(sizes >= max(min_items, 1))
    if eligible.size < min_size:
        return []
    x = sp.csr_matrix(x[eligible])
    sizes = sizes[eligible]
    n = eligible.size
    keys = _minhash_bands(x, LSH_BANDS, LSH_ROWS, LSH_SEED)
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for band in range(LSH_BANDS):  # a few bands, each set-based over all rows
        _keys, first, bucket = np.unique(keys[:, band], return_index=True, return_inverse=True)
        rows = np.arange(n)
        reps = first[bucket.ravel()]
        pair = rows != reps
        r, c = rows[pair], reps[pair]
        if r.size == 0:
            continue
        shared = np.asarray(x[r].multiply(x[c]).sum(axis=1)).ravel()
        linked = shared >= min_similarity * (sizes[r] + sizes[c] - shared) - 1e-9
        sources.append(r[linked])
        targets.append(c[linked])
    src = np.concatenate(sources) if sources else np.empty(0, dtype=np.int64)
    dst = np.concatenate(targets) if targets else np.empty(0, dtype=np.int64)
    graph = sp.coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    sizes_of = np.bincount(labels)
    big = sizes_of[labels] >= min_size
    if not big.any():
        return []
    members = np.flatnonzero(big)
    order = members[np.argsort(labels[members], kind="stable")]
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = [eligible[np.sort(part)] for part in np.split(order, bounds)]
    return sorted(groups, key=lambda g: int(g[0]))


def created_together(created: np.ndarray, *, gap: float, min_size: int) -> np.ndarray:
    """Mask of the members in a run of at least `min_size` account creations (seconds), consecutive
    ones at most `gap` apart."""
    order = np.argsort(created, kind="stable")
    times = created[order]
    breaks = np.concatenate([[True], np.diff(times) > gap])
    run = np.cumsum(breaks) - 1
    in_big_run = np.bincount(run)[run] >= min_size
    mask = np.zeros(created.size, dtype=bool)
    mask[order[in_big_run]] = True
    return mask


def shared_network(networks: np.ndarray, *, min_size: int) -> np.ndarray:
    """Mask of the members whose network code (−1: unknown) is shared by at least `min_size` members."""
    mask = np.zeros(networks.size, dtype=bool)
    known = networks >= 0
    if known.any():
        counts = np.bincount(networks[known])
        mask[known] = counts[networks[known]] >= min_size
    return mask


@dataclass(frozen=True)
class Pattern:
    common: np.ndarray  # item columns most of the group has
    shared_by_all: int
    similarity_min: float
    similarity_mean: float


def group_pattern(items: sp.csr_matrix, rows: np.ndarray) -> Pattern:
    """The group's common pattern (items at least half of it has) and each member's Jaccard similarity
    to it: the lowest and the mean."""
    sub = sp.csr_matrix(items[rows], dtype=np.float64)
    sub.data[:] = 1.0
    share = np.asarray(sub.mean(axis=0)).ravel()
    common = share >= 0.5
    sizes = np.asarray(sub.sum(axis=1)).ravel()
    inside = sub @ common.astype(np.float64)
    union = sizes + common.sum() - inside
    similarity = np.where(union > 0, inside / np.maximum(union, 1), 1.0)
    return Pattern(
        common=np.flatnonzero(common),
        shared_by_all=int((share >= 1.0).sum()),
        similarity_min=round(float(similarity.min()), 4),
        similarity_mean=round(float(similarity.mean()), 4),
    )


# ------------------------------------------------------------------------------------------- detection


@dataclass(frozen=True)
class _Found:
    participant_ids: np.ndarray  # the residents' accounts (engage.Participant)
    votes: int
    items_each: np.ndarray
    created: np.ndarray  # account creation, seconds
    first_at: np.ndarray  # first vote or support, seconds
    close_in_time: int
    network_share: float
    network_tag: str
    pattern: Pattern


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


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(float(seconds), tz=UTC).isoformat()


def _evidence(found: _Found, *, window_days: float, pattern: list[list[Any]]) -> dict[str, Any]:
    return {
        "accounts": int(found.participant_ids.size),
        "votes": found.votes,
        "items_min": int(found.items_each.min()),
        "items_max": int(found.items_each.max()),
        "common_items": int(found.pattern.common.size),
        "shared_by_all": found.pattern.shared_by_all,
        "similarity_min": found.pattern.similarity_min,
        "similarity_mean": found.pattern.similarity_mean,
        "accounts_created_from": _when(found.created.min()),
        "accounts_created_to": _when(found.created.max()),
        "created_span_minutes": round(float(found.created.max() - found.created.min()) / 60, 1),
        "created_close_together": found.close_in_time,
        "first_vote_from": _when(found.first_at.min()),
        "first_vote_to": _when(found.first_at.max()),
        "network": found.network_tag,
        "network_share": found.network_share,
        "new_account_days": int(window_days) if float(window_days).is_integer() else round(window_days, 2),
        "participant_ids": [int(pid) for pid in found.participant_ids[:EVIDENCE_IDS]],
        "pattern": pattern[:PATTERN_SHOWN],
    }


def _fingerprint(participant_ids: np.ndarray) -> str:
    return hashlib.sha256(",".join(str(int(p)) for p in np.sort(participant_ids)).encode()).hexdigest()


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
    conversation: Conversation, *, now: datetime | None = None
) -> list[CoordinatedVotingCase]:
    """Look for coordinated voting among the conversation's new accounts; open a case per group found
    (idempotent: accounts already in a case of this conversation are not looked at again)."""
    moment = now or timezone.now()
    people = list(
        ConversationParticipant.objects.filter(
            conversation=conversation, resident__isnull=False, resident__user__isnull=True
        )
        .exclude(
            Exists(
                CoordinatedVotingMember.objects.filter(
                    case__conversation=conversation, participant_id=OuterRef("resident_id")
                )
            )
        )
        .order_by("id")
        .values_list("id", "resident_id", "resident__created_at", "created_at")
    )
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
    votes = np.array(
        Vote.objects.filter(conversation=conversation, participant__resident__isnull=False)
        .order_by()
        .values_list("participant_id", "statement_id", "value"),
        dtype=np.int64,
    ).reshape(-1, 3)
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
    numbers = dict(
        conversation.statements.filter(pk__in=statements.tolist()).values_list("pk", "external_id")
    )
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


def question_coordinated_flag(
    question: Question, *, now: datetime | None = None
) -> list[CoordinatedVotingCase]:
    """Look for coordinated supports among the question's new accounts; a case per group found
    (idempotent as for conversations). Supports record a keyed hash of the network: a group sharing
    one counts even when its accounts were made far apart."""
    moment = now or timezone.now()
    rows = list(
        Support.objects.filter(idea__question=question, participant__user__isnull=True)
        .exclude(Exists(_already_in_case(question=question)))
        .order_by("participant_id", "created_at", "id")
        .values_list("participant_id", "idea_id", "created_at", "network_key", "participant__created_at")
    )
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
        conversations = Conversation.objects.filter(status=Conversation.Status.OPEN)
        questions = Question.objects.filter(opens_at__lte=moment, closes_at__gte=moment - RECENT_QUESTIONS)
    else:
        conversations = Conversation.objects.filter(pk__in=conversation_ids or [])
        questions = Question.objects.filter(pk__in=question_ids or [])
    opened: list[CoordinatedVotingCase] = []
    for conversation in conversations.order_by("id"):
        opened += conversation_coordinated_flag(conversation, now=moment)
    for question in questions.order_by("id"):
        opened += question_coordinated_flag(question, now=moment)
    return opened


# --------------------------------------------------------------------------------------------- decisions


def _supports_recount(question_id: int, participant_ids: list[int]) -> None:
    """Each idea these accounts supported shows its supports less those excluded (one UPDATE)."""
    excluded = CoordinatedVotingMember.objects.filter(
        case__question_id=question_id,
        case__state=CoordinatedVotingCase.State.EXCLUDED,
        participant_id=OuterRef("participant_id"),
    )
    counted = (
        Support.objects.filter(idea_id=OuterRef("pk"))
        .exclude(Exists(excluded))
        .order_by()
        .values("idea_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    touched = Support.objects.filter(idea__question_id=question_id, participant_id__in=participant_ids)
    Idea.objects.filter(pk__in=touched.values("idea_id")).update(
        supports_count=Coalesce(Subquery(counted), 0)
    )


def _decide(
    *, case_id: int, moderator: Any, states: tuple[str, ...], to: str, kind: str, now: datetime | None
) -> CoordinatedVotingCase:
    """Move the case from one of `states` to `to`, applying or lifting the exclusion, all or nothing."""
    moment = now or timezone.now()
    with transaction.atomic():
        case = CoordinatedVotingCase.objects.select_for_update().get(pk=case_id)
        if case.state not in states:
            raise CoordinatedCaseAlreadyDecided(
                _("This case was decided already. Nothing was changed; here is where it stands.")
            )
        was_excluded = case.state == CoordinatedVotingCase.State.EXCLUDED
        case.state = to
        case.decided_at = None if to == CoordinatedVotingCase.State.OPEN else moment
        case.decided_by = None if to == CoordinatedVotingCase.State.OPEN else moderator
        case.save(update_fields=["state", "decided_at", "decided_by"])
        excluded = to == CoordinatedVotingCase.State.EXCLUDED
        if excluded != was_excluded:
            ids = list(case.members.values_list("participant_id", flat=True))
            if case.conversation_id is not None:
                conversation_votes_exclusion_set(
                    conversation_id=case.conversation_id, resident_ids=ids, excluded=excluded, now=moment
                )
            elif case.question_id is not None:
                _supports_recount(case.question_id, ids)
        AuditEvent.objects.create(
            kind=kind,
            actor=moderator if getattr(moderator, "pk", None) else None,
            detail={"coordinated_case": case.pk, "accounts": case.accounts, "votes": case.votes},
            created_at=moment,
        )
    return case


def coordinated_case_exclude(
    *, case_id: int, moderator: Any, now: datetime | None = None
) -> CoordinatedVotingCase:
    """A moderator leaves the group's votes (or supports) out of the analysis; they are kept."""
    return _decide(
        case_id=case_id,
        moderator=moderator,
        states=(CoordinatedVotingCase.State.OPEN, CoordinatedVotingCase.State.KEPT),
        to=CoordinatedVotingCase.State.EXCLUDED,
        kind=AuditEvent.Kind.COORDINATED_EXCLUDED,
        now=now,
    )


def coordinated_case_keep(
    *, case_id: int, moderator: Any, now: datetime | None = None
) -> CoordinatedVotingCase:
    """A moderator looked and keeps the votes in (ordinary people can vote alike)."""
    return _decide(
        case_id=case_id,
        moderator=moderator,
        states=(CoordinatedVotingCase.State.OPEN,),
        to=CoordinatedVotingCase.State.KEPT,
        kind=AuditEvent.Kind.COORDINATED_KEPT,
        now=now,
    )


def coordinated_case_undo(
    *, case_id: int, moderator: Any, now: datetime | None = None
) -> CoordinatedVotingCase:
    """Undo an exclusion (or a keep): the votes count again and the case waits for a moderator."""
    return _decide(
        case_id=case_id,
        moderator=moderator,
        states=(CoordinatedVotingCase.State.EXCLUDED, CoordinatedVotingCase.State.KEPT),
        to=CoordinatedVotingCase.State.OPEN,
        kind=AuditEvent.Kind.COORDINATED_INCLUDED,
        now=now,
    )
