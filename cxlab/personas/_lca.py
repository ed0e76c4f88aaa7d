"""Latent class (finite mixture) model for mixed customer data, fitted by EM.

Persona features are of three kinds, and a Gaussian mixture or k-means on
standardised columns treats them all as continuous. The latent class model
gives each kind its own distribution within a class:

- **count blocks**: non-negative whole numbers whose columns share a block
  (e.g. a customer's events at the consideration stage by channel). Within a
  class, the counts of a block follow a multinomial with class-specific cell
  probabilities. A customer with many events is therefore classified with
  more confidence than a customer with one, which is what channel habits need.
- **binary** columns (0/1): Bernoulli with a class-specific probability.
- **continuous** columns: normal with class-specific mean and variance
  (diagonal; local independence within a class).

Missing values (``NaN``) in binary and continuous columns are marginalised
out: a missing value adds nothing to the likelihood (missing at random within
a class). Scikit-learn has no such model; this module is the small EM it
needs, vectorised over customers (matrix products on ``(n, k)`` arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MixedData", "LatentClassParams", "fit_latent_class", "log_joint"]


@dataclass
class MixedData:
    """The three kinds of columns, as float arrays with ``n`` rows each."""

    counts: np.ndarray  # (n, m), non-negative
    blocks: np.ndarray  # (m,), block id of each count column
    binary: np.ndarray  # (n, q), 0/1/NaN
    continuous: np.ndarray  # (n, r), float/NaN (already standardised)

    def __post_init__(self):
        self.b_obs = ~np.isnan(self.binary)
        self.b_val = np.where(self.b_obs, self.binary, 0.0)
        self.g_obs = (~np.isnan(self.continuous)).astype(float)
        self.g_val = np.where(self.g_obs > 0, self.continuous, 0.0)
        self.b_obs = self.b_obs.astype(float)
        ids = np.unique(self.blocks)
        # indicator (m, n_blocks): block sums of a (k, m) array are one matrix product
        self.block_matrix = (np.asarray(self.blocks)[:, None] == ids[None, :]).astype(float)

    @property
    def n(self) -> int:
        return self.counts.shape[0]

    def take(self, idx) -> MixedData:
        return MixedData(self.counts[idx], self.blocks, self.binary[idx], self.continuous[idx])

    def n_parameters(self, k: int) -> int:
        n_blocks = len(np.unique(self.blocks))
        m, q, r = self.counts.shape[1], self.binary.shape[1], self.continuous.shape[1]
        return (k - 1) + k * (m - n_blocks) + k * q + 2 * k * r


@dataclass
class LatentClassParams:
    """Fitted parameters of one latent class model with ``k`` classes."""

    log_weights: np.ndarray  # (k,)
    log_cell: np.ndarray  # (k, m) log multinomial cell probabilities (per block)
    p_binary: np.ndarray  # (k, q)
    mean: np.ndarray  # (k, r)
    var: np.ndarray  # (k, r)
    loglik: float = np.nan  # total log-likelihood (up to the multinomial coefficients)
    n_iter: int = 0
    converged: bool = False

    @property
    def k(self) -> int:
        return len(self.log_weights)

    def permute(self, order) -> LatentClassParams:
        order = np.asarray(order)
        return LatentClassParams(
            self.log_weights[order],
            self.log_cell[order],
            self.p_binary[order],
            self.mean[order],
            self.var[order],
            self.loglik,
            self.n_iter,
            self.converged,
        )


def log_joint(data: MixedData, params: LatentClassParams) -> np.ndarray:
    """``log P(x_i, class = j)`` for every customer ``i`` and class ``j``: shape ``(n, k)``."""
    p = params.p_binary
    out = params.log_weights[None, :] + data.counts @ params.log_cell.T
    if data.binary.shape[1]:
        out += data.b_val @ np.log(p).T + (data.b_obs - data.b_val) @ np.log1p(-p).T
    if data.continuous.shape[1]:
        inv = 1.0 / params.var
        out -= 0.5 * (
            (data.g_val**2) @ inv.T
            - 2.0 * data.g_val @ (params.mean * inv).T
            + data.g_obs @ (params.mean**2 * inv + np.log(2 * np.pi * params.var)).T
        )
    return out


def _m_step(data: MixedData, resp: np.ndarray, alpha: float, reg_var: float) -> LatentClassParams:
    nk = resp.sum(axis=0) + 1e-12
    log_weights = np.log(nk / nk.sum())
    cell = resp.T @ data.counts + alpha
    if cell.shape[1]:
        cell /= (cell @ data.block_matrix) @ data.block_matrix.T
    q = data.binary.shape[1]
    if q:
        p = (resp.T @ data.b_val + 0.5 * alpha) / (resp.T @ data.b_obs + alpha)
        p = np.clip(p, 1e-6, 1 - 1e-6)
    else:
        p = np.empty((len(nk), 0))
    r = data.continuous.shape[1]
    if r:
        w = np.maximum(resp.T @ data.g_obs, 1e-12)
        mean = (resp.T @ data.g_val) / w
        var = np.maximum((resp.T @ data.g_val**2) / w - mean**2, 0.0) + reg_var
    else:
        mean = var = np.empty((len(nk), 0))
    return LatentClassParams(log_weights, np.log(cell), p, mean, var)


def _em(data, resp, *, alpha, reg_var, max_iter, tol, params=None):
    """EM from responsibilities (or from parameters, when given). Returns params, resp."""
    prev = -np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        if params is None or it > 1:
            params = _m_step(data, resp, alpha, reg_var)
        # class-major (k, n) layout: reductions over classes run along contiguous rows
        lj = np.ascontiguousarray(log_joint(data, params).T)
        top = lj.max(axis=0)
        lj -= top
        np.exp(lj, out=lj)
        norm = lj.sum(axis=0)
        lj /= norm
        resp = lj.T
        total = float((top + np.log(norm)).sum())
        if total - prev <= tol * data.n:
            converged = True
            break
        prev = total
    params.loglik, params.n_iter, params.converged = total, it, converged
    return params, resp


def fit_latent_class(
    data: MixedData,
    k: int,
    *,
    init_features: np.ndarray,
    n_init: int = 4,
    max_iter: int = 300,
    tol: float = 1e-5,
    alpha: float = 0.1,
    reg_var: float = 1e-3,
    init_sample: int = 50_000,
    random_state: np.random.Generator,
) -> tuple[LatentClassParams, np.ndarray]:
    """Fit a ``k``-class model by EM from several starts; keep the highest likelihood.

    Starts alternate between k-means (one k-means++ run on ``init_features``,
    the standardised columns) and random soft assignments. With more than
    ``init_sample`` customers the starts run on a random subsample and the best
    is refined by EM on all customers. EM stops when the log-likelihood per
    customer improves by less than ``tol``.

    Returns
    -------
    params : LatentClassParams
    resp : ndarray of shape (n, k)
        Posterior class probabilities of every customer.
    """
    from sklearn.cluster import KMeans

    n = data.n
    sub = None
    if n > init_sample:
        sub = np.sort(random_state.choice(n, size=init_sample, replace=False))
    d0 = data if sub is None else data.take(sub)
    z0 = init_features if sub is None else init_features[sub]
    best = None
    for s in range(max(1, int(n_init))):
        seed = int(random_state.integers(2**31 - 1))
        if s % 2 == 0:
            labels = KMeans(k, n_init=1, random_state=seed).fit(z0).labels_
            resp0 = np.eye(k)[labels]
        else:
            resp0 = np.random.default_rng(seed).dirichlet(np.ones(k), size=d0.n)
        params, resp = _em(d0, resp0, alpha=alpha, reg_var=reg_var, max_iter=max_iter, tol=tol)
        if best is None or params.loglik > best[0].loglik:
            best = (params, resp)
    params, resp = best
    if sub is not None:
        params, resp = _em(
            data, None, alpha=alpha, reg_var=reg_var, max_iter=max_iter, tol=tol, params=params
        )
    return params, resp
