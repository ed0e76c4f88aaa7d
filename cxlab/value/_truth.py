"""The true effect of a what-if on simulated data, from the simulator's own parameters.

:func:`truth_what_if` recomputes every metric of :meth:`cxlab.ValueModel.what_if`
with the parameters ``cxlab.simulate`` drew the data from (``data.truth``)
instead of fitted ones, using the same algebra:

- conversion: the scenario's change is made to each persona's own transition
  row and conversion is mixed over personas by weight (the causal effect of
  making the same change for everyone), by the fundamental matrix;
- churn: the true constant baseline hazard and log hazard ratios (persona
  terms included) for each of the model's purchasers, from the end of the
  true onboarding window;
- spend: each persona's mean first order, and repeat revenue per active day
  ``repeat_per_month / 30 * exp(0.4 * loyalty_member) * spend / 2 * (1 + upsell_share)``;
- support contacts: Poisson with mean ``support_per_onboarding * exp(-0.3 (csat - 3))``;
- NPS: the true proportional-odds model (thresholds, effects, persona shift).

Averages run over the purchasers the model averages over (its ``owners_``),
grouped by true persona and weighted by each persona's share of purchasers, so
the comparison isolates estimation error from the choice of population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from cxlab.exceptions import ParameterError
from cxlab.value._chain import change_row, conversion, replace_row
from cxlab.value._engine import target_mask
from cxlab.value._owner import lifetime
from cxlab.value._results import METRICS
from cxlab.value._scenarios import contact_grid

__all__ = ["truth_what_if"]


def truth_what_if(model, data, scenario=None) -> pd.DataFrame:
    """True before/after/change of every metric for simulated data.

    Parameters
    ----------
    model : ValueModel
        Fitted on ``data`` (its settings, purchasers and cohort size are used).
    data : CXData
        Simulated data (``data.truth`` set).
    scenario : Scenario, optional
        None gives the true baseline (before = after).

    Returns
    -------
    DataFrame
        Index metric; columns ``before``, ``after``, ``change``.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=1500, random_state=3)
    >>> vm = cxlab.ValueModel(n_bootstrap=30, random_state=0).fit(data)
    >>> s = cxlab.Scenario.churn(0.8)
    >>> bool(cxlab.truth_what_if(vm, data, s).loc["retention", "change"] > 0)
    True
    """
    from cxlab.simulation._simulate import LOYALTY_REPEAT_LOG_RR, SUPPORT_CSAT_EFFECT

    truth = getattr(data, "truth", None)
    if truth is None:
        raise ParameterError("truth_what_if needs simulated data (data.truth is None).")
    model._check_fitted("truth_what_if")
    personas = truth.params["personas"]
    names = [p["name"] for p in personas]
    w = np.array([p["weight"] for p in personas], float)
    w = w / w.sum()
    # -- buyer's journey per persona ------------------------------------------------
    chain = model.state_.chain
    conv_b, conv_a = [], []
    for nm in names:
        m = truth.transition_matrix_by_persona[nm]
        p = _full(m, chain.rows, chain.cols)
        conv_b.append(float(conversion(p, chain.n_transient)))
        conv_a.append(float(conversion(_apply(p, model, scenario), chain.n_transient)))
    conv_b, conv_a = np.array(conv_b), np.array(conv_a)
    # -- owner's journey per purchaser ---------------------------------------------------
    t = model.owners_
    persona = truth.persona.reindex(t.index).astype(str).to_numpy()
    code = np.array([names.index(x) for x in persona])
    par = {k: np.array([p[k] for p in personas], float)[code] for k in _PERSONA_KEYS}
    loyal = t["loyalty_member"].to_numpy(float)
    csat = t["csat"].to_numpy(float)
    n_obs = t["support_contacts"].to_numpy(float)
    coef = truth.hazard_coefficients
    lin = np.log(truth.baseline_hazard) + (
        coef["loyalty_member"] * loyal + coef["support_contacts"] * n_obs + coef["csat"] * csat
    )
    lin = lin + np.array([coef.get(f"persona[{x}]", 0.0) for x in persona])
    rate = (
        par["repeat_per_month"]
        / 30.0
        * np.exp(LOYALTY_REPEAT_LOG_RR * loyal)
        * 0.5
        * par["spend"]
        * (1 + par["upsell_share"])
    )
    life = _life(model, truth)
    before = life(np.exp(lin))
    nps_b = _net(truth, csat, n_obs, loyal, par["nps_shift"])
    after, nps_a = before, nps_b
    kind = None if scenario is None else scenario.kind
    if kind in ("churn", "experience"):
        mask = target_mask(model.state_, scenario)
    if kind == "churn":
        after = life(np.exp(lin + np.where(mask, np.log(scenario.params["hazard_ratio"]), 0.0)))
    elif kind == "experience":
        lo, hi = model.state_.csat_scale
        new = np.clip(csat + scenario.params["csat"], lo, hi)
        dc = np.where(mask, new - csat, 0.0)
        gamma0 = np.log(par["support_per_onboarding"]) - SUPPORT_CSAT_EFFECT * 3
        k, pk = contact_grid(
            n_obs,
            dc,
            (gamma0, SUPPORT_CSAT_EFFECT),
            csat,
            bool(scenario.params.get("mediated", True)),
        )
        lin_k = (
            lin[:, None]
            + coef["csat"] * dc[:, None]
            + coef["support_contacts"] * (k - n_obs[:, None])
        )
        after = tuple(np.sum(pk * o, axis=1) for o in life(np.exp(lin_k)))
        nps_k = _net(truth, (csat + dc)[:, None], k, loyal[:, None], par["nps_shift"][:, None])
        nps_a = np.sum(pk * nps_k, axis=1)
    out = {}
    for label, conv, (ddays, days, surv), nps_i in (
        ("before", conv_b, before, nps_b),
        ("after", conv_a, after, nps_a),
    ):
        share = w * conv / np.sum(w * conv)  # persona mix among purchasers
        per = {}
        for j in range(len(names)):
            m = code == j
            if not m.any():
                continue
            per[j] = {
                "retention": surv[m].mean(),
                "active_days": days[m].mean(),
                "revenue_per_purchaser": par["spend"][m][0] + np.mean(rate[m] * days[m]),
                "clv": model.margin * (par["spend"][m][0] + np.mean(rate[m] * ddays[m])),
                "nps": 100 * nps_i[m].mean(),
            }
        mix = share[list(per)] / share[list(per)].sum()
        vals = {
            k: float(sum(s * per[j][k] for s, j in zip(mix, per))) for k in per[next(iter(per))]
        }
        vals["conversion_rate"] = float(np.sum(w * conv))
        vals["purchasers"] = model.n_leads_ * vals["conversion_rate"]
        vals["revenue"] = vals["purchasers"] * vals["revenue_per_purchaser"]
        vals["value"] = vals["purchasers"] * vals["clv"]
        out[label] = vals
    frame = pd.DataFrame(out).loc[list(METRICS)]
    frame["change"] = frame["after"] - frame["before"]
    frame.index.name = "metric"
    return frame


_PERSONA_KEYS = (
    "spend",
    "repeat_per_month",
    "upsell_share",
    "support_per_onboarding",
    "nps_shift",
)


def _full(m: pd.DataFrame, rows, cols) -> np.ndarray:
    """A persona's transition table in the model's row/column order."""
    return m.reindex(index=rows, columns=cols).fillna(0.0).to_numpy(float)


def _apply(p: np.ndarray, model, scenario) -> np.ndarray:
    if scenario is None or scenario.kind not in ("transition", "row"):
        return p
    chain = model.state_.chain
    if scenario.kind == "row":
        return replace_row(p, chain.rows, chain.cols, **scenario.params)
    out, _ = change_row(p, chain.rows, chain.cols, **scenario.params, strict=True)
    return out


def _life(model, truth):
    def run(mult):
        return lifetime(
            mult,
            [0.0],
            (),
            onboarding=float(truth.onboarding_days),
            horizon=float(model.horizon_days),
            discount=np.log1p(model.discount_rate) / 365.0,
        )

    return run


def _net(truth, csat, support, loyal, shift):
    """True P(promoter) - P(detractor)."""
    e = truth.nps_effects
    eta = e["csat"] * csat + e["support_contacts"] * support + e["loyalty_member"] * loyal + shift
    th = truth.nps_thresholds.to_numpy(float)  # P(y <= k) = expit(th[k] - eta), k = 0..9
    return (1.0 - special.expit(th[8] - eta)) - special.expit(th[6] - eta)
