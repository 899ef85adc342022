"""What a case shows moderators about a group found: counts, times, similarity, the common pattern and
the accounts' fingerprint (a signal, never a verdict)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from civicloop.moderation.coordinated.similarity import Pattern

EVIDENCE_IDS = 200
PATTERN_SHOWN = 20


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
