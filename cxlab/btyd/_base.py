"""Shared plumbing of cxlab's "buy till you die" models: fitting, standard errors, draws.

Every model is fitted by maximum likelihood on the log of its (positive)
parameters with L-BFGS-B. Standard errors come from the observed information:
the Hessian of the log-likelihood at the maximum, by central differences of
the analytic gradient where the model has one, else of the log-likelihood
itself (step 1e-4 on the log scale; at that step the truncation error is
about 1e-8 and the rounding error about ``1e-16 * |LL| / 1e-8``, both far
below the sampling error). The covariance of the natural parameters is
``D H^-1 D`` with ``D = diag(theta)`` (exact at a maximum, where the gradient
is zero).

Intervals of the parameters are Wald intervals on the log scale (they stay
positive). Intervals of predictions come from ``n_draws`` draws of the log
parameters from their asymptotic normal distribution: each prediction is
recomputed per draw and the interval is the central ``confidence`` share of
the draws (``random_state`` fixes them).

Customers with the same ``(frequency, recency, T)`` have the same likelihood,
so the fit works on the distinct rows with their counts as weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

from cxlab._estimator import Estimator
from cxlab.exceptions import (
    ConvergenceError,
    DataError,
    MissingColumnError,
    NotFittedError,
    ParameterError,
    SmallSampleWarning,
    StatisticalWarning,
)

_STEP = 1e-4


def _parameter_names(names) -> str:
    """Parameters named in a note: as given in English, else by their ``parameter.*`` message."""
    from cxlab.i18n._language import get_language
    from cxlab.i18n._messages import message_keys, t

    code = get_language()
    if code == "en":
        return ", ".join(names)
    keys = message_keys(code)
    shown = [t(f"parameter.{n}", code) if f"parameter.{n}" in keys else n for n in names]
    return t("list.separator", code).join(shown)


class Fitter(Estimator):
    """Maximum likelihood on log parameters; ``params_``, ``cov_``, ``summary()``, draws."""

    _param_names: tuple = ()
    _model_name = "the model"

    def __init__(self, *, confidence: float = 0.95):
        self.confidence = confidence

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"{name}(unfitted)"
        p = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
        return f"{name}({p}; n={self.n_:,}, LL={self.log_likelihood_:.1f})"

    # -- to be provided by each model ------------------------------------------
    def _loglik(self, theta, data) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _gradient(self, theta, data):  # analytic gradient in theta, or None
        return None

    def _start(self, data) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- fitting ----------------------------------------------------------------
    def _check_confidence(self):
        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence={self.confidence} must be between 0 and 1.")

    def _maximise(self, data) -> None:
        n = float(np.sum(data["w"]))

        def nll(p):
            theta = np.exp(p)
            v = self._loglik(theta, data)
            return -v / n if np.isfinite(v) else np.inf

        grad = None
        if self._gradient(np.exp(self._start(data)), data) is not None:

            def grad(p):
                theta = np.exp(p)
                return -self._gradient(theta, data) * theta / n

        best = None
        for start in (self._start(data), np.zeros(len(self._param_names))):
            res = optimize.minimize(
                nll,
                start,
                jac=grad,
                method="L-BFGS-B",
                bounds=[(-20, 20)] * len(start),
                options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
            )
            if best is None or (np.isfinite(res.fun) and res.fun < best.fun):
                best = res
            if res.success and np.isfinite(res.fun):
                break
        p = best.x
        theta = np.exp(p)
        H = self._hessian_log(p, data)
        ok = np.isfinite(H).all() and np.all(np.linalg.eigvalsh(-H) > 0)
        if not np.isfinite(best.fun) or not ok or np.any(np.abs(p) > 19):
            raise ConvergenceError(
                f"{self._model_name} has no interior maximum on these data (estimates ran to "
                + ", ".join(f"{k}={v:.3g}" for k, v in zip(self._param_names, theta))
                + "). This happens with very few repeat purchases or a calibration period "
                "too short to see customers leave. Fix: use a longer calibration period or "
                "more customers."
            )
        cov_log = np.linalg.inv(-H)
        cov_log = (cov_log + cov_log.T) / 2
        self.params_ = pd.Series(theta, index=list(self._param_names), name="estimate")
        self.cov_log_ = cov_log
        self.cov_ = pd.DataFrame(
            cov_log * np.outer(theta, theta), index=self.params_.index, columns=self.params_.index
        )
        self.se_ = pd.Series(np.sqrt(np.diag(self.cov_)), index=self.params_.index, name="se")
        self.log_likelihood_ = float(self._loglik(theta, data))
        self.n_ = int(n)
        self.converged_ = bool(best.success)

    def _hessian_log(self, p, data) -> np.ndarray:
        """Hessian of the log-likelihood in the log parameters (central differences)."""
        k = len(p)
        h = _STEP
        theta0 = np.exp(p)
        if self._gradient(theta0, data) is not None:

            def g(q):
                theta = np.exp(q)
                return self._gradient(theta, data) * theta

            H = np.empty((k, k))
            for i in range(k):
                e = np.zeros(k)
                e[i] = h
                H[i] = (g(p + e) - g(p - e)) / (2 * h)
            return (H + H.T) / 2

        def f(q):
            return self._loglik(np.exp(q), data)

        H = np.empty((k, k))
        f0 = f(p)
        for i in range(k):
            ei = np.zeros(k)
            ei[i] = h
            H[i, i] = (f(p + 2 * ei) - 2 * f0 + f(p - 2 * ei)) / (4 * h * h)
            for j in range(i):
                ej = np.zeros(k)
                ej[j] = h
                H[i, j] = H[j, i] = (
                    f(p + ei + ej) - f(p + ei - ej) - f(p - ei + ej) + f(p - ei - ej)
                ) / (4 * h * h)
        return H

    # -- results ------------------------------------------------------------------
    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet; call fit(summary) before {method}()."
            )

    def summary(self) -> pd.DataFrame:
        """``estimate``, ``se``, ``lower``, ``upper`` per parameter (log-scale Wald intervals).

        ``attrs["notes"]`` holds the caveats (also in ``notes_``).
        """
        self._check_fitted("summary")
        z = stats.norm.ppf(0.5 + self.confidence / 2)
        est = self.params_.to_numpy()
        half = z * np.sqrt(np.diag(self.cov_log_))
        out = pd.DataFrame(
            {
                "estimate": est,
                "se": self.se_.to_numpy(),
                "lower": est * np.exp(-half),
                "upper": est * np.exp(half),
            },
            index=pd.Index(list(self._param_names), name="parameter"),
        )
        out.attrs["notes"] = list(self.notes_)
        out.attrs["log_likelihood"] = self.log_likelihood_
        return out

    def param_draws(self, n_draws: int = 200, random_state=None) -> np.ndarray:
        """Draws of the parameters from their asymptotic (log-)normal distribution.

        Parameters
        ----------
        n_draws : int, default=200
            Parameter draws from the estimates' sampling distribution.
        random_state : int, Generator or None, default=None
            Seed of the draws.

        Returns
        -------
        ndarray of shape (n_draws, n_params)
        """
        self._check_fitted("param_draws")
        if int(n_draws) < 2:
            raise ParameterError(f"n_draws={n_draws} must be >= 2.")
        rng = np.random.default_rng(random_state)
        z = rng.multivariate_normal(
            np.log(self.params_.to_numpy()), self.cov_log_, size=int(n_draws), method="cholesky"
        )
        return np.exp(z)

    def _interval(self, func, n_draws, random_state):
        """Point estimate and central ``confidence`` interval of ``func(theta)`` over draws."""
        est = np.asarray(func(self.params_.to_numpy()), dtype=float)
        if not n_draws:
            return est, None, None
        draws = self.param_draws(n_draws, random_state)
        with np.errstate(all="ignore"):
            vals = np.stack([np.asarray(func(t), dtype=float) for t in draws])
        lower, upper = draw_interval(vals, self.confidence)
        return est, lower, upper


def draw_interval(vals: np.ndarray, confidence: float):
    """Central ``confidence`` interval over parameter draws (axis 0), from the draws
    whose value is finite.

    A prediction that still overflows for a draw far out in the tail of a poorly
    determined parameter (the BG/NBD family's expected purchases no longer do, see
    :func:`cxlab.btyd._bgnbd.alive_purchases`) is left out and a :class:`~cxlab.exceptions.StatisticalWarning` says how
    many; with fewer than half of the draws finite the interval is NaN (unknown).
    """
    vals = np.asarray(vals, dtype=float)
    ok = np.isfinite(vals)
    n_bad = int((~ok).reshape(len(vals), -1).any(axis=1).sum())  # draws with any failure
    lo = (1 - confidence) / 2
    if n_bad:
        warnings.warn(
            f"{n_bad} of {len(vals)} parameter draws gave a non-finite prediction (a poorly "
            "determined parameter, see the model's notes) and are left out of the interval, "
            "which may then be too narrow; treat it as a lower bound on the uncertainty.",
            StatisticalWarning,
            stacklevel=3,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        lower, upper = np.nanquantile(np.where(ok, vals, np.nan), [lo, 1 - lo], axis=0)
    few = ok.sum(axis=0) < len(vals) / 2
    if np.any(few):
        lower, upper = np.where(few, np.nan, lower), np.where(few, np.nan, upper)
    return lower, upper


def mean_purchase_rate(d: dict) -> float:
    """Repeat purchases per time unit over all customers (a starting value for the fits)."""
    x, T, w = d["x"], d["T"], d["w"]
    return max(np.sum(w * x) / max(np.sum(w * T), 1e-9), 1e-3)


def rfm_arrays(summary: pd.DataFrame, what: str) -> dict:
    """``x``, ``t_x``, ``T`` of a summary table, checked, compressed to distinct rows."""
    x, t_x, T = _rfm_columns(summary, what)
    keys = np.stack([x, t_x, T])
    order = np.lexsort(keys[::-1])
    ks = keys[:, order]
    new = np.r_[True, np.any(ks[:, 1:] != ks[:, :-1], axis=0)]
    starts = np.flatnonzero(new)
    w = np.diff(np.r_[starts, ks.shape[1]]).astype(float)
    ux = ks[0, starts]
    xu, xinv = np.unique(ux, return_inverse=True)
    if len(x) < 50:
        warnings.warn(
            f"{what} is fitted on {len(x)} customers; its standard errors rest on "
            "large-sample theory and may be too small.",
            SmallSampleWarning,
            stacklevel=3,
        )
    return {"x": ux, "t_x": ks[1, starts], "T": ks[2, starts], "w": w, "xu": xu, "xinv": xinv}


def _rfm_columns(summary, what):
    if not isinstance(summary, pd.DataFrame):
        raise ParameterError(
            f"{what} is fitted on a customer summary DataFrame (cxlab.purchase_summary), "
            f"not a {type(summary).__name__}."
        )
    for col in ("frequency", "recency", "T"):
        if col not in summary:
            raise MissingColumnError(
                f"the summary has no column {col!r}",
                column=col,
                fix="build it with cxlab.purchase_summary(...) or rename your columns",
            )
    if summary.empty:
        raise DataError("the summary has no customers", fix="check the purchase log")
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency"].to_numpy(dtype=float)
    T = summary["T"].to_numpy(dtype=float)
    bad = (
        ~np.isfinite(x)
        | ~np.isfinite(t_x)
        | ~np.isfinite(T)
        | (x < 0)
        | (x != np.round(x))
        | (t_x < 0)
        | (t_x > T + 1e-9)
        | ((x == 0) & (t_x != 0))
    )
    if bad.any():
        raise DataError(
            "rows break 0 <= recency <= T, whole frequency >= 0, or recency > 0 with frequency 0",
            column="frequency/recency/T",
            n_rows=int(bad.sum()),
            example_ids=summary.index[bad][:5].tolist(),
            fix="rebuild the table with cxlab.purchase_summary",
        )
    return x, t_x, T


def customer_arrays(summary: pd.DataFrame):
    """``x``, ``t_x``, ``T`` of a summary (checked, not compressed), for predictions."""
    return _rfm_columns(summary, "the model")


class PurchaseModel(Fitter):
    """Predictions shared by BG/NBD and Pareto/NBD; each model supplies the closed forms.

    A model defines ``_loglik(theta, d)``, ``_p_alive(theta, x, t_x, T)``,
    ``_conditional(theta, x, t_x, T, t)`` (expected purchases in the next t; ``t``
    may be a column of horizons, shape (G, 1), giving a (G, n) table in one call),
    ``_unconditional(theta, t)`` (expected purchases of a new customer in t)
    and ``_pmf(theta, t, x_max)`` (P(X(t) = x), x = 0..x_max).
    """

    def fit(self, summary: pd.DataFrame):
        """Fit on a customer summary (``frequency``, ``recency``, ``T``).

        Parameters
        ----------
        summary : DataFrame
            From :func:`cxlab.purchase_summary`, or any table with those columns
            in one time unit (e.g. weeks).

        Returns
        -------
        self

        Raises
        ------
        MissingColumnError, DataError
            Missing columns; impossible rows (recency > T, fractional frequency).
        ConvergenceError
            The likelihood has no interior maximum.
        """
        self._check_confidence()
        data = rfm_arrays(summary, self._model_name)
        if not np.any(data["x"] > 0):
            raise DataError(
                "no customer made a repeat purchase; purchase rates cannot be estimated",
                column="frequency",
                fix="use a longer calibration period",
            )
        self._maximise(self._prepare(data))
        self.time_unit_ = summary.attrs.get("purchase_summary", {}).get("time_unit", "unknown")
        self.notes_ = self._notes(data)
        self._fit_data = data
        return self

    def _prepare(self, data) -> dict:
        """Model-specific precomputation on the compressed data (default: none)."""
        return data

    def _notes(self, data) -> list:
        from cxlab.i18n._messages import message_keys, t

        unit = f"note.btyd.time_unit.{self.time_unit_}"
        notes = [
            t("note.btyd.se", n=self.n_),
            t(unit)
            if unit in message_keys()
            else f"Times are in {self.time_unit_}; rates are per {self.time_unit_.rstrip('s')}.",
            t("note.btyd.assumptions"),
        ]
        loose = [k for k, v in (self.se_ / self.params_).items() if v > 1]
        if loose:
            key = "note.btyd.loose_one" if len(loose) == 1 else "note.btyd.loose_many"
            notes.append(t(key, names=_parameter_names(loose)))
        return notes

    def _unique_customers(self, summary):
        x, t_x, T = _rfm_columns(summary, self._model_name)
        keys = np.stack([x, t_x, T], axis=1)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        return uniq[:, 0], uniq[:, 1], uniq[:, 2], inv.reshape(-1)

    def p_alive(self, summary: pd.DataFrame, *, n_draws: int = 0, random_state=None):
        """Probability that each customer is still alive at the end of calibration.

        Parameters
        ----------
        summary : DataFrame
            Customer summary with ``frequency``, ``recency`` and ``T``
            (:func:`cxlab.purchase_summary`).
        n_draws : int, default=0
            Parameter draws from the estimates' sampling distribution for an
            interval; 0 gives the point estimate only.
        random_state : int, Generator or None, default=None
            Seed of the draws.

        Returns
        -------
        DataFrame
            ``p_alive`` (and ``lower``/``upper`` when ``n_draws`` > 0), one row a customer.
        """
        self._check_fitted("p_alive")
        x, t_x, T, inv = self._unique_customers(summary)
        est, lo, hi = self._interval(lambda th: self._p_alive(th, x, t_x, T), n_draws, random_state)
        return estimate_frame(summary.index, inv, "p_alive", est, lo, hi)

    def predict(self, summary: pd.DataFrame, t: float, *, n_draws: int = 200, random_state=None):
        """Expected purchases of each customer in the next ``t`` time units, and P(alive).

        Parameters
        ----------
        summary : DataFrame
            Customers (``frequency``, ``recency``, ``T``).
        t : float
            Horizon in the summary's time unit.
        n_draws : int, default=200
            Parameter draws for the intervals; 0 skips them.
        random_state : int, Generator or None

        Returns
        -------
        DataFrame
            ``expected_purchases``, ``lower``, ``upper``, ``p_alive``,
            ``p_alive_lower``, ``p_alive_upper``. The intervals reflect
            uncertainty in the parameters only, not the Poisson noise of one
            customer's purchases.
        """
        self._check_fitted("predict")
        if not t >= 0:
            raise ParameterError(f"t={t} must be >= 0.")
        x, t_x, T, inv = self._unique_customers(summary)

        def both(th):
            return np.stack([self._conditional(th, x, t_x, T, t), self._p_alive(th, x, t_x, T)])

        est, lo, hi = self._interval(both, n_draws, random_state)
        out = estimate_frame(summary.index, inv, "expected_purchases", est[0], *_rows(lo, hi, 0))
        alive = estimate_frame(summary.index, inv, "p_alive", est[1], *_rows(lo, hi, 1))
        for c in alive:
            out[c if c == "p_alive" else f"p_alive_{c}"] = alive[c].to_numpy()
        return out

    def expected_purchases_new(self, t, *, n_draws: int = 200, random_state=None):
        """Expected purchases of a newly acquired customer in their first ``t`` units.

        Parameters
        ----------
        t : float or array-like
            Time since the first purchase.
        n_draws : int, default=200
            Parameter draws from the estimates' sampling distribution.
        random_state : int, Generator or None, default=None
            Seed of the draws.

        Returns
        -------
        DataFrame
            Index ``t``; ``expected_purchases``, ``lower``, ``upper``.
        """
        self._check_fitted("expected_purchases_new")
        t = np.atleast_1d(np.asarray(t, dtype=float))
        est, lo, hi = self._interval(lambda th: self._unconditional(th, t), n_draws, random_state)
        out = pd.DataFrame({"expected_purchases": est}, index=pd.Index(t, name="t"))
        if lo is not None:
            out["lower"], out["upper"] = lo, hi
        return out

    def discounted_purchases(
        self,
        summary: pd.DataFrame,
        horizon: float,
        *,
        discount_rate: float = 0.0,
        step: float = 1.0,
        n_draws: int = 0,
        random_state=None,
    ):
        """Discounted expected purchases over the next ``horizon`` units.

        The horizon is cut into steps of ``step`` units; purchases expected
        in step k (the increment of the conditional expectation) are
        discounted by ``exp(-discount_rate * k * step)`` (``discount_rate``
        continuous, per time unit).

        Parameters
        ----------
        summary : DataFrame
            Customer summary with ``frequency``, ``recency`` and ``T``
            (:func:`cxlab.purchase_summary`).
        horizon : float
            Length of the future window, in the summary's time unit.
        discount_rate : float, default=0.0
            Continuous discount rate per time unit.
        step : float, default=1.0
            Width of the time steps the discounted sum is taken over.
        n_draws : int, default=0
            Parameter draws from the estimates' sampling distribution for an
            interval; 0 gives the point estimate only.
        random_state : int, Generator or None, default=None
            Seed of the draws.

        Returns
        -------
        DataFrame
            ``discounted_purchases`` (and ``lower``/``upper`` with draws).
        """
        self._check_fitted("discounted_purchases")
        if not horizon > 0 or not step > 0:
            raise ParameterError(f"horizon={horizon} and step={step} must be > 0.")
        if discount_rate < 0:
            raise ParameterError(f"discount_rate={discount_rate} must be >= 0.")
        x, t_x, T, inv = self._unique_customers(summary)
        grid = np.arange(step, horizon + step / 2, step)
        disc = np.exp(-discount_rate * grid)

        def value(th):
            cum = self._conditional(th, x, t_x, T, grid[:, None])
            inc = np.diff(np.vstack([np.zeros(len(x)), cum]), axis=0)
            return disc @ inc

        est, lo, hi = self._interval(value, n_draws, random_state)
        return estimate_frame(summary.index, inv, "discounted_purchases", est, lo, hi)

    def frequency_pmf(self, t, x_max: int):
        """P(X(t) = x) for x = 0..x_max-1 and P(X(t) >= x_max), for each t.

        Parameters
        ----------
        t : float
            Length of the period.
        x_max : int
            Largest number of repeat purchases shown (the last class holds the
            rest).

        Returns
        -------
        ndarray of shape (len(t), x_max + 1)
        """
        self._check_fitted("frequency_pmf")
        t = np.atleast_1d(np.asarray(t, dtype=float))
        p = self._pmf(self.params_.to_numpy(), t, x_max - 1)
        return np.column_stack([p, np.clip(1 - p.sum(axis=1), 0, None)])


def _rows(lo, hi, i):
    return (None, None) if lo is None else (lo[i], hi[i])


def estimate_frame(index, inv, name, est, lo=None, hi=None) -> pd.DataFrame:
    out = pd.DataFrame({name: np.asarray(est)[inv]}, index=index)
    if lo is not None:
        out["lower"] = np.asarray(lo)[inv]
        out["upper"] = np.asarray(hi)[inv]
    return out
