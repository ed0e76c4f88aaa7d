"""Uncertainty of Markov-chain estimates: intervals for transition probabilities and
draws of whole transition matrices for everything derived from them.

How each kind of interval is computed is described in :mod:`cxlab.markov`.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy import stats

from cxlab._stats import wilson, z_value

__all__ = [
    "CI_METHODS",
    "goodman_intervals",
    "multinomial_se",
    "transition_intervals",
    "draw_method",
    "matrix_draws",
    "dwell_draws",
    "dirichlet_draws",
    "bootstrap_counts",
    "normalise_rows",
    "percentile_summary",
    "stream_rng",
]

#: Interval methods of transition probabilities (``MarkovChain(ci_method=...)``).
CI_METHODS = ("wilson", "goodman", "bootstrap")


def multinomial_se(counts: np.ndarray) -> np.ndarray:
    """``sqrt(p (1 - p) / n_row)`` for every cell of a count matrix (NaN for empty rows)."""
    counts = np.asarray(counts, float)
    n = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / n
        return np.sqrt(p * (1 - p) / n)


def goodman_intervals(counts: np.ndarray, confidence: float = 0.95):
    """Goodman's simultaneous intervals for the cells of each row of a count matrix.

    ``A = chi2_1(1 - alpha / c)`` with ``c`` the number of cells in the row;
    bounds ``(A + 2 n_j -+ sqrt(A (A + 4 n_j (n - n_j) / n))) / (2 (n + A))``.
    """
    z_value(confidence)  # checks the level
    counts = np.asarray(counts, float)
    c = counts.shape[-1]
    a = stats.chi2.ppf(1 - (1 - confidence) / c, df=1)
    n = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(a * (a + 4 * counts * (n - counts) / n))
        lo = (a + 2 * counts - root) / (2 * (n + a))
        hi = (a + 2 * counts + root) / (2 * (n + a))
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1)


def transition_intervals(
    counts: np.ndarray,
    P: np.ndarray,
    *,
    ci_method: str,
    confidence: float,
    bootstrap_counts: np.ndarray | None = None,
    exact: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard errors and interval bounds of every transition probability.

    Parameters
    ----------
    counts : ndarray, shape (rows, cols)
        Transition counts; every row has at least one.
    P : ndarray, shape (rows, cols)
        Estimated probabilities (``counts`` row-normalised).
    ci_method : {"wilson", "goodman", "bootstrap"}
        Interval method; ``"bootstrap"`` without ``bootstrap_counts`` falls back to Wilson.
    confidence : float
        Interval level.
    bootstrap_counts : ndarray, shape (B, rows, cols), optional
        Customer-bootstrap counts (``"bootstrap"``).
    exact : bool, default=False
        Known probabilities: zero SE and zero-width intervals.

    Returns
    -------
    se, ci_low, ci_high : ndarray, shape (rows, cols)
    """
    if exact:
        return np.zeros_like(P), P, P
    if ci_method == "bootstrap" and bootstrap_counts is not None:
        draws = normalise_rows(bootstrap_counts, fallback=P)
        a = (1 - confidence) / 2
        lo, hi = np.quantile(draws, [a, 1 - a], axis=0)
        return draws.std(axis=0, ddof=1), lo, hi
    se = multinomial_se(counts)
    if ci_method == "goodman":
        lo, hi = goodman_intervals(counts, confidence)
    else:
        lo, hi = wilson(counts, counts.sum(axis=1)[:, None], confidence)
    return se, lo, hi


def draw_method(exact: bool, ci_method: str, bootstrap_counts: np.ndarray | None) -> str:
    """Where the draws of whole matrices come from: ``"exact"``, ``"bootstrap"`` or ``"dirichlet"``.

    Parameters
    ----------
    exact : bool
        Known probabilities (one draw: the matrix itself).
    ci_method : str
        The chain's ``ci_method``.
    bootstrap_counts : ndarray or None
        The chain's customer-bootstrap counts, if any.

    Returns
    -------
    str
    """
    if exact:
        return "exact"
    if ci_method == "bootstrap" and bootstrap_counts is not None:
        return "bootstrap"
    return "dirichlet"


def matrix_draws(
    counts: np.ndarray,
    P: np.ndarray,
    *,
    method: str,
    bootstrap_counts: np.ndarray | None,
    n_draws: int,
    random_state=None,
) -> np.ndarray:
    """Stack of transition matrices ``(B, rows, cols)`` for intervals of derived quantities.

    Parameters
    ----------
    counts, P : ndarray, shape (rows, cols)
        Transition counts and estimated probabilities.
    method : {"exact", "bootstrap", "dirichlet"}
        From :func:`draw_method`.
    bootstrap_counts : ndarray or None
        Customer-bootstrap counts (``"bootstrap"``).
    n_draws : int
        Dirichlet draws.
    random_state : int, Generator or None
        Seeds the Dirichlet draws (stream 0 of the seed).

    Returns
    -------
    ndarray, shape (B, rows, cols)
    """
    if method == "exact":
        return P[None]
    if method == "bootstrap":
        return normalise_rows(bootstrap_counts, fallback=P)
    return dirichlet_draws(counts, int(n_draws), stream_rng(random_state, stream=0))


def dwell_draws(
    mean: np.ndarray,
    se: np.ndarray,
    last: np.ndarray,
    n: int,
    *,
    exact: bool,
    random_state=None,
) -> np.ndarray:
    """Mean dwell (days) per chain row for each of ``n`` draws, shape ``(n, rows)``.

    Parameters
    ----------
    mean, se : ndarray, shape (n_transient,)
        Mean observed days from an event to the next, and its SE, per transient state.
    last : ndarray of int, shape (rows,)
        Transient state of each row's last history entry (-1 for ``(start)``: no dwell).
    n : int
        Number of draws; 1 gives the means.
    exact : bool
        Known chain: every draw is the mean.
    random_state : int, Generator or None
        Seeds the normal draws of each mean (stream 1 of the seed).

    Returns
    -------
    ndarray, shape (n, rows)
    """
    if exact or n == 1:
        d = mean[None, :].repeat(n, axis=0)
    else:
        rng = stream_rng(random_state, stream=1)
        d = np.clip(mean + se * rng.standard_normal((n, len(mean))), 0, None)
    out = np.zeros((n, len(last)))
    ok = last >= 0
    out[:, ok] = d[:, last[ok]]
    return out


def stream_rng(random_state, stream: int) -> np.random.Generator:
    """Independent generators per use from one integer seed (a Generator is used as is).

    Parameters
    ----------
    random_state : int, Generator or None
        The seed; None draws fresh entropy.
    stream : int
        Which independent stream of an integer seed.

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    return np.random.default_rng([int(random_state), stream])


def normalise_rows(counts: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """Row-normalise counts; rows with no counts take ``fallback`` (default: NaN)."""
    counts = np.asarray(counts, float)
    n = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / n
    if fallback is not None:
        p = np.where(n > 0, p, np.broadcast_to(fallback, p.shape))
    return p


def dirichlet_draws(counts: np.ndarray, n_draws: int, rng) -> np.ndarray:
    """Draw ``n_draws`` transition matrices, each row from Dirichlet(observed counts).

    Cells with zero counts stay zero; rows with no counts are NaN.
    Returns shape ``(n_draws, rows, cols)``.
    """
    counts = np.asarray(counts, float)
    g = rng.standard_gamma(np.where(counts > 0, counts, 1.0), size=(n_draws, *counts.shape))
    g *= counts > 0
    return normalise_rows(g)


def bootstrap_counts(
    ev_cells: np.ndarray,
    ev_cust: np.ndarray,
    end_cells: np.ndarray,
    n_customers: int,
    n_cells: int,
    n_resamples: int,
    rng,
    batch: int = 25,
    weights=None,
) -> np.ndarray:
    """Customer-level bootstrap of cell counts, shape ``(n_resamples, n_cells)``.

    Each resample draws ``n_customers`` customers with replacement; a customer
    drawn ``w`` times contributes ``w`` times its transitions. Computed as a
    sparse product of the customer-by-cell count matrix with the weights.
    ``weights`` (one per ``ev_cells`` entry; default 1) lets each entry stand for
    several transitions of its customer (counts per customer and cell).
    """
    ok = end_cells >= 0
    rows = np.r_[ev_cust, np.flatnonzero(ok)]
    cols = np.r_[ev_cells, end_cells[ok]]
    ones = np.ones(len(ev_cells)) if weights is None else np.asarray(weights, dtype=np.float64)
    data = np.r_[ones, np.ones(int(ok.sum()))]
    C = sp.csr_matrix((data, (rows, cols)), shape=(n_customers, n_cells))
    CT = C.T.tocsr()
    out = np.empty((n_resamples, n_cells))
    for lo in range(0, n_resamples, batch):
        hi = min(lo + batch, n_resamples)
        W = np.empty((n_customers, hi - lo))
        for j in range(hi - lo):
            W[:, j] = np.bincount(rng.integers(0, n_customers, n_customers), minlength=n_customers)
        out[lo:hi] = (CT @ W).T
    return out


def percentile_summary(draws: np.ndarray, confidence: float = 0.95, axis: int = 0):
    """(se, ci_low, ci_high) of draws along ``axis``, ignoring NaN draws."""
    a = (1 - confidence) / 2
    draws = np.asarray(draws, float)
    if draws.shape[axis] < 2:
        est = np.take(draws, 0, axis=axis)
        return np.zeros_like(est), est, est
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(draws, axis=axis, ddof=1)
        lo, hi = np.nanquantile(draws, [a, 1 - a], axis=axis)
    return se, lo, hi
