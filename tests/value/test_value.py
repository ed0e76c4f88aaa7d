"""Tests of cxlab.value._model: what-if analysis checked against hand-worked algebra and simulated truth."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad

import cxlab
from cxlab.exceptions import (
    DataError,
    NotFittedError,
    ParameterError,
    UnknownCategoryError,
)
from cxlab.simulation import DEFAULT_HAZARD
from cxlab.simulation._truth import conversion_probability
from cxlab.value._chain import change_row, check_absorbing, conversion, replace_row
from cxlab.value._owner import lifetime

matplotlib.use("Agg")

ROWS = ["(start)", "A", "B"]
COLS = ["A", "B", "purchase", "(drop-off)"]
#: A two-transient-state chain worked by hand below.
P_HAND = np.array(
    [
        [1.0, 0.0, 0.0, 0.0],  # (start) -> A
        [0.2, 0.5, 0.1, 0.2],  # A
        [0.1, 0.3, 0.4, 0.2],  # B
    ]
)


def _hand_conversion(p):
    """P(purchase | start in A), solved by hand for two transient states A, B.

    x_A = r_A + q_AA x_A + q_AB x_B and x_B = r_B + q_BA x_A + q_BB x_B give
    x_A = (r_A + q_AB r_B / (1 - q_BB)) / (1 - q_AA - q_AB q_BA / (1 - q_BB)).
    """
    (qaa, qab, ra, _), (qba, qbb, rb, _) = p[1], p[2]
    return (ra + qab * rb / (1 - qbb)) / (1 - qaa - qab * qba / (1 - qbb))


def _persona(**changes):
    p = cxlab.default_personas()[0]
    return dataclasses.replace(p, weight=1.0, **changes)


def _row_changed(persona, source, target, add):
    """The persona with P(source -> target) + add, the rest of the row scaled proportionally."""
    row = dict(persona.transitions[source])
    old = row[target]
    new = {k: v * (1 - old - add) / (1 - old) for k, v in row.items()}
    new[target] = old + add
    return dataclasses.replace(persona, transitions={**persona.transitions, source: new})


@pytest.fixture(scope="module")
def one_persona():
    """A homogeneous population (one persona: the buyer's journey is exactly Markov)."""
    data = cxlab.simulate(3000, random_state=11, personas=[_persona()])
    model = cxlab.ValueModel(n_bootstrap=100, random_state=0).fit(data)
    return data, model


# -- absorbing-chain algebra, by hand --------------------------------------------------
def test_conversion_two_states_by_hand():
    assert conversion(P_HAND, 2) == pytest.approx(9 / 17, abs=1e-12)
    assert _hand_conversion(P_HAND) == pytest.approx(9 / 17, abs=1e-12)
    start_half = P_HAND.copy()
    start_half[0] = [0.5, 0.5, 0.0, 0.0]  # x_B = 11/17 by hand
    assert conversion(start_half, 2) == pytest.approx(0.5 * 9 / 17 + 0.5 * 11 / 17)


def test_conversion_one_state_geometric():
    # consideration loops with q, buys with a: P(purchase) = a / (1 - q)
    q, a = 0.3, 0.4
    p = np.array([[1.0, 0.0, 0.0], [q, a, 1 - q - a]])
    assert conversion(p, 1) == pytest.approx(a / (1 - q))
    # a direct purchase from the start adds to it
    p[0] = [0.8, 0.2, 0.0]
    assert conversion(p, 1) == pytest.approx(0.2 + 0.8 * a / (1 - q))


def test_change_row_proportional_by_hand():
    new, clipped = change_row(P_HAND, ROWS, COLS, "A", "purchase", add=0.1)
    assert clipped == 0
    expected_row = [0.2 * 8 / 9, 0.5 * 8 / 9, 0.2, 0.2 * 8 / 9]
    np.testing.assert_allclose(new[1], expected_row)
    np.testing.assert_allclose(new.sum(axis=1), 1.0)
    np.testing.assert_allclose(new[[0, 2]], P_HAND[[0, 2]])  # other rows untouched
    assert conversion(new, 2) == pytest.approx(_hand_conversion(new))
    rel, _ = change_row(P_HAND, ROWS, COLS, "A", "purchase", relative=0.5)
    assert rel[1, 2] == pytest.approx(0.15)
    assert rel[1, [0, 1, 3]] == pytest.approx(np.array([0.2, 0.5, 0.2]) * 0.85 / 0.9)


def test_change_row_take_from_by_hand():
    new, _ = change_row(P_HAND, ROWS, COLS, "B", "purchase", add=0.1, take_from="(drop-off)")
    np.testing.assert_allclose(new[2], [0.1, 0.3, 0.5, 0.1])
    assert conversion(new, 2) == pytest.approx(_hand_conversion(new))
    stack = np.stack([P_HAND, P_HAND])  # works on a stack of replicates
    out, _ = change_row(stack, ROWS, COLS, "B", "purchase", add=0.1, take_from="(drop-off)")
    np.testing.assert_allclose(out[1], new)


def test_change_row_errors():
    with pytest.raises(ParameterError, match=r"outside \[0, 1\]"):
        change_row(P_HAND, ROWS, COLS, "A", "purchase", add=0.95)
    with pytest.raises(ParameterError, match="outside"):
        change_row(P_HAND, ROWS, COLS, "A", "purchase", add=-0.2)
    with pytest.raises(ParameterError, match="not sum to one"):
        change_row(P_HAND, ROWS, COLS, "A", "purchase", add=0.3, take_from="(drop-off)")
    with pytest.raises(UnknownCategoryError, match="considration"):
        change_row(P_HAND, ROWS, COLS, "considration", "purchase", add=0.1)
    with pytest.raises(UnknownCategoryError, match="to-stage"):
        change_row(P_HAND, ROWS, COLS, "A", "buy", add=0.1)
    # a replicate pushed outside [0, 1] is clipped and counted when not strict
    stack = np.stack([P_HAND, P_HAND])
    stack[1, 1] = [0.0, 0.05, 0.95, 0.0]
    out, clipped = change_row(stack, ROWS, COLS, "A", "purchase", add=0.1, strict=False)
    assert clipped == 1 and out[1, 1, 2] == 1.0


def test_replace_row_errors():
    ok = replace_row(P_HAND, ROWS, COLS, "A", {"B": 0.5, "purchase": 0.3, "(drop-off)": 0.2})
    np.testing.assert_allclose(ok[1], [0.0, 0.5, 0.3, 0.2])
    with pytest.raises(ParameterError, match="sums to 0.9"):
        replace_row(P_HAND, ROWS, COLS, "A", {"B": 0.5, "purchase": 0.4})
    with pytest.raises(ParameterError, match="not a probability"):
        replace_row(P_HAND, ROWS, COLS, "A", {"B": 1.2, "purchase": -0.2})
    stuck = replace_row(P_HAND, ROWS, COLS, "A", {"A": 1.0})
    with pytest.raises(ParameterError, match="never end"):
        check_absorbing(stuck, ROWS, 2)


# -- lifetime algebra: closed forms ------------------------------------------------------
def test_lifetime_constant_hazard_closed_form():
    h, d = 1 / 150, np.log1p(0.1) / 365
    disc, days, surv = lifetime(np.array([1.0, 0.8]), [np.log(h)], (), onboarding=0.0,
                                horizon=np.inf, discount=d)  # fmt: skip
    # integral of exp(-(h + d) t) dt over [0, inf) = 1 / (h + d); with a hazard ratio HR: 1/(HR h + d)
    np.testing.assert_allclose(disc, [1 / (h + d), 1 / (0.8 * h + d)])
    np.testing.assert_allclose(days, [1 / h, 1 / (0.8 * h)])
    np.testing.assert_allclose(surv, 0.0)


def test_lifetime_finite_horizon_onboarding_and_pieces():
    h, d, o, horizon = 1 / 150, 0.0003, 28.0, 400.0
    disc, days, surv = lifetime(np.array([1.3]), [np.log(h)], (), onboarding=o, horizon=horizon,
                                discount=d)  # fmt: skip
    s = lambda t: 1.0 if t < o else np.exp(-1.3 * h * (t - o))  # noqa: E731
    assert disc[0] == pytest.approx(
        quad(lambda t: np.exp(-d * t) * s(t), 0, horizon, points=[o])[0]
    )
    assert days[0] == pytest.approx(quad(s, 0, horizon, points=[o])[0])
    assert surv[0] == pytest.approx(np.exp(-1.3 * h * (horizon - o)))
    # two equal pieces = one piece; unequal pieces against numerical integration
    same = lifetime(np.array([1.3]), [np.log(h)] * 2, (100.0,), onboarding=o, horizon=horizon,
                    discount=d)  # fmt: skip
    np.testing.assert_allclose(np.ravel(same), np.ravel((disc, days, surv)))
    h2 = 1 / 400
    two = lifetime(np.array([1.0]), [np.log(h), np.log(h2)], (100.0,), onboarding=o,
                   horizon=horizon, discount=d)  # fmt: skip

    def s2(t):
        u = t - o
        if u < 0:
            return 1.0
        return np.exp(-h * min(u, 100) - h2 * max(u - 100, 0))

    assert two[0][0] == pytest.approx(
        quad(lambda t: np.exp(-d * t) * s2(t), 0, horizon, points=[o, o + 100])[0]
    )
    assert two[2][0] == pytest.approx(s2(horizon))


# -- fitted model against simulated truth --------------------------------------------------
def test_conversion_matches_markov_chain_and_observed_share(small_data):
    vm = cxlab.ValueModel(n_bootstrap=30, random_state=0).fit(small_data)
    mc = cxlab.MarkovChain(journey="buyer").fit(small_data.events)
    absorbed = mc.absorption().probabilities.loc["(start)", "purchase"]
    assert vm.conversion_ == pytest.approx(absorbed, abs=1e-12)
    # the fitted first-order chain reproduces the observed share of buyers exactly
    assert vm.conversion_ == pytest.approx(small_data.truth.customers["purchased"].mean())
    base = vm.baseline_.loc["conversion_rate"]
    truth = small_data.truth.conversion_probability["all"]
    assert base["lower"] <= truth <= base["upper"]


def test_transition_what_if_matches_truth_of_modified_persona(one_persona):
    data, vm = one_persona
    persona = _persona()
    base = vm.baseline_.loc["conversion_rate"]
    assert base["lower"] <= conversion_probability(persona) <= base["upper"]
    for source, add in (("consideration", 0.08), ("awareness", -0.04)):
        res = vm.what_if(cxlab.Scenario.transition(source, "purchase", add=add))
        changed = _row_changed(persona, source, "purchase", add)
        # the truth of the changed journey: simulate with the changed persona (exact value)
        truth = cxlab.simulate(50, random_state=0, personas=[changed]).truth.conversion_probability[
            "all"
        ]
        assert truth == pytest.approx(conversion_probability(changed))
        row = res.summary().loc["conversion_rate"]
        assert row["after_lower"] <= truth <= row["after_upper"]
        assert row["after"] == pytest.approx(truth, abs=0.02)
        true_change = truth - conversion_probability(persona)
        assert np.sign(row["change"]) == np.sign(true_change)
        assert row["change"] == pytest.approx(true_change, abs=0.01)
        # purchasers and value scale with conversion; lifetime value does not move
        s = res.summary()
        assert s.loc["clv", "change"] == 0
        assert s.loc["value", "after"] == pytest.approx(
            s.loc["purchasers", "after"] * s.loc["clv", "after"]
        )


def test_constant_hazard_retention_and_lifetime_closed_form():
    h = 1 / 120
    zero = {"loyalty_member": 0.0, "support_contacts": 0.0, "csat": 0.0}
    data = cxlab.simulate(2500, random_state=5, personas=[_persona()], hazard_coefficients=zero,
                          baseline_hazard=h)  # fmt: skip
    common = dict(churn_covariates=(), n_bootstrap=100, random_state=1, onboarding_days=28.0)
    vm = cxlab.ValueModel(horizon_days=np.inf, **common).fit(data)
    res = vm.what_if(cxlab.Scenario.churn(0.8)).summary()
    # expected active days = onboarding + 1 / hazard (no discounting of days)
    assert res.loc["active_days", "before"] == pytest.approx(28 + 1 / h, rel=0.08)
    lo, hi = vm.baseline_.loc["active_days", ["lower", "upper"]]
    assert lo <= 28 + 1 / h <= hi
    assert (
        res.loc["active_days", "after_lower"]
        <= 28 + 1 / (0.8 * h)
        <= res.loc["active_days", "after_upper"]
    )
    vm365 = cxlab.ValueModel(horizon_days=365.0, **common).fit(data)
    r365 = vm365.what_if(cxlab.Scenario.churn(0.8)).summary().loc["retention"]
    assert r365["after_lower"] <= np.exp(-0.8 * h * (365 - 28)) <= r365["after_upper"]
    true_change = np.exp(-0.8 * h * 337) - np.exp(-h * 337)
    assert r365["lower"] <= true_change <= r365["upper"]
    # the same numbers from truth_what_if (true parameters, same algebra)
    tw = cxlab.truth_what_if(vm365, data, cxlab.Scenario.churn(0.8))
    assert tw.loc["retention", "change"] == pytest.approx(true_change)


def test_experience_and_churn_against_truth(one_persona):
    data, vm = one_persona
    for s in (cxlab.Scenario.experience(1.0), cxlab.Scenario.churn(0.85)):
        res = vm.what_if(s).summary()
        truth = cxlab.truth_what_if(vm, data, s)
        for metric in ("retention", "clv"):
            assert (
                res.loc[metric, "lower"] <= truth.loc[metric, "change"] <= res.loc[metric, "upper"]
            )
        assert res.loc["conversion_rate", "change"] == 0
    nps = vm.what_if(cxlab.Scenario.experience(1.0)).summary().loc["nps"]
    truth = cxlab.truth_what_if(vm, data, cxlab.Scenario.experience(1.0)).loc["nps", "change"]
    assert nps["lower"] <= truth <= nps["upper"]
    assert nps["change"] > 5  # a full CSAT point moves NPS a lot


def test_experience_targets_touchpoint_and_mediation(one_persona):
    data, vm = one_persona
    store = vm.what_if(cxlab.Scenario.experience(1.0, touchpoint="store_counter")).summary()
    everyone = vm.what_if(cxlab.Scenario.experience(1.0)).summary()
    assert 0 < store.loc["retention", "change"] < everyone.loc["retention", "change"]
    direct = vm.what_if(cxlab.Scenario.experience(1.0, mediated=False)).summary()
    # fewer support contacts add to the direct CSAT effect on churn
    assert 0 < direct.loc["retention", "change"] < everyone.loc["retention", "change"]
    capped = vm.what_if(cxlab.Scenario.experience(10.0)).summary()
    top = vm.what_if(cxlab.Scenario.experience(4.0)).summary()  # 1 + 4 = 5: everyone at the top
    assert capped.loc["retention", "after"] == pytest.approx(top.loc["retention", "after"])


def test_experience_note_names_the_shared_csat_effect(one_persona):
    data, vm = one_persona
    notes = vm.what_if(cxlab.Scenario.experience(0.5)).notes
    shared = [n for n in notes if "one fitted CSAT effect" in n]
    assert len(shared) == 1
    coef = vm.hazard_.loc["csat", "coef"]
    assert f"{coef:.3f}" in shared[0]
    assert f"{np.log(vm.hazard_.loc['csat', 'lower']):.3f}" in shared[0]
    # a churn scenario does not lean on the CSAT effect: no such note
    assert not any(
        "one fitted CSAT effect" in n for n in vm.what_if(cxlab.Scenario.churn(0.9)).notes
    )


def test_groups_model_personas(small_data):
    persona = small_data.truth.persona
    vm = cxlab.ValueModel(n_bootstrap=60, random_state=2).fit(small_data, groups=persona)
    assert sorted(vm.groups_) == sorted(persona.cat.categories)
    assert vm.transition_matrix_.index.names == ["group", "from"]
    assert vm.conversion_ == pytest.approx(small_data.truth.customers["purchased"].mean())
    s = cxlab.Scenario.transition("consideration", "purchase", add=0.05)
    res = vm.what_if(s).summary().loc["conversion_rate"]
    truth = cxlab.truth_what_if(vm, small_data, s).loc["conversion_rate"]
    assert res["lower"] <= truth["change"] <= res["upper"]
    assert "group[store loyalists]" in vm.hazard_.index


def test_truth_baseline(one_persona):
    data, vm = one_persona
    tw = cxlab.truth_what_if(vm, data)
    assert (tw["change"] == 0).all()
    assert tw.loc["conversion_rate", "before"] == pytest.approx(conversion_probability(_persona()))
    for metric in ("retention", "active_days", "clv"):
        lo, hi = vm.baseline_.loc[metric, ["lower", "upper"]]
        assert lo <= tw.loc[metric, "before"] <= hi, metric


# -- ranking, results, owners --------------------------------------------------------------
def test_rank_orders_by_value(one_persona):
    _, vm = one_persona
    scenarios = [
        cxlab.Scenario.transition("consideration", "purchase", add=0.02),
        cxlab.Scenario.transition("consideration", "purchase", add=0.06),
        cxlab.Scenario.churn(0.9, who={"contacted_support": True}),
        cxlab.Scenario.experience(0.5, channel="store"),
    ]
    table = vm.rank(scenarios).summary()
    assert table["value_created"].is_monotonic_decreasing
    assert table.iloc[0]["scenario"] == scenarios[1].name
    assert table["p_best"].sum() == pytest.approx(1.0)
    assert (table["lower"] <= table["value_created"]).all()
    assert (table["value_created"] <= table["upper"]).all()
    assert table.set_index("scenario").loc[scenarios[2].name, "owner"] == "customer service"
    with pytest.raises(ParameterError, match="repeat"):
        vm.rank([scenarios[0], scenarios[0]])
    with pytest.raises(ParameterError, match="at least one"):
        vm.rank([])


def test_result_objects_and_plots(one_persona):
    _, vm = one_persona
    res = vm.what_if(cxlab.Scenario.churn(0.9))
    s = res.summary()
    assert list(s.columns[:6]) == ["before", "after", "change", "lower", "upper", "relative_change"]
    assert "nps" not in s.index  # only experience scenarios move NPS
    assert res.value_created["estimate"] > 0
    assert "churn hazard x0.9" in repr(res)
    assert res.owner == "customer success & retention"
    assert isinstance(res._repr_html_(), str) and res.notes
    ax = res.plot()
    assert isinstance(ax, matplotlib.axes.Axes)
    ranking = vm.rank([res.scenario, cxlab.Scenario.churn(0.8)])
    assert isinstance(ranking.plot(), matplotlib.axes.Axes)
    assert set(vm.spend_.index) >= {"first_order_value"}
    assert vm.hazard_.loc["csat", "hazard_ratio"] < 1


def test_touchpoint_owners_cover_the_data(small_data):
    owners = cxlab.touchpoint_owners()
    assert owners["touchpoint"].is_unique
    assert set(owners["p"]) <= {"product", "price", "promotion", "place", "people"}
    seen = set(small_data.events["touchpoint"].dropna().astype(str)) | set(
        small_data.feedback["touchpoint"].dropna().astype(str)
    )
    assert seen <= set(owners["touchpoint"])


def test_reproducible(small_data):
    a = cxlab.ValueModel(n_bootstrap=25, random_state=4).fit(small_data)
    b = cxlab.ValueModel(n_bootstrap=25, random_state=4).fit(small_data)
    s = cxlab.Scenario.experience(0.5)
    pd.testing.assert_frame_equal(a.what_if(s).summary(), b.what_if(s).summary())
    pd.testing.assert_frame_equal(a.baseline_, b.baseline_)


# -- bad input --------------------------------------------------------------------------------
def test_not_fitted():
    with pytest.raises(NotFittedError, match=r"call fit\(data\) before what_if"):
        cxlab.ValueModel().what_if(cxlab.Scenario.churn(0.9))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"margin": 0}, "margin"),
        ({"n_bootstrap": 5}, "n_bootstrap"),
        ({"confidence": 1.5}, "confidence"),
        ({"discount_rate": -0.1}, "discount_rate"),
        ({"horizon_days": 0}, "horizon_days"),
    ],
)
def test_bad_settings(small_data, params, match):
    with pytest.raises(ParameterError, match=match):
        cxlab.ValueModel(**params).fit(small_data)


def test_bad_scenarios(one_persona):
    data, vm = one_persona
    with pytest.raises(ParameterError, match="exactly one"):
        cxlab.Scenario.transition("consideration", "purchase", add=0.1, relative=0.1)
    with pytest.raises(ParameterError, match="hazard_ratio"):
        cxlab.Scenario.churn(0)
    with pytest.raises(ParameterError, match="must be a number"):
        cxlab.Scenario.experience("a lot")
    with pytest.raises(UnknownCategoryError, match="consideraton"):
        vm.what_if(cxlab.Scenario.transition("consideraton", "purchase", add=0.05))
    with pytest.raises(ParameterError, match=r"outside \[0, 1\]"):
        vm.what_if(cxlab.Scenario.transition("consideration", "purchase", add=0.9))
    with pytest.raises(ParameterError, match="sums to"):
        vm.what_if(cxlab.Scenario.row("awareness", {"consideration": 0.7, "purchase": 0.2}))
    with pytest.raises(ParameterError, match="never end"):
        vm.what_if(cxlab.Scenario.row("awareness", {"awareness": 1.0}))
    with pytest.raises(ParameterError, match="matches no purchaser"):
        vm.what_if(cxlab.Scenario.experience(0.5, touchpoint="teleport"))
    with pytest.raises(ParameterError, match="unknown column"):
        vm.what_if(cxlab.Scenario.churn(0.9, who={"shoe_size": 42}))
    with pytest.raises(ParameterError, match="needs a cxlab.Scenario"):
        vm.what_if("consideration +5pp")


def test_bad_groups(small_data):
    with pytest.raises(ParameterError, match="groups='favourite_colour' is not a column") as e:
        cxlab.ValueModel(n_bootstrap=20).fit(small_data, groups="favourite_colour")
    assert "segment" in str(e.value)  # names the columns the customers table has
    partial = small_data.truth.persona.iloc[:100]
    with pytest.raises(DataError, match="customers have no 'persona' group") as err:
        cxlab.ValueModel(n_bootstrap=20).fit(small_data, groups=partial)
    assert err.value.table == "events"
    assert err.value.n_rows == len(small_data.customers) - 100
    assert len(err.value.example_ids) == 5
    with pytest.raises(ParameterError, match="groups must be None, a column name"):
        cxlab.ValueModel(n_bootstrap=20).fit(small_data, groups=3)


# -- interval coverage by repeated simulation -------------------------------------------------
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::cxlab.exceptions.DataWarning")  # rare tied timestamps
def test_interval_coverage_repeated_simulation():
    """90% intervals of the what-if effects cover the truth at about the nominal rate."""
    persona = _persona()
    scenarios = {
        "transition": cxlab.Scenario.transition("consideration", "purchase", add=0.05),
        "churn": cxlab.Scenario.churn(0.8),
        "experience": cxlab.Scenario.experience(0.5),
    }
    metric = {"transition": "conversion_rate", "churn": "retention", "experience": "retention"}
    hits = {k: [] for k in scenarios}
    for rep in range(40):
        data = cxlab.simulate(1200, random_state=1000 + rep, personas=[persona])
        vm = cxlab.ValueModel(n_bootstrap=60, random_state=rep).fit(data)
        for key, s in scenarios.items():
            row = vm.what_if(s).summary().loc[metric[key]]
            truth = cxlab.truth_what_if(vm, data, s).loc[metric[key], "change"]
            hits[key].append(row["lower"] <= truth <= row["upper"])
    coverage = {k: np.mean(v) for k, v in hits.items()}
    for key, c in coverage.items():
        assert 0.75 <= c <= 1.0, (key, coverage)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::cxlab.exceptions.DataWarning")  # rare tied timestamps
def test_csat_effect_coverage_on_mixed_personas():
    """The churn model's CSAT effect on the demo's four personas: unbiased by persona, not pooled.

    Fitted with the true personas as groups, the 90% interval of the CSAT log hazard ratio covers
    the truth at the nominal rate and the estimates centre on it, so one study's low estimate (the
    demo: -0.24 against -0.30) is chance, shared by every experience what-if of that study.
    Pooled, persona (which moves CSAT, loyalty and churn) is an omitted confounder: the loyalty
    effect is biased away from zero.
    """
    truth = pd.Series(DEFAULT_HAZARD)  # what cxlab.simulate draws churn from
    est = {"personas": [], "pooled": []}
    hits = []
    for rep in range(60):
        data = cxlab.simulate(3000, random_state=2000 + rep)
        by = cxlab.ValueModel(n_bootstrap=20, random_state=rep).fit(data, groups=data.truth.persona)
        h = by.hazard_
        est["personas"].append(h.loc[["csat", "loyalty_member"], "coef"].to_numpy())
        lo, hi = np.log(h.loc["csat", ["lower", "upper"]].to_numpy(float))
        hits.append(lo <= truth["csat"] <= hi)
        pooled = cxlab.ValueModel(n_bootstrap=20, random_state=rep).fit(data)
        est["pooled"].append(pooled.hazard_.loc[["csat", "loyalty_member"], "coef"].to_numpy())
    coverage = np.mean(hits)
    assert 0.80 <= coverage <= 0.98, coverage  # binomial band around 0.90 for 60 studies
    by_persona, pooled = np.array(est["personas"]), np.array(est["pooled"])
    se = by_persona.std(axis=0, ddof=1) / np.sqrt(len(by_persona))
    target = truth[["csat", "loyalty_member"]].to_numpy()
    assert np.all(np.abs(by_persona.mean(axis=0) - target) < 3.5 * se), by_persona.mean(axis=0)
    # pooled: the loyalty effect is stronger than the truth by far more than chance allows
    assert pooled[:, 1].mean() < truth["loyalty_member"] - 6 * se[1], pooled.mean(axis=0)


def test_without_csat_or_nps_answers(small_data):
    no_feedback = dataclasses.replace(small_data, feedback=small_data.feedback.iloc[:0])
    with pytest.warns(cxlab.exceptions.DataWarning, match="csat"):
        vm = cxlab.ValueModel(n_bootstrap=20, random_state=0).fit(no_feedback)
    assert "csat" not in vm.hazard_.index
    assert vm.what_if(cxlab.Scenario.churn(0.9)).summary().loc["retention", "change"] > 0
    with pytest.raises(ParameterError, match="no CSAT"):
        vm.what_if(cxlab.Scenario.experience(0.5))
    fb = small_data.feedback
    no_nps = dataclasses.replace(small_data, feedback=fb[(fb["metric"] != "nps").to_numpy()])
    res = (
        cxlab.ValueModel(n_bootstrap=20, random_state=0)
        .fit(no_nps)
        .what_if(cxlab.Scenario.experience(0.5))
    )
    assert "nps" not in res.summary().index  # no answers, no NPS model: nothing invented
    assert res.summary().loc["retention", "change"] > 0
