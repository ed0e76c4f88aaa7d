"""Tests of cxlab.markov._attribution: hand-worked removal effects, heuristics, truth, bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import (
    DataError,
    DataTypeError,
    DataWarning,
    MissingColumnError,
    ParameterError,
)
from cxlab.markov._attribution_paths import parse_path_table

PERSONA = cxlab.default_personas()[1]  # store loyalists


def _paths(rows):
    return pd.DataFrame(rows, columns=["path", "conversions", "nulls", "value"])


def test_three_path_example_by_hand():
    # C1 > C2 > C3 converts; C1 and C2 > C3 do not (Anderl et al. style example).
    # start -> C1 2/3, -> C2 1/3; C1 -> C2 1/2, null 1/2; C2 -> C3 1; C3 -> conv 1/2.
    # P(conv) = (2/3 * 1/2 + 1/3) * 1/2 = 1/3. Without C1: 1/3 * 1/2 = 1/6 -> RE 1/2;
    # without C2 or C3 nothing converts -> RE 1. Shares 0.2, 0.4, 0.4.
    res = cxlab.channel_attribution(
        _paths([["C1 > C2 > C3", 1, 0, 10.0], ["C1", 0, 1, 0.0], ["C2 > C3", 0, 1, 0.0]]),
        n_bootstrap=0,
    )
    assert res.conversion_probability["estimate"] == pytest.approx(1 / 3)
    np.testing.assert_allclose(
        res.removal_effects.loc[["C1", "C2", "C3"], "removal_effect"], [0.5, 1, 1]
    )
    wide = res.pivot()
    np.testing.assert_allclose(wide.loc[["C1", "C2", "C3"], "markov"], [0.2, 0.4, 0.4])
    np.testing.assert_allclose(wide.loc[["C1", "C2", "C3"], "first_touch"], [1, 0, 0])
    np.testing.assert_allclose(wide.loc[["C1", "C2", "C3"], "last_touch"], [0, 0, 1])
    np.testing.assert_allclose(wide.loc[["C1", "C2", "C3"], "linear"], [1 / 3] * 3)
    np.testing.assert_allclose(res.pivot("value").loc[["C1", "C2", "C3"], "markov"], [2, 4, 4])


def test_weighted_paths_by_hand():
    # a > b: 2 conv, 1 null, value 20; b: 1 conv, 2 null, value 5; a: 3 null.
    # start -> a 6/9, -> b 3/9; a -> b 3/6, a -> null 3/6; b -> conv 3/6, b -> null 3/6.
    # P(conv) = (2/3 * 1/2 + 1/3) / 2 = 1/3; without a: 1/6 (RE 1/2); without b: 0 (RE 1).
    res = cxlab.channel_attribution(
        _paths([["a > b", 2, 1, 20.0], ["b", 1, 2, 5.0], ["a", 0, 3, 0.0]]), n_bootstrap=0
    )
    np.testing.assert_allclose(res.removal_effects["removal_effect"], [0.5, 1.0])
    w = res.pivot()
    np.testing.assert_allclose(w["markov"], [1.0, 2.0])  # 3 conversions x (1/3, 2/3)
    np.testing.assert_allclose(w["first_touch"], [2.0, 1.0])
    np.testing.assert_allclose(w["last_touch"], [0.0, 3.0])
    np.testing.assert_allclose(w["linear"], [1.0, 2.0])
    v = res.pivot("value")
    np.testing.assert_allclose(v["first_touch"], [20.0, 5.0])
    np.testing.assert_allclose(v["markov"], [25 / 3, 50 / 3])
    assert res.total_conversions == 3 and res.n_journeys == 9


def test_higher_order_removal_effects_by_hand():
    # a > b converts, c > b does not. First order mixes them at b:
    #   P(conv) = 1/2; without a: 1/4 (RE 1/2); without c: 1/4 (RE 1/2); without b: RE 1.
    # Second order keeps (a, b) -> conv and (c, b) -> null apart:
    #   without a: 0 (RE 1); without c: 1/2 (RE 0); without b: RE 1.
    table = _paths([["a > b", 1, 0, 0.0], ["c > b", 0, 1, 0.0]])
    one = cxlab.channel_attribution(table, methods=["markov"], n_bootstrap=0)
    np.testing.assert_allclose(one.removal_effects["removal_effect"], [0.5, 1.0, 0.5])
    two = cxlab.channel_attribution(table, methods=["markov"], order=2, n_bootstrap=0)
    np.testing.assert_allclose(two.removal_effects["removal_effect"], [1.0, 1.0, 0.0])
    np.testing.assert_allclose(two.pivot()["markov"], [0.5, 0.5, 0.0])


def test_lists_whitespace_and_repeats():
    a = _paths([["x>y", 1, 1, 0.0], [" y >  x ", 2, 0, 0.0]])
    b = pd.DataFrame({"path": [["x", "y"], ["y", "x"]], "conversions": [1, 2], "nulls": [1, 0]})
    ra, rb = (cxlab.channel_attribution(t, n_bootstrap=0) for t in (a, b))
    pd.testing.assert_frame_equal(ra.table, rb.table)
    rep = _paths([["x > x > y", 1, 1, 0.0], ["y > y > x", 2, 0, 0.0]])
    r1 = cxlab.channel_attribution(rep, n_bootstrap=0)
    r2 = cxlab.channel_attribution(rep, n_bootstrap=0, collapse_repeats=True)
    # self-loops do not change first-order removal effects, but do change linear credit
    np.testing.assert_allclose(r1.removal_effects, r2.removal_effects)
    pd.testing.assert_frame_equal(
        r2.table.query("method == 'linear'"), ra.table.query("method == 'linear'")
    )
    assert not np.allclose(r1.pivot()["linear"], r2.pivot()["linear"])


def test_event_log_and_its_path_table_give_the_same_credit():
    data = cxlab.simulate(n_customers=800, random_state=4)
    table = cxlab.conversion_paths(data)
    buyers = data.events.query("stage == 'purchase'")["customer_id"].nunique()
    assert table["conversions"].sum() == buyers
    assert table["journeys"].sum() == len(data.customers)
    first_rev = (
        data.events.query("stage == 'purchase'").groupby("customer_id")["revenue"].first().sum()
    )
    assert table["value"].sum() == pytest.approx(first_rev)
    a = cxlab.channel_attribution(data, n_bootstrap=0)
    b = cxlab.channel_attribution(table, n_bootstrap=0)
    pd.testing.assert_frame_equal(
        a.pivot().sort_index(), b.pivot().sort_index(), check_exact=False, rtol=1e-9
    )


def test_exact_removal_effects_are_deterministic_and_bootstrap_is_reproducible():
    data = cxlab.simulate(n_customers=600, random_state=8)
    a = cxlab.channel_attribution(data, n_bootstrap=50, random_state=1)
    b = cxlab.channel_attribution(data, n_bootstrap=50, random_state=1)
    c = cxlab.channel_attribution(data, n_bootstrap=50, random_state=2)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_series_equal(
        a.removal_effects["removal_effect"], c.removal_effects["removal_effect"]
    )
    t = a.table
    assert (t["conversions_ci_low"] <= t["conversions"] + 1e-9).all()
    assert (t["conversions"] <= t["conversions_ci_high"] + 1e-9).all()
    # credit sums to the conversions for every method
    np.testing.assert_allclose(a.pivot().sum(), a.total_conversions)


def test_stage_channel_chain_recovers_the_causal_removal_effect_of_one_persona():
    data = cxlab.simulate(n_customers=6000, random_state=31, personas=[PERSONA])
    res = cxlab.channel_attribution(
        data, state=["stage", "channel"], methods=["markov"], n_bootstrap=150, random_state=0
    )
    x = res.removal_effects.join(data.truth.removal_effects, rsuffix="_true")
    z = (x["removal_effect"] - x["removal_effect_true"]) / x["se"]
    assert (z.abs() < 4).all(), z
    inside = (x["ci_low"] <= x["removal_effect_true"]) & (x["removal_effect_true"] <= x["ci_high"])
    assert inside.sum() >= 7, x


@pytest.mark.slow
def test_bootstrap_intervals_of_removal_effects_cover_the_truth():
    hits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rep in range(16):
            data = cxlab.simulate(n_customers=2500, random_state=700 + rep, personas=[PERSONA])
            res = cxlab.channel_attribution(
                data,
                state=["stage", "channel"],
                methods=["markov"],
                n_bootstrap=150,
                random_state=rep,
            )
            x = res.removal_effects.join(data.truth.removal_effects, rsuffix="_t")
            hits += (
                (x["ci_low"] <= x["removal_effect_t"]) & (x["removal_effect_t"] <= x["ci_high"])
            ).tolist()
    cover = np.mean(hits)
    assert abs(cover - 0.95) < 3 * np.sqrt(0.95 * 0.05 / len(hits)) + 0.01, cover


def test_fractional_counts_use_a_poisson_bootstrap():
    res = cxlab.channel_attribution(
        _paths([["a > b", 2.5, 1.5, 0.0], ["b", 1.2, 2.0, 0.0]]), n_bootstrap=40, random_state=0
    )
    assert np.isfinite(res.table["conversions_se"]).all()


def test_bad_path_tables():
    with pytest.raises(MissingColumnError, match="'path'"):
        cxlab.channel_attribution(pd.DataFrame({"route": ["a"], "conversions": [1]}), path="path")
    with pytest.raises(MissingColumnError, match="nulls"):
        parse_path_table(pd.DataFrame({"path": ["a"], "conversions": [1]}))
    with pytest.raises(DataError, match="non-negative") as e:
        parse_path_table(_paths([["a", 1, -1, 0.0], ["b", 1, 0, 0.0]]))
    assert e.value.n_rows == 1
    with pytest.raises(DataError, match="non-negative"):
        parse_path_table(_paths([["a", np.nan, 1, 0.0]]))
    with pytest.raises(DataTypeError, match="numeric"):
        parse_path_table(_paths([["a", "one", 1, 0.0]]))
    with pytest.raises(DataError, match="empty channel name") as e:
        parse_path_table(_paths([["a", 1, 0, 0.0], ["a >> b", 1, 0, 0.0], ["", 0, 1, 0.0]]))
    assert e.value.example_ids == [1, 2]
    with pytest.raises(DataError, match="missing"):
        parse_path_table(_paths([[None, 1, 0, 0.0]]))
    with pytest.warns(DataWarning, match="no conversions and no nulls"):
        parse_path_table(_paths([["a", 1, 0, 0.0], ["b", 0, 0, 0.0]]))
    with pytest.raises(DataError, match="no journey converts"):
        cxlab.channel_attribution(_paths([["a", 0, 3, 0.0]]))
    with pytest.raises(ParameterError, match="methods"):
        cxlab.channel_attribution(_paths([["a", 1, 3, 0.0]]), methods=["shapley"])
    with pytest.raises(ParameterError, match="longest path has 2"):
        cxlab.channel_attribution(_paths([["a > b", 1, 3, 0.0]]), order=3)
