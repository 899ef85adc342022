"""Clustering participants' positions: deterministic weighted k-means as Polis starts it, and the
silhouette that picks the number of groups."""

from __future__ import annotations

import numpy as np

from civicloop.deliberation.analysis.parameters import KMEANS_CHUNK, KMEANS_ITERS


def _first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """The first k distinct points in their order (Polis's ``init-clusters``)."""
    _, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)[:k]].copy()


def _kmeans(
    points: np.ndarray,
    weights: np.ndarray,
    k: int,
    max_iters: int = KMEANS_ITERS,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Weighted Lloyd k-means started, as Polis starts it, from the first k distinct points in order
    (or from ``start``, the previous run's centres).

    Deterministic: no randomness, ties in assignment go to the lower centre index. Returns labels
    numbered by centre index with empty centres dropped (Polis drops empty clusters).
    """
    centres = _first_distinct(points, k) if start is None else np.array(start, dtype=np.float64)
    labels = np.full(points.shape[0], -1)
    n_centres = centres.shape[0]
    for _ in range(max_iters):
        new = _nearest(points, centres)
        if np.array_equal(new, labels):
            break
        labels = new
        # Weighted means per centre in O(n): one bincount per coordinate (no per-centre masks).
        w_sum = np.bincount(labels, weights=weights, minlength=n_centres)
        filled = w_sum > 0
        for d in range(points.shape[1]):
            total = np.bincount(labels, weights=points[:, d] * weights, minlength=n_centres)
            centres[filled, d] = total[filled] / w_sum[filled]
    used = np.unique(labels)
    return np.searchsorted(used, labels)


def _nearest(points: np.ndarray, centres: np.ndarray, chunk: int = KMEANS_CHUNK) -> np.ndarray:
    """Index of the nearest centre per point (ties: the lower index), in chunks of points so that
    the distance array stays at ``chunk × k`` (a few MB) instead of n × k × dims."""
    n, dims = points.shape
    labels = np.empty(n, dtype=np.int64)
    ct = np.ascontiguousarray(centres.T)  # (dims, k)
    for lo in range(0, n, chunk):
        block = points[lo : lo + chunk]
        # Squared distance summed over the coordinates in order, as ((p − c)²).sum(axis=-1) does for 2-D.
        dist = (block[:, 0:1] - ct[0]) ** 2
        for d in range(1, dims):
            dist += (block[:, d : d + 1] - ct[d]) ** 2
        labels[lo : lo + chunk] = np.argmin(dist, axis=1)
    return labels


def _renumber(labels: np.ndarray) -> np.ndarray:
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    mapping = np.empty(labels.max() + 1, dtype=np.int64)
    mapping[np.unique(labels)[order]] = np.arange(order.size)
    return mapping[labels]


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the points (base-cluster centres: ≤ 100, so a full distance matrix)."""
    k = int(labels.max()) + 1
    if k < 2:
        return -1.0
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    scores = np.zeros(points.shape[0])
    for i in range(points.shape[0]):
        own = labels == labels[i]
        n_own = int(own.sum())
        if n_own <= 1:
            continue  # singleton: silhouette 0
        a = dist[i, own].sum() / (n_own - 1)
        b = min(dist[i, labels == c].mean() for c in range(k) if c != labels[i] and (labels == c).any())
        denom = max(a, b)
        scores[i] = (b - a) / denom if denom > 0 else 0.0
    return float(scores.mean())
