"""Contractual churn from cohort counts: the shifted-beta-geometric (sBG) model.

In a contractual business (subscriptions, memberships, yearly renewals) a
cohort of customers is counted at each renewal: ``n_0, n_1, ..., n_T`` still
active. Fader & Hardie (2007) model each customer's churn probability per
period as a draw ``theta ~ Beta(alpha, beta)`` (customers differ), constant
over time for that customer; the cohort's retention rate then *rises* over
time as the churn-prone leave, which is why projecting a constant observed
rate underestimates how long customers stay.

- ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` (churn in period t)
- ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` (still active after t periods)
- retention rate ``r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)``

The discounted expected residual lifetime of a customer who has made
``n - 1`` renewals (Fader & Hardie 2010, eq. 6) is
``DERL = (beta + n - 1) / (alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))``:
the expected number of further payments, each discounted at rate ``d`` per
period, counting the payment at the next renewal as the first. Multiply by
the margin per period for the residual value of the customer.

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention.
*Journal of Interactive Marketing* 21(1), 76-90.
Fader, P. S. and Hardie, B. G. S. (2010). Customer-base valuation in a
contractual setting: the perils of ignoring heterogeneity. *Marketing
Science* 29(1), 85-93.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from cxlab._deprecation import alpha_to_confidence, renamed_parameter
from cxlab._estimator import Estimator
from cxlab._plots import plot_doc
from cxlab.exceptions import ConvergenceError, DataError, NotFittedError, ParameterError

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric(Estimator):
    """Shifted-beta-geometric model of a contractual cohort (Fader & Hardie 2007).

    Parameters
    ----------
    confidence : float, default=0.95
        Confidence level of the intervals. ``alpha=`` (1 - confidence) is a
        deprecated alias; the fitted first shape parameter is ``alpha_``.

    Attributes
    ----------
    alpha_, beta_ : float
        Maximum likelihood estimates of the beta distribution of churn probabilities.
    alpha_se_, beta_se_ : float
        Standard errors from the inverse Hessian of the log-likelihood.
    cov_ : ndarray of shape (2, 2)
        Their covariance matrix.
    log_likelihood_ : float
    survivors_ : ndarray
        The counts it was fitted on.

    Examples
    --------
    Fader & Hardie's (2007) "high end" cohort, years 0-7:

    >>> from cxlab import ShiftedBetaGeometric
    >>> m = ShiftedBetaGeometric().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(m.alpha_, 3), round(m.beta_, 3)
    (0.668, 3.806)
    """

    @renamed_parameter("alpha", "confidence", transform=alpha_to_confidence)
    def __init__(self, *, confidence: float = 0.95):
        self.confidence = confidence

    def __repr__(self) -> str:
        if not hasattr(self, "alpha_"):
            return "ShiftedBetaGeometric(unfitted)"
        return (
            f"ShiftedBetaGeometric(alpha_={self.alpha_:.3f} (se {self.alpha_se_:.3f}), "
            f"beta_={self.beta_:.3f} (se {self.beta_se_:.3f}))"
        )

    def fit(self, survivors) -> ShiftedBetaGeometric:
        """Fit on the counts still active at periods 0..T.

        Parameters
        ----------
        survivors : array-like of shape (T + 1,)
            ``survivors[0]`` is the cohort size; each later value the number
            still active after that many periods. Counts, not shares.

        Raises
        ------
        DataError
            Negative, missing or increasing counts.
        ParameterError
            Fewer than three periods (two parameters need at least two
            transitions), or shares instead of counts.
        ConvergenceError
            The likelihood has no interior maximum (e.g. no churn at all).
        """
        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence={self.confidence} must be between 0 and 1.")
        s = _check_survivors(survivors)
        T = len(s) - 1
        lost = s[:-1] - s[1:]
        t = np.arange(1, T + 1)

        def nll(p):
            a, b = np.exp(p)
            return -_loglik(a, b, lost, s[-1], t)

        def grad(p):  # chain rule to the log scale
            theta = np.exp(p)
            return -_gradient(*theta, lost, s[-1], t) * theta

        def hess(p):
            theta = np.exp(p)
            g = _gradient(*theta, lost, s[-1], t)
            return -(_hessian(*theta, lost, s[-1], t) * np.outer(theta, theta) + np.diag(g * theta))

        start = np.log([1.0, max(1e-3, (s[0] - lost[0]) / max(lost[0], 1e-3))])
        res = optimize.minimize(nll, start, jac=grad, hess=hess, method="trust-exact")
        if not res.success:
            res = optimize.minimize(nll, res.x, method="Nelder-Mead", options={"xatol": 1e-10})
        a, b = np.exp(res.x)
        H = _hessian(a, b, lost, s[-1], t) if np.isfinite([a, b]).all() else np.full((2, 2), np.nan)
        curved = np.isfinite(H).all() and bool(np.all(np.linalg.eigvalsh(-H) > 0))
        if not curved or a > 1e5 or b > 1e5:
            raise ConvergenceError(
                f"the sBG likelihood has no interior maximum for these counts "
                f"(estimates ran to alpha={a:.3g}, beta={b:.3g}); this happens when the churn "
                "rate is the same in every period (no heterogeneity between customers). A "
                "geometric model with one churn rate fits those data."
            )
        cov = np.linalg.inv(-H)
        self.alpha_, self.beta_ = float(a), float(b)
        self.cov_ = cov
        self.alpha_se_, self.beta_se_ = float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1]))
        self.log_likelihood_ = float(-res.fun)
        self.survivors_ = s
        return self

    def _check_fitted(self, method):
        if not hasattr(self, "alpha_"):
            raise NotFittedError(
                f"ShiftedBetaGeometric is not fitted yet; call fit(survivors) before {method}()."
            )

    def summary(self) -> pd.DataFrame:
        """``estimate``, ``se``, ``lower``, ``upper`` of alpha and beta (log-scale Wald intervals)."""
        self._check_fitted("summary")
        z = stats.norm.ppf(1 - round(1 - self.confidence, 12) / 2)
        est = np.array([self.alpha_, self.beta_])
        se = np.array([self.alpha_se_, self.beta_se_])
        log_se = se / est
        return pd.DataFrame(
            {
                "estimate": est,
                "se": se,
                "lower": est * np.exp(-z * log_se),
                "upper": est * np.exp(z * log_se),
            },
            index=pd.Index(["alpha", "beta"], name="parameter"),
        )

    def survival(self, periods) -> np.ndarray:
        """Share of the cohort still active after each number of periods.

        Parameters
        ----------
        periods : int or array-like of int
            Periods after the start (0 gives 1).
        """
        self._check_fitted("survival")
        t = np.asarray(periods, dtype=float)
        return np.exp(
            special.betaln(self.alpha_, self.beta_ + t) - special.betaln(self.alpha_, self.beta_)
        )

    def retention_rate(self, periods) -> np.ndarray:
        """Retention rate in period t: share of those active at t-1 who renew (t >= 1).

        Parameters
        ----------
        periods : int or array-like of int
            Periods (1, 2, ...) whose retention rate ``S(t) / S(t - 1)`` is wanted.
        """
        self._check_fitted("retention_rate")
        t = np.asarray(periods, dtype=float)
        return (self.beta_ + t - 1) / (self.alpha_ + self.beta_ + t - 1)

    def project(self, periods: int, *, cohort_size: float | None = None) -> pd.DataFrame:
        """Projected survival and retention for periods 0..``periods``, with intervals.

        Intervals use the delta method on the log scale of ``S(t)`` with the
        covariance of (alpha, beta).

        Parameters
        ----------
        periods : int
            Number of periods to project.
        cohort_size : float, optional
            Scale survival to customers (default: the fitted cohort's size).

        Returns
        -------
        DataFrame
            Index ``period``; ``survival``, ``lower``, ``upper``,
            ``retention_rate`` and ``expected_active`` (times ``cohort_size``,
            default the fitted cohort's size), plus ``observed`` where known.
        """
        self._check_fitted("project")
        t = np.arange(int(periods) + 1, dtype=float)
        a, b = self.alpha_, self.beta_
        s = self.survival(t)
        # gradient of log S(t) with respect to (alpha, beta)
        g_a = special.digamma(a + b) - special.digamma(a + b + t)
        g_b = special.digamma(b + t) - special.digamma(b) + g_a
        G = np.stack([g_a, g_b], axis=1)
        var = np.einsum("ij,jk,ik->i", G, self.cov_, G)
        z = stats.norm.ppf(1 - round(1 - self.confidence, 12) / 2)
        half = z * np.sqrt(np.clip(var, 0, None))
        size = float(self.survivors_[0] if cohort_size is None else cohort_size)
        out = pd.DataFrame(
            {
                "survival": s,
                "lower": s * np.exp(-half),
                "upper": np.minimum(1.0, s * np.exp(half)),
                "retention_rate": np.r_[np.nan, self.retention_rate(t[1:])],
                "expected_active": size * s,
            },
            index=pd.Index(t.astype(int), name="period"),
        )
        obs = np.full(len(t), np.nan)
        k = min(len(t), len(self.survivors_))
        obs[:k] = self.survivors_[:k] / self.survivors_[0]
        out["observed"] = obs
        return out

    def derl(self, discount_rate: float, renewals: int = 0) -> float:
        """Discounted expected residual lifetime (Fader & Hardie 2010, eq. 6).

        Parameters
        ----------
        discount_rate : float
            Per period (e.g. 0.10 for yearly renewals at 10% a year).
        renewals : int, default=0
            Renewals the customer has already made (``n - 1`` in the paper):
            0 for a customer at the end of their first period.

        Returns
        -------
        float
            Expected discounted number of future payments (the next renewal's
            payment undiscounted); times the margin per period = residual value.
        """
        self._check_fitted("derl")
        return _derl(self.alpha_, self.beta_, discount_rate, renewals)

    def derl_interval(self, discount_rate: float, renewals: int = 0) -> tuple:
        """DERL with a delta-method interval: ``(estimate, lower, upper)``.

        Parameters
        ----------
        discount_rate : float
            Discount rate per period.
        renewals : int, default=0
            Renewals the customer has already made.
        """
        self._check_fitted("derl_interval")
        a, b = self.alpha_, self.beta_
        est = _derl(a, b, discount_rate, renewals)
        h = 1e-6
        grad = np.array(
            [
                (
                    _derl(a * (1 + h), b, discount_rate, renewals)
                    - _derl(a * (1 - h), b, discount_rate, renewals)
                )
                / (2 * a * h),
                (
                    _derl(a, b * (1 + h), discount_rate, renewals)
                    - _derl(a, b * (1 - h), discount_rate, renewals)
                )
                / (2 * b * h),
            ]
        )
        se = float(np.sqrt(grad @ self.cov_ @ grad))
        z = stats.norm.ppf(1 - round(1 - self.confidence, 12) / 2)
        return float(est), float(est * np.exp(-z * se / est)), float(est * np.exp(z * se / est))

    @plot_doc
    def plot(self, periods: int | None = None, ax=None, **kw):
        """Projected survival with its band and the observed counts.

        Parameters
        ----------
        periods : int, optional
            Periods to project (default: twice the fitted ones).
        %(ax)s
        %(kw)s
        """
        from cxlab.survival._plots import retention_plot

        self._check_fitted("plot")
        periods = periods or 2 * (len(self.survivors_) - 1)
        return retention_plot(self.project(periods), self.survivors_, ax=ax, **kw)


def _derl(a, b, d, renewals):
    if not d > 0:
        raise ParameterError(f"discount_rate={d} must be > 0 (otherwise DERL can be infinite).")
    if renewals < 0 or int(renewals) != renewals:
        raise ParameterError(f"renewals={renewals} must be a whole number >= 0.")
    n = int(renewals) + 1
    return float(
        (b + n - 1) / (a + b + n - 1) * special.hyp2f1(1.0, b + n, a + b + n, 1.0 / (1.0 + d))
    )


def _loglik(a, b, lost, last, t):
    base = special.betaln(a, b)
    return float(
        np.sum(lost * (special.betaln(a + 1, b + t - 1) - base))
        + last * (special.betaln(a, b + t[-1]) - base)
    )


def _gradient(a, b, lost, last, t):
    """Analytic gradient of the log-likelihood in (alpha, beta)."""

    def d1(x, y):  # first derivatives of betaln(x, y)
        pxy = special.digamma(x + y)
        return special.digamma(x) - pxy, special.digamma(y) - pxy

    c_x, c_y = d1(a + 1, b + t - 1)
    s_x, s_y = d1(a, b + t[-1])
    b_x, b_y = d1(a, b)
    n0 = lost.sum() + last
    return np.array(
        [
            np.sum(lost * c_x) + last * s_x - n0 * b_x,
            np.sum(lost * c_y) + last * s_y - n0 * b_y,
        ]
    )


def _hessian(a, b, lost, last, t):
    """Analytic Hessian of the log-likelihood in (alpha, beta)."""
    tri = special.polygamma(1, [a, b, a + b])

    def d2(x, y):  # second derivatives of betaln(x, y): (xx, yy, xy)
        pxy = special.polygamma(1, x + y)
        return special.polygamma(1, x) - pxy, special.polygamma(1, y) - pxy, -pxy

    base = (tri[0] - tri[2], tri[1] - tri[2], -tri[2])
    c_xx, c_yy, c_xy = d2(a + 1, b + t - 1)
    s_xx, s_yy, s_xy = d2(a, b + t[-1])
    n0 = lost.sum() + last
    haa = np.sum(lost * c_xx) + last * s_xx - n0 * base[0]
    hbb = np.sum(lost * c_yy) + last * s_yy - n0 * base[1]
    hab = np.sum(lost * c_xy) + last * s_xy - n0 * base[2]
    return np.array([[haa, hab], [hab, hbb]])


def _check_survivors(survivors) -> np.ndarray:
    try:
        s = np.asarray(survivors, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise DataError(
            "survivors must be numbers (counts still active at periods 0..T)",
            fix="pass e.g. [1000, 869, 743, ...]",
        ) from exc
    if len(s) < 3:
        raise ParameterError(
            f"survivors has {len(s)} values; the sBG model has two parameters and needs "
            "counts for at least periods 0, 1 and 2."
        )
    bad = ~np.isfinite(s) | (s < 0)
    if bad.any():
        raise DataError(
            "survivors must be finite counts >= 0",
            n_rows=int(bad.sum()),
            example_ids=np.flatnonzero(bad).tolist(),
            fix="check the periods listed (positions in the list)",
        )
    up = np.flatnonzero(s[1:] > s[:-1]) + 1
    if len(up):
        raise DataError(
            "survivors increase from one period to the next; a cohort can only shrink",
            n_rows=len(up),
            example_ids=up.tolist(),
            fix="count one cohort (customers acquired together) over time; "
            "do not add customers acquired later",
        )
    if s[0] <= 1.0:
        raise ParameterError(
            f"survivors[0]={s[0]:g} looks like a share, not a count; standard errors need "
            "counts (e.g. multiply shares by the cohort size)."
        )
    if s[-1] == s[0]:
        raise DataError(
            "no customer churned in any period; churn probabilities cannot be estimated",
            fix="use a longer history",
        )
    return s
