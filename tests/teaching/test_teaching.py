"""Tests of the teaching-tour helpers (cxlab.teaching._examples, cxlab.teaching._truth) against known answers."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import ParameterError
from cxlab.simulation._truth import conversion_probability
from cxlab.teaching import _examples as teaching
from cxlab.teaching import _truth as teaching_truth

matplotlib.use("Agg")


def test_journey_of_is_one_customer_in_time_order(small_data):
    j = teaching.journey_of(small_data)
    cid = j.attrs["customer_id"]
    ev = small_data.events[small_data.events["customer_id"] == cid]
    fb = small_data.feedback[small_data.feedback["customer_id"] == cid]
    assert len(j) == len(ev) + len(fb)
    assert j["timestamp"].is_monotonic_increasing
    assert j["day"].iloc[0] == 0
    # the default customer shows every part of the journey
    assert {"buyer's journey", "owner's journey", "exit"} <= set(j["part"])
    assert j["revenue"].sum() == pytest.approx(ev["revenue"].sum())
    assert isinstance(teaching.plot_journey(j), matplotlib.axes.Axes)
    with pytest.raises(ParameterError, match="no events"):
        teaching.journey_of(small_data, -1)


def test_stage_touchpoints_counts(small_data):
    t = teaching.stage_touchpoints(small_data)
    assert list(t.index) == list(small_data.catalog.stages)
    assert t["events"].sum() == len(small_data.events)
    buyers = small_data.truth.customers["purchased"].sum()
    assert t.loc["purchase", "customers"] == buyers
    assert t.loc["awareness", "part"] == "buyer's journey"
    assert t.loc["loyalty", "part"] == "owner's journey"
    assert t.loc["churn", "part"] == "exit"


def test_experiment_transition_matches_absorbing_algebra():
    add = 0.1
    t = teaching.experiment(600, random_state=3, transition=("consideration", "purchase", add))
    # the true change is the weighted change of each persona's exact conversion
    personas = cxlab.default_personas()
    w = np.array([p.weight for p in personas])
    w = w / w.sum()
    after = []
    for p in personas:
        row = dict(p.transitions["consideration"])
        old = row["purchase"]
        row = {k: v * (1 - old - add) / (1 - old) for k, v in row.items()}
        row["purchase"] = old + add
        after.append(
            conversion_probability(
                dataclasses.replace(p, transitions={**p.transitions, "consideration": row})
            )
        )
    before = [conversion_probability(p) for p in personas]
    true_change = float(np.sum(w * (np.array(after) - np.array(before))))
    assert t.loc[("conversion rate", "truth"), "change"] == pytest.approx(true_change)
    assert t.loc[("conversion rate", "observed"), "change"] > 0
    with pytest.raises(ParameterError, match="nothing to change"):
        teaching.experiment(100, random_state=0)
    with pytest.raises(ParameterError, match="outside"):
        teaching.experiment(100, random_state=0, transition=("consideration", "purchase", 0.9))


def test_experiment_loyalty_raises_retention_not_conversion():
    t = teaching.experiment(1500, random_state=4, persona_changes={"loyalty_rate": 0.9})
    assert t.loc[("conversion rate", "truth"), "change"] == 0
    assert t.loc[("retention at 365 days", "truth"), "change"] > 0.03
    assert t.loc[("revenue per customer", "observed"), "change"] > 0


def test_retention_vs_acquisition_identity(small_data):
    vm = cxlab.ValueModel(n_bootstrap=30, random_state=0).fit(small_data)
    t = teaching.retention_vs_acquisition(vm, hazard_ratio=0.8, cost_per_lead=10.0)
    est = t.loc["estimate"]
    assert est["leads_needed"] * est["value_per_lead"] == pytest.approx(est["value_from_retention"])
    assert est["acquisition_cost"] == pytest.approx(10 * est["leads_needed"])
    assert est["value_per_lead"] == pytest.approx(
        vm.baseline_.loc["value", "estimate"] / vm.n_leads_
    )
    assert (t.loc["lower"] <= t.loc["upper"]).all()


def test_upsell_and_referrals_against_truth(small_data):
    up = teaching.upsell_summary(small_data)
    assert up.loc[True, "repeat_orders_per_month"] > up.loc[False, "repeat_orders_per_month"]
    # every persona's upsell share is 0.2
    for flag in (True, False):
        assert abs(up.loc[flag, "upsell_share"] - 0.2) < 0.05
    ref = teaching.referrals_by_nps(small_data)
    assert list(ref.index) == ["promoter", "passive", "detractor"]
    assert ref["referrals_per_month"].is_monotonic_decreasing
    for g in ref.index:
        assert ref.loc[g, "lower"] <= ref.loc[g, "truth"] <= ref.loc[g, "upper"]


def test_truth_tables_cover(small_data):
    chain = teaching_truth.chain_vs_truth(small_data)
    assert chain["covered"].mean() >= 0.8
    assert chain.loc[("(start)", "purchase, eventually"), "truth"] == pytest.approx(
        small_data.truth.conversion_probability["all"]
    )
    ret = teaching_truth.retention_vs_truth(small_data)
    assert ret["covered"].all()
    assert teaching_truth.nps_vs_truth(small_data)["covered"].all()
    drivers = teaching_truth.drivers_vs_truth(small_data, "nps")
    assert list(drivers.index) == ["csat", "support_contacts", "loyalty_member"]
    assert np.sign(drivers["estimate"]).tolist() == np.sign(drivers["truth"]).tolist()
    with pytest.raises(ParameterError, match="outcome"):
        teaching_truth.drivers_vs_truth(small_data, "revenue")


def test_truth_tables_need_truth(small_data):
    real = dataclasses.replace(small_data, truth=None)
    with pytest.raises(ParameterError, match="simulated data"):
        teaching_truth.chain_vs_truth(real)
    vm = cxlab.ValueModel(n_bootstrap=20, random_state=0).fit(real)
    empty = teaching_truth.whatif_vs_truth(vm, real, [cxlab.Scenario.churn(0.9)])
    assert isinstance(empty, pd.DataFrame) and empty.empty
    full = teaching_truth.whatif_vs_truth(vm, small_data, [cxlab.Scenario.churn(0.9)])
    assert set(full.columns) == {"estimate", "lower", "upper", "truth", "covered"}
    assert teaching_truth.churn_effects_vs_truth(vm, real).empty


def test_churn_effects_vs_truth(small_data):
    from cxlab.simulation import DEFAULT_HAZARD

    vm = cxlab.ValueModel(n_bootstrap=20, random_state=0).fit(
        small_data, groups=small_data.truth.persona
    )
    tab = teaching_truth.churn_effects_vs_truth(vm, small_data)
    # the churn covariates only (group indicators have no true counterpart), at the truth
    assert list(tab.index) == ["loyalty_member", "support_contacts", "csat"]
    assert tab["truth"].to_dict() == DEFAULT_HAZARD
    assert tab["estimate"].to_numpy() == pytest.approx(vm.hazard_.loc[tab.index, "coef"].to_numpy())
    # 90% Wald interval on the log scale: estimate +- 1.645 se
    half = 1.6448536 * vm.hazard_.loc[tab.index, "se"].to_numpy()
    assert (tab["upper"] - tab["estimate"]).to_numpy() == pytest.approx(half, rel=1e-6)
    assert (tab["estimate"] - tab["lower"]).to_numpy() == pytest.approx(half, rel=1e-6)
    inside = (tab["lower"] <= tab["truth"]) & (tab["truth"] <= tab["upper"])
    assert (tab["covered"] == inside).all()
