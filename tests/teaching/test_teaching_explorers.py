"""The teaching explorers' numbers against known answers, and their widget wiring.

Numbers: absorption on a hand-worked chain, the ValueModel's what-if, lifelines'
Kaplan-Meier and survival_clv, exponential lifetimes with a known median, cxlab.nps,
the answers-needed formula checked by simulating surveys, and nested studies whose
intervals shrink with the square root of n.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab import teaching as lab
from cxlab.exceptions import ParameterError
from cxlab.i18n import use_language
from cxlab.teaching._journey_explorer import change_transitions, journey_outcomes, value_of_change
from cxlab.teaching._lab import numbers_html
from cxlab.teaching._nps_explorer import nps_state
from cxlab.teaching._retention_explorer import RetentionBase, retention_projection
from cxlab.teaching._sampling_explorer import SamplingPopulation, _km_at, sample_estimates

STATES = ["(start)", "A", "B"]
COLS = ["A", "B", "purchase", "(drop-off)"]


def _hand_chain():
    """start -> A; A -> B or drop-off (1/2 each); B -> A 0.2, purchase 0.4, drop-off 0.4."""
    return pd.DataFrame(
        [[1, 0, 0, 0], [0, 0.5, 0, 0.5], [0.2, 0, 0.4, 0.4]], index=STATES, columns=COLS
    )


# -- journey ------------------------------------------------------------------
def test_journey_outcomes_match_the_hand_worked_chain():
    # a = P(buy | A) = 0.5 b, b = 0.2 a + 0.4  =>  b = 4/9, a = 2/9.
    # Visits: from A, V_A = 1 + 0.2 V_B and V_B = 0.5 V_A => V_A = 10/9, V_B = 5/9: 15/9 steps.
    out = journey_outcomes(_hand_chain(), dwell=pd.Series({"A": 2.0, "B": 3.0}))
    assert out["p_purchase"] == pytest.approx(2 / 9)
    assert out["steps"] == pytest.approx(15 / 9)
    assert out["days"] == pytest.approx(2 * 10 / 9 + 3 * 5 / 9)
    assert out["reach[A]"] == pytest.approx(1.0)
    assert out["reach[B]"] == pytest.approx(0.5)
    # given a purchase the walk is A B (A B)*: E[days] = (2 + 3) * E[number of rounds];
    # rounds ~ geometric with continue prob 0.2*0.5 / (0.2*0.5 + 0.4*... ) by the h-transform:
    # P(round repeats | buy) = 0.2 * a / b = 0.1, so E[rounds] = 1 / 0.9.
    assert out["days_to_buy"] == pytest.approx(5 / 0.9)


def test_change_transitions_moves_one_step_and_keeps_rows_stochastic():
    p = change_transitions(_hand_chain().to_numpy(), STATES, COLS, [("B", "purchase", 0.2)])
    assert p[2, 2] == pytest.approx(0.6)
    assert p[2].sum() == pytest.approx(1.0)
    # the rest of the row shrinks in proportion: A and drop-off keep their 1:2 ratio
    assert p[2, 3] / p[2, 0] == pytest.approx(2.0)
    # closed form of the changed chain: b = 0.2 * 2/3 a + 0.6 with a = b / 2
    changed = journey_outcomes(pd.DataFrame(p, index=STATES, columns=COLS))
    b = 0.6 / (1 - 0.2 * (0.4 / 0.6) * 0.5)
    assert changed["p_purchase"] == pytest.approx(b / 2)
    with pytest.raises(ParameterError, match="outside"):
        change_transitions(_hand_chain().to_numpy(), STATES, COLS, [("B", "purchase", 0.7)])


def test_journey_outcomes_equal_markov_chain_absorption(small_data):
    mc = cxlab.MarkovChain(journey="buyer", random_state=0).fit(small_data.events)
    ab = mc.absorption()
    out = journey_outcomes(mc.transition_matrix_, mc.dwell_["mean_days"])
    assert out["p_purchase"] == pytest.approx(ab.probabilities.loc["(start)", "purchase"])
    assert out["days"] == pytest.approx(ab.expected_time.loc["(start)"])
    assert out["days_to_buy"] == pytest.approx(ab.time_given.loc["(start)", "purchase"])


@pytest.fixture(scope="module")
def value_model(small_data):
    return cxlab.ValueModel(margin=0.3, n_bootstrap=40, random_state=0).fit(small_data)


def test_value_of_change_equals_value_model_what_if(value_model):
    got = value_of_change(value_model, [("consideration", "purchase", 0.08)])
    res = value_model.what_if(cxlab.Scenario.transition("consideration", "purchase", add=0.08))
    want = res.summary()
    for metric in ("conversion_rate", "purchasers", "value"):
        assert got.loc[metric, "change"] == pytest.approx(want.loc[metric, "change"])
        assert got.loc[metric, "lower"] == pytest.approx(want.loc[metric, "lower"])
        assert got.loc[metric, "upper"] == pytest.approx(want.loc[metric, "upper"])


def test_journey_explorer_updates_numbers_and_figure(value_model):
    ex = lab.journey_explorer(value_model)
    table0, png0 = ex.table.copy(), ex.png
    assert table0["change"].abs().max() == 0  # starts at today's journey
    slider = ex.controls["consideration -> purchase"]
    slider.value = 0.05
    assert ex.table.loc["P(a new lead buys)", "change"] > 0
    assert ex.png != png0
    before = journey_outcomes(value_model.transition_matrix_)["p_purchase"]
    expect = value_of_change(value_model, [("consideration", "purchase", 0.05)])
    assert ex.table.loc["P(a new lead buys)", "now"] == pytest.approx(
        before + expect.loc["conversion_rate", "change"]
    )
    assert len(ex.timings_ms) == 2
    with pytest.raises(ParameterError, match="not a step"):
        lab.journey_explorer(value_model, transitions=[("purchase", "awareness")])


def test_journey_explorer_refuses_a_grouped_model(small_data):
    vm = cxlab.ValueModel(n_bootstrap=20, random_state=0).fit(small_data, groups="segment")
    with pytest.raises(ParameterError, match="ungrouped"):
        lab.journey_explorer(vm)


# -- retention ----------------------------------------------------------------
@pytest.fixture(scope="module")
def retention_base(small_data):
    return RetentionBase.from_data(small_data, n_bootstrap=50)


def test_retention_projection_without_change_is_todays_km_and_clv(small_data, retention_base):
    now = retention_projection(retention_base, hazard_ratio=1.0, reach=1.0)
    table = cxlab.survival_table(small_data)
    km = cxlab.kaplan_meier(table)
    clv = cxlab.survival_clv(small_data, table=table, by=None, n_bootstrap=0).table.iloc[0]
    assert now["median"] == pytest.approx(km.median_lifetime().iloc[0]["median_days"])
    assert now["retention"] == pytest.approx(km.retention([365]).iloc[0]["retention"])
    assert now["clv"] == pytest.approx(clv["clv"])
    assert now["active_days"] == pytest.approx(clv["expected_days_active"])
    nobody = retention_projection(retention_base, hazard_ratio=0.3, reach=0.0)
    assert nobody["clv"] == pytest.approx(clv["clv"])


def test_retention_projection_recovers_an_exponential_median():
    # exponential lifetimes, rate 1/200 a day, nobody censored: a hazard ratio r for
    # everyone gives rate r/200, median 200 ln 2 / r, retention at 365 exp(-365 r / 200)
    rng = np.random.default_rng(0)
    n = 40_000
    t = rng.exponential(200.0, n)
    s = np.arange(n, 0, -1) / n  # KM without censoring: S after each ordered death
    times = np.r_[0.0, np.sort(t)]
    surv = np.r_[1.0, s - 1 / n]
    base = RetentionBase(
        times=times, survival=surv, lower=surv, upper=surv, follow_up=float(t.max()),
        event_survival=np.ones(0), event_weight=np.ones(0), horizon_days=365.0,
        margin=1.0, discount_rate=0.0, n=n, clv_interval=(np.nan, np.nan),
        median_interval=(np.nan, np.nan), retention_interval=(np.nan, np.nan),
    )  # fmt: skip
    for ratio in (0.5, 1.0, 2.0):
        now = retention_projection(base, hazard_ratio=ratio, reach=1.0)
        assert now["median"] == pytest.approx(200 * np.log(2) / ratio, rel=0.03)
        assert now["retention"] == pytest.approx(np.exp(-365 * ratio / 200), abs=0.01)
        # restricted mean over the horizon: (1 - exp(-h r / 200)) * 200 / r
        days = (1 - np.exp(-365 * ratio / 200)) * 200 / ratio
        assert now["active_days"] == pytest.approx(days, rel=0.02)
    with pytest.raises(ParameterError, match="hazard_ratio"):
        retention_projection(base, hazard_ratio=0.0)
    with pytest.raises(ParameterError, match="reach"):
        retention_projection(base, reach=1.5)


def test_retention_explorer_moves_with_the_hazard_ratio(small_data):
    ex = lab.retention_explorer(small_data, hazard_ratio=1.0, reach=1.0)
    assert float(ex.table.iloc[:, 2].abs().max()) == 0
    png0 = ex.png
    ex.controls["hazard_ratio"].value = 0.6
    clv_row = ex.table.loc[ex.table.index.str.startswith("lifetime value")].iloc[0]
    assert clv_row["change"] > 0
    assert ex.png != png0


# -- NPS ------------------------------------------------------------------------
def test_nps_state_is_cxlab_nps_and_sample_size():
    s = nps_state(0.45, 0.20, 400, difference=5)
    est = cxlab.nps(counts=(80, 140, 180))
    assert (s["nps"], s["lower"], s["upper"]) == pytest.approx((est.score, est.lower, est.upper))
    assert s["needed_per_group"] == cxlab.survey_sample_size(
        "nps", difference=5, promoters=0.45, detractors=0.20
    )
    with pytest.raises(ParameterError, match="shares"):
        nps_state(0.7, 0.5, 100)
    with pytest.raises(ParameterError, match="at least one"):
        nps_state(0.5, 0.2, 0)


@pytest.mark.slow
def test_answers_needed_detect_the_change_80_percent_of_the_time():
    # two surveys of the needed size per group, NPS 25 and 30: a two-sided 5% test of the
    # difference (trinomial Wald) should find it in about 80% of 4,000 simulated pairs
    n = int(nps_state(0.45, 0.20, 100, difference=5)["needed_per_group"])
    rng = np.random.default_rng(1)
    a = rng.multinomial(n, [0.20, 0.35, 0.45], size=4000)
    b = rng.multinomial(n, [0.175, 0.35, 0.475], size=4000)

    def score_var(c):
        p, d = c[:, 2] / n, c[:, 0] / n
        return p - d, (p + d - (p - d) ** 2) / n

    (sa, va), (sb, vb) = score_var(a), score_var(b)
    z = (sb - sa) / np.sqrt(va + vb)
    power = np.mean(np.abs(z) > 1.959964)
    assert power == pytest.approx(0.80, abs=0.025)


def test_nps_explorer_caps_shares_and_updates():
    ex = lab.nps_explorer(0.5, 0.2, 100)
    assert float(ex.table.loc["NPS", "now"]) == pytest.approx(30.0)
    png0 = ex.png
    ex.controls["n"].value = 1000
    margin = ex.table.loc["margin of error (+/- points)"]
    assert float(margin["now"]) < float(margin["starting point"]) / 2.5  # ~ 1/sqrt(10)
    ex.controls["promoters"].value = 90  # detractors capped at 10
    assert ex.controls["detractors"].value == 10
    assert float(ex.table.loc["NPS", "now"]) == pytest.approx(80.0)
    assert ex.png != png0


# -- sampling -------------------------------------------------------------------
@pytest.fixture(scope="module")
def population():
    return SamplingPopulation.from_data(cxlab.simulate(6000, random_state=11))


def test_km_interval_equals_lifelines(population):
    from lifelines import KaplanMeierFitter

    b = population.purchased
    km = KaplanMeierFitter().fit(population.tenure[b], population.churned[b])
    ci = km.confidence_interval_
    pos = np.searchsorted(ci.index.to_numpy(), 365, side="right") - 1
    s, lo, hi = _km_at(population.tenure[b], population.churned[b], 365)
    assert s / 100 == pytest.approx(km.survival_function_at_times(365).iloc[0])
    assert (lo / 100, hi / 100) == pytest.approx(tuple(ci.iloc[pos]), rel=1e-6)


def test_sample_estimates_are_nested_and_shrink_with_root_n(population):
    est = sample_estimates(population, 4000, draw=2)
    assert sorted(est["n"].unique()) == [100, 200, 500, 1000, 2000, 4000]
    conv = est[est["metric"] == "conversion"].set_index("n")
    # the same customers plus more: the estimate at 4000 uses the first 4000 of one order
    order = np.random.default_rng(2).permutation(population.size)
    assert conv.loc[4000, "estimate"] == pytest.approx(
        100 * population.purchased[order[:4000]].mean()
    )
    for m in ("conversion", "nps", "retention"):
        w = est[est["metric"] == m].set_index("n")["width"]
        assert w.loc[4000] / w.loc[1000] == pytest.approx(0.5, abs=0.1), m
    nps_rows = est[est["metric"] == "nps"].set_index("n")
    scores = population.nps_answer[order[:1000]]
    ref = cxlab.nps(scores[~np.isnan(scores)].astype(int))
    assert nps_rows.loc[1000, "estimate"] == pytest.approx(ref.score)
    with pytest.raises(ParameterError, match="between 10"):
        sample_estimates(population, 10**6)


@pytest.mark.slow
def test_sampling_intervals_cover_the_truth_about_95_percent(population):
    hits = pd.concat(
        [sample_estimates(population, 500, draw=d) for d in range(60)], ignore_index=True
    )
    cover = hits[hits["n"] == 500].groupby("metric")["covered"].mean()
    assert (cover > 0.85).all(), cover


def test_sampling_explorer_needs_truth_and_updates(population, small_data):
    nolabel = cxlab.CXData(events=small_data.events, customers=small_data.customers,
                           feedback=small_data.feedback)  # fmt: skip
    with pytest.raises(ParameterError, match="known truth"):
        lab.sampling_explorer(nolabel)
    ex = lab.sampling_explorer(small_data, n=200)
    w0, png0 = ex.table["interval width"].copy(), ex.png
    ex.controls["n"].value = 1600
    assert (ex.table["interval width"] < w0).all()
    assert ex.png != png0


# -- the frame ------------------------------------------------------------------
def test_display_bundle_has_a_static_copy_of_the_starting_state():
    ex = lab.nps_explorer(0.5, 0.2, 100)
    start = ex._static
    ex.controls["n"].value = 2000
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert html == start  # the starting state, not the current one
    assert "interactive in JupyterLab" in html and "data:image/png;base64," in html


@pytest.mark.notebooks
def test_papermill_report_shows_the_static_starting_state(tmp_path):
    # executed without a widget frontend and turned into HTML as `cxlab run` does: the page
    # shows the explorer's figure and the "interactive in JupyterLab" sentence, no widget
    # placeholder, and the executed notebook keeps no widget state
    import nbformat

    from cxlab.report.execute import execute_notebook, strip_volatile
    from cxlab.report.html import notebook_to_html

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "cxlab", "display_name": "cxlab", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "x = 1  # placeholder parameter", metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(
            "from cxlab import teaching as lab\nlab.nps_explorer(0.5, 0.2, 100)"
        ),
    ]
    src, out = tmp_path / "explorer.ipynb", tmp_path / "explorer.out.ipynb"
    nbformat.write(nb, src)
    outcome = execute_notebook(src, out, {}, label="explorer", kernel="cxlab", cwd=tmp_path)
    assert outcome.error is None, outcome.error
    done = strip_volatile(nbformat.read(out, as_version=4))
    assert "widgets" not in done.metadata
    html = notebook_to_html(done, tmp_path / "explorer.html").read_text()
    assert "interactive in JupyterLab" in html
    assert html.count("data:image/png;base64,") >= 1
    assert "NPS explorer" in html
    for broken in ("could not be displayed", "widget-view+json", "VBox(", "Explorer("):
        assert broken not in html, broken


def test_explorer_numbers_read_in_the_language():
    table = pd.DataFrame(
        {"starting point": [0.489, 383.0], "now": [0.553, "351.2 to 406.9"]},
        index=["conversion rate", "retention at 365 days"],
    )
    english = numbers_html(table)
    assert "0.489" in english and "351.2 to 406.9" in english
    with use_language("fa"):
        persian = numbers_html(table)
    assert "۰٫۴۸۹" in persian and "۳۵۱٫۲ تا ۴۰۶٫۹" in persian and "۳۶۵" in persian
    assert not re.search("[0-9]", re.sub("<[^>]*>", "", persian))
    assert numbers_html(table) == english


# -- the explorers in the reader's language -----------------------------------
#: Latin words a Persian explorer may show: names, formulas and the tool to open it in
ALLOWED_LATIN = {"NPS", "JupyterLab", "Rocks", "S_now", "reach", "ratio"}


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]*>", " ", re.sub(r'src="[^"]*"', "", html))


def test_english_explorer_messages_are_the_catalog_english():
    from cxlab.i18n._messages import _messages, message_keys
    from cxlab.teaching._lab import MESSAGES

    catalog = _messages("en")
    for key, text in MESSAGES.items():
        assert catalog[f"teaching.{key}"] == text, key
        assert f"teaching.{key}" in message_keys("fa"), key


@pytest.mark.parametrize("which", ["nps", "retention", "journey", "sampling"])
def test_explorers_speak_persian(which, small_data, value_model):
    def make():
        return {
            "nps": lambda: lab.nps_explorer(0.5, 0.2, 100),
            "retention": lambda: lab.retention_explorer(small_data, hazard_ratio=0.8),
            "journey": lambda: lab.journey_explorer(value_model),
            "sampling": lambda: lab.sampling_explorer(small_data, n=200),
        }[which]()

    english = make()
    with use_language("fa"):
        persian = make()
        label = next(iter(persian.controls.values())).description
    text = _visible_text(persian._static)
    latin = set(re.findall(r"[A-Za-z_]{3,}", text)) - ALLOWED_LATIN
    assert not latin, latin
    assert not re.search(r"[A-Za-z]{3,}", label.replace("NPS", "")), label
    assert "interactive in JupyterLab" in english._static
    assert "interactive in JupyterLab" not in persian._static


def test_experiment_outcomes_read_in_persian():
    from cxlab.i18n._tables import column_header, reader_label
    from cxlab.teaching._examples import _outcomes

    labels = {name for name, _ in _outcomes(cxlab.simulate(300, random_state=1))}
    for name in labels:
        shown = reader_label(name, "fa")
        assert not re.search("[A-Za-z]{3,}", shown.replace("NPS", "")), shown
        assert reader_label(name, "en") == name
    assert column_header("outcome", "fa") == "پیامد"
