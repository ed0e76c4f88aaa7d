"""ValueModel groups="auto": personas when one pooled buyer's-journey chain is rejected."""

from __future__ import annotations

import warnings

import pytest

import cxlab
from cxlab.value._groups import HOMOGENEITY_ALPHA, choose_groups, habit_features


@pytest.fixture(scope="module")
def mixture():
    return cxlab.simulate(n_customers=2_500, random_state=11)


def test_auto_finds_personas_when_pooled_chain_rejected(mixture):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cxlab.ValueModel(n_bootstrap=20, random_state=0).fit(mixture, groups="auto")
    choice = model.grouping_
    assert choice.how == "personas"
    assert choice.homogeneity_p < HOMOGENEITY_ALPHA
    assert len(model.groups_) == choice.groups.nunique() > 1
    assert model.notes_[0].startswith("fitted by persona")
    assert "p<0.001" in model.notes_[0]
    # the persona labels cover every customer and agree with the truth better than chance
    assert cxlab.persona_agreement(choice.groups, mixture.truth.persona).estimate > 0.3


def test_pooled_and_given_groups_unchanged(mixture):
    assert choose_groups(mixture, None).how == "pooled"
    given = choose_groups(mixture, "segment")
    assert (given.how, given.groups, given.note) == ("as given", "segment", "")


def test_auto_on_one_persona_stays_near_pooled():
    """One true persona: clustering on habits, with one persona allowed, finds one, so "auto"
    pools; the value effects equal the pooled model's and their intervals cover the truth.
    (Forced to find two or more, the clustering split buyers from browsers, the homogeneity test
    rejected one chain by construction and the transition what-if came out 8.4% below the
    pooled one.)"""
    one = cxlab.simulate(n_customers=2_500, random_state=11, personas=cxlab.default_personas()[:1])
    scenarios = [
        cxlab.Scenario.transition("consideration", "purchase", add=0.05),
        cxlab.Scenario.churn(0.9),
    ]
    values = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for groups in (None, "auto"):
            model = cxlab.ValueModel(n_bootstrap=100, random_state=0).fit(one, groups=groups)
            values[groups] = [model.what_if(s).value_created for s in scenarios]
    assert model.grouping_.how == "pooled"
    assert model.grouping_.n_personas == 1
    assert model.grouping_.homogeneity_p is None
    assert model.notes_[0].startswith("one pooled model") and "single persona" in model.notes_[0]
    for pooled, auto, scenario in zip(values[None], values["auto"], scenarios):
        assert abs(auto["estimate"] - pooled["estimate"]) / pooled["estimate"] < 0.06
        truth = cxlab.truth_what_if(model, one, scenario).loc["value", "change"]
        assert auto["lower"] <= truth <= auto["upper"]


def test_habit_features_leave_out_journey_outcomes(mixture):
    X = habit_features(mixture)
    assert all(c.startswith("n_") and "__" in c for c in X.columns[:-1])
    assert X.columns[-1] == "segment_business"
    outcomes = ("purchased", "revenue", "orders", "tenure_days", "reached_", "churned", "nps")
    assert not [c for c in X.columns if c.startswith(outcomes)]
    assert len(X) == mixture.events["customer_id"].nunique()


def test_auto_pools_when_channels_carry_no_habits(mixture):
    events = mixture.events.assign(channel=mixture.events["channel"].cat.categories[4])
    events["channel"] = events["channel"].astype(mixture.events["channel"].dtype)
    bare = cxlab.CXData(events, mixture.customers[["customer_id"]], mixture.feedback)
    choice = choose_groups(bare, "auto", random_state=0)
    assert (choice.how, choice.groups, choice.n_personas) == ("pooled", None, 1)
    assert "finds a single persona" in choice.note
