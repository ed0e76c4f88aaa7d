"""Estimate next to truth, for the teaching tour: each table says whether the interval covers it.

Every function takes simulated data (``data.truth`` set), fits the package's
own estimator and returns a tidy table with ``estimate``, ``lower``,
``upper``, ``truth`` and ``covered``:

- :func:`chain_vs_truth`: buyer's-journey transition probabilities (:class:`cxlab.MarkovChain`);
- :func:`retention_vs_truth`: Kaplan-Meier retention against the share of
  purchasers whose (latent) churn time lies beyond each horizon;
- :func:`nps_vs_truth`: the NPS of the answers against the NPS of all purchasers;
- :func:`drivers_vs_truth`: NPS driver effects (:class:`cxlab.NPSDrivers`) or
  churn hazard ratios (:class:`cxlab.ChurnModel`) against the simulator's effects;
- :func:`whatif_vs_truth`: what-if effects of :class:`cxlab.ValueModel` against
  :func:`cxlab.truth_what_if`;
- :func:`churn_effects_vs_truth`: the log hazard ratios a :class:`cxlab.ValueModel`
  fitted (the effects every experience and churn what-if leans on) against the simulator's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.engines._study import require_memory
from cxlab.exceptions import ParameterError

__all__ = [
    "chain_vs_truth",
    "retention_vs_truth",
    "nps_vs_truth",
    "drivers_vs_truth",
    "whatif_vs_truth",
    "churn_effects_vs_truth",
]


def _truth(data):
    truth = getattr(data, "truth", None)
    if truth is None:
        raise ParameterError("this comparison needs simulated data (data.truth is None).")
    return truth


def _covered(df: pd.DataFrame) -> pd.DataFrame:
    covered = (df["lower"] <= df["truth"]) & (df["truth"] <= df["upper"])
    df["covered"] = covered.astype("boolean").mask(df["truth"].isna())  # empty: no truth
    return df


def chain_vs_truth(data, *, confidence: float = 0.95) -> pd.DataFrame:
    """Fitted buyer's-journey transition probabilities (Wilson intervals) and the truth.

    The truth is the pooled chain the simulator implies (``data.truth.transition_matrix``),
    plus the overall conversion probability (interval from the chain's Dirichlet draws).

    Parameters
    ----------
    data : CXData
        A simulated study (its ``truth`` is used).
    confidence : float, default=0.95
        Confidence level of the estimates' intervals.
    """
    from cxlab import MarkovChain

    truth = _truth(data)
    mc = MarkovChain(journey="buyer", confidence=confidence, random_state=0).fit(data.events)
    est = mc.transition_matrix_.stack().rename("estimate").to_frame()
    est["lower"] = mc.transition_ci_low_.stack()
    est["upper"] = mc.transition_ci_high_.stack()
    est["truth"] = truth.transition_matrix.stack().reindex(est.index).fillna(0.0)
    est = est[est["truth"] + est["estimate"] > 0]
    tab = mc.absorption().table
    row = tab[
        (tab["quantity"] == "absorption probability")
        & (tab["from"] == "(start)")
        & (tab["to"] == data.catalog.purchase_stage)
    ].iloc[0]
    conv = pd.DataFrame(
        {
            "estimate": [row["estimate"]],
            "lower": [row["ci_low"]],
            "upper": [row["ci_high"]],
            "truth": [float(truth.conversion_probability["all"])],
        },
        index=pd.MultiIndex.from_tuples([("(start)", "purchase, eventually")]),
    )
    out = pd.concat([est, conv])
    out.index.names = ["from", "to"]
    return _covered(out)


def retention_vs_truth(data, horizons=(90, 180, 365)) -> pd.DataFrame:
    """Kaplan-Meier retention of purchasers and the true share still active at each horizon.

    The simulator knows each purchaser's churn time even beyond the end of the
    data, so the truth is the share of the same purchasers with a churn time
    past the horizon.

    Parameters
    ----------
    data : CXData
        A simulated study (its ``truth`` is used).
    horizons : sequence of float, default=(90, 180, 365)
        Days at which retention is compared.
    """
    from cxlab import kaplan_meier, survival_table

    truth = _truth(data)
    table = survival_table(data)
    km = kaplan_meier(table).retention(list(horizons))
    churn_at = truth.customers["churn_after_days"].reindex(table.index).to_numpy()
    out = pd.DataFrame(
        {
            "estimate": km["retention"].to_numpy(),
            "lower": km["lower"].to_numpy(),
            "upper": km["upper"].to_numpy(),
            "at_risk": km["at_risk"].to_numpy(),
            "truth": [float(np.mean(churn_at > h)) for h in horizons],
        },
        index=pd.Index(list(horizons), name="days_after_purchase"),
    )
    return _covered(out)


def nps_vs_truth(data) -> pd.DataFrame:
    """NPS of the survey answers (with interval) and the NPS of every purchaser (truth).

    Half the purchasers answer at random in the simulator, so the answers are a
    fair sample; the interval should cover the truth about 95% of the time.

    Parameters
    ----------
    data : CXData
        A simulated study (its ``truth`` is used).
    """
    from cxlab import nps

    truth = _truth(data)
    fb = data.feedback
    est = nps(fb.loc[(fb["metric"] == "nps").to_numpy(), "score"])
    t = truth.customers
    t = t[t["purchased"] & t["nps_true"].notna()]
    true_nps = 100 * (np.mean(t["nps_true"] >= 9) - np.mean(t["nps_true"] <= 6))
    out = pd.DataFrame(
        {
            "estimate": [est.score],
            "lower": [est.lower],
            "upper": [est.upper],
            "answers": [est.n],
            "truth": [true_nps],
        },
        index=pd.Index(["NPS"], name="metric"),
    )
    return _covered(out)


def drivers_vs_truth(data, outcome: str = "nps") -> pd.DataFrame:
    """Effects of CSAT, support contacts and loyalty membership, estimated and true.

    Parameters
    ----------
    data : CXData
        Simulated.
    outcome : {"nps", "churn"}
        ``"nps"``: proportional-odds coefficients of the 0-10 answer
        (:class:`cxlab.NPSDrivers`); ``"churn"``: hazard ratios of churn
        (:class:`cxlab.ChurnModel`, Cox). The simulator's personas also shift
        both; they are left out here (as an analyst without persona labels
        would), so some estimates are pulled away from the truth: a lesson
        about omitted variables.
    """
    require_memory(data, "cxlab.teaching.drivers_vs_truth")
    truth = _truth(data)
    drivers = ["csat", "support_contacts", "loyalty_member"]
    if outcome == "nps":
        from cxlab import NPSDrivers, driver_table

        model = NPSDrivers(drivers=drivers, importance=None).fit(driver_table(data))
        c = model.coef_.loc[drivers]
        out = pd.DataFrame({"estimate": c["coef"], "lower": c["lower"], "upper": c["upper"]})
        out["truth"] = truth.nps_effects.reindex(drivers).to_numpy()
        out.attrs["scale"] = "ordinal-logit coefficient (log odds of a higher answer)"
    elif outcome == "churn":
        from cxlab import ChurnModel, survival_table

        table = survival_table(data, window_days=float(truth.onboarding_days))
        model = ChurnModel(covariates=drivers).fit(table)
        hr = model.hazard_ratios_.loc[drivers]
        out = pd.DataFrame(
            {"estimate": hr["hazard_ratio"], "lower": hr["lower"], "upper": hr["upper"]}
        )
        out["truth"] = np.exp(truth.hazard_coefficients.reindex(drivers).to_numpy())
        out.attrs["scale"] = "hazard ratio per unit (below 1 = less churn)"
    else:
        raise ParameterError(f"outcome={outcome!r}; use 'nps' or 'churn'.")
    out.index.name = "driver"
    return _covered(out)


def whatif_vs_truth(
    model,
    data,
    scenarios,
    metrics=("conversion_rate", "retention", "clv", "value"),
    *,
    by_persona: bool = False,
) -> pd.DataFrame:
    """Estimated what-if effects (with intervals) next to the true effects.

    Parameters
    ----------
    model : ValueModel
        Fitted on ``data``.
    data : CXData
        Simulated data; for real data (no truth) an empty table is returned.
    scenarios : list of Scenario
    metrics : sequence of str
        Metrics of :meth:`cxlab.ValueModel.what_if` to compare (changes).
    by_persona : bool, default=False
        Also refit the model with the same settings and ``groups=`` the true
        personas, and compare it too (the ``model`` level of the index is
        ``"as fitted"`` or ``"by persona"``).

    Returns
    -------
    DataFrame
        Index (model, scenario, metric): ``estimate``, ``lower``, ``upper`` (of
        the change), ``truth`` (from :func:`cxlab.truth_what_if`) and ``covered``.
        Metrics a scenario cannot move (no change in the model nor the truth) are left out.
    """
    import inspect

    from cxlab import truth_what_if

    cols = ["estimate", "lower", "upper", "truth", "covered"]
    truth = getattr(data, "truth", None)
    if truth is None:
        return pd.DataFrame(columns=cols)
    models = {"as fitted": model}
    if by_persona:
        names = [p for p in inspect.signature(type(model).__init__).parameters if p != "self"]
        again = type(model)(**{p: getattr(model, p) for p in names})
        models["by persona"] = again.fit(data, groups=truth.persona)
    rows = []
    for label, m in models.items():
        for s in scenarios:
            est = m.what_if(s).summary()
            tru = truth_what_if(m, data, s)
            for metric in metrics:
                # a metric the scenario cannot move (0 in the model and the truth) says nothing
                moved = metric in est.index and (
                    est.loc[metric, "change"] != 0 or tru.loc[metric, "change"] != 0
                )
                if moved:
                    rows.append(
                        {
                            "model": label,
                            "scenario": s.name,
                            "metric": metric,
                            "estimate": est.loc[metric, "change"],
                            "lower": est.loc[metric, "lower"],
                            "upper": est.loc[metric, "upper"],
                            "truth": tru.loc[metric, "change"],
                        }
                    )
    return _covered(pd.DataFrame(rows).set_index(["model", "scenario", "metric"]))


def churn_effects_vs_truth(model, data) -> pd.DataFrame:
    """Log hazard ratios of a fitted :class:`cxlab.ValueModel`'s churn model next to the truth.

    Every experience what-if leans on the one fitted CSAT effect (and the
    support-contact effect), so when this sample's estimate is off, all of
    them are off together; this table shows it. Group indicators are left out
    (clustered groups have no true counterpart).

    Parameters
    ----------
    model : ValueModel
        Fitted on ``data``; its intervals are at ``model.confidence``.
    data : CXData
        Simulated data; for real data (no truth) an empty table is returned.

    Returns
    -------
    DataFrame
        Index ``term`` (the churn covariates): ``estimate``, ``lower``, ``upper``
        (log hazard ratios), ``truth`` (``data.truth.hazard_coefficients``) and ``covered``.
    """
    cols = ["estimate", "lower", "upper", "truth", "covered"]
    truth = getattr(data, "truth", None)
    if truth is None:
        return pd.DataFrame(columns=cols)
    model._check_fitted("churn_effects_vs_truth")
    terms = [c for c in model.hazard_.index if c in truth.hazard_coefficients.index]
    h = model.hazard_.loc[terms]
    out = pd.DataFrame(
        {
            "estimate": h["coef"],
            "lower": np.log(h["lower"]),
            "upper": np.log(h["upper"]),
            "truth": truth.hazard_coefficients.reindex(terms).to_numpy(float),
        },
        index=pd.Index(terms, name="term"),
    )
    return _covered(out)
