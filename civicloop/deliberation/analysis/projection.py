"""PCA of the centred sparse vote matrix and the sparsity-aware projection of participants onto it."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from civicloop.deliberation.analysis.parameters import PCA_MAX_ITERS, PCA_TOL, PCA_TOL_WARM, SEED


def _centred(csr: sp.csr_matrix, excluded: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """The mean-imputed, centred matrix in sparse form, and the column means.

    Filling a missing vote with the column mean and then centring on that mean gives exactly 0, so
    the centred matrix has the vote matrix's own pattern: value − mean on each vote, nothing
    elsewhere. Moderated-out statements are 0 for everyone (Polis), so their columns are empty.
    """
    n_votes = np.bincount(csr.indices, minlength=csr.shape[1]).astype(np.float64)
    sums = np.bincount(csr.indices, weights=csr.data.astype(np.float64), minlength=csr.shape[1])
    center = np.divide(sums, n_votes, out=np.zeros_like(sums), where=n_votes > 0)
    center[excluded] = 0.0
    data = csr.data.astype(np.float64) - center[csr.indices]
    data[excluded[csr.indices]] = 0.0
    x = sp.csr_matrix((data, csr.indices, csr.indptr), shape=csr.shape)
    return x, center


def _pca(x: sp.csr_matrix, start: np.ndarray | None, n_comps: int = 2) -> np.ndarray:
    """Top principal axes (n_comps × n statements) of the centred sparse matrix.

    Block power (subspace) iteration on XᵀX with a few extra vectors, then Rayleigh–Ritz, starting
    from the previous components when given (warm start) and from a seeded random block otherwise.
    Signs are fixed (largest |loading| positive) so that runs agree exactly.
    """
    m = x.shape[1]
    block = min(m, n_comps + 4)
    rng = np.random.default_rng(SEED)
    q0 = rng.standard_normal((m, block))
    tol = PCA_TOL
    if start is not None and start.shape == (n_comps, m) and np.all(np.isfinite(start)):
        q0[:, :n_comps] = start.T
        tol = PCA_TOL_WARM
    q, _ = np.linalg.qr(q0)
    xt = x.T.tocsr()
    prev = None
    for _ in range(PCA_MAX_ITERS):
        z = xt @ (x @ q)
        q, _ = np.linalg.qr(z)
        # Convergence: the top n_comps subspace stops moving.
        lead = q[:, :n_comps]
        if prev is not None and np.linalg.norm(lead - prev @ (prev.T @ lead)) < tol * math.sqrt(m):
            break
        prev = lead.copy()
    y = x @ q
    h = y.T @ y
    evals, evecs = np.linalg.eigh(h)
    order = np.argsort(-evals, kind="stable")
    comps = (q @ evecs[:, order[:n_comps]]).T
    for row in comps:
        i = int(np.argmax(np.abs(row)))
        if row[i] < 0:
            row *= -1.0
    if n_comps > block:  # fewer statements than components: pad with zeros
        comps = np.vstack([comps, np.zeros((n_comps - comps.shape[0], m))])
    return np.ascontiguousarray(comps[:n_comps])


def _project(x: sp.csr_matrix, comps: np.ndarray, n_counted: np.ndarray) -> np.ndarray:
    """Sparsity-aware projection: √(n statements / max(n_i, 1)) · Σ_j (R_ij − c_j)·pc_j."""
    raw = np.asarray(x @ comps.T)
    scale = np.sqrt(x.shape[1] / np.maximum(n_counted, 1).astype(np.float64))
    return raw * scale[:, None]
