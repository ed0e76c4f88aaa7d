"""survival_table, Kaplan-Meier and log-rank: checked against simulated truth and by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxlab
from cxlab.data._catalog import DEFAULT_CATALOG
from cxlab.data._model import CXData
from cxlab.exceptions import (
    DataError,
    DataWarning,
    ParameterError,
    SmallSampleWarning,
    StatisticalWarning,
    UnknownCategoryError,
)

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def sim():
    return cxlab.simulate(n_customers=4000, random_state=3)


@pytest.fixture(scope="module")
def sim_table(sim):
    end = pd.Timestamp(sim.truth.params["end"])
    return cxlab.survival_table(sim, observation_end=end, extra=sim.truth.persona)


def _data(rows, customers=None, feedback=None, catalog=DEFAULT_CATALOG):
    """A CXData from (customer_id, day, stage[, revenue]) tuples."""
    rows = [(*r, 0.0) if len(r) == 3 else r for r in rows]
    ev = pd.DataFrame(rows, columns=["customer_id", "day", "stage", "revenue"])
    ev["timestamp"] = T0 + ev.pop("day") * DAY
    ev["stage"] = pd.Categorical(ev["stage"], categories=list(catalog.stages))
    ev["channel"] = pd.Categorical(["web"] * len(ev), categories=list(catalog.channels))
    ev = ev.sort_values(["customer_id", "timestamp"], kind="stable", ignore_index=True)
    ids = sorted(ev["customer_id"].unique())
    if customers is None:
        customers = pd.DataFrame({"customer_id": ids, "loyalty_member": [False] * len(ids)})
    if feedback is None:
        feedback = pd.DataFrame(
            {"customer_id": [], "timestamp": pd.to_datetime([]), "metric": [], "score": []}
        )
    return CXData(events=ev, customers=customers, feedback=feedback, catalog=catalog)


# -- survival_table against the simulator's latent facts -----------------------------


def test_table_reproduces_truth(sim, sim_table):
    truth = sim.truth.customers
    tab = sim_table
    purchasers = truth.index[truth["purchased"]]
    assert sorted(tab.index) == sorted(purchasers)
    tc = truth.loc[tab.index]
    # timestamps are rounded to whole seconds in the event log
    np.testing.assert_allclose(tab["tenure_days"], tc["tenure_days"], atol=2 / 86_400)
    assert (tab["churned"] == tc["churned"].astype(bool)).all()
    assert (tab["churn_kind"].isna() == ~tab["churned"]).all()
    window = (pd.Timestamp(sim.truth.params["end"]) - T0) / DAY
    full = tc["purchase_day"] + sim.truth.onboarding_days < window
    assert (tab.loc[full, "support_contacts"] == tc.loc[full, "support_contacts"]).all()
    answered = tab["csat"].notna()
    assert answered.mean() > 0.99
    assert (tab.loc[answered, "csat"] == tc.loc[answered, "csat"]).all()
    assert (tab["loyalty_member"] == tc["loyalty_member"]).all()
    assert (tab["persona"].astype(str) == tc["persona"].astype(str)).all()
    assert tab.attrs["survival"]["churn"] == "event"


def test_default_observation_end_is_last_event(sim):
    tab = cxlab.survival_table(sim)
    last = sim.events["timestamp"].max()
    assert tab.attrs["survival"]["observation_end"] == str(last)
    censored = ~tab["churned"]
    assert (tab.loc[censored, "end"] == last).all()
    expected = (last - tab.loc[censored, "start"]) / DAY
    np.testing.assert_allclose(tab.loc[censored, "tenure_days"], expected)


def test_persona_column(sim):
    tab = cxlab.survival_table(sim)  # simulated: the true persona, and says so
    assert (tab["persona"].astype(str) == sim.truth.persona.loc[tab.index].astype(str)).all()
    assert "true simulated persona" in tab.attrs["survival"]["persona"]
    assert "persona" not in cxlab.survival_table(sim, persona=None).columns
    labels = pd.Series("p", index=sim.customers["customer_id"])
    assert (cxlab.survival_table(sim, persona=labels)["persona"] == "p").all()
    with pytest.raises(ParameterError, match="persona="):
        cxlab.survival_table(sim, persona="truth")


def test_unsorted_and_string_ids_give_same_table(sim, sim_table):
    end = pd.Timestamp(sim.truth.params["end"])
    shuffled = sim.events.sample(frac=1.0, random_state=0).reset_index(drop=True)
    data = CXData(events=shuffled, customers=sim.customers, feedback=sim.feedback)
    tab = cxlab.survival_table(data, observation_end=end)
    cols = ["tenure_days", "churned", "support_contacts", "revenue_after_start", "n_channels"]
    pd.testing.assert_frame_equal(tab[cols], sim_table[cols])
    as_str = CXData(
        events=sim.events.assign(customer_id=sim.events["customer_id"].map("c{:05d}".format)),
        customers=sim.customers.assign(
            customer_id=sim.customers["customer_id"].map("c{:05d}".format)
        ),
        feedback=sim.feedback.assign(customer_id=sim.feedback["customer_id"].map("c{:05d}".format)),
    )
    tab_s = cxlab.survival_table(as_str, observation_end=end)
    np.testing.assert_array_equal(tab_s["tenure_days"], sim_table["tenure_days"])
    np.testing.assert_array_equal(tab_s["csat"], sim_table["csat"])


@pytest.mark.parametrize("churn", ["event", "inactivity", "either"])
def test_numpy_reductions_in_memory_equal_the_engine_plan(sim, churn, monkeypatch):
    """pandas in memory takes numpy reductions; the narwhals plan gives the same table.

    On shuffled rows with text stages and channels, so neither may lean on the row order
    or on the categories' order.
    """
    from types import SimpleNamespace

    from cxlab.survival import _table

    events = sim.events.sample(frac=1.0, random_state=1).reset_index(drop=True)
    events = events.astype({"stage": str, "channel": str})
    data = CXData(events=events, customers=sim.customers, feedback=sim.feedback)
    days = None if churn == "event" else 45
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        fast = cxlab.survival_table(data, churn=churn, inactivity_days=days)
        monkeypatch.setattr(
            _table,
            "per_customer_in_memory",
            lambda ev, spec: _table._per_customer(
                _table._event_frame(SimpleNamespace(events=ev)), spec
            ),
        )
        plan = cxlab.survival_table(data, churn=churn, inactivity_days=days)
    pd.testing.assert_frame_equal(fast, plan)
    assert fast.attrs == plan.attrs


def test_explicit_churn_by_hand():
    data = _data(
        [
            (1, 0, "awareness"),
            (1, 2, "purchase", 50.0),
            (1, 5, "service"),
            (1, 40, "service"),  # outside the 28-day window
            (1, 60, "loyalty", 20.0),
            (1, 70, "churn"),
            (1, 80, "loyalty", 99.0),  # after churn: not counted
            (2, 0, "purchase", 10.0),
            (2, 100, "use"),
            (3, 0, "awareness"),  # never purchases: no row
        ]
    )
    tab = cxlab.survival_table(data)
    assert list(tab.index) == [1, 2]
    assert tab.loc[1, "tenure_days"] == 68 and tab.loc[1, "churned"]
    assert tab.loc[2, "tenure_days"] == 100 and not tab.loc[2, "churned"]
    assert tab.loc[1, "support_contacts"] == 1
    assert tab.loc[1, "revenue_after_start"] == 20.0 and tab.loc[1, "first_revenue"] == 50.0
    assert tab.attrs["survival"]["customers_without_start"] == 1


def test_inactivity_churn_by_hand():
    # observation end = day 200, threshold 60 -> churn visible up to day 140
    rows = [
        ("A", 0, "purchase"),
        ("A", 10, "use"),
        ("A", 100, "use"),  # gap 90 > 60: churned at day 10 (last activity before the gap)
        ("B", 0, "purchase"),
        *[("B", d, "use") for d in range(30, 200, 30)],  # never silent: censored at 140
        ("C", 150, "purchase"),  # starts after day 140: no follow-up, left out
        ("D", 0, "purchase"),
        ("D", 50, "use"),  # silent from day 50 to 200: churned at day 50
        ("E", 100, "purchase"),
        ("E", 130, "use"),  # silent 70 days until the end: churned at day 130 (<= 140)
        ("F", 100, "purchase"),
        ("F", 145, "use"),  # 55 days before the end: censored at 140
        ("Z", 200, "use"),  # sets the observation end
    ]
    with pytest.warns(DataWarning, match="no follow-up"):
        tab = cxlab.survival_table(_data(rows), churn="inactivity", inactivity_days=60)
    assert "C" not in tab.index
    expect = {
        "A": (10, True),
        "B": (140, False),
        "D": (50, True),
        "E": (30, True),
        "F": (40, False),
    }
    for cid, (days, churned) in expect.items():
        assert tab.loc[cid, "tenure_days"] == pytest.approx(days), cid
        assert bool(tab.loc[cid, "churned"]) is churned, cid
    assert (tab.loc[tab["churned"], "churn_kind"] == "inactivity").all()
    assert tab.attrs["survival"]["censored_at"] == str(T0 + 140 * DAY)


def test_either_takes_the_earlier_and_censors_explicit_churn_late():
    rows = [
        (1, 0, "purchase"),
        (1, 20, "churn"),
        (1, 30, "use"),  # activity after the churn event
        (1, 40, "use"),
        (2, 0, "purchase"),
        (2, 50, "use"),
        (2, 100, "use"),
        (2, 150, "use"),
        (2, 170, "churn"),  # after day 140: censored there
        (9, 200, "use"),
    ]
    tab = cxlab.survival_table(_data(rows), churn="either", inactivity_days=60)
    assert tab.loc[1, "tenure_days"] == 20 and tab.loc[1, "churn_kind"] == "event"
    assert tab.loc[2, "tenure_days"] == 140 and not tab.loc[2, "churned"]


def test_churn_before_purchase_raises_or_warns():
    rows = [
        (1, 0, "churn"),
        (1, 5, "purchase"),
        (1, 50, "use"),
        (2, 0, "purchase"),
        (2, 20, "churn"),
        (3, 1, "churn"),
    ]
    with pytest.raises(DataError, match="before the customer's first 'purchase'") as err:
        cxlab.survival_table(_data(rows))
    assert err.value.n_rows == 2 and err.value.example_ids == [1, 3]
    assert err.value.column == "stage" and "invalid_churn='warn'" in err.value.fix
    with pytest.warns(DataWarning, match="ignored"):
        tab = cxlab.survival_table(_data(rows), invalid_churn="warn")
    assert not tab.loc[1, "churned"] and tab.loc[1, "tenure_days"] == 45
    assert tab.loc[2, "churned"] and tab.loc[2, "tenure_days"] == 20


def test_all_censored_warns_and_bad_parameters():
    with pytest.warns(DataWarning, match="no churn was observed"):
        cxlab.survival_table(_data([(1, 0, "purchase"), (1, 10, "use")]))
    data = _data([(1, 0, "purchase"), (1, 10, "churn")])
    with pytest.raises(ParameterError, match="inactivity_days"):
        cxlab.survival_table(data, churn="inactivity")
    with pytest.raises(ParameterError, match="churn="):
        cxlab.survival_table(data, churn="silence")
    with pytest.raises(UnknownCategoryError, match="not a stage"):
        cxlab.survival_table(data, start_stage="signup")


def test_feedback_extra_and_time_to_resolve():
    catalog = DEFAULT_CATALOG.with_stages([*DEFAULT_CATALOG.stages, "resolved"])
    rows = [
        (1, 0, "purchase"),
        (1, 2, "service"),
        (1, 5, "resolved"),
        (1, 10, "service"),
        (1, 11, "resolved"),
        (1, 90, "use"),
        (2, 0, "purchase"),
        (2, 3, "service"),
        (2, 60, "churn"),
    ]
    fb = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2],
            "timestamp": T0 + pd.to_timedelta([0.01, 20, 27, 60, 0.01], unit="D"),
            "stage": ["purchase", "use", "use", "use", "purchase"],
            "metric": ["csat", "nps", "nps", "nps", "csat"],
            "score": [4, 6, 10, 0, 2],
        }
    )
    data = _data(rows, feedback=fb, catalog=catalog)
    extra = pd.Series(["x"], index=pd.Index([1], name="customer_id"), name="persona")
    with pytest.warns(DataWarning, match="extra has no row for 1"):
        tab = cxlab.survival_table(data, resolve_stage="resolved", extra=extra)
    assert tab.loc[1, "time_to_resolve_days"] == pytest.approx((3 + 1) / 2)
    assert np.isnan(tab.loc[2, "time_to_resolve_days"])  # never resolved
    assert tab.loc[1, "csat"] == 4 and tab.loc[2, "csat"] == 2
    # the NPS at day 60 is outside the 28-day window
    assert tab.loc[1, "nps_last"] == 10 and tab.loc[1, "nps_mean"] == 8 and tab.loc[1, "n_nps"] == 2
    assert tab.loc[1, "persona"] == "x" and pd.isna(tab.loc[2, "persona"])


# -- Kaplan-Meier ---------------------------------------------------------------------

TINY = pd.DataFrame(
    {"tenure_days": [1.0, 2, 2, 3, 4, 5], "churned": [1, 1, 0, 1, 0, 1]},
    index=pd.Index(list("abcdef"), name="customer_id"),
)


@pytest.mark.filterwarnings("ignore::cxlab.exceptions.SmallSampleWarning")
def test_kaplan_meier_by_hand():
    km = cxlab.kaplan_meier(TINY)
    # S(1) = 5/6; S(2) = 5/6 * 4/5 (5 at risk, 1 churn, 1 censored); S(3) = 2/3 * 2/3; S(5) = 0
    ret = km.retention([0.5, 1, 2, 2.5, 3, 4.5, 5]).set_index("horizon_days")["retention"]
    np.testing.assert_allclose(ret.to_numpy(), [1, 5 / 6, 2 / 3, 2 / 3, 4 / 9, 4 / 9, 0])
    # exponential Greenwood (log-log) interval at t = 2
    s = 2 / 3
    var_log = 1 / (6 * 5) + 1 / (5 * 4)
    se_theta = np.sqrt(var_log) / abs(np.log(s))
    z = stats.norm.ppf(0.975)
    lo, hi = np.exp(-np.exp(np.log(-np.log(s)) + z * se_theta * np.array([1, -1])))
    row = km.retention([2]).iloc[0]
    assert row["lower"] == pytest.approx(lo) and row["upper"] == pytest.approx(hi)
    assert row["at_risk"] == 5
    # median: first time S <= 0.5 is day 3
    assert km.median_lifetime().loc["all", "median_days"] == 3
    curves = km.curves()
    assert curves["survival"].is_monotonic_decreasing
    assert set(curves.columns) >= {"group", "time", "survival", "lower", "upper", "at_risk"}


def test_kaplan_meier_recovers_true_exponential_churn():
    one = cxlab.default_personas()[:1]
    data = cxlab.simulate(
        n_customers=6000,
        random_state=11,
        personas=one,
        hazard_coefficients={"loyalty_member": 0, "support_contacts": 0, "csat": 0},
        baseline_hazard=1 / 120,
    )
    lam = data.truth.baseline_hazard * np.exp(0.0)
    km = cxlab.kaplan_meier(cxlab.survival_table(data))
    ret = km.retention([100, 200]).set_index("horizon_days")
    for h in (100, 200):
        true = np.exp(-lam * (h - 28))
        assert ret.loc[h, "lower"] <= true <= ret.loc[h, "upper"]
    med = km.median_lifetime().loc["all"]
    true_median = 28 + np.log(2) / lam
    assert med["lower"] <= true_median <= med["upper"]


def test_kaplan_meier_groups_summary_and_plot(sim_table):
    km = cxlab.KaplanMeier(by="loyalty_member").fit(sim_table)
    assert km.groups_ == ["False", "True"]
    summ = km.summary(horizons=(90, 365))
    assert {"n", "churned", "median_days", "lower", "upper", "retention_90d"} <= set(summ.columns)
    # members churn less (true log hazard ratio -0.5)
    assert summ.loc["True", "retention_365d"] > summ.loc["False", "retention_365d"]
    with pytest.warns(StatisticalWarning, match="beyond the longest follow-up"):
        far = km.retention([10_000])
    assert far["retention"].isna().all()
    ax = km.plot()
    assert len(ax.get_lines()) == 2
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.filterwarnings("ignore::cxlab.exceptions.SmallSampleWarning")
def test_kaplan_meier_warnings_and_errors():
    t = TINY.assign(group=["a", "a", "a", "b", "b", "b"], churned=[1, 1, 1, 0, 0, 0])
    with pytest.warns(StatisticalWarning, match="no churn in group 'b'"):
        km = cxlab.KaplanMeier(by="group").fit(t)
    assert np.isinf(km.median_lifetime().loc["b", "median_days"])
    with pytest.warns(SmallSampleWarning):
        cxlab.KaplanMeier(by="group").fit(TINY.assign(group=list("aaabbb")))
    with pytest.raises(DataError, match="negative") as err:
        cxlab.kaplan_meier(TINY.assign(tenure_days=[-1.0, 2, 2, 3, 4, 5]))
    assert err.value.example_ids == ["a"]
    with pytest.warns(DataWarning, match="tenure_days = 0"):
        cxlab.kaplan_meier(TINY.assign(tenure_days=[0.0, 2, 2, 3, 4, 5]))
    with pytest.raises(DataError, match="True/False or 1/0"):
        cxlab.kaplan_meier(TINY.assign(churned=[2, 1, 0, 1, 0, 1]))
    with pytest.raises(cxlab.exceptions.NotFittedError, match="call fit"):
        cxlab.KaplanMeier().curves()
    with pytest.warns(DataWarning, match="form the group"):
        km = cxlab.KaplanMeier(by="g").fit(TINY.assign(g=["x", None, "x", "y", "y", "y"]))
    assert "(missing)" in km.groups_


# -- log-rank -----------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::cxlab.exceptions.SmallSampleWarning")
def test_logrank_by_hand_and_passed_through():
    t = pd.DataFrame(
        {
            "tenure_days": [1.0, 3, 5, 2, 4, 6],
            "churned": [1, 1, 0, 1, 1, 1],
            "g": list("AAABBB"),
        }
    )
    res = cxlab.logrank_test(t, "g")
    # by hand: at each churn time, observed minus expected churns in A and its variance
    o_e, var = 0.0, 0.0
    for time in sorted(t.loc[t.churned == 1, "tenure_days"].unique()):
        risk = t[t.tenure_days >= time]
        d = ((risk.tenure_days == time) & (risk.churned == 1)).sum()
        n, n_a = len(risk), (risk.g == "A").sum()
        d_a = ((risk.tenure_days == time) & (risk.churned == 1) & (risk.g == "A")).sum()
        o_e += d_a - d * n_a / n
        var += d * (n_a / n) * (1 - n_a / n) * (n - d) / max(n - 1, 1)
    chi2 = o_e**2 / var
    assert res.loc[0, "test_statistic"] == pytest.approx(chi2)
    assert res.loc[0, "p"] == pytest.approx(stats.chi2.sf(chi2, 1))


def test_logrank_several_groups(sim_table):
    from lifelines.statistics import multivariate_logrank_test

    res = cxlab.logrank_test(sim_table, "persona")
    direct = multivariate_logrank_test(
        sim_table["tenure_days"], sim_table["persona"].astype(str), sim_table["churned"]
    )
    assert res.loc[0, "p"] == direct.p_value and res.loc[0, "degrees_of_freedom"] == 3
    assert len(res) == 1 + 6 and (res["p_holm"].iloc[1:] >= res["p"].iloc[1:]).all()
    # store loyalists (log HR -0.4) vs careful researchers (+0.3): clearly different
    row = res[res["comparison"] == "careful researchers vs store loyalists"].iloc[0]
    assert row["p_holm"] < 1e-4
    with pytest.raises(ParameterError, match="at least two groups"):
        cxlab.logrank_test(sim_table.assign(one="x"), "one")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        km = cxlab.KaplanMeier(by="persona").fit(sim_table)
    assert km.logrank(pairwise=False).shape[0] == 1


def test_km_legend_names_boolean_groups(sim_table):
    import matplotlib.pyplot as plt

    km = cxlab.KaplanMeier(by="loyalty_member").fit(sim_table)
    ax = km.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == ["loyalty member", "not loyalty member"]
    plt.close("all")
