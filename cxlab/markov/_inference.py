"""Uncertainty of Markov-chain estimates: intervals for transition probabilities and
draws of whole transition matrices for everything derived from them.

Transition probabilities
    The maximum-likelihood estimate of row ``i`` is ``p_ij = n_ij / n_i``. Given
    the visits to ``i``, the counts of a first-order chain are multinomial, so
    ``SE(p_ij) = sqrt(p_ij (1 - p_ij) / n_i)`` (delta method, exact for a
    binomial proportion). Intervals are Wilson score intervals per cell
    (``ci_method="wilson"``, good coverage even near 0 and 1) or Goodman's (1965)
    simultaneous intervals for a whole row (``"goodman"``, wider: all cells of
    the row are covered together at the stated level).

Derived quantities (absorption probabilities, expected steps and time,
stationary distributions, forecasts, removal effects)
    Whole matrices are drawn and the quantity is computed on each draw; the
    interval is the percentile interval of the draws and the SE their standard
    deviation. Two sources of draws:

    - ``"dirichlet"`` (default): each observed row is drawn from a Dirichlet
      with the observed counts as parameters (the Bayesian bootstrap of the
      transitions: mean ``p_ij``, variance ``p_ij (1 - p_ij) / (n_i + 1)``,
      i.e. the multinomial sampling distribution). Cells never observed stay 0.
      Fast and deterministic given ``random_state``.
    - ``"bootstrap"``: a customer-level bootstrap. Whole customers are resampled
      with replacement and the counts recomputed, which keeps each customer's
      transitions together and so stays honest when customers differ (a mixture
      of personas) or transitions within a customer are dependent.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy import stats

from cxlab.exceptions import ParameterError

__all__ = [
    "goodman_intervals",
    "multinomial_se",
    "dirichlet_draws",
    "bootstrap_counts",
    "normalise_rows",
    "percentile_summary",
]


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence={confidence} must be between 0 and 1, e.g. 0.95.")
    return float(stats.norm.ppf(0.5 + confidence / 2))


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
    _z(confidence)
    counts = np.asarray(counts, float)
    c = counts.shape[-1]
    a = stats.chi2.ppf(1 - (1 - confidence) / c, df=1)
    n = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(a * (a + 4 * counts * (n - counts) / n))
        lo = (a + 2 * counts - root) / (2 * (n + a))
        hi = (a + 2 * counts + root) / (2 * (n + a))
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1)


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
) -> np.ndarray:
    """Customer-level bootstrap of cell counts, shape ``(n_resamples, n_cells)``.

    Each resample draws ``n_customers`` customers with replacement; a customer
    drawn ``w`` times contributes ``w`` times its transitions. Computed as a
    sparse product of the customer-by-cell count matrix with the weights.
    """
    ok = end_cells >= 0
    rows = np.r_[ev_cust, np.flatnonzero(ok)]
    cols = np.r_[ev_cells, end_cells[ok]]
    C = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n_customers, n_cells)
    )
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
