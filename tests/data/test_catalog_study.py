"""Every estimator uses the study's own catalog; stage arguments are checked against it.

A relabelled simulated study (other stage and channel names, same journeys) must give
exactly the numbers of the original study, and the right P(purchase) against the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import studies

import cxlab
from cxlab.data._catalog import DEFAULT_CATALOG, StageCatalog, check_names, study_catalog
from cxlab.exceptions import ParameterError, UnknownCategoryError

EVALUATE = {**{s: s for s in DEFAULT_CATALOG.stages}, "consideration": "evaluate"}


@pytest.fixture(scope="module")
def demo():
    return studies.simulated(1500, 3)


@pytest.fixture(scope="module", params=["subscription", "persian", "evaluate"])
def relabelled(request, demo):
    if request.param == "subscription":
        return studies.relabel(demo, studies.SUBSCRIPTION_STAGES, studies.SUBSCRIPTION_CHANNELS)
    if request.param == "persian":
        return studies.relabel(demo, studies.PERSIAN_STAGES)
    return studies.relabel(demo, EVALUATE)


def _p_purchase(chain, catalog):
    return float(chain.absorption().probabilities.loc["(start)", catalog.purchase_stage])


def test_markov_buyer_chain_uses_the_study_catalog(demo, relabelled):
    want = cxlab.MarkovChain(journey="buyer", random_state=0).fit(demo)
    got = cxlab.MarkovChain(journey="buyer", random_state=0).fit(relabelled)
    assert _p_purchase(got, relabelled.catalog) == _p_purchase(want, demo.catalog)
    np.testing.assert_array_equal(
        got.transition_matrix_.to_numpy(), want.transition_matrix_.to_numpy()
    )
    # and that answer is the truth, within its interval
    truth = studies.truth_p_purchase(demo)
    ab = got.absorption().summary()
    pick = (ab["quantity"] == "absorption probability") & (ab["from"] == "(start)")
    row = ab[pick & (ab["to"] == relabelled.catalog.purchase_stage)].iloc[0]
    assert row["ci_low"] <= truth <= row["ci_high"]


def test_catalog_argument_overrides_the_study_catalog(demo, relabelled):
    right = _p_purchase(cxlab.MarkovChain(journey="buyer").fit(demo), demo.catalog)
    chain = cxlab.MarkovChain(journey="buyer", catalog=DEFAULT_CATALOG)
    if "awareness" not in relabelled.catalog.stages:
        with pytest.raises(cxlab.CxlabError):  # the default's stages are not this study's
            chain.fit(relabelled)
        return
    with pytest.warns(cxlab.exceptions.DataWarning):
        chain.fit(relabelled)
    assert abs(_p_purchase(chain, DEFAULT_CATALOG) - right) > 0.1  # the default was used
    chain = cxlab.MarkovChain(journey="buyer", catalog=relabelled.catalog).fit(relabelled.events)
    assert relabelled.catalog.purchase_stage in chain.absorbing_states_


def test_attribution_and_tests_use_the_study_catalog(demo, relabelled):
    want = cxlab.channel_attribution(demo, n_bootstrap=0, random_state=0).summary()
    got = cxlab.channel_attribution(relabelled, n_bootstrap=0, random_state=0).summary()
    np.testing.assert_allclose(got["conversions"].to_numpy(), want["conversions"].to_numpy())
    np.testing.assert_allclose(got["share"].to_numpy(), want["share"].to_numpy())
    t_want = cxlab.markov_order_test(demo, journey="buyer", max_order=2)
    t_got = cxlab.markov_order_test(relabelled, journey="buyer", max_order=2)
    pd.testing.assert_frame_equal(t_got.summary(), t_want.summary())


def test_journey_defaults_use_the_catalog_purchase_stage(demo, relabelled):
    want = cxlab.variants(demo, top=5).summary()
    got = cxlab.variants(relabelled, top=5).summary()
    np.testing.assert_array_equal(got["conversions"].to_numpy(), want["conversions"].to_numpy())
    d_want = cxlab.drop_off(demo).summary()
    d_got = cxlab.drop_off(relabelled).summary()
    np.testing.assert_array_equal(d_got["exits"].to_numpy(), d_want["exits"].to_numpy())


def test_survival_and_features_count_the_catalog_support_stage(demo, relabelled):
    want = cxlab.survival_table(demo)
    got = cxlab.survival_table(relabelled)
    np.testing.assert_array_equal(got["support_contacts"], want["support_contacts"])
    np.testing.assert_array_equal(got["churned"], want["churned"])
    assert got["support_contacts"].sum() > 0
    f_got = cxlab.journey_facts(relabelled)["support_contacts"]
    f_want = cxlab.journey_facts(demo)["support_contacts"]
    np.testing.assert_array_equal(f_got.to_numpy(), f_want.to_numpy())


@pytest.mark.parametrize("argument", ["support_stage", "resolve_stage", "start_stage"])
def test_unknown_stage_argument_is_an_error_listing_the_stages(demo, argument):
    with pytest.raises(UnknownCategoryError, match=f"{argument}.*nonexistent.*awareness"):
        cxlab.survival_table(demo, **{argument: "nonexistent"})


def test_catalog_without_service_has_no_support_column(demo):
    cat = DEFAULT_CATALOG.with_stages([s for s in DEFAULT_CATALOG.stages if s != "service"])
    assert cat.support_stage is None
    ev = demo.events.loc[demo.events["stage"] != "service"].copy()
    ev["stage"] = ev["stage"].astype(str).astype(pd.CategoricalDtype(list(cat.stages)))
    fb = demo.feedback.loc[demo.feedback["stage"] != "service"].copy()
    fb["stage"] = fb["stage"].astype(str).astype(pd.CategoricalDtype(list(cat.stages)))
    data = cxlab.CXData(events=ev, customers=demo.customers, feedback=fb, catalog=cat)
    table = cxlab.survival_table(data)
    assert "support_contacts" not in table
    assert table.attrs["survival"]["support_stage"] is None
    # an explicit support stage is still honoured
    other = cxlab.survival_table(data, support_stage="use")
    assert other["support_contacts"].sum() > 0


def test_catalog_support_stage_round_trips_and_checks():
    cat = StageCatalog(
        stages=("visit", "purchase", "help"),
        buyer_stages=("visit", "purchase"),
        churn_stage=None,
        support_stage="help",
    )
    assert StageCatalog.from_dict(cat.to_dict()) == cat
    legacy = cat.to_dict()
    legacy.pop("support_stage")
    assert StageCatalog.from_dict(legacy).support_stage is None  # no "service" stage
    with pytest.raises(ValueError, match="support_stage"):
        StageCatalog(
            stages=("visit", "purchase"),
            buyer_stages=("visit",),
            churn_stage=None,
            support_stage="x",
        )


def test_study_catalog_and_check_names():
    with pytest.raises(ParameterError, match="StageCatalog"):
        study_catalog(None, catalog={"stages": ["a"]})
    assert study_catalog(pd.DataFrame()) is DEFAULT_CATALOG
    with pytest.raises(UnknownCategoryError, match="channels are"):
        check_names(["web", "fax"], DEFAULT_CATALOG, argument="channels", kind="channel")
