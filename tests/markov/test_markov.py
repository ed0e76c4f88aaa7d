"""Tests of cxlab.MarkovChain: hand-worked chains, textbook examples, truth, bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.data._catalog import DROP_STATE, END_STATE, START_STATE
from cxlab.exceptions import (
    DataError,
    DataWarning,
    GroupColumnError,
    NotFittedError,
    ParameterError,
    SmallSampleWarning,
    StatisticalWarning,
)
from cxlab.simulation._truth import persona_chain

PERSONA = cxlab.default_personas()[0]


@pytest.fixture(scope="module")
def one_persona():
    """A homogeneous population: the buyer's journey is exactly first-order."""
    return cxlab.simulate(n_customers=6000, random_state=5, personas=[PERSONA])


@pytest.fixture(scope="module")
def mixed():
    return cxlab.simulate(n_customers=3000, random_state=6)


def _events(seqs, start="2025-01-01"):
    """An event log from lists of stages, one day apart."""
    ids = np.repeat(np.arange(1, len(seqs) + 1), [len(s) for s in seqs])
    return pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": pd.Timestamp(start)
            + pd.to_timedelta(np.concatenate([np.arange(len(s)) for s in seqs]), unit="D"),
            "stage": pd.Categorical(
                [x for s in seqs for x in s], categories=list(cxlab.DEFAULT_CATALOG.stages)
            ),
        }
    )


# -- hand-worked chains --------------------------------------------------------
def test_hand_worked_counts_all_mode():
    # a > b ; a > a > b ; b   (journeys end in (end))
    mc = cxlab.MarkovChain(state="state").fit([["a", "b"], ["a", "a", "b"], ["b"]])
    assert mc.states_ == [START_STATE, "a", "b", END_STATE]
    want = pd.DataFrame(
        [[2, 1, 0], [1, 2, 0], [0, 0, 3]],
        index=[START_STATE, "a", "b"],
        columns=["a", "b", END_STATE],
        dtype=float,
    )
    np.testing.assert_array_equal(mc.counts_.to_numpy(), want.to_numpy())
    assert mc.transition_matrix_.loc["a", "b"] == pytest.approx(2 / 3)
    assert mc.transition_se_.loc["a", "b"] == pytest.approx(np.sqrt(2 / 3 * 1 / 3 / 3))
    # Wilson interval for 2 of 3, computed by hand
    z = 1.959963984540054
    p, n = 2 / 3, 3
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert mc.transition_ci_low_.loc["a", "b"] == pytest.approx(centre - half)
    assert mc.transition_ci_high_.loc["a", "b"] == pytest.approx(centre + half)
    # absorption: every journey ends, expected events of a journey = 2 = 6 events / 3 journeys
    ab = mc.absorption()
    assert ab.probabilities.loc[START_STATE, END_STATE] == pytest.approx(1.0)
    # t = N 1 with Q = [[a->a 1/3, a->b 2/3], [b->a 0, b->b 0]]; from start: 2/3 t_a + 1/3 t_b
    t_b = 1.0
    t_a = (1 + 2 / 3 * t_b) / (1 - 1 / 3)
    assert ab.expected_steps["a"] == pytest.approx(t_a)
    assert ab.expected_steps[START_STATE] == pytest.approx(2 / 3 * t_a + 1 / 3 * t_b)


def test_buyer_mode_cuts_at_purchase_and_ends_in_drop_off():
    seqs = [
        ["awareness", "consideration", "purchase", "use", "service", "churn"],
        ["awareness", "awareness"],
        ["consideration", "purchase", "loyalty"],
    ]
    mc = cxlab.MarkovChain(journey="buyer").fit(_events(seqs))
    assert mc.absorbing_states_ == ["purchase", DROP_STATE]
    c = mc.counts_
    assert c.loc[START_STATE, "awareness"] == 2 and c.loc[START_STATE, "consideration"] == 1
    assert c.loc["awareness", "consideration"] == 1 and c.loc["awareness", "awareness"] == 1
    assert c.loc["awareness", DROP_STATE] == 1
    assert c.loc["consideration", "purchase"] == 2
    assert c.to_numpy().sum() == 3 + 5  # 3 starts + 5 moves; owner's journey not counted
    assert mc.fit_info_["n_events_after_absorption"] == 4
    ab = mc.absorption()
    # by hand: from awareness: 1/3 stay, 1/3 -> consideration (-> purchase surely), 1/3 drop
    assert ab.probabilities.loc["awareness", "purchase"] == pytest.approx(0.5)
    assert ab.probabilities.loc[START_STATE, "purchase"] == pytest.approx(2 / 3 * 0.5 + 1 / 3)


def test_channel_chain_in_buyer_mode_ends_in_purchase_after_the_purchase_channel():
    ev = _events([["awareness", "consideration", "purchase"], ["awareness"]])
    ev["channel"] = ["ads", "web", "store", "email"]
    mc = cxlab.MarkovChain(journey="buyer", state="channel").fit(ev)
    assert mc.absorbing_states_ == ["purchase", DROP_STATE]
    assert mc.counts_.loc["store", "purchase"] == 1
    assert mc.counts_.loc["email", DROP_STATE] == 1
    assert mc.counts_.loc["web", "store"] == 1
    combo = cxlab.MarkovChain(journey="buyer", state=["stage", "channel"]).fit(ev)
    assert "purchase:store" in combo.transient_states_
    assert combo.counts_.loc["purchase:store", "purchase"] == 1


def test_absorbing_states_in_all_mode_stop_the_journey():
    ev = _events([["awareness", "purchase", "use", "churn", "use"], ["awareness", "use"]])
    mc = cxlab.MarkovChain(absorbing=["churn"]).fit(ev)
    assert mc.absorbing_states_ == ["churn", END_STATE]
    assert mc.counts_.loc["use", "churn"] == 1 and mc.counts_.loc["use", END_STATE] == 1
    assert mc.fit_info_["n_events_after_absorption"] == 1


def test_dwell_days_are_mean_gaps_between_events():
    ev = _events([["awareness", "consideration"], ["awareness", "awareness", "purchase"]])
    ev.loc[1, "timestamp"] += pd.Timedelta(days=2)  # awareness -> consideration after 3 days
    mc = cxlab.MarkovChain(journey="buyer").fit(ev)
    # gaps out of awareness: 3, 1, 1 days; out of consideration: none observed
    assert mc.dwell_.loc["awareness", "mean_days"] == pytest.approx(5 / 3)
    assert mc.dwell_.loc["awareness", "n"] == 3
    assert np.isnan(mc.dwell_.loc["consideration", "mean_days"])


# -- textbook examples (Grinstead & Snell, Introduction to Probability, ch. 11) --------
def test_land_of_oz_stationary_and_mean_first_passage_times():
    P = pd.DataFrame(
        [[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]],
        index=["R", "N", "S"],
        columns=["R", "N", "S"],
    )
    oz = cxlab.MarkovChain.from_transition_matrix(P)
    w = oz.stationary_distribution()
    np.testing.assert_allclose(w["estimate"], [0.4, 0.2, 0.4])
    mfpt = oz.mean_first_passage_times()
    # Example 11.24: M = [[0, 4, 10/3], [8/3, 0, 8/3], [10/3, 4, 0]]; r = (2.5, 5, 2.5)
    np.testing.assert_allclose(
        mfpt.estimate.to_numpy(), [[0, 4, 10 / 3], [8 / 3, 0, 8 / 3], [10 / 3, 4, 0]]
    )
    rec = mfpt.table.query("quantity == 'mean recurrence'").set_index("from")["estimate"]
    np.testing.assert_allclose(rec.loc[["R", "N", "S"]], [2.5, 5, 2.5])
    # two-step forecast from rain: P^2 row R = (.4375, .1875, .375) (Example 11.1)
    fc = oz.forecast(2, initial="R").estimate
    np.testing.assert_allclose(fc.loc[2, ["R", "N", "S"]], [0.4375, 0.1875, 0.375])
    # counts in proportion to P give the same point estimates, with intervals
    counts = cxlab.MarkovChain.from_counts(P * 400, random_state=0)
    s = counts.stationary_distribution()
    assert (s["ci_low"] < s["estimate"]).all() and (s["estimate"] < s["ci_high"]).all()
    assert s["ci_low"]["N"] < 0.2 < s["ci_high"]["N"]


def test_drunkards_walk_fundamental_matrix_and_absorption():
    # Example 11.13: states 0..4, 0 and 4 absorbing, steps +-1 with probability 1/2
    counts = pd.DataFrame(
        [[1, 0, 1, 0, 0], [0, 1, 0, 1, 0], [0, 0, 1, 0, 1]],
        index=["1", "2", "3"],
        columns=["0", "1", "2", "3", "4"],
        dtype=float,
    )
    walk = cxlab.MarkovChain.from_transition_matrix(counts / 2)
    assert walk.absorbing_states_ == ["0", "4"]
    ab = walk.absorption()
    np.testing.assert_allclose(ab.fundamental.to_numpy(), [[1.5, 1, 0.5], [1, 2, 1], [0.5, 1, 1.5]])
    np.testing.assert_allclose(ab.expected_steps.to_numpy(), [3, 4, 3])
    np.testing.assert_allclose(
        ab.probabilities.to_numpy(), [[0.75, 0.25], [0.5, 0.5], [0.25, 0.75]]
    )
    # exact chains have zero-width intervals
    assert (ab.table["ci_high"] - ab.table["ci_low"]).abs().max() == 0


# -- against the simulator's truth ----------------------------------------------------
def test_recovers_true_chain_conversion_and_times_of_one_persona(one_persona):
    truth = one_persona.truth
    mc = cxlab.MarkovChain(journey="buyer", confidence=0.999, random_state=0).fit(
        one_persona.events
    )
    tm = truth.transition_matrix_by_persona[PERSONA.name]
    lo = mc.transition_ci_low_.loc[tm.index, tm.columns]
    hi = mc.transition_ci_high_.loc[tm.index, tm.columns]
    assert ((lo.to_numpy() <= tm.to_numpy() + 1e-12) & (tm.to_numpy() <= hi.to_numpy())).all()
    ab = mc.absorption()
    t = ab.table.set_index(["quantity", "from", "to"])
    conv = t.loc[("absorption probability", START_STATE, "purchase")]
    assert conv["ci_low"] < truth.conversion_probability[PERSONA.name] < conv["ci_high"]
    s, Q, _ = persona_chain(PERSONA)
    N = np.linalg.inv(np.eye(2) - Q)
    dwell = np.array([PERSONA.dwell_days[x] for x in ("awareness", "consideration")])
    days = t.loc[("expected days to absorption", START_STATE, "")]
    assert days["ci_low"] < s @ N @ dwell < days["ci_high"]
    steps = t.loc[("expected steps", START_STATE, "")]
    assert steps["ci_low"] < s @ N @ np.ones(2) < steps["ci_high"]
    assert mc.dwell_.loc["awareness", "mean_days"] == pytest.approx(
        PERSONA.dwell_days["awareness"], rel=0.05
    )


def test_pooled_chain_estimates_the_pooled_truth(mixed):
    mc = cxlab.MarkovChain(journey="buyer", confidence=0.999).fit(mixed.events)
    tm = mixed.truth.transition_matrix
    assert np.abs(mc.transition_matrix_.loc[tm.index, tm.columns] - tm).to_numpy().max() < 0.03


def test_fit_groups_recovers_each_persona_chain(mixed):
    groups = cxlab.MarkovChain(journey="buyer", confidence=0.999).fit_groups(
        mixed, by=mixed.truth.persona
    )
    assert set(groups) == set(mixed.truth.transition_matrix_by_persona)
    assert groups.n_customers.sum() == len(mixed.customers)
    for name, tm in mixed.truth.transition_matrix_by_persona.items():
        ch = groups[name]
        lo = ch.transition_ci_low_.loc[tm.index, tm.columns].to_numpy()
        hi = ch.transition_ci_high_.loc[tm.index, tm.columns].to_numpy()
        assert ((lo <= tm.to_numpy() + 1e-12) & (tm.to_numpy() <= hi)).all(), name
    table = groups.summary()
    assert table.columns[0] == "persona" and len(table) == 4 * 3 * 4
    by_segment = cxlab.MarkovChain(journey="buyer").fit_groups(mixed, by="segment")
    assert set(by_segment) == {"business", "consumer"}


def test_fit_groups_reads_by_like_every_other_analysis(mixed):
    chain = cxlab.MarkovChain(journey="buyer")
    persona = mixed.truth.persona
    events = mixed.events.assign(persona=mixed.events["customer_id"].map(persona))
    from_events = chain.fit_groups(events, by="persona")  # constant within each customer
    assert (
        from_events.n_customers.to_dict()
        == chain.fit_groups(mixed, by=persona).n_customers.to_dict()
    )
    with pytest.raises(
        GroupColumnError, match="'colour' is not a column of the customers table"
    ) as e:
        chain.fit_groups(mixed, by="colour")
    assert "nor of the events" in str(e.value) and "segment" in str(e.value)
    with pytest.raises(DataError, match="changes within a customer's journey") as e:
        chain.fit_groups(mixed, by="channel")
    assert "period=" in str(e.value) and len(e.value.example_ids) == 5
    partial = persona.iloc[:100]
    for call in (
        lambda: chain.fit_groups(mixed, by=partial),
        lambda: cxlab.markov_homogeneity_test(mixed, by=partial, journey="buyer"),
    ):
        with pytest.raises(DataError, match="customers have no 'persona' group") as e:
            call()
        assert e.value.table == "events" and e.value.n_rows == len(mixed.customers) - 100
    with pytest.raises(ParameterError, match="by= is required"):
        chain.fit_groups(mixed, by=None)
    with pytest.raises(ParameterError, match="by must be None, a column name"):
        chain.fit_groups(mixed, by=3)


def test_simulate_round_trip_and_reproducibility(one_persona):
    mc = cxlab.MarkovChain(journey="buyer", random_state=3).fit(one_persona.events)
    sim, outcome = mc.simulate(20_000, return_outcomes=True)
    again = mc.simulate(20_000)
    pd.testing.assert_frame_equal(sim, again)
    assert set(outcome.dropna().unique()) == {"purchase", DROP_STATE}
    refit = cxlab.MarkovChain(journey="all", state="state", absorbing=["purchase"]).fit(sim)
    p = refit.transition_matrix_.rename(columns={END_STATE: DROP_STATE})
    np.testing.assert_allclose(
        p.loc[mc.transition_matrix_.index, mc.transition_matrix_.columns],
        mc.transition_matrix_,
        atol=0.02,
    )
    share = (outcome == "purchase").mean()
    assert share == pytest.approx(
        mc.absorption().probabilities.loc[START_STATE, "purchase"], abs=0.02
    )


def test_same_random_state_same_numbers(mixed):
    a = cxlab.MarkovChain(journey="buyer", random_state=1).fit(mixed.events).absorption()
    b = cxlab.MarkovChain(journey="buyer", random_state=1).fit(mixed.events).absorption()
    pd.testing.assert_frame_equal(a.table, b.table)
    c = cxlab.MarkovChain(journey="buyer", n_bootstrap=50, ci_method="bootstrap", random_state=2)
    d = cxlab.MarkovChain(journey="buyer", n_bootstrap=50, ci_method="bootstrap", random_state=2)
    pd.testing.assert_frame_equal(c.fit(mixed.events).summary(), d.fit(mixed.events).summary())


def test_forecast_rows_are_distributions_and_start_with_the_start_row(mixed):
    mc = cxlab.MarkovChain(journey="buyer", n_draws=200, random_state=0).fit(mixed.events)
    fc = mc.forecast(6)
    np.testing.assert_allclose(fc.estimate.sum(axis=1), 1.0)
    row = mc.transition_matrix_.loc[START_STATE]
    np.testing.assert_allclose(fc.estimate.loc[1, row.index], row)
    # absorbed shares only grow
    assert fc.estimate["purchase"].is_monotonic_increasing
    st = mc.stationary_distribution(restart=True)
    assert st["estimate"].sum() == pytest.approx(1.0)


def test_higher_order_chain_on_a_second_order_process():
    # next state is "x" exactly when the state two steps back was "x"
    rng = np.random.default_rng(0)
    seqs = []
    for _ in range(400):
        s = list(rng.choice(["x", "y"], size=2))
        for _ in range(8):
            s.append(s[-2])
        seqs.append(s)
    mc2 = cxlab.MarkovChain(order=2, state="s").fit(seqs)
    p = mc2.transition_matrix_
    # the next state repeats the one two steps back (or the journey ends)
    assert p.loc["x > y", "y"] == 0 and p.loc["x > y", "x"] > 0.8
    assert p.loc["y > x", "x"] == 0 and p.loc["y > x", "y"] > 0.8
    assert len(mc2.histories_[0]) == 2
    res = cxlab.markov_order_test(seqs, max_order=2, state="s")
    assert res.table.loc[0, "p_value"] < 1e-10
    assert res.estimate == 2


# -- bad input -----------------------------------------------------------------------
def test_not_fitted_error_names_the_method():
    with pytest.raises(NotFittedError, match="absorption"):
        cxlab.MarkovChain().absorption()


def test_tied_timestamps_warn_with_count():
    ev = _events([["awareness", "consideration", "purchase"]])
    ev.loc[2, "timestamp"] = ev.loc[1, "timestamp"]
    with pytest.warns(DataWarning, match="1 events share their timestamp"):
        cxlab.MarkovChain(journey="buyer").fit(ev)


def test_unsorted_log_gives_the_same_chain(mixed):
    a = cxlab.MarkovChain(journey="buyer").fit(mixed.events)
    b = cxlab.MarkovChain(journey="buyer").fit(mixed.events.sample(frac=1.0, random_state=0))
    pd.testing.assert_frame_equal(a.counts_, b.counts_)
    assert b.fit_info_["was_sorted"] and not a.fit_info_["was_sorted"]


def test_every_customer_with_one_event_warns():
    ev = _events([["awareness"], ["consideration"], ["awareness"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)  # nobody buys: purchase unreachable
        with pytest.warns(DataWarning, match="single event"):
            mc = cxlab.MarkovChain(journey="buyer").fit(ev)
    assert mc.fit_info_["n_single_event"] == 3


def test_states_never_seen_warn_and_are_left_out():
    ev = _events([["awareness", "purchase"]])
    with pytest.warns(DataWarning, match="never seen"):
        mc = cxlab.MarkovChain(journey="buyer", states=["awareness", "consideration"]).fit(ev)
    assert mc.transient_states_ == ["awareness"]
    with pytest.raises(DataError, match="not in states"):
        cxlab.MarkovChain(states=["awareness"]).fit(_events([["awareness", "use"]]))


def test_zero_count_rows_are_an_error_and_absorbing_without_way_in_warns():
    counts = pd.DataFrame([[1, 1], [0, 0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(DataError, match=r"\['b'\] have no transitions out"):
        cxlab.MarkovChain.from_counts(counts)
    counts = pd.DataFrame([[3, 1, 0]], index=["a"], columns=["a", "win", "lose"])
    with pytest.warns(StatisticalWarning, match="no way in"):
        ch = cxlab.MarkovChain.from_counts(counts)
    assert ch.absorption().probabilities.loc["a", "lose"] == 0
    with pytest.warns(StatisticalWarning, match="churn"):
        cxlab.MarkovChain(absorbing=["churn"]).fit(_events([["awareness", "use"]]))


def test_order_higher_than_the_data_supports():
    ev = _events([["awareness", "consideration"], ["awareness"]])
    with pytest.raises(ParameterError, match="longest journey has 2 events"):
        cxlab.MarkovChain(order=3).fit(ev)
    seqs = [["a", "b", "c", "a"], ["b", "a", "c"], ["c", "c", "b"]]
    with pytest.warns(SmallSampleWarning, match="fewer than 5 times"):
        cxlab.MarkovChain(order=2, state="s").fit(seqs)


def test_owner_events_before_a_purchase_exclude_the_customer_with_a_warning():
    ev = _events([["use", "awareness", "purchase"], ["awareness", "purchase"]])
    with pytest.warns(DataWarning, match="1 customers have owner's-journey events"):
        mc = cxlab.MarkovChain(journey="buyer").fit(ev)
    assert mc.n_customers_ == 1 and mc.fit_info_["n_customers_excluded"] == 1


def test_parameter_and_input_errors():
    with pytest.raises(ParameterError, match="journey"):
        cxlab.MarkovChain(journey="owner").fit([["a"]])
    with pytest.raises(ParameterError, match="n_bootstrap"):
        cxlab.MarkovChain(ci_method="bootstrap").fit([["a"]])
    with pytest.raises(ParameterError, match="absorbing"):
        cxlab.MarkovChain(journey="buyer", absorbing=["churn"]).fit([["a"]])
    with pytest.raises(DataError, match="reserved"):
        cxlab.MarkovChain(state="s").fit([["a", "(end)"]])
    mc = cxlab.MarkovChain(state="s").fit([["a", "b"], ["b", "a"]])
    with pytest.raises(ParameterError, match="restart=True"):
        mc.stationary_distribution()
    with pytest.raises(ParameterError, match="initial"):
        mc.forecast(2, initial={"zzz": 1})
    loop = pd.DataFrame([[1, 1], [1, 1]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ParameterError, match="no absorbing state"):
        cxlab.MarkovChain.from_counts(loop).absorption()
    trap = pd.DataFrame([[1, 1, 1], [0, 1, 0]], index=["a", "b"], columns=["a", "b", "x"])
    trap.loc["b", "a"] = 1
    trap.loc["b", "b"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = cxlab.MarkovChain.from_counts(trap)
    assert ok.absorption().probabilities.loc["a", "x"] == pytest.approx(1.0)
    closed = pd.DataFrame([[1, 1, 0], [0, 0, 0]], index=["a", "b"], columns=["a", "b", "x"])
    closed.loc["b", "b"] = 0
    closed.loc["b", "a"] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ch = cxlab.MarkovChain.from_counts(closed)
    with pytest.raises(ParameterError, match="never reach an absorbing state"):
        ch.absorption()


def test_journey_graph_labels_keep_apart():
    """Edge labels of the buyer's-journey graph overlap neither each other nor a node's name."""
    import matplotlib.pyplot as plt

    data = cxlab.simulate(n_customers=3000, random_state=0)
    chain = cxlab.MarkovChain(journey="buyer", random_state=0).fit(data)
    ax = chain.plot_graph()
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text()]
    edges = [t for t in texts if t.get_color() == "tab:blue"]
    others = [t for t in texts if t.get_color() != "tab:blue"]
    assert len(edges) >= 6
    boxes = [t.get_window_extent(renderer) for t in edges]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
        for t in others:
            assert not a.overlaps(t.get_window_extent(renderer)), t.get_text()
    plt.close(fig)


# -- estimator conventions and layout ------------------------------------------
def test_markov_chain_is_a_scikit_learn_estimator_with_params_stored_unchanged():
    from sklearn.base import BaseEstimator, clone

    states = ["awareness", "consideration"]
    mc = cxlab.MarkovChain(journey="buyer", states=states, n_draws=50, random_state=7)
    assert isinstance(mc, BaseEstimator)
    params = mc.get_params()
    assert params["states"] is states and params["n_draws"] == 50 and params["random_state"] == 7
    assert set(params) == {
        "order", "state", "journey", "states", "absorbing", "end_state", "collapse_repeats",
        "catalog", "confidence", "ci_method", "n_bootstrap", "n_draws", "random_state",
    }  # fmt: skip
    assert mc.set_params(confidence=0.9) is mc and mc.confidence == 0.9
    twin = clone(mc)
    assert twin is not mc and twin.get_params() == mc.get_params()
    with pytest.raises(ParameterError, match="unknown parameter 'level'"):
        mc.set_params(level=0.9)
    # the text repr stays what a notebook shows (no scikit-learn HTML diagram)
    assert mc._repr_html_ is None and repr(mc) == "MarkovChain(journey='buyer')"


def test_fitted_chain_data_and_attribution_paths_use_the_one_sequence_layout(mixed):
    from cxlab.markov._attribution_paths import paths_from_events
    from cxlab.markov._data import ChainSpec, prepare
    from cxlab.sequences import EventSequences, encode_events

    spec = ChainSpec.resolve(
        state="stage", journey="all", states=None, absorbing=None, end_state=None,
        collapse_repeats=False, catalog=None,
    )  # fmt: skip
    data = prepare(mixed.events, spec)
    seq = encode_events(mixed.events, "stage")
    assert isinstance(data.seq, EventSequences)
    assert np.array_equal(data.offsets, seq.offsets)
    assert np.array_equal(data.customers, seq.customers)
    assert data.labels[0] == START_STATE and data.seq.states is data.labels
    names = np.asarray(data.labels, dtype=object)[data.codes]
    assert names.tolist() == np.asarray(seq.states, dtype=object)[seq.codes].tolist()
    paths = paths_from_events(mixed.events)
    assert isinstance(paths.seq, EventSequences) and paths.n_paths == paths.seq.n_customers
