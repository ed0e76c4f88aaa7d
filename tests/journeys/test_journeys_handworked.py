"""Journey analytics on a tiny event log whose every answer is worked out by hand.

The log (day of each event; channels in brackets):

    c1: awareness d0 (ads), consideration d2 (web), purchase d5 (web)
    c2: consideration d0 (web), awareness d1 (ads), purchase d3 (store)
    c3: awareness d0 (search), purchase d4 (web)
    c4: awareness d0 (social), consideration d1 (web)
    c5: awareness d0 (ads), awareness d1 (ads), consideration d3 (web), awareness d6 (ads)
    c6: awareness d0 (ads)

The expected numbers in each test are derived in its docstring or comments.
"""

import numpy as np
import pandas as pd
import pytest
from journey_log import AW, CON, PUR, ROWS, make_log, wilson_by_hand

import cxlab


@pytest.fixture
def log():
    return make_log()


# -- sequences ----------------------------------------------------------------
def test_sequences_paths_and_collapse(log):
    js = cxlab.journey_sequences(log)
    frame = js.to_frame().set_index("customer_id")
    assert frame.loc[5, "path"] == "awareness > awareness > consideration > awareness"
    assert frame.loc[5, "duration_days"] == 6.0
    assert frame["n_steps"].tolist() == [3, 3, 2, 2, 4, 1]
    collapsed = cxlab.journey_sequences(log, collapse=True).to_frame().set_index("customer_id")
    assert collapsed.loc[5, "path"] == "awareness > consideration > awareness"
    assert js.summary().loc["single_step_journeys", "value"] == 1


def test_sessions_by_inactivity_gap(log):
    """A gap over 1.5 days starts a new session.

    c1 gaps 2, 3 -> 3 sessions; c2 gaps 1, 2 -> 2; c3 gap 4 -> 2; c4 gap 1 -> 1;
    c5 gaps 1, 2, 3 -> 3; c6 -> 1. Total 12.
    """
    js = cxlab.journey_sequences(log, gap="1.5D")
    frame = js.to_frame()
    assert len(frame) == 12
    c5 = frame[frame["customer_id"] == 5]
    assert c5["path"].tolist() == ["awareness > awareness", "consideration", "awareness"]
    assert c5["session"].tolist() == [0, 1, 2]
    # numbers of days work too, and collapse applies within sessions only
    js2 = cxlab.journey_sequences(log, gap=1.5, collapse=True).to_frame()
    assert js2[js2["customer_id"] == 5]["path"].tolist() == [
        "awareness",
        "consideration",
        "awareness",
    ]


def test_unsorted_input_gives_the_same_answers(log):
    shuffled = log.sample(frac=1.0, random_state=3)
    a = cxlab.funnel(log).summary()
    b = cxlab.funnel(shuffled).summary()
    pd.testing.assert_frame_equal(a, b)
    va = cxlab.variants(log).summary()
    vb = cxlab.variants(shuffled).summary()
    pd.testing.assert_frame_equal(va[["variant", "journeys"]], vb[["variant", "journeys"]])


def test_string_customer_ids(log):
    log = log.assign(customer_id="cust-" + log["customer_id"].astype(str))
    f = cxlab.funnel(log).summary()
    assert f["customers"].tolist() == [6, 4, 3]


# -- funnels ------------------------------------------------------------------
def test_open_funnel_by_hand(log):
    """Open: reached awareness c1-c6 (6), consideration c1 c2 c4 c5 (4), purchase c1 c2 c3 (3).

    Step conversion: of the 6 at awareness 4 reached consideration; of the 4 at
    consideration, c1 and c2 purchased (2/4). Days from entry to consideration:
    c1 2, c2 0, c4 1, c5 3 -> median 1.5, quartiles 0.75 and 2.25; to purchase:
    c1 5, c2 3, c3 4 -> median 4.
    """
    t = cxlab.funnel(log, [AW, CON, PUR]).summary()
    assert t["entered"].tolist() == [6, 6, 6]
    assert t["customers"].tolist() == [6, 4, 3]
    np.testing.assert_allclose(t["conversion"], [1, 4 / 6, 3 / 6])
    np.testing.assert_allclose(t["step_conversion"], [1, 4 / 6, 2 / 4])
    assert t["dropped"].tolist() == [0, 2, 2]
    lo, hi = wilson_by_hand(3, 6)
    assert t.loc[2, "conversion_ci_low"] == pytest.approx(lo)
    assert t.loc[2, "conversion_ci_high"] == pytest.approx(hi)
    lo, hi = wilson_by_hand(2, 4)
    assert t.loc[2, "step_conversion_ci_low"] == pytest.approx(lo)
    np.testing.assert_allclose(t["days_median"], [0, 1.5, 4])
    assert t.loc[1, "days_q25"] == pytest.approx(0.75)
    assert t.loc[1, "days_q75"] == pytest.approx(2.25)
    # fewer than 6 observations: no order-statistic pair reaches 95%
    assert np.isnan(t.loc[2, "days_median_ci_low"])


def test_closed_funnel_by_hand(log):
    """Closed: c2 enters at consideration and is left out; entered = c1 c3 c4 c5 c6 (5).

    In order: consideration after awareness for c1, c4, c5 (3); purchase after
    that consideration only for c1 (c3 bought without considering) -> 1.
    """
    f = cxlab.funnel(log, [AW, CON, PUR], kind="closed")
    t = f.summary()
    assert t["entered"].tolist() == [5, 5, 5]
    assert t["customers"].tolist() == [5, 3, 1]
    np.testing.assert_allclose(t["step_conversion"], [1, 3 / 5, 1 / 3])
    np.testing.assert_allclose(t["days_median"], [0, 2, 5])  # c1 2, c4 1, c5 3; c1 5
    assert any("1 customers entered at a later step" in n for n in f.notes)
    per = f.per_customer().set_index("customer_id")
    assert pd.isna(per.loc[2, "entered"]) and pd.isna(per.loc[3, CON])
    assert per.loc[1, PUR] == pd.Timestamp("2025-03-06")


def test_funnel_within_window(log):
    """Purchases within 3.5 days of entering: c2 (3 days) only; c1 took 5, c3 4."""
    t = cxlab.funnel(log, [AW, CON, PUR], within="3.5D").summary()
    assert t["customers"].tolist() == [6, 4, 1]


def test_funnel_by_group(log):
    groups = pd.Series({1: "a", 2: "a", 3: "b", 4: "b", 5: "b", 6: "a"}, name="team")
    t = cxlab.funnel(log, [AW, CON, PUR], by=groups).summary()
    assert t.columns[0] == "team"
    a = t[t["team"] == "a"]
    assert a["customers"].tolist() == [3, 2, 2]  # c1 c2 c6; con c1 c2; pur c1 c2
    b = t[t["team"] == "b"]
    assert b["customers"].tolist() == [3, 2, 1]  # c3 c4 c5; con c4 c5; pur c3


# -- variants and paths ---------------------------------------------------------
def test_variants_by_hand(log):
    """Paths before the first purchase: c1 aw>con (bought), c2 con>aw (bought),
    c3 aw (bought), c4 aw>con, c5 aw>aw>con>aw, c6 aw."""
    t = cxlab.variants(log, top=None).summary()
    assert t["variant"].tolist() == [
        "awareness > consideration",
        "awareness",
        "consideration > awareness",
        "awareness > awareness > consideration > awareness",
    ]
    assert t["journeys"].tolist() == [2, 2, 1, 1]
    np.testing.assert_allclose(t["share"], [2 / 6, 2 / 6, 1 / 6, 1 / 6])
    np.testing.assert_allclose(t["conversion_rate"], [0.5, 0.5, 1.0, 0.0])
    lo, hi = wilson_by_hand(1, 2)
    assert t.loc[0, "conversion_ci_low"] == pytest.approx(lo)
    assert t.loc[0, "conversion_ci_high"] == pytest.approx(hi)
    np.testing.assert_allclose(t["cumulative_share"], [2 / 6, 4 / 6, 5 / 6, 1.0])


def test_variants_options(log):
    collapsed = cxlab.variants(log, collapse=True, top=None).summary()
    assert "awareness > consideration > awareness" in collapsed["variant"].tolist()
    whole = cxlab.variants(log, outcome=None, top=None).summary()
    assert "conversion_rate" not in whole
    assert whole.loc[0, "variant"] in {
        "awareness > consideration > purchase",
        "awareness",
    }
    cut = cxlab.variants(log, max_steps=1, top=None).summary().set_index("variant")
    # aw (c3, c6) and aw > ... (c1, c4, c5) are different variants
    assert cut.loc["awareness", "journeys"] == 2
    assert cut.loc["awareness > ...", "journeys"] == 3
    ch = cxlab.variants(log, column="channel", top=None).summary().set_index("variant")
    # channels before purchase: c1 ads>web, c2 web>ads, c3 search, c4 social>web,
    # c5 ads>ads>web>ads, c6 ads
    assert ch.loc["ads", "journeys"] == 1
    assert ch.loc["ads > web", "conversion_rate"] == 1.0


def test_paths_forward_and_backward(log):
    fwd = cxlab.paths_from(log, CON, steps=2).summary().set_index("path")
    assert set(fwd.index) == {
        "[consideration] > purchase > (end)",  # c1
        "[consideration] > awareness > purchase",  # c2
        "[consideration] > (end)",  # c4
        "[consideration] > awareness > (end)",  # c5
    }
    assert (fwd["occurrences"] == 1).all()
    back = cxlab.paths_from(log, PUR, steps=2, direction="backward").summary()
    assert set(back["path"]) == {
        "awareness > consideration > [purchase]",
        "consideration > awareness > [purchase]",
        "(start) > awareness > [purchase]",
    }
    every = cxlab.paths_from(log, AW, steps=1, occurrence="all").summary().set_index("path")
    # 8 awareness events (c5 has 3); next: con (c1, c4, c5's second), pur (c2, c3),
    # aw (c5's first), end (c5's third, c6)
    assert every["occurrences"].sum() == 8
    assert every.loc["[awareness] > consideration", "occurrences"] == 3
    assert every.loc["[awareness] > (end)", "occurrences"] == 2


def test_sankey_links_by_hand(log):
    """Collapsed paths: c1 aw con pur, c2 con aw pur, c3 aw pur, c4 aw con, c5 aw con aw, c6 aw."""
    t = cxlab.sankey_table(log, steps=3).summary()
    links = {(r.step, r.source, r.target): r.journeys for r in t.itertuples()}
    assert links == {
        (0, AW, CON): 3,
        (0, AW, PUR): 1,
        (0, AW, "(end)"): 1,
        (0, CON, AW): 1,
        (1, CON, PUR): 1,
        (1, CON, "(end)"): 1,
        (1, CON, AW): 1,
        (1, AW, PUR): 1,
        (1, PUR, "(end)"): 1,
    }


# -- waiting times and drop-offs --------------------------------------------------
def test_time_between_stages_by_hand(log):
    """Waits (days): aw>con 2 (c1), 1 (c4), 2 (c5); aw>pur 2 (c2), 4 (c3);
    con>pur 3; con>aw 1 (c2), 3 (c5); aw>aw 1."""
    t = cxlab.time_between_stages(log).summary().set_index(["from", "to"])
    assert t.loc[(AW, CON), "n"] == 3
    assert t.loc[(AW, CON), "mean_days"] == pytest.approx(5 / 3)
    assert t.loc[(AW, CON), "median_days"] == 2
    assert t.loc[(AW, PUR), "median_days"] == 3
    assert t.loc[(CON, AW), "mean_days"] == 2
    assert t.loc[(AW, AW), "n"] == 1
    assert len(t) == 5
    pooled = cxlab.time_between_stages(log, pairs=False).summary().set_index("from")
    assert pooled.loc[AW, "n"] == 6 and pooled.loc[AW, "mean_days"] == 2
    assert pooled.loc[CON, "median_days"] == 3  # 3, 1, 3
    only = cxlab.time_between_stages(log, states=[AW, CON]).summary()
    assert set(zip(only["from"], only["to"])) == {(AW, CON), (CON, AW), (AW, AW)}


def test_time_between_by_channel_and_collapsed(log):
    by_ch = cxlab.time_between_stages(log, channel=True).summary()
    aw_con = by_ch[(by_ch["from"] == AW) & (by_ch["to"] == CON)].set_index("channel")
    assert aw_con.loc["ads", "n"] == 2 and aw_con.loc["ads", "mean_days"] == 2
    assert aw_con.loc["social", "mean_days"] == 1
    # collapsed: c5's stay in awareness runs from d0 to d3
    col = cxlab.time_between_stages(log, collapse=True).summary().set_index(["from", "to"])
    assert col.loc[(AW, CON), "mean_days"] == pytest.approx(2.0)  # 2, 1, 3
    assert (AW, AW) not in col.index


def test_drop_off_by_hand(log):
    """Non-buyers: c4 (last consideration), c5 and c6 (last awareness).
    Reached before purchase: awareness 6, consideration 4."""
    t = cxlab.drop_off(log).summary().set_index("stage")
    assert t.loc[AW, "reached"] == 6 and t.loc[AW, "exits"] == 2
    assert t.loc[CON, "reached"] == 4 and t.loc[CON, "exits"] == 1
    assert t.loc[AW, "exit_rate"] == pytest.approx(2 / 6)
    assert t.loc[CON, "share_of_exits"] == pytest.approx(1 / 3)
    assert t.loc[AW, "share_of_journeys"] == pytest.approx(2 / 6)
    lo, hi = wilson_by_hand(1, 4)
    assert t.loc[CON, "exit_rate_ci_low"] == pytest.approx(lo)
    # c5 was active 2 days before the end of the data: still open, not dropped
    t2 = cxlab.drop_off(log, inactive="2D").summary().set_index("stage")
    assert t2.loc[AW, "exits"] == 1 and t2.loc[CON, "exits"] == 1
    by_ch = cxlab.drop_off(log, channel=True).summary().set_index(["stage", "channel"])
    assert by_ch.loc[(AW, "ads"), "exits"] == 2  # c5 and c6 left after an ad


# -- designed vs lived ------------------------------------------------------------
def test_designed_vs_lived_by_hand(log):
    """Design aw > con > pur.

    c1 followed; c4 and c6 on track (stopped early); deviated: c2 (skip from
    start to con, back-step con>aw, skip aw>pur), c3 (skip aw>pur), c5 (loop
    aw>aw, back-step con>aw).
    """
    r = cxlab.designed_vs_lived(log, [AW, CON, PUR])
    t = r.summary().set_index("status")
    assert t["journeys"].tolist() == [1, 2, 3]
    lo, hi = wilson_by_hand(1, 6)
    assert t.loc["followed", "share_ci_low"] == pytest.approx(lo)
    d = r.deviations.set_index(["kind", "from", "to"])
    assert d.loc[("skip", AW, PUR), "journeys"] == 2
    assert d.loc[("skip", AW, PUR), "skipped"] == CON
    assert d.loc[("skip", "(start)", CON), "skipped"] == AW
    assert d.loc[("back-step", CON, AW), "events"] == 2
    assert d.loc[("loop", AW, AW), "journeys"] == 1
    assert len(d) == 4
    per = r.per_journey.set_index("customer_id")
    assert per.loc[2, ["skips", "loops", "back_steps"]].tolist() == [2, 0, 1]
    assert per.loc[4, "status"] == "on track (stopped early)"


def test_designed_collapse_and_detours(log):
    extra = make_log(ROWS + [(4, 2, "service", "chat")])
    r = cxlab.designed_vs_lived(extra, [AW, CON, PUR], other="detour")
    per = r.per_journey.set_index("customer_id")
    assert per.loc[4, "status"] == "deviated" and per.loc[4, "detours"] == 1
    r2 = cxlab.designed_vs_lived(log, [AW, CON, PUR], collapse=True)
    assert "loop" not in set(r2.deviations["kind"])


def test_results_render_and_plot(log):
    import matplotlib.pyplot as plt

    results = [
        cxlab.funnel(log),
        cxlab.funnel(log, by=pd.Series({i: "ab"[i % 2] for i in range(1, 7)})),
        cxlab.variants(log),
        cxlab.paths_from(log, CON),
        cxlab.sankey_table(log, steps=3),
        cxlab.time_between_stages(log, channel=True),
        cxlab.drop_off(log),
        cxlab.designed_vs_lived(log),
        cxlab.journey_sequences(log),
    ]
    for r in results:
        assert "Notes" in repr(r) or r.notes == []
        assert "<table" in r._repr_html_()
        fig, ax = plt.subplots()
        assert r.plot(ax=ax) is ax
        plt.close(fig)


# -- the interval machinery ---------------------------------------------------------
def test_grouped_quantiles_match_numpy_and_order_statistics():
    from cxlab.journeys._base import grouped_quantiles

    rng = np.random.default_rng(0)
    keys = rng.integers(0, 4, size=400)
    keys[keys == 3] = 2  # key 3 empty
    secs = rng.integers(0, 10**6, size=400)
    for values, scale in [(secs * 10**9, 1e-9), (secs.astype(float), 1.0)]:
        q = grouped_quantiles(keys, values, 4, scale=scale)
        for k in range(3):
            x = np.sort(secs[keys == k].astype(float))
            assert q.loc[k, "n"] == len(x)
            np.testing.assert_allclose(
                q.loc[k, ["q25", "median", "q75"]].astype(float),
                np.percentile(x, [25, 50, 75]),
            )
            assert q.loc[k, "mean"] == pytest.approx(x.mean())
        assert q.loc[3, "n"] == 0 and np.isnan(q.loc[3, "median"])
    # n = 10 at 95%: the classic distribution-free interval is [x(2), x(9)]
    q = grouped_quantiles(np.zeros(10, dtype=int), np.arange(1.0, 11.0), 1)
    assert (q.loc[0, "median_ci_low"], q.loc[0, "median_ci_high"]) == (2.0, 9.0)
    # n = 5: no pair of order statistics reaches 95% (coverage 1 - 2/32 = 93.75%)
    q = grouped_quantiles(np.zeros(5, dtype=int), np.arange(5.0), 1)
    assert np.isnan(q.loc[0, "median_ci_low"])


def test_figures_name_the_interval_level_asked_for(log):
    import matplotlib.pyplot as plt

    f = cxlab.funnel(log, [AW, CON, PUR], confidence=0.9)
    assert f.params["confidence"] == 0.9
    assert f.plot().get_title() == "open funnel (90% Wilson intervals)"
    assert (
        cxlab.drop_off(log, confidence=0.8)
        .plot()
        .get_title()
        .startswith("drop-off points (80% Wilson")
    )
    assert "(95% Wilson" in cxlab.variants(log).plot().get_title()
    plt.close("all")
