"""Differences, trends, sample sizes and expectation gaps: published examples and simulation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxlab
from cxlab.exceptions import EmptyTableError, ParameterError, SmallSampleWarning
from cxlab.feedback._compare import score_difference
from cxlab.feedback._core import estimate_scores

Z95 = 1.959963984540054


def nps_hist(draws):
    """(reps, 3) detractor/passive/promoter counts -> (reps, 11) histogram."""
    hist = np.zeros((len(draws), 11), dtype=np.int64)
    hist[:, 0], hist[:, 7], hist[:, 9] = draws[:, 0], draws[:, 1], draws[:, 2]
    return hist


# -- differences --------------------------------------------------------------------


def test_nps_difference_hand_worked_wald():
    a, b = cxlab.nps(counts=(12, 28, 40)), cxlab.nps(counts=(16, 28, 36))
    d = cxlab.compare_scores(a, b, method="wald")
    # NPS 35 vs 25; variances 0.5 + 0.15 - 0.35^2 = 0.5275 and 0.45 + 0.2 - 0.25^2 = 0.5875
    se = 100 * math.sqrt(0.5275 / 80 + 0.5875 / 80)
    assert d.difference == pytest.approx(10.0)
    assert d.se == pytest.approx(se)
    assert (d.lower, d.upper) == pytest.approx((10 - Z95 * se, 10 + Z95 * se))
    assert d.p_value == pytest.approx(2 * stats.norm.sf(10 / se))


def test_plus_32_from_80_answers_is_not_different_from_plus_25():
    now = cxlab.nps(counts=(14, 26, 40))  # +32.5 from 80 answers
    before = cxlab.nps(counts=(16, 28, 36))  # +25 from 80 answers
    d = cxlab.compare_scores(now, before)
    assert d.difference == pytest.approx(7.5)
    assert not d.significant and d.p_value > 0.3
    assert d.lower < -15 and d.upper > 25  # the data allow anything from worse to much better
    # each group would need ~10x the answers to detect 7.5 points reliably
    assert cxlab.survey_sample_size("nps", difference=7.5, promoters=0.5, detractors=0.2) > 700


@pytest.mark.parametrize(
    ("a", "b", "lower", "upper"),
    # Newcombe (1998b), Stat Med 17:873-890, Table II, method 10 (hybrid score)
    [((56, 70), (48, 80), 0.0524, 0.3339), ((9, 10), (3, 10), 0.1705, 0.8090)],
)
def test_csat_difference_matches_newcombe(a, b, lower, upper):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        d = cxlab.compare_scores(
            cxlab.csat(counts={5: a[0], 1: a[1] - a[0]}),
            cxlab.csat(counts={5: b[0], 1: b[1] - b[0]}),
        )
    assert d.lower == pytest.approx(100 * lower, abs=0.01)
    assert d.upper == pytest.approx(100 * upper, abs=0.01)


def test_ces_difference_is_welch():
    rng = np.random.default_rng(0)
    x, y = rng.integers(3, 8, 60), rng.integers(1, 7, 45)
    d = cxlab.compare_scores(x, y, metric="ces")
    ref = stats.ttest_ind(x, y, equal_var=False)
    assert d.statistic == pytest.approx(ref.statistic)
    assert d.p_value == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (d.lower, d.upper) == pytest.approx((ci.low, ci.high))


@pytest.mark.slow
@pytest.mark.parametrize("n", [50, 200])
@pytest.mark.parametrize("method", ["adjusted-wald", "wald"])
def test_nps_difference_coverage_and_type_one_error(n, method):
    rng = np.random.default_rng(5)
    pa, pb = [0.2, 0.3, 0.5], [0.3, 0.3, 0.4]  # true difference +20 points
    ha = nps_hist(rng.multinomial(n, pa, size=4000))
    hb = nps_hist(rng.multinomial(n, pb, size=4000))
    d = score_difference(ha, hb, "nps", method, 0.95, 0, rng)
    cover = np.mean((d["lower"] <= 20) & (20 <= d["upper"]))
    assert 0.93 <= cover <= 0.965
    hb0 = nps_hist(rng.multinomial(n, pa, size=4000))  # no difference
    d0 = score_difference(ha, hb0, "nps", method, 0.95, 0, rng)
    assert 0.035 <= np.mean(d0["p_value"] < 0.05) <= 0.07


def test_compare_groups_on_simulated_truth():
    # CSAT by purchase channel: truth.csat_effects has store 0.6 above call_centre -0.6.
    data = cxlab.simulate(n_customers=8000, random_state=21)
    d = cxlab.compare_groups(data, "csat", "channel", "store", "call_centre")
    # expected shares given each respondent's true latent score: P(csat >= 4) = 1 - F(-0.6 - eta)
    truth = data.truth
    fb = data.feedback[data.feedback["metric"] == "csat"]
    persona = truth.persona.reindex(fb["customer_id"]).astype(str).to_numpy()
    eta = (
        truth.csat_effects.reindex(
            ["channel[" + c + "]" for c in fb["channel"].astype(str)]
        ).to_numpy()
        + truth.csat_effects.reindex(["persona[" + p + "]" for p in persona]).to_numpy()
    )
    p_sat = 1 - 1 / (1 + np.exp(-(truth.csat_thresholds["3/4"] - eta)))
    ch = fb["channel"].astype(str).to_numpy()
    expected = 100 * (p_sat[ch == "store"].mean() - p_sat[ch == "call_centre"].mean())
    assert abs(d.difference - expected) < 3 * d.se
    assert d.lower > 0


def test_compare_groups_periods_and_errors(small_data):
    d = cxlab.compare_groups(small_data, "csat", "period", "2025Q2", "2025Q3", period="Q")
    assert d.n_a > 0 and d.n_b > 0
    with pytest.raises(ParameterError, match="is not a group"):
        cxlab.compare_groups(small_data, "csat", "channel", "store", "moon")
    with pytest.raises(EmptyTableError):
        cxlab.compare_scores([], [9, 10])
    with pytest.raises(EmptyTableError, match="group a has no csat answers"):
        # "ads" is a channel category with no CSAT answers
        cxlab.compare_groups(small_data, "csat", "channel", "ads", "store")
    with pytest.warns(SmallSampleWarning):
        cxlab.compare_scores([9, 10, 3], [9, 9, 9, 1])


# -- trends ---------------------------------------------------------------------------


def monthly_feedback(rng, probs_by_month, n_per_month):
    rows = []
    for m, probs in enumerate(probs_by_month):
        cls = rng.choice(3, size=n_per_month, p=probs)
        score = np.array([3, 8, 10])[cls]
        ts = pd.Timestamp("2025-01-01") + pd.DateOffset(months=m)
        rows.append(
            pd.DataFrame({"customer_id": np.arange(n_per_month), "timestamp": ts, "score": score})
        )
    return pd.concat(rows, ignore_index=True).assign(metric="nps")


@pytest.mark.slow
def test_trend_false_alarm_rate_is_controlled():
    rng = np.random.default_rng(8)
    probs = [[0.25, 0.35, 0.40]] * 12
    alarms = 0
    for _ in range(100):  # loop over replicate studies
        trend = cxlab.score_trend(monthly_feedback(rng, probs, 120), "nps")
        alarms += bool(trend["signal"].any())
    # Holm keeps the chance of any false signal in a 12-month series near 5% (or below)
    assert alarms / 100 <= 0.09


def test_trend_flags_a_real_step_change_only():
    rng = np.random.default_rng(9)
    probs = [[0.30, 0.35, 0.35]] * 6 + [[0.10, 0.30, 0.60]] * 6  # +5 -> +50 in July
    trend = cxlab.score_trend(monthly_feedback(rng, probs, 150), "nps")
    assert trend["signal"].tolist() == [False] * 6 + [True] + [False] * 5
    july = trend.iloc[6]
    assert july["change_lower"] < 45 < july["change_upper"]
    assert july["p_adjusted"] >= july["p_value"]


def test_trend_by_group_and_small_periods(small_data):
    with pytest.warns(SmallSampleWarning, match="periods with fewer than"):
        trend = cxlab.score_trend(small_data, "csat", period="M", by="channel")
    assert set(trend["channel"]) == {"web", "store", "app", "call_centre"}
    first = trend.groupby("channel").head(1)
    assert first["change"].isna().all()


# -- sample size --------------------------------------------------------------------------


def test_sample_size_margin_by_simulation():
    n = cxlab.survey_sample_size("nps", margin=10, promoters=0.45, detractors=0.2)
    assert n == 223  # 1.96^2 * (0.65 - 0.25^2) / 0.1^2 - 3 = 222.7
    rng = np.random.default_rng(1)
    h = nps_hist(rng.multinomial(n, [0.2, 0.35, 0.45], size=2000))
    est = estimate_scores(h, "nps", "adjusted-wald", 0.95, 0, rng)
    assert np.mean((est["upper"] - est["lower"]) / 2) == pytest.approx(10, abs=0.2)
    m = cxlab.survey_sample_size("csat", margin=5, share=0.7)
    sat = rng.binomial(m, 0.7, size=2000)
    hc = np.zeros((2000, 5), dtype=np.int64)
    hc[:, 4], hc[:, 0] = sat, m - sat
    est = estimate_scores(hc, "csat", "wilson", 0.95, 0, rng)
    assert np.mean((est["upper"] - est["lower"]) / 2) == pytest.approx(5, abs=0.15)


def test_sample_size_power_by_simulation():
    n = cxlab.survey_sample_size("nps", difference=15, promoters=0.45, detractors=0.2)
    rng = np.random.default_rng(2)
    ha = nps_hist(rng.multinomial(n, [0.2, 0.35, 0.45], size=3000))
    hb = nps_hist(rng.multinomial(n, [0.275, 0.35, 0.375], size=3000))  # 15 points lower
    d = score_difference(ha, hb, "nps", "adjusted-wald", 0.95, 0, rng)
    assert np.mean(d["p_value"] < 0.05) == pytest.approx(0.8, abs=0.04)
    nc = cxlab.survey_sample_size("ces", difference=0.5, sd=1.5)
    assert nc == math.ceil((Z95 + stats.norm.ppf(0.8)) ** 2 * 2 * 1.5**2 / 0.25)


def test_sample_size_errors():
    with pytest.raises(ParameterError, match="one of them"):
        cxlab.survey_sample_size("nps")
    with pytest.raises(ParameterError, match="both"):
        cxlab.survey_sample_size("nps", margin=5, promoters=0.4)
    with pytest.raises(ParameterError, match="sd="):
        cxlab.survey_sample_size("ces", margin=0.2)
    with pytest.raises(ParameterError, match="positive"):
        cxlab.survey_sample_size("csat", margin=-1)
    # worst case (no shares given) needs more answers than a typical split
    assert cxlab.survey_sample_size("nps", margin=10) > cxlab.survey_sample_size(
        "nps", margin=10, promoters=0.45, detractors=0.2
    )


# -- expectation gap ------------------------------------------------------------------------


def test_experience_gap_verdicts():
    rng = np.random.default_rng(4)
    store = rng.choice([5, 2], size=400, p=[0.8, 0.2])  # 80% satisfied
    web = rng.choice([5, 2], size=400, p=[0.6, 0.4])  # 60% satisfied
    fb = pd.DataFrame(
        {
            "customer_id": np.arange(800),
            "metric": "csat",
            "score": np.r_[store, web],
            "channel": ["store"] * 400 + ["web"] * 400,
        }
    )
    gap = cxlab.experience_gap(fb, {"store": 90, "web": 60, "app": 75}, by="channel")
    g = gap.set_index("group")
    assert g.loc["store", "verdict"] == "below target"  # business believes 90, customers say ~80
    assert g.loc["web", "verdict"] == "within uncertainty"
    assert g.loc["app", "verdict"] == "no answers" and g.loc["app", "n"] == 0
    assert g.loc["store", "gap_lower"] < g.loc["store", "gap"] < g.loc["store", "gap_upper"] < 0
    gap2 = cxlab.experience_gap(fb, {"store": 70}, by="channel").set_index("group")
    assert gap2.loc["store", "verdict"] == "above target"
    assert gap2.loc["web", "verdict"] == "no target"


def test_holm_adjustment_equals_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from cxlab.feedback._trend import _adjust

    rng = np.random.default_rng(0)
    for m in (1, 2, 5, 11):
        p = rng.uniform(0, 0.2, m)
        ref = multipletests(p, method="holm")[1]
        assert _adjust(p, 0.05, "holm", multipletests) == pytest.approx(ref)
    assert _adjust(p, 0.05, "fdr_bh", multipletests) == pytest.approx(
        multipletests(p, method="fdr_bh")[1]
    )


def test_trend_flags_partial_periods_and_names_metric():
    import matplotlib.pyplot as plt

    from cxlab.feedback._plots import plot_score_trend

    rng = np.random.default_rng(5)
    days = pd.to_datetime("2025-01-10") + pd.to_timedelta(rng.integers(0, 160, 900), unit="D")
    fb = pd.DataFrame(
        {
            "customer_id": np.arange(900),
            "timestamp": days,
            "metric": "nps",
            "score": rng.integers(0, 11, 900),
        }
    )
    trend = cxlab.score_trend(fb, "nps", period="Q", min_n=10)
    # answers from 2025-01-10 to at most 2025-06-18: Q1 starts late, Q2 ends early
    assert trend["period"].tolist() == ["2025Q1", "2025Q2"]
    assert trend["partial"].tolist() == [True, True]
    assert any("partial" in n for n in trend.attrs["notes"])
    full = fb[fb["timestamp"] < "2025-04-01"].copy()
    full.loc[full.index[:2], "timestamp"] = [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31")]
    assert cxlab.score_trend(full, "nps", period="Q", min_n=10)["partial"].tolist() == [False]
    ax = plot_score_trend(trend)
    assert ax.get_ylabel() == "NPS"
    assert "partial period" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")
