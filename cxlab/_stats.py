"""Statistics every topic shares: normal quantiles and the Wilson interval of a proportion."""

from __future__ import annotations

import numpy as np

from cxlab.exceptions import ParameterError

__all__ = ["z_value", "wilson"]


def z_value(confidence: float) -> float:
    """Two-sided normal quantile of ``confidence`` (1.96 for 0.95).

    Parameters
    ----------
    confidence : float
        Interval level, strictly between 0 and 1.

    Examples
    --------
    >>> round(z_value(0.95), 4)
    1.96
    """
    if not 0 < float(confidence) < 1:
        raise ParameterError(f"confidence={confidence} must be between 0 and 1, e.g. 0.95.")
    from scipy import stats

    return float(stats.norm.isf((1 - float(confidence)) / 2))


def wilson(count, nobs, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``count / nobs``, elementwise (NaN where ``nobs == 0``).

    The formula of :func:`statsmodels.stats.proportion.proportion_confint`
    (``method="wilson"``), bounds clipped to [0, 1] and float noise at the ends
    (within 1e-12 of 0 or 1) set to 0 or 1.

    Parameters
    ----------
    count : array-like
        Successes.
    nobs : array-like
        Trials (broadcast against ``count``).
    confidence : float, default 0.95
        Interval level.

    Returns
    -------
    (lower, upper) : tuple of ndarray

    Examples
    --------
    >>> lo, hi = wilson(3, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1078, 0.6032)
    """
    z = z_value(confidence)
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = count / nobs
        z2 = z**2
        denom = 1 + z2 / nobs
        centre = (p + z2 / (2 * nobs)) / denom
        half = z * np.sqrt(p * (1 - p) / nobs + z2 / (4 * nobs**2)) / denom
        lo = np.clip(centre - half, 0, 1)
        hi = np.clip(centre + half, 0, 1)
    lo = np.where(lo < 1e-12, 0.0, lo)
    hi = np.where(hi > 1 - 1e-12, 1.0, hi)
    empty = ~(nobs > 0)
    if np.any(empty):
        lo = np.where(empty, np.nan, lo)
        hi = np.where(empty, np.nan, hi)
    return lo, hi
