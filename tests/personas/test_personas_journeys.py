"""Journeys by persona: per-persona chains recover each persona's true conversion, the
homogeneity test rejects for real personas and not for random groups, and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import DataError, ParameterError
from cxlab.personas._journeys import persona_journeys


@pytest.fixture(scope="module")
def found(small_data):
    X = cxlab.customer_features(small_data)
    model = cxlab.PersonaModel(n_personas=4, n_bootstrap=0, random_state=0).fit(X)
    return model, persona_journeys(small_data, model, random_state=0)


def test_true_personas_convert_as_simulated(small_data):
    pj = persona_journeys(small_data, small_data.truth.persona, random_state=0)
    table = pj.summary()
    truth = small_data.truth.conversion_probability
    for persona, row in table.iterrows():
        # the exact absorbing-chain conversion lies inside each persona's interval
        assert row["p_purchase_low"] <= truth[persona] <= row["p_purchase_high"], persona
    assert table["n_customers"].sum() == len(small_data.customers)
    assert pj.homogeneity.estimate < 1e-10


def test_found_personas_journey_like_their_true_personas(small_data, found):
    model, pj = found
    truth = small_data.truth.persona.reindex(model.assign().index)
    match = pd.crosstab(model.assign(), truth).idxmax(axis=1)
    table = pj.summary()
    conv = small_data.truth.conversion_probability
    for name, true in match.items():
        # misassigned customers (mostly single-event non-buyers) bias it a little
        assert abs(table.loc[name, "p_purchase"] - conv[true]) < 0.08, (name, true)
    assert pj.homogeneity.estimate < 1e-10
    assert pj.test().iloc[-1]["from"] == "(all)"
    assert any("not independent" in n for n in pj.homogeneity.notes)
    funnel = pj.funnel.summary()
    assert set(funnel["step"]) == {"awareness", "consideration", "purchase", "loyalty", "advocacy"}


def test_random_groups_are_not_rejected(small_data):
    rng = np.random.default_rng(3)
    ids = small_data.customers["customer_id"].to_numpy()
    pvals = []
    for _ in range(5):
        groups = pd.Series(rng.choice(["a", "b", "c"], size=len(ids)), index=ids, name="g")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pvals.append(persona_journeys(small_data, groups).homogeneity.estimate)
    assert min(pvals) > 0.001  # five draws from U(0,1) under H0
    assert np.mean(pvals) > 0.1


def test_plots_and_repr(found):
    import matplotlib.pyplot as plt

    model, pj = found
    ax = pj.plot_funnels()
    assert len(ax.get_lines()) == model.n_personas_
    ax2 = pj.plot_chain(model.names_[0])
    assert ax2.get_title() == f"{model.names_[0]}: transition probabilities"
    with cxlab.i18n.use_language("fa"):
        shown = pj.plot_chain(model.names_[0]).get_title()
    assert "transition" not in shown and model.names_[0] not in shown
    assert repr(pj).startswith("PersonaJourneys(personas=4")
    with pytest.raises(ParameterError, match="unknown persona"):
        pj.plot_chain("nobody")
    plt.close("all")


def test_errors(small_data):
    with pytest.raises(DataError, match="no customer of the event log has a persona"):
        persona_journeys(small_data, pd.Series(["a"], index=[10**9], name="persona"))
    partial = small_data.truth.persona.iloc[:-3]
    with pytest.raises(DataError, match="have no persona") as err:
        persona_journeys(small_data, partial)
    assert err.value.n_rows == 3
    with pytest.raises(ParameterError, match="PersonaModel or a Series"):
        persona_journeys(small_data, ["a", "b"])
