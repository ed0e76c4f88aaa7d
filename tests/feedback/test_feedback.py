"""NPS, CSAT and CES estimates: hand-worked and published examples, coverage, bad input, tables."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import (
    DataTypeError,
    EmptyTableError,
    ParameterError,
    ScoreRangeError,
    SmallSampleWarning,
)
from cxlab.feedback._core import estimate_scores

Z95 = 1.959963984540054


def scores_from_counts(det, pas, pro):
    return np.r_[np.full(det, 3), np.full(pas, 8), np.full(pro, 10)]


# -- hand-worked and published examples ---------------------------------------------


def test_nps_hand_worked_wald_100_answers():
    # 100 answers: 50 promoters, 30 passives, 20 detractors -> NPS +30.
    est = cxlab.nps(scores_from_counts(20, 30, 50), method="wald")
    assert est.score == pytest.approx(30.0)
    assert (est.promoters, est.passives, est.detractors) == (50.0, 30.0, 20.0)
    # trinomial variance of one answer: p + d - (p - d)^2 = 0.5 + 0.2 - 0.3^2 = 0.61
    se = math.sqrt(0.61 / 100) * 100  # 7.8102 points
    assert est.se == pytest.approx(se)
    assert est.lower == pytest.approx(30 - Z95 * se)  # 14.69
    assert est.upper == pytest.approx(30 + Z95 * se)  # 45.31
    # the same as the standard error of the mean of answers coded -1/0/+1 (ddof=0)
    coded = np.r_[-np.ones(20), np.zeros(30), np.ones(50)]
    assert est.se == pytest.approx(100 * coded.std() / math.sqrt(100))


def test_nps_hand_worked_adjusted_wald():
    # Adjusted-Wald (Rocks 2016; Sauro & Lewis): +3/4 promoter, +3/4 detractor, n + 3.
    est = cxlab.nps(counts=(20, 30, 50))
    p, d, n = 50.75 / 103, 20.75 / 103, 103
    centre = p - d  # 30 / 103 = 0.29126
    se = math.sqrt((p + d - centre**2) / n)  # 0.076915
    assert est.score == pytest.approx(30.0)  # the reported score stays the raw one
    assert est.se == pytest.approx(100 * se)
    assert est.lower == pytest.approx(100 * (centre - Z95 * se))  # 14.05
    assert est.upper == pytest.approx(100 * (centre + Z95 * se))  # 44.20
    assert round(est.lower, 2) == 14.05 and round(est.upper, 2) == 44.20


def test_nps_counts_and_scores_agree():
    s = scores_from_counts(12, 30, 38)
    a, b = cxlab.nps(s), cxlab.nps(counts=(12, 30, 38))
    assert (a.score, a.lower, a.upper, a.n) == (b.score, b.lower, b.upper, b.n)
    assert cxlab.nps(counts={"promoters": 38, "passives": 30, "detractors": 12}).score == a.score


def test_nps_category():
    assert cxlab.nps_category([0, 6, 7, 8, 9, 10]).tolist() == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]


@pytest.mark.parametrize(
    ("count", "n", "lower", "upper"),
    # Newcombe (1998), Stat Med 17:857-872, Table I, Wilson score method
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_csat_wilson_matches_newcombe_1998(count, n, lower, upper):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        est = cxlab.csat(counts={5: count, 2: n - count})
    assert est.lower == pytest.approx(100 * lower, abs=0.01)
    assert est.upper == pytest.approx(100 * upper, abs=0.01)


def test_csat_share_and_mean():
    s = [5, 4, 4, 3, 5, 2, 5, 4, 1, 5] * 5
    est = cxlab.csat(s)
    assert est.score == pytest.approx(70.0)
    assert est.mean == pytest.approx(np.mean(s))
    wald = cxlab.csat(s, method="wald")
    se = math.sqrt(0.7 * 0.3 / 50)
    assert wald.lower == pytest.approx(100 * (0.7 - Z95 * se))


def test_ces_t_interval_matches_scipy():
    from scipy import stats

    s = np.array([7, 6, 5, 5, 4, 6, 7, 3, 5, 6] * 4)
    est = cxlab.ces(s)
    lo, hi = stats.t.interval(0.95, len(s) - 1, loc=s.mean(), scale=stats.sem(s))
    assert est.score == pytest.approx(s.mean())
    assert (est.lower, est.upper) == pytest.approx((lo, hi))
    assert est.top_box == pytest.approx(100 * np.mean(s >= 5))
    assert est.sd == pytest.approx(s.std(ddof=1))


def test_test_against_benchmark():
    # +32.5 from 80 answers is not different from a benchmark of +25
    est = cxlab.nps(counts=(14, 26, 40))
    t = est.test(25)
    assert est.score == pytest.approx(32.5)
    assert t["inside_interval"] and t["p_value"] > 0.05
    assert est.test(0)["p_value"] < 0.01


def test_bootstrap_is_reproducible_and_close_to_wald():
    s = scores_from_counts(40, 60, 100)
    a = cxlab.nps(s, method="bootstrap", random_state=3)
    b = cxlab.nps(s, method="bootstrap", random_state=3)
    w = cxlab.nps(s, method="wald")
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.se == pytest.approx(w.se, rel=0.1)
    assert a.lower == pytest.approx(w.lower, abs=2.5)


def test_summary_and_repr():
    est = cxlab.nps(counts=(20, 30, 50))
    row = est.summary()
    assert row.loc[0, "score"] == 30 and row.loc[0, "promoters"] == 50
    assert "Rocks" in " ".join(row.attrs["notes"])
    assert repr(est).startswith("NPS +30.0 (95% CI +14.1 to +44.2")


# -- coverage by simulation (repeated multinomial draws, vectorised) ---------------------


def _coverage(p, d, n, method, reps=4000, seed=0):
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, [d, 1 - p - d, p], size=reps)
    hist = np.zeros((reps, 11), dtype=np.int64)
    hist[:, 0], hist[:, 7], hist[:, 9] = draws[:, 0], draws[:, 1], draws[:, 2]
    est = estimate_scores(hist, "nps", method, 0.95, 1000, rng)
    true = 100 * (p - d)
    return float(np.mean((est["lower"] <= true) & (true <= est["upper"])))


@pytest.mark.slow
@pytest.mark.parametrize("n", [50, 200])
@pytest.mark.parametrize(("p", "d"), [(0.5, 0.2), (0.3, 0.3), (0.6, 0.3), (0.7, 0.1)])
def test_nps_interval_coverage_is_nominal(p, d, n):
    # Monte Carlo SE of a coverage near 0.95 with 4000 draws is 0.0034.
    for method in ("adjusted-wald", "wald"):
        cov = _coverage(p, d, n, method)
        assert 0.925 <= cov <= 0.97, (method, cov)


@pytest.mark.slow
def test_adjusted_wald_fixes_wald_for_extreme_scores():
    # Rocks (2016): the Wald interval under-covers for skewed answers and small n.
    assert _coverage(0.85, 0.05, 50, "wald") < 0.92
    assert 0.935 <= _coverage(0.85, 0.05, 50, "adjusted-wald") <= 0.975


@pytest.mark.slow
def test_nps_bootstrap_coverage():
    assert 0.92 <= _coverage(0.5, 0.2, 200, "bootstrap", reps=400) <= 0.98


@pytest.mark.slow
@pytest.mark.parametrize(("share", "n"), [(0.5, 50), (0.8, 50), (0.9, 200)])
def test_csat_wilson_coverage(share, n):
    rng = np.random.default_rng(1)
    sat = rng.binomial(n, share, size=4000)
    hist = np.zeros((4000, 5), dtype=np.int64)
    hist[:, 4], hist[:, 1] = sat, n - sat
    est = estimate_scores(hist, "csat", "wilson", 0.95, 0, rng)
    cov = np.mean((est["lower"] <= 100 * share) & (100 * share <= est["upper"]))
    assert 0.93 <= cov <= 0.97


@pytest.mark.slow
def test_ces_t_coverage():
    probs = np.array([0.05, 0.05, 0.1, 0.2, 0.3, 0.2, 0.1])
    true = probs @ np.arange(1, 8)
    rng = np.random.default_rng(2)
    hist = rng.multinomial(50, probs, size=4000)
    est = estimate_scores(hist, "ces", "t", 0.95, 0, rng)
    cov = np.mean((est["lower"] <= true) & (true <= est["upper"]))
    assert 0.935 <= cov <= 0.965


# -- bad input ------------------------------------------------------------------------


def test_scores_outside_the_scale():
    with pytest.raises(ScoreRangeError, match="scale 0-10") as err:
        cxlab.nps([3, 9, 11, 12, 10])
    assert err.value.column == "score" and err.value.n_rows == 2
    with pytest.raises(ScoreRangeError, match="scale 1-5"):
        cxlab.csat([0, 3, 4])
    with pytest.raises(ScoreRangeError, match="scale 1-7"):
        cxlab.ces([8])


def test_non_integer_text_and_missing_scores():
    with pytest.raises(ScoreRangeError, match="whole numbers"):
        cxlab.nps([9.5, 10, 3])
    with pytest.raises(DataTypeError, match="text such as"):
        cxlab.nps(["9", "ten", "3"])
    with pytest.raises(ScoreRangeError, match="missing") as err:
        cxlab.nps(pd.Series([9, None, 3]))
    assert err.value.n_rows == 1
    with pytest.raises(DataTypeError):
        cxlab.nps([True, False])


def test_empty_and_single_answer():
    with pytest.raises(EmptyTableError):
        cxlab.nps([])
    with pytest.warns(SmallSampleWarning, match="Only 1 answer"):
        one = cxlab.nps([10], method="wald")
    assert one.lower == one.upper == 100.0  # Wald is degenerate with one answer
    with pytest.warns(SmallSampleWarning):
        adj = cxlab.nps([10])
    assert adj.upper - adj.lower > 50  # adjusted-Wald stays honest
    with pytest.warns(SmallSampleWarning):
        single = cxlab.ces([4])
    assert np.isnan(single.lower)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="method"):
        cxlab.nps([9, 10], method="wilson")
    with pytest.raises(ParameterError, match="confidence"):
        cxlab.nps([9, 10], confidence=95)
    with pytest.raises(ParameterError, match="counts"):
        cxlab.nps(counts=(1, 2))
    with pytest.raises(ParameterError, match="one of them"):
        cxlab.nps([9], counts=(1, 2, 3))
    with pytest.raises(ParameterError, match="n_bootstrap"):
        cxlab.nps([9] * 40, method="bootstrap", n_bootstrap=10)


# -- tables by group ---------------------------------------------------------------------


def test_score_table_matches_one_sample_estimates(small_data):
    table = cxlab.score_table(small_data, "csat", by=["channel", "segment"], min_n=5)
    fb = small_data.feedback[small_data.feedback["metric"] == "csat"]
    row = table[(table["dimension"] == "channel") & (table["group"] == "store")].iloc[0]
    est = cxlab.csat(fb.loc[fb["channel"] == "store", "score"])
    assert (row["n"], row["estimate"], row["lower"], row["upper"]) == pytest.approx(
        (est.n, est.score, est.lower, est.upper)
    )
    overall = table[table["dimension"] == "(all)"].iloc[0]
    assert overall["n"] == len(fb)
    assert table.loc[table["dimension"] == "channel", "n"].sum() == len(fb)


def test_score_table_all_dimensions_in_one_call(small_data):
    dims = ["stage", "channel", "touchpoint", "segment", "persona", "period", "purchase_channel"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        table = cxlab.score_table(small_data, "nps", by=[*dims, ("segment", "loyalty_member")])
    assert set(table["dimension"]) == {"(all)", *dims, "segment x loyalty_member"}
    assert {"promoters", "passives", "detractors", "small_sample"} <= set(table.columns)
    # persona of simulated data is the true one, and the note says so
    assert any("truth" in n for n in table.attrs["notes"])
    assert set(table.loc[table["dimension"] == "persona", "group"]) == set(
        small_data.truth.persona.cat.categories
    )


def test_score_table_recovers_true_csat_channel_order():
    # truth.csat_effects: store +0.6 > app +0.3 > web 0 > call_centre -0.6
    data = cxlab.simulate(n_customers=6000, random_state=11)
    t = cxlab.score_table(data, "csat", by="channel", overall=False).set_index("group")
    order = t["estimate"].sort_values(ascending=False).index.tolist()
    assert order == ["store", "app", "web", "call_centre"]
    assert t.loc["store", "lower"] > t.loc["web", "upper"]


def test_small_groups_are_flagged_not_hidden():
    fb = pd.DataFrame(
        {
            "customer_id": np.arange(43),
            "metric": "nps",
            "score": np.r_[np.full(40, 9), [3, 10, 7]],
            "region": np.r_[np.full(40, "north"), ["south", "east", "east"]],
        }
    )
    with pytest.warns(SmallSampleWarning, match="2 groups with fewer than 30"):
        t = cxlab.score_table(fb, "nps", by="region")
    t = t.set_index("group")
    assert t.loc["south", "n"] == 1 and t.loc["south", "small_sample"]
    assert not t.loc["north", "small_sample"]


def test_score_table_bad_input_names_rows():
    fb = pd.DataFrame({"customer_id": [1, 2, 3, 4], "metric": "nps", "score": [9, 14, 3, 11]})
    with pytest.raises(ScoreRangeError) as err:
        cxlab.score_table(fb, "nps", by=[])
    assert err.value.example_ids == [2, 4] and err.value.table == "feedback"
    with pytest.raises(EmptyTableError, match="no csat answers"):
        cxlab.score_table(fb.assign(score=9), "csat", by=[])
    with pytest.raises(ParameterError, match="cannot group by 'colour'"):
        cxlab.score_table(fb.assign(score=9), "nps", by="colour")
    with pytest.raises(ParameterError, match="no personas"):
        cxlab.score_table(fb.assign(score=9), "nps", by="persona")


def test_missing_group_values_are_shown(small_data):
    fb = small_data.feedback.copy()
    fb["touchpoint"] = fb["touchpoint"].astype(object)
    fb.loc[fb.index[:50], "touchpoint"] = None
    t = cxlab.score_table(fb, "csat", by="touchpoint", min_n=1)
    assert "(missing)" in set(t["group"])
    assert any("(missing)" in n for n in t.attrs["notes"])
