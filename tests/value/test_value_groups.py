"""ValueModel groups="auto": personas when one pooled buyer's-journey chain is rejected."""

from __future__ import annotations

import warnings

import pytest

import cxlab
from cxlab.value._groups import HOMOGENEITY_ALPHA, choose_groups


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


@pytest.mark.xfail(
    strict=True,
    reason="known bias, open: on a one-persona study 'auto' clusters partly on journey "
    "outcomes, so the homogeneity test rejects one chain by construction and the by-cluster "
    "transition what-if is 8.4% below the pooled one (24,615 vs 26,867; truth 27,739)",
)
def test_auto_on_one_persona_stays_near_pooled():
    """One true persona: clusters split buyers from browsers (their chains differ by
    construction, so the test rejects one chain); the value effects should stay within a
    few percent of the pooled model's (measured 3.4% and 1.2% with 4 k-means starts; 8.4%
    and 1.2% since the persona model's fits reach the best optimum)."""
    one = cxlab.simulate(n_customers=2_500, random_state=11, personas=cxlab.default_personas()[:1])
    scenarios = [
        cxlab.Scenario.transition("consideration", "purchase", add=0.05),
        cxlab.Scenario.churn(0.9),
    ]
    values = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for groups in (None, "auto"):
            model = cxlab.ValueModel(n_bootstrap=20, random_state=0).fit(one, groups=groups)
            values[groups] = [model.what_if(s).value_created["estimate"] for s in scenarios]
    assert model.grouping_.how == "personas"
    for pooled, auto in zip(values[None], values["auto"]):
        assert abs(auto - pooled) / pooled < 0.06
