"""survival_clv: hand-worked Ghosh-Lin example, recovery of the simulator's true CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.data._catalog import DEFAULT_CATALOG
from cxlab.data._model import CXData
from cxlab.exceptions import ParameterError, StatisticalWarning
from cxlab.survival._clv import _weighted_estimates

T0 = pd.Timestamp("2025-01-01")


def _tiny():
    """A churns at 10 (spent 100 at day 5), B censored at 20 (50 at 15), C churns at 30."""
    rows = [
        ("A", 0, "purchase", 70.0),
        ("A", 5, "loyalty", 100.0),
        ("A", 10, "churn", 0.0),
        ("B", 0, "purchase", 70.0),
        ("B", 15, "loyalty", 50.0),
        ("B", 20, "use", 0.0),
        ("C", 0, "purchase", 70.0),
        ("C", 5, "loyalty", 30.0),
        ("C", 25, "loyalty", 60.0),
        ("C", 30, "churn", 0.0),
    ]
    ev = pd.DataFrame(rows, columns=["customer_id", "day", "stage", "revenue"])
    ev["timestamp"] = T0 + pd.to_timedelta(ev.pop("day"), unit="D")
    ev["stage"] = pd.Categorical(ev["stage"], categories=list(DEFAULT_CATALOG.stages))
    ev["channel"] = pd.Categorical(["web"] * len(ev), categories=list(DEFAULT_CATALOG.channels))
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"], "segment": ["x", "x", "x"]})
    fb = pd.DataFrame(
        {"customer_id": [], "timestamp": pd.to_datetime([]), "metric": [], "score": []}
    )
    data = CXData(events=ev, customers=customers, feedback=fb)
    # observation ends at day 30; B is censored at day 20 by hand
    table = cxlab.survival_table(data)
    table.loc["B", ["tenure_days", "end"]] = [20.0, T0 + pd.Timedelta(days=20)]
    return data, table


@pytest.mark.filterwarnings("ignore::cxlab.exceptions.SmallSampleWarning")
@pytest.mark.filterwarnings("ignore:.*shorter than the 40-day horizon")
def test_ghosh_lin_by_hand():
    data, table = _tiny()
    res = cxlab.survival_clv(
        data, table=table, by=None, horizon_days=40, margin=1.0, discount_rate=0.0, n_bootstrap=0
    )
    # KM: S = 1 until day 10, 2/3 from day 10 (3 at risk), 0 at day 30 (1 at risk).
    # day 5: S(5-) = 1, Y = 3 -> (100 + 30) / 3
    # day 15: S = 2/3, Y = 2 (B, C) -> 2/3 * 50 / 2
    # day 25: S = 2/3, Y = 1 (C) -> 2/3 * 60
    expect = 130 / 3 + (2 / 3) * 50 / 2 + (2 / 3) * 60
    assert res.table.loc["all", "clv"] == pytest.approx(expect)
    # restricted mean lifetime up to 40 days: 10 * 1 + 20 * 2/3 + 10 * 0
    assert res.table.loc["all", "expected_days_active"] == pytest.approx(10 + 40 / 3)
    with_first = cxlab.survival_clv(
        data,
        table=table,
        by=None,
        horizon_days=40,
        margin=0.5,
        discount_rate=0.0,
        include_first_purchase=True,
        n_bootstrap=0,
    )
    assert with_first.table.loc["all", "clv"] == pytest.approx(0.5 * (expect + 70))
    disc = cxlab.survival_clv(
        data, table=table, by=None, horizon_days=40, margin=1.0, discount_rate=0.10, n_bootstrap=0
    )
    f = lambda d: 1.1 ** (-d / 365)  # noqa: E731
    expect_d = 130 / 3 * f(5) + (2 / 3) * 25 * f(15) + (2 / 3) * 60 * f(25)
    assert disc.table.loc["all", "clv"] == pytest.approx(expect_d)


def test_weighted_estimator_with_unit_weights_is_lifelines_kaplan_meier():
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    rng = np.random.default_rng(0)
    n = 300
    d = np.round(rng.exponential(50, n), 1)
    e = rng.random(n) < 0.7
    owner = rng.integers(0, n, 500)
    u = rng.uniform(0, 1, 500) * d[owner]
    value = rng.gamma(2.0, 10.0, 500)
    clv, days = _weighted_estimates(d, e, u, value, owner, 60.0, np.ones((1, n)))
    kmf = KaplanMeierFitter().fit(d, e)
    sf = kmf.survival_function_.iloc[:, 0]
    k = np.searchsorted(sf.index.to_numpy(), u, side="left") - 1
    s_minus = np.where(k >= 0, sf.to_numpy()[np.maximum(k, 0)], 1.0)
    y = (d[None, :] >= u[:, None]).sum(axis=1)
    assert clv[0] == pytest.approx(np.sum(s_minus * value / y))
    assert days[0] == pytest.approx(restricted_mean_survival_time(kmf, t=60.0))


def test_clv_by_persona_recovers_the_true_value():
    data = cxlab.simulate(n_customers=8000, random_state=11)
    table = cxlab.survival_table(data, extra=data.truth.persona)
    res = cxlab.survival_clv(
        data,
        table=table,
        by="persona",
        horizon_days=365,
        margin=0.3,
        n_bootstrap=200,
        random_state=0,
    )
    # true CLV: margin x repeat revenue rate x discounted true survival, averaged over the
    # persona's purchasers (rates and hazards from the simulator's parameters)
    truth = data.truth
    tc = truth.customers.loc[table.index]
    personas = {p["name"]: p for p in truth.params["personas"]}
    hz = truth.hazard_coefficients
    lin = (
        hz["loyalty_member"] * tc["loyalty_member"]
        + hz["support_contacts"] * tc["support_contacts"]
        + hz["csat"] * tc["csat"]
    )
    for name in list(personas)[1:]:
        lin = lin + hz[f"persona[{name}]"] * (tc["persona"] == name)
    lam = truth.baseline_hazard * np.exp(lin.to_numpy(dtype=float))
    grid = np.arange(0, 365, 0.25) + 0.125
    onboard = truth.onboarding_days
    surv = np.exp(-lam[:, None] * np.clip(grid[None, :] - onboard, 0, None))
    integral = (surv * 1.1 ** (-grid / 365)).sum(axis=1) * 0.25
    per_day = np.array(
        [
            personas[p]["repeat_per_month"]
            / 30
            * 0.5
            * personas[p]["spend"]
            * (1 + personas[p]["upsell_share"])
            for p in tc["persona"].astype(str)
        ]
    ) * np.exp(0.4 * tc["loyalty_member"].to_numpy())  # simulate.LOYALTY_REPEAT_LOG_RR
    true = (
        pd.Series(0.3 * per_day * integral, index=tc.index)
        .groupby(tc["persona"].astype(str))
        .mean()
    )
    est = res.table.drop(index="all")
    z = (est["clv"] - true.reindex(est.index)) / est["se"]
    assert (z.abs() < 3.5).all(), z
    assert ((est["lower"] < est["clv"]) & (est["clv"] < est["upper"])).all()
    # who is worth most: store loyalists and busy professionals, careful researchers least
    assert est["clv"].idxmin() == "careful researchers"
    assert res.table.loc["all", "n"] == len(table)


def test_reproducible_and_warns_beyond_follow_up(small_data):
    a = cxlab.survival_clv(small_data, by="segment", n_bootstrap=50, random_state=3)
    b = cxlab.survival_clv(small_data, by="segment", n_bootstrap=50, random_state=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    c = cxlab.survival_clv(small_data, by="segment", n_bootstrap=50, random_state=4)
    assert not np.allclose(a.replicates, c.replicates)
    with pytest.warns(StatisticalWarning, match="shorter than the 3000-day horizon"):
        far = cxlab.survival_clv(small_data, by=None, horizon_days=3000, n_bootstrap=0)
    assert any("underestimate" in n for n in far.notes)
    assert "CLVResult" in repr(a)
    ax = a.plot()
    assert len(ax.patches) == len(a.table)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_parameter_errors(small_data):
    for kw, match in [
        ({"margin": 0}, "margin"),
        ({"margin": 1.5}, "margin"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"discount_rate": -1}, "discount_rate"),
        ({"n_bootstrap": -1}, "n_bootstrap"),
        ({"by": "nope"}, "not columns"),
    ]:
        with pytest.raises(ParameterError, match=match):
            cxlab.survival_clv(small_data, **kw)


def test_table_and_events_without_a_study(small_data):
    table = cxlab.survival_table(small_data)
    with_study = cxlab.survival_clv(small_data, table=table, n_bootstrap=20, random_state=1)
    without = cxlab.survival_clv(
        table=table, events=small_data.events, n_bootstrap=20, random_state=1
    )
    pd.testing.assert_frame_equal(with_study.table, without.table)
    on_events = cxlab.survival_clv(small_data.events, table=table, n_bootstrap=20, random_state=1)
    pd.testing.assert_frame_equal(with_study.table, on_events.table)
    with pytest.raises(ParameterError, match="events="):
        cxlab.survival_clv(table=table)
    with pytest.raises(ParameterError, match="table="):
        cxlab.survival_clv(events=small_data.events)
