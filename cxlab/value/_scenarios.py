"""Experience what-ifs for :class:`cxlab.ValueModel`: CSAT -> support -> churn, and NPS.

Not a public module. Raising a purchaser's CSAT from ``c`` to ``c'`` (capped at
the top of the scale) moves the churn hazard by ``exp(beta_csat (c' - c))``.
With ``mediated=True`` it also changes the expected support contacts from
``mu`` to ``mu' = mu exp(gamma (c' - c))`` (Poisson model of support on CSAT).
The counterfactual number of contacts keeps the customer's observed count
``N`` as far as possible: when contacts fall (``q = mu'/mu <= 1``) each of the
``N`` contacts is kept with probability ``q`` (binomial thinning), when they
rise ``Poisson(mu' - mu)`` contacts are added. Both keep the Poisson law
exactly, so the population moves from the fitted model at ``c`` to the fitted
model at ``c'``. Lifetime and NPS are averaged over that distribution of contacts.

NPS comes from the proportional-odds model of the 0-10 answer on CSAT, support
contacts and loyalty membership (:class:`cxlab.NPSDrivers`), predicted for
every purchaser (respondents or not); draws from its covariance give intervals.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["experience_outcomes", "nps_draws", "nps_outcomes"]

NPS_DRIVERS = ("csat", "support_contacts", "loyalty_member")


def contact_grid(n_obs, dc, gamma, csat, mediated: bool):
    """Grid of counterfactual support contacts and their probabilities, shape (n, K)."""
    n_obs = n_obs.astype(np.int64)
    if not mediated:
        return n_obs[:, None].astype(float), np.ones((len(n_obs), 1))
    q = np.exp(gamma[1] * dc)
    mu = np.exp(gamma[0] + gamma[1] * csat)  # gamma[0]: intercept, per customer or shared
    lam = np.where(q > 1, mu * (q - 1), 0.0)
    extra = int(np.ceil(lam.max() + 8 * np.sqrt(lam.max()) + 8)) if (q > 1).any() else 0
    k = np.arange(int(n_obs.max()) + extra + 1)[None, :].astype(float)
    n = n_obs[:, None].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # binomial thinning pmf(k; n, q) and Poisson(lam) additions pmf(k - n; lam)
        pq = np.minimum(q, 1.0)[:, None]
        log_thin = (
            special.gammaln(n + 1)
            - special.gammaln(k + 1)
            - special.gammaln(np.maximum(n - k, 0) + 1)
            + special.xlogy(k, pq)
            + special.xlog1py(n - k, -pq)
        )
        thin = np.where(k <= n, np.exp(log_thin), 0.0)
        j = k - n
        lam_ = lam[:, None]
        add = np.where(
            j >= 0,
            np.exp(special.xlogy(j, lam_) - lam_ - special.gammaln(np.maximum(j, 0) + 1)),
            0.0,
        )
    pk = np.where((q > 1)[:, None], add, thin)
    pk = pk / pk.sum(axis=1, keepdims=True)
    return np.broadcast_to(k, pk.shape), pk


def experience_outcomes(state, view, b, params, lin, outcomes):
    """Lifetime outcomes and NPS per covariate pattern after a CSAT change, replicate ``b``."""
    lo, hi = state.csat_scale
    covs = state.covariates
    ddays, days, surv = (np.array(o, dtype=float, copy=True) for o in outcomes)
    csat, n_obs = view["csat"], view["n_obs"]
    new = np.clip(csat + params["csat"], lo, hi)
    dc = np.where(view["mask"], new - csat, 0.0)
    idx = np.flatnonzero(dc != 0)
    has_nps = view.get("x_nps") is not None
    nps_i = nps_outcomes(state, b, view["x_nps"]) if has_nps else None
    if len(idx) == 0:
        return ddays, days, surv, nps_i
    _, beta = state.hazard.split(state.theta[b])
    beta = beta[0]
    b_c = beta[covs.index("csat")] if "csat" in covs else 0.0
    b_s = beta[covs.index("support_contacts")] if "support_contacts" in covs else 0.0
    mediated = bool(params.get("mediated", True)) and state.gamma is not None
    gamma = None
    if mediated:
        g = state.gamma[b]
        gamma = (g[0] + view["D"][idx] @ g[2:], g[1])  # per-pattern intercept with groups
    k, pk = contact_grid(n_obs[idx], dc[idx], gamma, csat[idx], mediated)
    lin_k = lin[idx, None] + b_c * dc[idx, None] + b_s * (k - n_obs[idx, None])
    d2, a2, s2 = state.life(np.exp(lin_k), state.theta[b], state.spend[b]["p_onb"])
    ddays[idx] = np.sum(pk * d2, axis=1)
    days[idx] = np.sum(pk * a2, axis=1)
    surv[idx] = np.sum(pk * s2, axis=1)
    if not has_nps:
        return ddays, days, surv, None
    nps = state.nps()
    drivers = nps["drivers"]
    x = view["x_nps"][idx][:, None, :].repeat(k.shape[1], axis=1)
    x[..., drivers.index("csat")] = new[idx, None]
    if "support_contacts" in drivers:
        x[..., drivers.index("support_contacts")] = k
    nps_i[idx] = np.sum(pk * _net(nps, b, x), axis=1)
    return ddays, days, surv, nps_i


def nps_draws(state, rng) -> dict:
    """Fit the NPS ordinal logit on purchasers who answered; draw its parameters."""
    from cxlab import NPSDrivers

    t = state.owners
    drivers = [d for d in NPS_DRIVERS if d in t.columns] + list(state.dummies)
    answered = t[t["nps_last"].notna()] if "nps_last" in t.columns else t.iloc[:0]
    if len(answered) < 30:  # too few answers for an NPS model: report no NPS
        return {"drivers": [], "x": None, "n": len(answered)}
    table = answered[drivers].astype(float).assign(nps=answered["nps_last"].astype(int).to_numpy())
    fit = NPSDrivers(drivers=drivers, importance=None).fit(table)
    res = fit.result_
    params = np.asarray(res.params, float)
    cov = np.asarray(res.cov_params(), float)
    k = len(drivers)
    # statsmodels keeps the cut points as (first cut, log increments); drawing there and
    # exponentiating shifts the draws (Jensen). Draw the cut points themselves instead:
    # delta method cov = J cov J', with J = d(cuts) / d(params).
    a = params[k:]
    jac = np.zeros((len(params), len(params)))
    jac[:k, :k] = np.eye(k)
    jac[k:, k] = 1.0
    for m in range(1, len(a)):
        jac[k + m :, k + m] = np.exp(a[m])
    point = np.r_[params[:k], res.model.transform_threshold_params(params)[1:-1]]
    draws = rng.multivariate_normal(
        point, jac @ cov @ jac.T, size=int(state.n_boot), method="cholesky"
    )
    draws = np.vstack([point, draws])
    levels = np.unique(table["nps"].to_numpy())
    cuts = np.sort(draws[:, k:], axis=1)  # keep the cut points ordered
    out = {
        "drivers": drivers,
        "beta": draws[:, :k],
        "cuts": cuts,
        "levels": levels,
        "x": t[drivers].to_numpy(float),
        "model": fit,
    }
    return out


def _net(nps: dict, b: int, x: np.ndarray) -> np.ndarray:
    """P(promoter) - P(detractor) for covariates ``x`` (..., p) under replicate ``b``."""
    eta = x @ nps["beta"][b]
    levels, cuts = nps["levels"], nps["cuts"][b]

    def cdf_at(score):  # P(answer <= score)
        below = np.flatnonzero(levels <= score)
        if len(below) == 0:
            return np.zeros_like(eta)
        j = below[-1]
        if j >= len(cuts):
            return np.ones_like(eta)
        return special.expit(cuts[j] - eta)

    return (1.0 - cdf_at(8)) - cdf_at(6)


def nps_outcomes(state, b: int, x: np.ndarray) -> np.ndarray:
    """P(promoter) - P(detractor) for covariates ``x`` under replicate ``b``."""
    return _net(state.nps(), b, x)
