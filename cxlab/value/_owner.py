"""The owner's-journey economics behind :class:`cxlab.ValueModel`.

Not a public module. Three fitted pieces and the closed-form lifetime algebra:

- **churn**: a proportional-hazards model with a piecewise-constant baseline
  hazard (one piece by default: constant hazard), fitted as the equivalent
  Poisson GLM with ``log(exposure)`` offset (statsmodels; Holford 1980, Laird &
  Olivier 1981). Its clock starts at the end of the onboarding window, when
  the covariates (CSAT, support contacts, loyalty membership) are known. The GLM
  gives the baseline level *and* the hazard ratios with one covariance matrix,
  so parametric draws carry the uncertainty of both.
- **support**: a Poisson GLM of onboarding support contacts on CSAT, so a
  better purchase experience can also lower support contacts (and through
  them churn).
- **spend**: first-order value and the repeat-revenue rate per active day by
  group (default: loyalty member or not).

:func:`lifetime` integrates the survival curve in closed form: with constant
hazard ``h`` from the end of onboarding ``o``, discount rate ``d`` per day and
horizon ``H``, the discounted active days are
``(1 - e^{-d o}) / d + e^{-d o} (1 - e^{-(h + d)(H - o)}) / (h + d)``
(``1 / (h + d)`` when ``o = 0`` and ``H = inf``); each baseline piece adds one
such term.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab.exceptions import ConvergenceError, DataError, DataWarning

__all__ = ["owner_table", "HazardFit", "fit_hazard", "fit_support", "spend_rates", "lifetime"]


def owner_table(data, *, onboarding_days: float, end=None) -> pd.DataFrame:
    """Purchasers whose onboarding window is complete, with exposure after onboarding.

    Built on :func:`cxlab.survival_table` (tenure from the first purchase,
    explicit churn events, covariates in the onboarding window) plus the
    purchase touchpoint, ``exposure_days`` (days at risk after onboarding),
    ``churned_in_onboarding`` and ``contacted_support``.
    """
    from cxlab import survival_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # we count exclusions ourselves
        table = survival_table(data, window_days=onboarding_days, observation_end=end)
    obs_end = pd.Timestamp(table.attrs["survival"]["observation_end"])
    complete = table["start"] + pd.Timedelta(days=onboarding_days) <= obs_end
    n_incomplete = int((~complete).sum())
    table = table[complete.to_numpy()].copy()
    if len(table) == 0:
        raise DataError(
            f"no purchaser has a complete {onboarding_days:g}-day onboarding window before "
            f"the end of the data ({obs_end})",
            table="events",
            column="timestamp",
            fix="use a shorter onboarding_days or data that runs longer after purchases",
        )
    ev = data.events
    stage = ev["stage"].astype(str).to_numpy()
    if "touchpoint" in ev.columns:
        buy = ev.loc[
            stage == data.catalog.purchase_stage, ["customer_id", "timestamp", "touchpoint"]
        ]
        buy = buy.sort_values(["customer_id", "timestamp"], kind="stable")
        first = buy.drop_duplicates("customer_id").set_index("customer_id")["touchpoint"]
        table["purchase_touchpoint"] = first.reindex(table.index).astype(str).to_numpy()
    table["purchase_channel"] = table["purchase_channel"].astype(str)
    table["exposure_days"] = table["tenure_days"] - onboarding_days
    table["churned_in_onboarding"] = table["churned"] & (table["exposure_days"] <= 0)
    table["contacted_support"] = table["support_contacts"] > 0
    if "loyalty_member" in table.columns:
        table["loyalty_member"] = table["loyalty_member"].astype(bool)
    table.attrs["n_incomplete_onboarding"] = n_incomplete
    table.attrs["observation_end"] = str(obs_end)
    return table


@dataclass
class HazardFit:
    """Piecewise-exponential proportional-hazards fit (Poisson GLM with offset).

    ``params`` holds ``log_baseline`` (log hazard per day of the first piece),
    ``piece[k]`` (log ratio of piece ``k`` to the first) and the covariates'
    log hazard ratios; ``cov`` their covariance.
    """

    names: list
    params: np.ndarray
    cov: np.ndarray
    covariates: list
    breakpoints: tuple
    n: int
    n_events: int

    def split(self, theta: np.ndarray):
        """(log baseline per piece ``(..., K)``, covariate coefficients ``(..., p)``)."""
        theta = np.atleast_2d(theta)
        k = len(self.breakpoints)
        base = theta[:, :1] + np.concatenate([np.zeros((len(theta), 1)), theta[:, 1 : 1 + k]], 1)
        return base, theta[:, 1 + k :]

    def draws(self, n: int, rng) -> np.ndarray:
        """Point estimate (row 0) and ``n`` draws from N(params, cov)."""
        d = rng.multivariate_normal(self.params, self.cov, size=n, method="cholesky")
        return np.vstack([self.params, d])

    def frame(self, confidence: float = 0.95) -> pd.DataFrame:
        """Terms with ``coef``, ``se`` and, for covariates, the hazard ratio and its interval."""
        from scipy import stats

        se = np.sqrt(np.diag(self.cov))
        z = stats.norm.ppf(0.5 + confidence / 2)
        f = pd.DataFrame({"coef": self.params, "se": se}, index=pd.Index(self.names, name="term"))
        f["hazard_ratio"] = np.exp(f["coef"])
        f["lower"] = np.exp(f["coef"] - z * se)
        f["upper"] = np.exp(f["coef"] + z * se)
        f.iloc[: 1 + len(self.breakpoints), 2:] = np.nan  # baseline terms are not ratios
        return f


def _glm(y, X, exposure, what: str):
    """Poisson GLM ``log E[y] = X beta + log(exposure)`` (statsmodels), on aggregated rows.

    The Poisson log-likelihood depends on the data only through the total count
    and total exposure of each distinct row of ``X``, so rows are summed per
    pattern first: the same estimates and covariance, from a few hundred rows.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    Xu, inv = np.unique(X, axis=0, return_inverse=True)
    inv = inv.ravel()
    yu = np.bincount(inv, weights=y, minlength=len(Xu))
    tu = np.bincount(inv, weights=exposure, minlength=len(Xu))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        # IRLS's internal least squares has no residual degrees of freedom when there are as
        # many patterns as parameters; statsmodels then warns about its R^2 (unused here)
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        try:
            res = sm.GLM(yu, Xu, family=sm.families.Poisson(), offset=np.log(tu)).fit()
        except (PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as exc:
            raise ConvergenceError(
                f"the {what} model could not be fitted ({exc}); a covariate may be constant "
                "or separate the outcome: drop it or use more data"
            ) from exc
    if not np.all(np.isfinite(res.bse)):
        raise ConvergenceError(
            f"the {what} model has undefined standard errors (a covariate is constant or "
            "collinear with another); drop it"
        )
    return res


def fit_hazard(table: pd.DataFrame, covariates: list, breakpoints=()) -> HazardFit:
    """Fit the churn hazard after onboarding (vectorised split into baseline pieces)."""
    at_risk = table[table["exposure_days"] > 0]
    if not at_risk["churned"].any():
        raise DataError(
            "no purchaser churned after onboarding, so churn cannot be modelled",
            table="events",
            column="stage",
            n_rows=len(at_risk),
            fix="check that churn events are recorded (the catalog's churn stage)",
        )
    bps = tuple(float(b) for b in breakpoints)
    edges = np.r_[0.0, bps, np.inf]
    t = at_risk["exposure_days"].to_numpy(float)
    e = at_risk["churned"].to_numpy(bool)
    x = at_risk[covariates].to_numpy(float)
    y, expo, rows = [], [], []
    for k in range(len(edges) - 1):  # loop over baseline pieces
        a, b = edges[k], edges[k + 1]
        inside = t > a
        y.append((e & inside & (t <= b)).astype(float)[inside])
        expo.append(np.minimum(t, b)[inside] - a)
        dummies = np.zeros((int(inside.sum()), len(bps)))
        if k > 0:
            dummies[:, k - 1] = 1.0
        rows.append(np.hstack([np.ones((int(inside.sum()), 1)), dummies, x[inside]]))
    X = np.vstack(rows)
    res = _glm(np.concatenate(y), X, np.concatenate(expo), "churn hazard")
    names = ["log_baseline", *[f"piece[{b:g}+]" for b in bps], *covariates]
    return HazardFit(
        names=names,
        params=np.asarray(res.params, float),
        cov=np.asarray(res.cov_params(), float),
        covariates=list(covariates),
        breakpoints=bps,
        n=len(at_risk),
        n_events=int(e.sum()),
    )


def fit_support(table: pd.DataFrame, extra=()) -> HazardFit:
    """Poisson GLM of onboarding support contacts: ``log mu = g0 + g1 * csat (+ extra)``."""
    ok = table[table["csat"].notna()]
    cols = ["csat", *extra]
    X = np.column_stack([np.ones(len(ok)), ok[cols].to_numpy(float)])
    res = _glm(ok["support_contacts"].to_numpy(float), X, np.ones(len(ok)), "support contacts")
    return HazardFit(
        names=["intercept", *cols],
        params=np.asarray(res.params, float),
        cov=np.asarray(res.cov_params(), float),
        covariates=cols,
        breakpoints=(),
        n=len(ok),
        n_events=int(ok["support_contacts"].sum()),
    )


def spend_rates(cols: dict, group: np.ndarray, key: np.ndarray, w=None) -> tuple:
    """First-order value per group and repeat revenue per active day per spend key.

    ``cols`` holds per-purchaser arrays ``first_revenue``, ``revenue_after_start``
    and ``tenure_days``; ``group`` (codes 0..G-1) and ``key`` (codes 0..K-1) per
    purchaser; ``w`` bootstrap counts per purchaser (default one each).
    Returns ``(first (G,), rate (K,))``; a group or key without weight gives NaN.
    """
    n = len(group)
    w = np.ones(n) if w is None else np.asarray(w, float)
    g_n, k_n = int(group.max()) + 1, int(key.max()) + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        first = np.bincount(group, weights=w * cols["first_revenue"], minlength=g_n) / np.bincount(
            group, weights=w, minlength=g_n
        )
        rev = np.bincount(key, weights=w * cols["revenue_after_start"], minlength=k_n)
        days = np.bincount(key, weights=w * cols["tenure_days"], minlength=k_n)
    return first, rev / np.where(days > 0, days, np.nan)


def _piece_integral(rate, start, length):
    """``int_0^length exp(-rate * u) du`` (elementwise; equals ``length`` when rate is 0)."""
    rate = np.asarray(rate, float)
    safe = np.where(rate > 1e-15, rate, 1.0)
    return np.where(rate > 1e-15, -np.expm1(-safe * length) / safe, length)


def lifetime(
    mult,
    log_base,
    breakpoints,
    *,
    onboarding: float,
    horizon: float,
    discount: float,
    p_onboarding: float = 0.0,
):
    """Discounted active days, active days and survival at the horizon.

    Parameters
    ----------
    mult : ndarray
        Hazard multiplier ``exp(x @ beta)`` per customer (any shape).
    log_base : ndarray, shape (K,)
        Log baseline hazard per day of each piece (time since onboarding end).
    breakpoints : tuple of float
        Piece boundaries (days since the end of onboarding).
    onboarding : float
        Days after the purchase without modelled churn.
    horizon : float
        Days after the purchase the value is counted over (``np.inf`` allowed).
    discount : float
        Continuous discount rate per day.
    p_onboarding : float
        Share of purchasers lost during onboarding (scales survival after it).

    Returns
    -------
    (discounted_days, days, survival_at_horizon), each shaped like ``mult``.
    """
    mult = np.asarray(mult, float)
    edges = np.r_[0.0, np.asarray(breakpoints, float), np.inf]
    span = max(horizon - onboarding, 0.0)
    lam = np.exp(np.asarray(log_base, float))
    disc = np.zeros_like(mult)
    und = np.zeros_like(mult)
    cum = np.zeros_like(mult)  # cumulative hazard at the piece start
    for k in range(len(edges) - 1):
        a = min(edges[k], span)
        b = min(edges[k + 1], span)
        length = b - a
        if length <= 0:
            break
        h = mult * lam[k]
        surv_a = np.exp(-cum)
        disc += (
            np.exp(-discount * (onboarding + a)) * surv_a * _piece_integral(h + discount, a, length)
        )
        und += surv_a * _piece_integral(h, a, length)
        cum = cum + h * length
    keep = 1.0 - p_onboarding
    onb_disc = float(_piece_integral(discount, 0.0, min(onboarding, horizon)))
    onb = min(onboarding, horizon)
    surv_h = keep * np.exp(-cum) if horizon >= onboarding else np.ones_like(mult)
    return onb_disc + keep * disc, onb + keep * und, surv_h
