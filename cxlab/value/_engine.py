"""The evaluation engine of :class:`cxlab.ValueModel` (not a public module).

It reads only the model's :class:`~cxlab.value._state.FittedState` (``state_``).
:func:`evaluate` computes every metric for the point estimate and each
replicate under a scenario: the changed chain's conversion by group, the
owner's-journey outcomes per purchaser (lifetimes, survival, NPS) averaged by
group with the replicate's bootstrap weights, and the mix of groups by their
share of leads and purchasers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.data._groups import customer_groups
from cxlab.exceptions import ParameterError
from cxlab.value._chain import change_row, check_absorbing, conversion, replace_row
from cxlab.value._scenarios import experience_outcomes, nps_outcomes

__all__ = ["evaluate", "target_mask", "baseline_nps", "group_labels", "matrix_frame"]


def chain_after(state, scenario) -> tuple[np.ndarray, int]:
    p, n_clipped = state.p, 0
    rows, cols = state.chain.rows, state.chain.cols
    if scenario.kind == "transition":
        kw = scenario.params
        change_row(p[0], rows, cols, **kw, strict=True)  # raises on an impossible change
        p, n_clipped = change_row(p, rows, cols, **kw, strict=False)
    else:
        p = replace_row(p, rows, cols, **scenario.params)
    for g in range(p.shape[1]):
        check_absorbing(p[0, g], rows, state.chain.n_transient)
    return p, n_clipped


def _view(state, mask) -> dict:
    """Purchasers collapsed to their distinct covariate patterns.

    Every per-purchaser outcome depends only on the covariates, the group, the
    spend key and whether the scenario targets the purchaser, so outcomes are
    computed once per distinct pattern (a few hundred at most with the default
    discrete covariates, however many purchasers) and weighted by counts.
    """
    t = state.owners
    n = len(t)
    csat = t["csat"].to_numpy(float) if "csat" in t.columns else np.zeros(n)
    n_obs = t["support_contacts"].to_numpy(float)
    mask = np.zeros(n, dtype=bool) if mask is None else mask
    parts = [state.X, state.D, state.group_code[:, None], state.spend_key[:, None],
             csat[:, None], n_obs[:, None], mask[:, None]]  # fmt: skip
    nps = state.nps_if_fitted()
    nps_x = nps.get("x") if nps else None
    if nps_x is not None:
        parts.append(nps_x)
    z = np.nan_to_num(np.column_stack(parts).astype(float), nan=-1e9)
    _, first, inv = np.unique(z, axis=0, return_index=True, return_inverse=True)
    view = {
        "inv": inv.ravel(),
        "X": state.X[first],
        "D": state.D[first],
        "g": state.group_code[first],
        "key": state.spend_key[first],
        "csat": csat[first],
        "n_obs": n_obs[first],
        "mask": mask[first],
    }
    view["x_nps"] = None if nps_x is None else nps_x[first]
    return view


def _group_mean(view, wp, values, n_g):
    g = view["g"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(g, weights=wp * values, minlength=n_g) / np.bincount(
            g, weights=wp, minlength=n_g
        )


def evaluate(state, scenario) -> dict:
    """Every metric for the point estimate (index 0) and each replicate."""
    kind = None if scenario is None else scenario.kind
    p, n_clipped = chain_after(state, scenario) if kind in ("transition", "row") else (state.p, 0)
    conv = conversion(p, state.chain.n_transient)  # (n_rep, G)
    mask = target_mask(state, scenario)
    if kind == "experience":
        state.nps()  # fitted on first need
    view = _view(state, mask)
    n_u = len(view["g"])
    n_rep, n_g = conv.shape
    per = {m: np.full((n_rep, n_g), np.nan) for m in ("ret", "days", "rpp", "clv", "nps")}
    for b in range(n_rep):  # loop over replicates
        sp = state.spend[b]
        wp = np.bincount(view["inv"], weights=sp["w"], minlength=n_u)
        rate = sp["rate_k"][view["key"]]
        lin = view["X"] @ state.hazard.split(state.theta[b])[1][0]
        if kind == "churn":
            lin = lin + np.where(view["mask"], np.log(scenario.params["hazard_ratio"]), 0.0)
        ddays, days, surv = state.life(np.exp(lin), state.theta[b], sp["p_onb"])
        if kind == "experience":
            ddays, days, surv, nps_u = experience_outcomes(
                state, view, b, scenario.params, lin, (ddays, days, surv)
            )
            if nps_u is not None:
                per["nps"][b] = 100 * _group_mean(view, wp, nps_u, n_g)
        per["ret"][b] = _group_mean(view, wp, surv, n_g)
        per["days"][b] = _group_mean(view, wp, days, n_g)
        per["rpp"][b] = sp["first"] + _group_mean(view, wp, rate * days, n_g)
        per["clv"][b] = state.margin * (sp["first"] + _group_mean(view, wp, rate * ddays, n_g))
    buyers = state.lead_share * conv
    mix = buyers / buyers.sum(axis=1, keepdims=True)  # purchasers by group
    out = {"conversion_rate": buyers.sum(axis=1)}
    for m, k in (("retention", "ret"), ("active_days", "days"), ("clv", "clv")):
        out[m] = np.sum(mix * per[k], axis=1)
    out["revenue_per_purchaser"] = np.sum(mix * per["rpp"], axis=1)
    out["nps"] = (
        np.sum(mix * per["nps"], axis=1) if kind == "experience" else np.full(n_rep, np.nan)
    )
    out["purchasers"] = state.n_leads * out["conversion_rate"]
    out["revenue"] = out["purchasers"] * out["revenue_per_purchaser"]
    out["value"] = out["purchasers"] * out["clv"]
    out["_clipped"] = n_clipped
    out["_conv_by_group"] = conv
    return out


def target_mask(state, scenario):
    """Purchasers a churn or experience scenario applies to (boolean mask)."""
    if scenario is None or scenario.kind not in ("churn", "experience"):
        return None
    t = state.owners
    mask = np.ones(len(t), dtype=bool)
    where = dict(scenario.params.get("who") or {})
    for key in ("touchpoint", "channel"):
        if scenario.params.get(key) is not None:
            where[f"purchase_{key}"] = scenario.params[key]
    for col, value in where.items():
        if col not in t.columns:
            raise ParameterError(
                f"scenario {scenario.name!r}: unknown column {col!r}; choose among "
                f"{sorted(c for c in t.columns if t[c].nunique() < 50)}"
            )
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        known = set(pd.unique(t[col]).tolist())
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ParameterError(
                f"scenario {scenario.name!r}: {col}={unknown} matches no purchaser; "
                f"values present: {sorted(map(str, known))[:20]}"
            )
        mask &= t[col].isin(values).to_numpy()
    return mask


def baseline_nps(state, conv_by_group) -> np.ndarray | None:
    """Today's NPS per replicate (the NPS model is fitted on first need); None without answers.

    ``conv_by_group`` is the baseline conversion by group, shape (1 + n_boot, G).
    """
    nps = state.nps()
    if nps.get("x") is None:  # no NPS answers: experience what-ifs report no NPS
        return None
    view = _view(state, None)
    n_u, n_g = len(view["g"]), len(state.groups)
    per = np.empty((len(state.theta), n_g))
    for b, sp in enumerate(state.spend):  # loop over replicates
        wp = np.bincount(view["inv"], weights=sp["w"], minlength=n_u)
        per[b] = _group_mean(view, wp, nps_outcomes(state, b, view["x_nps"]), n_g)
    buyers = state.lead_share * conv_by_group
    mix = buyers / buyers.sum(axis=1, keepdims=True)
    return 100 * np.sum(mix * per, axis=1)


def group_labels(data, groups):
    """A function ``label_of(ids, table)``: the group label (str) of each customer id.

    ``groups`` is read by :func:`cxlab.data.customer_groups` (a customers
    column or a Series/dict by customer id); None gives ``"all"`` to everyone.
    Every customer asked for must have a group (the error names ``table``).
    """

    def label_of(ids, table):
        if groups is None:
            return np.full(len(ids), "all", dtype=object)
        labels = customer_groups(
            groups,
            data.customers,
            ids=ids,
            ids_table=table,
            what="customers table",
            param="groups",
        )
        return labels.to_numpy(dtype=str)

    return label_of


def matrix_frame(chain) -> pd.DataFrame:
    """The fitted transition matrix; with groups, indexed by (group, from)."""
    if len(chain.groups) == 1:
        return chain.frame(0)
    return pd.concat(
        {g: chain.frame(i) for i, g in enumerate(chain.groups)}, names=["group", "from"]
    )
