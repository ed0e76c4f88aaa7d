"""Small helpers for the teaching tour (``notebooks/00-cx-concepts.ipynb``).

Each helper shows one CX concept on simulated data and, where the simulator
knows the answer, puts the estimate next to the truth:

- :func:`journey_of`, :func:`plot_journey`: one customer's journey, event by event;
- :func:`stage_touchpoints`: stages, their touchpoints, buyer's vs owner's journey;
- :func:`experiment`: a mini-experiment: simulate twice, once with a changed
  parameter, and compare the outcomes (observed and true);
- :func:`retention_vs_acquisition`: what keeping customers is worth next to
  winning new ones;
- :func:`upsell_summary`, :func:`referrals_by_nps`: upsell and word of mouth.

The ``*_vs_truth`` comparisons live in :mod:`cxlab.teaching`. Notebooks
call these instead of defining functions of their own.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._deprecation import renamed_parameter
from cxlab._plots import localized, plot_doc
from cxlab.engines._study import require_memory
from cxlab.exceptions import DataError, ParameterError
from cxlab.i18n._messages import t as _t

__all__ = [
    "journey_of",
    "plot_journey",
    "stage_touchpoints",
    "experiment",
    "retention_vs_acquisition",
    "upsell_summary",
    "referrals_by_nps",
]


def _part(catalog, stage: str) -> str:
    if stage in catalog.buyer_stages:
        return "buyer's journey"
    return "exit" if stage == catalog.churn_stage else "owner's journey"


def _interesting_customer(data):
    """The first customer who bought, needed support, answered a survey and churned."""
    ev = data.events
    stage = ev["stage"].astype(str)
    has = lambda s: set(ev.loc[stage == s, "customer_id"])  # noqa: E731
    wanted = (
        has(data.catalog.purchase_stage)
        & has(data.catalog.support_stage)
        & set(data.feedback["customer_id"])
    )
    churn = has(data.catalog.churn_stage) if data.catalog.churn_stage else set()
    for pool in (wanted & churn, wanted, set(ev["customer_id"])):
        if pool:
            return sorted(pool)[0]
    raise ParameterError("the data has no events.")


def journey_of(data, customer_id=None) -> pd.DataFrame:
    """One customer's journey: their events and survey answers in time order.

    Parameters
    ----------
    data : CXData
    customer_id : optional
        Default: the first customer who bought, contacted support, answered a
        survey and churned (a journey that shows every part).

    Returns
    -------
    DataFrame
        ``timestamp``, ``day`` (since the first event), ``part`` (buyer's
        journey, owner's journey, exit), ``stage``, ``channel``, ``touchpoint``,
        ``revenue``, ``survey`` (metric) and ``score``.

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.teaching import journey_of
    >>> j = journey_of(cxlab.simulate(300, random_state=1))
    >>> j.columns.tolist()[:4]
    ['timestamp', 'day', 'part', 'stage']
    """
    require_memory(data, "cxlab.teaching.journey_of")
    if customer_id is None:
        customer_id = _interesting_customer(data)
    ev = data.events[data.events["customer_id"] == customer_id]
    if ev.empty:
        raise ParameterError(f"customer_id={customer_id!r} has no events.")
    fb = data.feedback[data.feedback["customer_id"] == customer_id]
    text = {c: str for c in ("stage", "channel", "touchpoint", "metric")}
    rows = pd.concat(
        [
            ev.filter(items=["timestamp", "stage", "channel", "touchpoint", "revenue"]).astype(
                {c: str for c in text if c in ev}
            ),
            fb.filter(items=["timestamp", "stage", "channel", "touchpoint", "metric", "score"])
            .astype({c: str for c in text if c in fb})
            .rename(columns={"metric": "survey"}),
        ],
        ignore_index=True,
    ).sort_values("timestamp", kind="stable", ignore_index=True)
    rows.insert(1, "day", (rows["timestamp"] - rows["timestamp"].iloc[0]) / pd.Timedelta(days=1))
    rows.insert(2, "part", [_part(data.catalog, s) for s in rows["stage"]])
    rows["revenue"] = rows["revenue"].fillna(0.0)
    rows.attrs["customer_id"] = customer_id
    return rows


@localized
@plot_doc
def plot_journey(journey: pd.DataFrame, ax=None, *, catalog=None):
    """Timeline of one journey (from :func:`journey_of`): stage by day, marker by channel.

    Returns the Axes.

    Parameters
    ----------
    journey : DataFrame
        One customer's events (:func:`journey_of`).
    %(ax)s
    catalog : StageCatalog, optional
        Stage order and names (default: the default catalog).
    """
    import matplotlib.pyplot as plt

    from cxlab.data._catalog import DEFAULT_CATALOG

    catalog = catalog or DEFAULT_CATALOG
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    y = {s: i for i, s in enumerate(catalog.stages)}
    events = journey[journey["survey"].isna()] if "survey" in journey else journey
    surveys = journey[journey["survey"].notna()] if "survey" in journey else journey.iloc[:0]
    for ch, part in events.groupby("channel", sort=True):
        ax.scatter(part["day"], part["stage"].map(y), label=ch, s=40, zorder=3)
    ax.plot(events["day"], events["stage"].map(y), color="grey", lw=0.8, zorder=2)
    if len(surveys):
        ax.scatter(surveys["day"], surveys["stage"].map(y) + 0.3, marker="*", s=120, color="gold",
                   edgecolor="black", label="survey answer", zorder=4)  # fmt: skip
    n_buyer = len(catalog.buyer_stages)
    ax.axhspan(-0.5, n_buyer - 0.5, color="#4C72B0", alpha=0.06)
    ax.text(0.99, (n_buyer - 0.6) / len(catalog.stages), "buyer's journey", transform=ax.transAxes,
            ha="right", va="top", fontsize=8, color="#4C72B0")  # fmt: skip
    ax.set_yticks(range(len(catalog.stages)), catalog.stages)
    ax.set_xlabel("days since the first contact")
    ax.set_title(_t("figure.journey.title", customer=journey.attrs.get("customer_id", "")))
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def stage_touchpoints(data) -> pd.DataFrame:
    """Per stage: which part of the journey it is, how many customers reach it, main touchpoints.

    Parameters
    ----------
    data : CXData
        A study.

    Returns
    -------
    DataFrame
        Index stage (catalog order): ``part``, ``events``, ``customers``,
        ``share_of_customers``, ``touchpoints`` (distinct), ``main_touchpoints``
        (the three most used, with their share of the stage's events). A study
        without a ``touchpoint`` column shows its channels there.
    """
    require_memory(data, "cxlab.teaching.stage_touchpoints")
    ev = data.events
    where = "touchpoint" if "touchpoint" in ev.columns else "channel"
    n = ev["customer_id"].nunique()
    rows = []
    for stage in data.catalog.stages:  # loop over stages
        e = ev[(ev["stage"] == stage).to_numpy()]
        tp = e[where].astype(str).value_counts()
        main = ", ".join(f"{k} ({v / max(len(e), 1):.0%})" for k, v in tp.head(3).items())
        rows.append(
            {
                "stage": stage,
                "part": _part(data.catalog, stage),
                "events": len(e),
                "customers": e["customer_id"].nunique(),
                "share_of_customers": e["customer_id"].nunique() / n,
                "touchpoints": int((tp > 0).sum()),
                "main_touchpoints": main,
            }
        )
    return pd.DataFrame(rows).set_index("stage")


def _changed_personas(persona_changes, transition):
    from cxlab.simulation._personas import default_personas

    out = []
    for p in default_personas():
        if persona_changes:
            p = dataclasses.replace(p, **persona_changes)
        if transition is not None:
            source, target, add = transition
            row = dict(p.transitions[source])
            old = row.get(target, 0.0)
            if not 0 <= old + add <= 1:
                raise ParameterError(
                    f"persona {p.name!r}: P({source} -> {target}) = {old} + {add} is outside [0, 1]."
                )
            scale = (1 - old - add) / (1 - old)
            row = {k: v * scale for k, v in row.items()}
            row[target] = old + add
            p = dataclasses.replace(p, transitions={**p.transitions, source: row})
        out.append(p)
    return out


def _outcomes(data, horizon: float = 365.0) -> dict:
    """Observed and true outcomes of one simulated study (see :func:`experiment`)."""
    from cxlab import kaplan_meier, survival_table
    from cxlab import nps as nps_score

    t = data.truth.customers
    buyers = t[t["purchased"]]
    ev, fb = data.events, data.feedback
    answers = fb.loc[(fb["metric"] == "nps").to_numpy(), "score"]
    km = kaplan_meier(survival_table(data)).retention([horizon])
    true_nps = 100 * (np.mean(buyers["nps_true"] >= 9) - np.mean(buyers["nps_true"] <= 6))
    advocacy = int((ev["stage"] == "advocacy").sum())
    return {
        ("conversion rate", "truth"): float(data.truth.conversion_probability["all"]),
        ("conversion rate", "observed"): float(t["purchased"].mean()),
        (f"retention at {horizon:g} days", "truth"): float(
            np.mean(buyers["churn_after_days"] > horizon)
        ),
        (f"retention at {horizon:g} days", "observed"): float(km["retention"].iloc[0]),
        ("NPS of purchasers", "truth"): float(true_nps),
        ("NPS of purchasers", "observed"): float(nps_score(answers).score)
        if len(answers)
        else np.nan,
        ("support contacts per purchaser", "truth"): float(buyers["support_contacts"].mean()),
        ("revenue per customer", "observed"): float(ev["revenue"].sum() / len(t)),
        ("referrals per purchaser", "observed"): advocacy / max(len(buyers), 1),
    }


@renamed_parameter("seed", "random_state")
def experiment(
    n_customers: int = 3000,
    random_state: int = 0,
    *,
    persona_changes: dict | None = None,
    transition: tuple | None = None,
    simulate_changes: dict | None = None,
) -> pd.DataFrame:
    """A mini-experiment: simulate the default study twice, once with a change, and compare.

    Parameters
    ----------
    n_customers : int, default=3000
    random_state : int, default=0
        Seed of both runs (the same for each). ``seed=`` is a deprecated alias.
    persona_changes : dict, optional
        Persona fields set for every persona, e.g. ``{"loyalty_rate": 0.8}``
        or ``{"support_per_onboarding": 1.2}`` (see :class:`cxlab.Persona`).
    transition : tuple, optional
        ``(source, target, add)``: add to P(source -> target) for every
        persona (the rest of the row shrinks in proportion), e.g.
        ``("consideration", "purchase", 0.10)``.
    simulate_changes : dict, optional
        Other :func:`cxlab.simulate` arguments for the changed run, e.g.
        ``{"baseline_hazard": 1 / 200}``.

    Returns
    -------
    DataFrame
        Index (outcome, source): ``baseline``, ``changed``, ``change``.
        ``source`` is ``truth`` (from the simulator's parameters and latent
        facts) or ``observed`` (what an analyst measures in the data).

    Examples
    --------
    >>> from cxlab.teaching import experiment
    >>> t = experiment(800, random_state=1, transition=("consideration", "purchase", 0.1))
    >>> bool(t.loc[("conversion rate", "truth"), "change"] > 0)
    True
    """
    from cxlab.simulation._simulate import simulate

    if not persona_changes and transition is None and not simulate_changes:
        raise ParameterError(
            "nothing to change: give persona_changes, transition or simulate_changes."
        )
    base = simulate(n_customers, random_state=random_state)
    changed = simulate(
        n_customers,
        random_state=random_state,
        personas=_changed_personas(persona_changes, transition),
        **(simulate_changes or {}),
    )
    a, b = _outcomes(base), _outcomes(changed)
    out = pd.DataFrame({"baseline": pd.Series(a), "changed": pd.Series(b)})
    out["change"] = out["changed"] - out["baseline"]
    out.index.names = ["outcome", "source"]
    return out


def retention_vs_acquisition(model, *, hazard_ratio: float = 0.9, cost_per_lead: float = 20.0):
    """What a churn reduction is worth, and what winning the same value with new leads costs.

    Parameters
    ----------
    model : ValueModel
        Fitted.
    hazard_ratio : float, default=0.9
        The retention improvement: churn hazard times this (0.9 = 10% less churn).
    cost_per_lead : float, default=20
        Marketing cost of one more lead (an assumption you supply).

    Returns
    -------
    DataFrame
        Index ``estimate``, ``lower``, ``upper``; columns ``value_from_retention``,
        ``value_per_lead`` (conversion x lifetime value today), ``leads_needed``
        (new leads that would create the same value) and ``acquisition_cost``
        (``leads_needed * cost_per_lead``), each with the model's interval.
    """
    from cxlab.value._results import Scenario

    res = model.what_if(Scenario.churn(hazard_ratio))
    gain = res.change("value")
    per_lead = res.before["value"] / model.n_leads_
    leads = gain / per_lead
    cols = {
        "value_from_retention": gain,
        "value_per_lead": per_lead,
        "leads_needed": leads,
        "acquisition_cost": leads * cost_per_lead,
    }
    a = (1 - model.confidence) / 2
    return pd.DataFrame(
        {k: [v[0], *np.nanquantile(v[1:], [a, 1 - a])] for k, v in cols.items()},
        index=["estimate", "lower", "upper"],
    )


def _poisson_rate(count, exposure, level=0.95):
    """Exact (Garwood) interval of a Poisson rate."""
    a = 1 - level
    lo = np.where(count > 0, stats.chi2.ppf(a / 2, 2 * count) / 2, 0.0) / exposure
    hi = stats.chi2.ppf(1 - a / 2, 2 * count + 2) / 2 / exposure
    return count / exposure, lo, hi


def _active_months(data) -> pd.Series:
    from cxlab import survival_table

    return survival_table(data)["tenure_days"] / 30.0


def _require(data, what: str, *, stages=(), columns=()) -> None:
    """Raise a DataError naming the stages or customer columns ``what`` needs and the study lacks."""
    lacking = [f"stage {s!r}" for s in stages if s not in data.catalog.stages]
    lacking += [f"customers column {c!r}" for c in columns if c not in data.customers.columns]
    if lacking:
        raise DataError(
            f"{what} needs the {' and the '.join(lacking)}, which this study does not have",
            fix="it is a lesson on the demo's journey (cxlab.simulate); skip it on other studies",
        )


def upsell_summary(data) -> pd.DataFrame:
    """Repeat orders and upsells of loyalty-club members and other purchasers.

    Parameters
    ----------
    data : CXData
        A study.

    Returns
    -------
    DataFrame
        Index ``loyalty_member``: ``purchasers``, ``active_months``,
        ``repeat_orders_per_month`` (with exact Poisson interval),
        ``upsell_share`` (share of repeat orders that are upsells) and
        ``repeat_revenue_per_month``.
    """
    require_memory(data, "cxlab.teaching.upsell_summary")
    _require(data, "the upsell summary", stages=("loyalty",), columns=("loyalty_member",))
    months = _active_months(data)
    ev = data.events
    rep = ev[
        (ev["stage"] == "loyalty").to_numpy() & ev["customer_id"].isin(months.index).to_numpy()
    ]
    member = data.customers.set_index("customer_id")["loyalty_member"].reindex(months.index)
    rows = []
    for flag in (True, False):
        ids = member.index[member.to_numpy() == flag]
        r = rep[rep["customer_id"].isin(ids)]
        m = float(months.loc[ids].sum())
        rate, lo, hi = _poisson_rate(len(r), m)
        rows.append(
            {
                "loyalty_member": flag,
                "purchasers": len(ids),
                "active_months": m,
                "repeat_orders_per_month": rate,
                "lower": lo,
                "upper": hi,
                "upsell_share": float((r["touchpoint"].astype(str) == "upsell_offer").mean()),
                "repeat_revenue_per_month": float(r["revenue"].sum() / m) if m else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("loyalty_member")


def referrals_by_nps(data) -> pd.DataFrame:
    """Word of mouth: referrals (advocacy events) per active month by NPS answer.

    Promoters answered 9-10, passives 7-8, detractors 0-6. The rate is
    advocacy events per active month (exact Poisson interval). For simulated
    data ``truth`` is the rate the simulator used (persona referral rate x 3
    for promoters, x 1 for passives, x 0.3 for detractors).

    Parameters
    ----------
    data : CXData
        A simulated study (its ``truth`` is used).
    """
    require_memory(data, "cxlab.teaching.referrals_by_nps")
    from cxlab import nps_category

    months = _active_months(data)
    _require(data, "referrals by NPS", stages=("advocacy",))
    fb = data.feedback
    answers = fb[(fb["metric"] == "nps").to_numpy()].drop_duplicates("customer_id")
    answers = answers[answers["customer_id"].isin(months.index)]
    group = pd.Series(nps_category(answers["score"].to_numpy()), index=answers["customer_id"])
    ev = data.events
    adv = ev.loc[(ev["stage"] == "advocacy").to_numpy(), "customer_id"].value_counts()
    truth = getattr(data, "truth", None)
    rows = []
    for label, mult in (("promoter", 3.0), ("passive", 1.0), ("detractor", 0.3)):
        ids = group.index[group.to_numpy() == label]
        count, exposure = float(adv.reindex(ids).fillna(0).sum()), float(months.loc[ids].sum())
        rate, lo, hi = _poisson_rate(count, exposure) if exposure else (np.nan,) * 3
        row = {"group": label, "customers": len(ids), "referrals": count, "active_months": exposure,
               "referrals_per_month": rate, "lower": lo, "upper": hi}  # fmt: skip
        if truth is not None:
            personas = {p["name"]: p for p in truth.params["personas"]}
            who = truth.persona.reindex(ids).astype(str)
            per = np.array([personas[x]["referral_per_month"] for x in who]) * mult
            row["truth"] = (
                float(np.sum(per * months.loc[ids].to_numpy()) / exposure) if exposure else np.nan
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("group")
