"""Tests of cxlab.sequences._layout: encoding and first-order counts against a naive pandas answer."""

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import (
    DataError,
    DataTypeError,
    EmptyTableError,
    MissingColumnError,
    MissingIdError,
    TimestampError,
    UnknownCategoryError,
)
from cxlab.sequences._encode import encode_events, encode_sequences
from cxlab.sequences._layout import collapse_runs, is_ordered, transition_counts


@pytest.fixture(scope="module")
def events():
    return cxlab.simulate(n_customers=600, random_state=11).events


def _naive_pairs(ev, col, states):
    """Transition counts by pandas: sort, shift within customer, crosstab."""
    s = ev.sort_values(["customer_id", "timestamp"], kind="stable")
    nxt = s.groupby("customer_id", sort=False)[col].shift(-1)
    ok = nxt.notna()
    tab = pd.crosstab(
        pd.Categorical(s[col][ok].astype(str), categories=states),
        pd.Categorical(nxt[ok].astype(str), categories=states),
        dropna=False,
    )
    return tab.reindex(index=states, columns=states, fill_value=0).to_numpy()


def test_counts_match_naive_pandas_for_sorted_and_shuffled_logs(events):
    states = list(events["stage"].cat.categories)
    want = _naive_pairs(events, "stage", states)
    for ev in (events, events.sample(frac=1.0, random_state=1)):
        tc = transition_counts(encode_events(ev, "stage"))
        np.testing.assert_array_equal(tc.pairs, want)
        first = events.groupby("customer_id")["stage"].first().value_counts()
        last = events.groupby("customer_id")["stage"].last().value_counts()
        np.testing.assert_array_equal(tc.starts, first.reindex(states).to_numpy())
        np.testing.assert_array_equal(tc.ends, last.reindex(states).to_numpy())
        assert tc.pairs.sum() == len(events) - events["customer_id"].nunique()


def test_shuffled_log_is_sorted_and_columns_stay_aligned(events):
    shuffled = events.sample(frac=1.0, random_state=2)
    a = encode_events(events, "stage", extra=["channel"])
    b = encode_events(shuffled, "stage", extra=["channel"])
    c = encode_events(shuffled, "stage", extra=["channel"], return_order=True)
    assert not a.was_sorted and b.was_sorted
    for x in (b, c):
        np.testing.assert_array_equal(x.codes, a.codes)
        np.testing.assert_array_equal(x.offsets, a.offsets)
        np.testing.assert_array_equal(x.extra["channel"][0], a.extra["channel"][0])
        np.testing.assert_array_equal(x.timestamps, events["timestamp"].to_numpy())
    # the order aligns any other column
    np.testing.assert_array_equal(shuffled["revenue"].to_numpy()[c.order], events["revenue"])
    np.testing.assert_array_equal(a.customers, np.sort(events["customer_id"].unique()))


def test_string_ids_grouped_in_first_appearance_order_are_not_sorted():
    ev = pd.DataFrame(
        {
            "customer_id": ["z", "z", "a", "a", "m"],
            "timestamp": pd.to_datetime(
                ["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-05", "2025-01-03"]
            ),
            "stage": ["awareness", "purchase", "awareness", "consideration", "awareness"],
        }
    )
    seq = encode_events(ev, "stage")
    assert not seq.was_sorted
    assert seq.customers.tolist() == ["z", "a", "m"]
    assert seq.to_lists() == [
        ["awareness", "purchase"],
        ["awareness", "consideration"],
        ["awareness"],
    ]
    # interleaved customers must be sorted
    seq2 = encode_events(ev.iloc[[0, 2, 1, 4, 3]], "stage")
    assert seq2.was_sorted
    assert sorted(map(tuple, seq2.to_lists())) == sorted(map(tuple, seq.to_lists()))


def test_ties_are_counted_and_keep_input_order_when_ordered():
    ev = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-02"]),
            "stage": pd.Categorical(["awareness", "purchase", "consideration"]),
        }
    )
    seq = encode_events(ev, "stage")
    assert seq.n_ties == 1
    assert seq.to_lists() == [["awareness", "purchase", "consideration"]]
    # once cxlab has to sort, ties are put in state (category) order
    seq2 = encode_events(ev.iloc[[2, 0, 1]], "stage")
    assert seq2.was_sorted and seq2.n_ties == 1
    assert seq2.to_lists() == [["awareness", "consideration", "purchase"]]


def test_collapse_repeats_keeps_first_of_each_run_per_customer():
    seqs = [["a", "a", "b", "b", "a"], ["a"], ["b", "b"]]
    seq = encode_sequences(seqs)
    col = collapse_runs(seq)
    assert col.to_lists() == [["a", "b", "a"], ["a"], ["b"]]
    assert col.n_collapsed == 3
    ev = pd.DataFrame(
        {
            "customer_id": np.repeat([1, 2, 3], [5, 1, 2]),
            "timestamp": pd.date_range("2025-01-01", periods=8, freq="D"),
            "stage": [x for s in seqs for x in s],
        }
    )
    enc = encode_events(ev, "stage", collapse_repeats=True)
    assert enc.to_lists() == col.to_lists()
    # the kept event of a run is its first: its timestamp is the run's first
    assert enc.timestamps[1] == np.datetime64("2025-01-03")


def test_take_resamples_whole_customers(events):
    seq = encode_events(events, "stage")
    sub = seq.take([2, 0, 2])
    lists = seq.to_lists(3)
    assert sub.to_lists() == [lists[2], lists[0], lists[2]]
    assert sub.customers.tolist() == [seq.customers[2], seq.customers[0], seq.customers[2]]


def test_is_ordered():
    assert is_ordered(np.array([1, 1, 2]), np.array([5, 6, 1]))
    assert not is_ordered(np.array([1, 1, 2]), np.array([6, 5, 1]))
    assert not is_ordered(np.array([2, 1]), np.array([1, 1]))


def test_huge_integer_ids_and_integer_times():
    ev = pd.DataFrame(
        {
            "customer_id": np.array([10**15, 1, 10**15, 1], dtype=np.int64),
            "timestamp": np.array([2, 1, 1, 3], dtype=np.int64),
            "stage": ["b", "a", "a", "c"],
        }
    )
    seq = encode_events(ev, "stage")
    assert dict(zip(seq.customers.tolist(), seq.to_lists())) == {
        1: ["a", "c"],
        10**15: ["a", "b"],
    }


def test_bad_input_errors_name_column_rows_and_ids():
    ok = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02"]),
            "stage": ["awareness", "purchase"],
        }
    )
    with pytest.raises(MissingColumnError, match="'channel'"):
        encode_events(ok, "channel")
    with pytest.raises(EmptyTableError):
        encode_events(ok.iloc[:0], "stage")
    bad = ok.assign(customer_id=[1, None])
    with pytest.raises(MissingIdError, match="1 row"):
        encode_events(bad, "stage")
    bad = ok.assign(timestamp=[pd.Timestamp("2025-01-01"), pd.NaT])
    with pytest.raises(TimestampError) as e:
        encode_events(bad, "stage")
    assert e.value.example_ids == [2]
    bad = ok.assign(stage=["awareness", None])
    with pytest.raises(UnknownCategoryError, match="missing"):
        encode_events(bad, "stage")
    with pytest.raises(UnknownCategoryError, match="purchase") as e:
        encode_events(ok, "stage", states=["awareness"])
    # the hint names a function that exists
    assert "cxlab.select_stages(" in str(e.value) and callable(cxlab.select_stages)
    with pytest.raises(DataTypeError):
        encode_events(ok.assign(timestamp=["a", "b"]), "stage")
    with pytest.raises(DataTypeError):
        encode_sequences(["a > b"])
    with pytest.raises(DataError, match="empty"):
        encode_sequences([["a"], []])


def test_layout_helpers_keep_slots_and_join_paths():
    from cxlab.sequences import keep_events, path_strings

    seq = encode_sequences([["a", "a", "b"], ["b"], ["a", "b", "b"]])
    kept = keep_events(seq, np.array([True, False, True, False, True, True, True]))
    assert kept.offsets.tolist() == [0, 2, 2, 5] and kept.to_lists() == [
        ["a", "b"],
        [],
        ["a", "b", "b"],
    ]
    # runs collapse within each sequence, empty sequences included (also the last one)
    assert collapse_runs(kept).to_lists() == [["a", "b"], [], ["a", "b"]]
    tail = keep_events(seq, np.array([True] * 4 + [False] * 3))
    assert collapse_runs(tail).to_lists() == [["a", "b"], ["b"], []]
    assert collapse_runs(tail).n_collapsed == 1
    assert path_strings(kept.states, kept.codes, kept.offsets).tolist() == [
        "a > b",
        "(none)",
        "a > b > b",
    ]


def test_transition_counts_is_public_in_the_sequences_face():
    from cxlab import sequences

    assert sequences.transition_counts is transition_counts
    tc = sequences.transition_counts(encode_sequences([["a", "b", "b"], ["b", "a"]]))
    assert tc.to_frame().loc["(start)", "a"] == 1 and tc.pairs.tolist() == [[0, 1], [1, 1]]
