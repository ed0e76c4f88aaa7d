"""The simulator is deterministic, and its truth is recoverable from the data it writes."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import cxlab
from cxlab._paths import DEMO_DATA_DIR
from cxlab.data._catalog import DROP_STATE, START_STATE
from cxlab.exceptions import ParameterError


@pytest.fixture(scope="module")
def big():
    return cxlab.simulate(n_customers=30_000, random_state=11)


def _buyer_transitions(events: pd.DataFrame) -> pd.DataFrame:
    """Count buyer's-journey transitions (incl. start and drop-off) the plain pandas way."""
    buyer = events[events["stage"].isin(["awareness", "consideration", "purchase"])]
    cid = buyer["customer_id"].to_numpy()
    stage = buyer["stage"].astype(str).to_numpy(dtype=object)
    first = np.r_[True, cid[1:] != cid[:-1]]
    last = np.r_[cid[1:] != cid[:-1], True]
    nxt = np.concatenate([stage[1:], np.array([""], dtype=object)])
    nxt = np.where(last, np.where(stage == "purchase", "", DROP_STATE), nxt)
    frm = np.concatenate([np.full(first.sum(), START_STATE, dtype=object), stage])
    to = np.concatenate([stage[first], nxt])
    keep = to != ""
    return pd.crosstab(pd.Series(frm[keep], name="from"), pd.Series(to[keep], name="to"))


def _within(counts: pd.DataFrame, truth: pd.DataFrame, z: float = 4.0) -> None:
    for row in truth.index:
        n = counts.loc[row].sum()
        for col in truth.columns:
            p = truth.loc[row, col]
            phat = counts.loc[row].get(col, 0) / n
            se = np.sqrt(max(p * (1 - p), 1e-12) / n)
            assert abs(phat - p) <= z * se + 1e-12, (row, col, phat, p, se)


def test_same_seed_same_data_bit_for_bit():
    a = cxlab.simulate(n_customers=500, random_state=5)
    b = cxlab.simulate(n_customers=500, random_state=5)
    for name in ("events", "customers", "feedback"):
        pdt.assert_frame_equal(getattr(a, name), getattr(b, name))
    c = cxlab.simulate(n_customers=500, random_state=6)
    assert not a.events["timestamp"].equals(c.events["timestamp"])
    rng_a = cxlab.simulate(n_customers=200, random_state=np.random.default_rng(3))
    rng_b = cxlab.simulate(n_customers=200, random_state=3)
    pdt.assert_frame_equal(rng_a.events, rng_b.events)


def test_demo_data_regenerates_to_identical_files(tmp_path):
    cxlab.simulate(n_customers=5000, random_state=0).save(tmp_path)
    committed = sorted(
        p.relative_to(DEMO_DATA_DIR)
        for p in DEMO_DATA_DIR.rglob("*")
        if p.is_file() and p.name != "README.md"
    )
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == fresh
    for rel in committed:
        a = hashlib.sha256((DEMO_DATA_DIR / rel).read_bytes()).hexdigest()
        b = hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest()
        assert a == b, f"{rel} differs; regenerate data/demo (see data/demo/README.md)"


def test_pooled_transition_frequencies_match_truth(big):
    _within(_buyer_transitions(big.events), big.truth.transition_matrix)


def test_per_persona_chains_match_truth(big):
    persona = big.truth.persona
    for name, truth in big.truth.transition_matrix_by_persona.items():
        ids = persona.index[persona == name]
        counts = _buyer_transitions(big.events[big.events["customer_id"].isin(ids)])
        _within(counts, truth.loc[:, truth.sum() > 0].drop(index=[]), z=4.0)


def test_conversion_matches_exact_absorption_probability(big):
    bought = big.truth.customers["purchased"]
    for name, p in big.truth.conversion_probability.items():
        sel = bought if name == "all" else bought[big.truth.persona == name]
        se = np.sqrt(p * (1 - p) / len(sel))
        assert abs(sel.mean() - p) < 4 * se, (name, sel.mean(), p)


def test_channel_probabilities_match_truth(big):
    ev = big.events.merge(big.truth.persona.rename("persona").reset_index(), on="customer_id")
    counts = pd.crosstab(
        [ev["persona"].astype(str), ev["stage"].astype(str)], ev["channel"].astype(str)
    )
    truth = big.truth.channel_probabilities
    for key in counts.index:
        n = counts.loc[key].sum()
        if n < 500:
            continue
        for ch in truth.columns:
            p = truth.loc[key, ch]
            phat = counts.loc[key].get(ch, 0) / n
            # ~300 comparisons: z = 4.6 is a Bonferroni bound at family-wise 0.001
            assert abs(phat - p) <= 4.6 * np.sqrt(max(p * (1 - p), 1e-12) / n) + 1e-12


def test_removal_effects_match_journeys_that_avoid_the_channel(big):
    """Removing channel c converts exactly the purchasers who never touched c before buying."""
    buyer = big.events[big.events["stage"].isin(["awareness", "consideration", "purchase"])]
    bought = big.truth.customers["purchased"]
    touched = pd.crosstab(buyer["customer_id"], buyer["channel"].astype(str)) > 0
    touched = touched.reindex(bought.index, fill_value=False)
    for ch, row in big.truth.removal_effects.iterrows():
        kept = (bought & ~touched.get(ch, False)).sum()
        est = 1 - kept / bought.sum()
        p = row["removal_effect"]
        assert abs(est - p) < 4 * np.sqrt(p * (1 - p) / bought.sum()) + 0.002, (ch, est, p)


def test_observed_covariates_equal_latent_truth(big):
    t = big.truth.customers
    csat = big.feedback[big.feedback["metric"] == "csat"].set_index("customer_id")["score"]
    assert (t.loc[csat.index, "csat"] == csat).all()
    assert set(csat.index) <= set(t.index[t["purchased"]])
    # support contacts: service events in the onboarding window after the purchase
    ev = big.events
    purchase = ev[ev["stage"] == "purchase"].set_index("customer_id")["timestamp"]
    svc = ev[ev["stage"] == "service"].join(purchase.rename("bought"), on="customer_id")
    in_window = svc["timestamp"] <= svc["bought"] + pd.Timedelta(days=big.truth.onboarding_days)
    counts = svc[in_window].groupby("customer_id").size()
    end = ev["timestamp"].max()
    complete = purchase.index[purchase + pd.Timedelta(days=30) < end]
    got = counts.reindex(complete, fill_value=0)
    assert (got == t.loc[complete, "support_contacts"]).all()
    # explicit churn events match the churn flag
    churned = ev.loc[ev["stage"] == "churn", "customer_id"]
    assert set(churned) == set(t.index[t["churned"] == 1])


def test_hazard_coefficients_recovered_by_cox(big):
    from lifelines import CoxPHFitter

    t = big.truth.customers
    t = t[t["purchased"] & (t["tenure_days"] > big.truth.onboarding_days)].copy()
    df = pd.DataFrame(
        {
            "duration": t["tenure_days"] - big.truth.onboarding_days,
            "event": t["churned"],
            "loyalty_member": t["loyalty_member"].astype(float),
            "support_contacts": t["support_contacts"],
            "csat": t["csat"],
        }
    )
    persona = big.truth.persona.loc[t.index]
    for name in persona.cat.categories[1:]:
        df[f"persona[{name}]"] = (persona == name).astype(float)
    cph = CoxPHFitter().fit(df, "duration", "event")
    truth = big.truth.hazard_coefficients
    z = (cph.params_[truth.index] - truth) / cph.standard_errors_[truth.index]
    assert (z.abs() < 4).all(), z


def test_nps_effects_recovered_by_ordinal_logit(big):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    t = big.truth.customers[big.truth.customers["purchased"]]
    x = pd.DataFrame(
        {
            "csat": t["csat"],
            "support_contacts": t["support_contacts"],
            "loyalty_member": t["loyalty_member"].astype(float),
        }
    )
    persona = big.truth.persona.loc[t.index]
    for name in persona.cat.categories[1:]:
        x[f"persona[{name}]"] = (persona == name).astype(float)
    res = OrderedModel(t["nps_true"].astype(int), x, distr="logit").fit(
        method="bfgs", disp=False, maxiter=500
    )
    truth = big.truth.nps_effects
    z = (res.params[truth.index] - truth) / res.bse[truth.index]
    assert (z.abs() < 4).all(), z


def test_persona_shares_and_one_persona_population():
    data = cxlab.simulate(n_customers=4000, random_state=2)
    shares = data.truth.persona.value_counts(normalize=True)
    for p in cxlab.default_personas():
        assert abs(shares[p.name] - p.weight) < 4 * np.sqrt(p.weight * (1 - p.weight) / 4000)
    one = cxlab.simulate(n_customers=300, random_state=2, personas=[cxlab.default_personas()[1]])
    assert one.truth.persona.nunique() == 1
    pdt.assert_frame_equal(
        one.truth.transition_matrix, one.truth.transition_matrix_by_persona["store loyalists"]
    )


def test_bad_parameters():
    with pytest.raises(ParameterError, match="n_customers=0"):
        cxlab.simulate(n_customers=0)
    with pytest.raises(ParameterError, match="unknown effects"):
        cxlab.simulate(n_customers=10, hazard_coefficients={"age": 0.1})
    with pytest.raises(ParameterError, match="seed= and random_state="):
        cxlab.simulate(n_customers=10, seed=1, random_state=1)
    with pytest.raises(ValueError, match="sum"):
        cxlab.Persona(
            name="x",
            weight=1,
            start={"awareness": 1.0},
            transitions={"awareness": {"purchase": 0.5}, "consideration": {"purchase": 1.0}},
            channel_preference={"web": 1.0},
            dwell_days={},
            spend=1.0,
        )


def test_exact_copies_of_an_event_are_moved_a_second_apart():
    from cxlab.simulation._simulate import _separate_copies

    ts = np.array(["2025-01-01T00:00:00"] * 3 + ["2025-01-01T00:00:05"], dtype="datetime64[ns]")
    cust, stage = np.array([1, 1, 1, 1]), np.array([0, 0, 0, 1])
    chan, touch, revenue = np.array([2, 2, 2, 2]), np.array([3, 3, 3, 3]), np.array([0, 0, 0, 5.0])
    order, moved = _separate_copies(
        np.lexsort((stage, ts, cust)), ts, cust, stage, chan, touch, revenue
    )
    assert [str(t)[17:19] for t in moved[order]] == ["00", "01", "02", "05"]
    # same time, another stage: not a copy, not moved
    stage2 = np.array([0, 1, 2, 3])
    order2, kept = _separate_copies(
        np.lexsort((stage2, ts, cust)), ts, cust, stage2, chan, touch, revenue
    )
    assert (kept == ts).all()


def test_a_simulated_study_loads_without_exact_copies():
    data = cxlab.simulate(n_customers=20_000, random_state=3)
    cols = ["customer_id", "timestamp", "stage", "channel", "touchpoint", "revenue"]
    assert not data.events.duplicated(cols).any()
