"""Representative statements of each group and consensus statements of everyone (Polis's repness and
consensus, from per-group agree / disagree / vote counts)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from civicloop.deliberation.analysis.parameters import (
    AGREE,
    DISAGREE,
    MAX_CONSENSUS,
    MAX_REPRESENTATIVE,
    Z_90,
)
from civicloop.deliberation.analysis.results import StatementStat


def _group_counts(
    csr: sp.csr_matrix, rows: np.ndarray, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group × statement: agrees, disagrees and votes seen (passes included)."""
    sub = csr[rows]
    membership = sp.csr_matrix((np.ones(rows.size), (labels, np.arange(rows.size))), shape=(k, rows.size))
    data = sub.data
    pattern = sp.csr_matrix((np.ones(data.size), sub.indices, sub.indptr), shape=sub.shape)
    agree = sp.csr_matrix(((data == AGREE).astype(np.float64), sub.indices, sub.indptr), shape=sub.shape)
    disagree = sp.csr_matrix(
        ((data == DISAGREE).astype(np.float64), sub.indices, sub.indptr), shape=sub.shape
    )
    na = np.asarray((membership @ agree).todense())
    nd = np.asarray((membership @ disagree).todense())
    ns = np.asarray((membership @ pattern).todense())
    return na, nd, ns


def _prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 2.0 * np.sqrt(n + 1.0) * ((succ + 1.0) / (n + 1.0) - 0.5)


def _two_prop_test(s1: np.ndarray, n1: np.ndarray, s2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    p1 = (s1 + 1.0) / (n1 + 1.0)
    p2 = (s2 + 1.0) / (n2 + 1.0)
    pooled = (s1 + s2 + 2.0) / (n1 + n2 + 2.0)
    var = pooled * (1.0 - pooled) * (1.0 / (n1 + 1.0) + 1.0 / (n2 + 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(var)
    return np.where((pooled >= 1.0) | (var <= 0), 0.0, z)


def _representative(
    na: np.ndarray, nd: np.ndarray, ns: np.ndarray, allowed: np.ndarray
) -> dict[int, list[StatementStat]]:
    k = na.shape[0]
    tot_a, tot_d, tot_s = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)
    out: dict[int, list[StatementStat]] = {}
    for g in range(k):
        a, d, s = na[g], nd[g], ns[g]
        ra_, rd_, rs_ = tot_a - a, tot_d - d, tot_s - s
        pa = (a + 1.0) / (s + 2.0)
        pd = (d + 1.0) / (s + 2.0)
        pat, pdt = _prop_test(a, s), _prop_test(d, s)
        ra = pa / ((ra_ + 1.0) / (rs_ + 2.0))
        rd = pd / ((rd_ + 1.0) / (rs_ + 2.0))
        rat, rdt = _two_prop_test(a, s, ra_, rs_), _two_prop_test(d, s, rd_, rs_)
        agree_side = ra >= rd  # Polis: the better of the two repness values picks the direction
        metric = np.where(agree_side, ra * rat * pa * pat, rd * rdt * pd * pdt)
        passes = np.where(agree_side, (rat > Z_90) & (pat > Z_90), (rdt > Z_90) & (pdt > Z_90))
        cand = np.flatnonzero(passes & allowed & (s > 0))
        cand = cand[np.lexsort((cand, -metric[cand]))][:MAX_REPRESENTATIVE]
        stats = [
            StatementStat(
                statement=int(j),
                direction="agree" if agree_side[j] else "disagree",
                agree=float(a[j] / s[j]),
                disagree=float(d[j] / s[j]),
                votes=int(s[j]),
            )
            for j in cand
        ]
        stats.sort(key=lambda st: st.direction != "agree")  # stable: best agree first, then disagree
        out[g] = stats
    return out


def _consensus(na: np.ndarray, nd: np.ndarray, ns: np.ndarray, allowed: np.ndarray) -> list[StatementStat]:
    a, d, s = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)
    out: list[StatementStat] = []
    for direction, succ in (("agree", a), ("disagree", d)):
        p = (succ + 1.0) / (s + 2.0)
        t = _prop_test(succ, s)
        cand = np.flatnonzero((p > 0.5) & (t > Z_90) & allowed & (s > 0))
        cand = cand[np.lexsort((cand, -(p * t)[cand]))][:MAX_CONSENSUS]
        out.extend(
            StatementStat(
                statement=int(j),
                direction=direction,  # type: ignore[arg-type]
                agree=float(a[j] / s[j]),
                disagree=float(d[j] / s[j]),
                votes=int(s[j]),
            )
            for j in cand
        )
    return out
