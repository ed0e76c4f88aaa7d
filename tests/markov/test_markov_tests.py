"""Tests of the order and homogeneity likelihood-ratio tests on data with a known answer."""

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import ParameterError

PERSONA = cxlab.default_personas()[0]


@pytest.fixture(scope="module")
def mixed():
    return cxlab.simulate(n_customers=5000, random_state=21)


@pytest.fixture(scope="module")
def homogeneous():
    return [cxlab.simulate(600, random_state=300 + r, personas=[PERSONA]) for r in range(40)]


def test_order_test_by_hand_on_a_tiny_example():
    seqs = [["a", "b", "a", "b"], ["b", "a", "a"]]
    res = cxlab.markov_order_test(seqs, max_order=2, state="s")
    first = cxlab.MarkovChain(state="s").fit(seqs).counts_.to_numpy()
    n = first.sum(axis=1, keepdims=True)
    pos = first > 0
    ll1 = float((first[pos] * np.log((first / n)[pos])).sum())
    assert res.table.loc[0, "loglik"] == pytest.approx(ll1)
    assert res.table.loc[0, "n_params"] == int((np.maximum(pos.sum(axis=1) - 1, 0)).sum())
    g2 = 2 * (res.table.loc[1, "loglik"] - ll1)
    assert res.table.loc[0, "g2_vs_next"] == pytest.approx(g2)


@pytest.mark.slow
def test_order_test_holds_its_level_on_a_first_order_chain(homogeneous):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = [
            cxlab.markov_order_test(d, journey="buyer", max_order=2).table.loc[0, "p_value"]
            for d in homogeneous
        ]
    # 40 tests at level 0.05: expect 2 rejections; 7 or more has probability < 0.5%
    assert np.sum(np.array(p) < 0.05) <= 6, sorted(p)[:8]


def test_order_test_detects_the_persona_mixture(mixed):
    res = cxlab.markov_order_test(mixed, journey="buyer", max_order=2)
    assert res.table.loc[0, "p_value"] < 0.01


def test_homogeneity_across_personas_is_rejected_and_random_split_is_not(mixed, homogeneous):
    res = cxlab.markov_homogeneity_test(mixed, by=mixed.truth.persona, journey="buyer")
    assert res.estimate < 1e-10
    assert res.table.iloc[-1]["from"] == "(all)" and res.table.iloc[-1]["max_abs_diff"] > 0.1
    rng = np.random.default_rng(0)
    p = []
    for d in homogeneous:
        ids = d.customers["customer_id"]
        split = pd.Series(rng.integers(0, 3, len(ids)), index=ids.to_numpy())
        p.append(cxlab.markov_homogeneity_test(d, by=split, journey="buyer").estimate)
    assert np.sum(np.array(p) < 0.05) <= 6, sorted(p)[:8]


def test_homogeneity_over_time_and_settings_errors(homogeneous):
    d = homogeneous[0]
    res = cxlab.markov_homogeneity_test(d, period="Q", journey="buyer")
    assert "periods" in res.name and res.table["df"].iloc[-1] > 0
    assert res.estimate > 0.001  # the simulator's chain does not change over time
    with pytest.raises(ParameterError, match="exactly one"):
        cxlab.markov_homogeneity_test(d, journey="buyer")
    with pytest.raises(ParameterError, match="max_order"):
        cxlab.markov_order_test(d, max_order=1)
    with pytest.raises(ParameterError, match="not both"):
        cxlab.markov_order_test(d, chain=cxlab.MarkovChain(), journey="buyer")
