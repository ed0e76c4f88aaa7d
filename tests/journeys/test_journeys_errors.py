"""Bad input to journey analytics: clear errors and warnings, never silent NaNs."""

import warnings

import numpy as np
import pandas as pd
import pytest
from journey_log import AW, CON, PUR, make_log

import cxlab
from cxlab.exceptions import (
    DataError,
    DataWarning,
    EmptyTableError,
    MissingColumnError,
    ParameterError,
    UnknownCategoryError,
)


@pytest.fixture
def log():
    return make_log()


def test_step_never_seen_warns_and_counts_zero(log):
    with pytest.warns(DataWarning, match="advocacy"):
        t = cxlab.funnel(log, [AW, CON, PUR, "advocacy"]).summary()
    last = t.iloc[-1]
    assert last["customers"] == 0 and last["conversion"] == 0
    assert last["conversion_ci_low"] == 0 and 0 < last["conversion_ci_high"] < 0.5
    with pytest.warns(DataWarning, match="loyalty"):
        cxlab.designed_vs_lived(log, [AW, CON, PUR, "loyalty"])


def test_unknown_stage_names_raise(log):
    with pytest.raises(UnknownCategoryError, match="purchse"):
        cxlab.funnel(log, [AW, "purchse"])
    with pytest.raises(UnknownCategoryError, match="outcome"):
        cxlab.variants(log, outcome="sale")
    with pytest.raises(UnknownCategoryError, match="anchor"):
        cxlab.paths_from(log, "checkout")
    with pytest.raises(UnknownCategoryError, match="design"):
        cxlab.designed_vs_lived(log, [AW, "buy"])
    with pytest.raises(UnknownCategoryError, match="outcome"):
        cxlab.drop_off(log, outcome="sale")


def test_tied_timestamps_warn_only_when_order_matters(log):
    tied = log.copy()
    tied.loc[1, "timestamp"] = tied.loc[0, "timestamp"]  # c1: awareness and consideration tie
    with pytest.warns(DataWarning, match=r"1 events share their timestamp.*customer_id \[1\]"):
        cxlab.funnel(tied)
    same_stage = log.copy()
    same_stage.loc[11, "timestamp"] = same_stage.loc[10, "timestamp"]  # c5: two awareness
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        cxlab.funnel(same_stage)  # same stage at the same time: the order does not matter


def test_customers_with_one_event(log):
    singles = make_log([(i, 0, AW, "ads") for i in range(1, 6)])
    with pytest.raises(DataError, match="no customer has two events"):
        cxlab.time_between_stages(singles)
    # elsewhere single-event customers count, and the notes say so
    js = cxlab.journey_sequences(log)
    assert any("single step" in n for n in js.notes)
    w = cxlab.time_between_stages(log)
    assert any("1 customers have a single event" in n for n in w.notes)
    with pytest.warns(DataWarning, match="consideration"):
        t = cxlab.funnel(singles, [AW, CON]).summary()
    assert t["customers"].tolist() == [5, 0]


def test_empty_selection_after_filtering(small_data):
    with pytest.raises(EmptyTableError, match="no events left"):
        sub = cxlab.filter_data(small_data, start="2031-01-01")
        cxlab.funnel(sub)
    empty = small_data.events.iloc[:0]
    with pytest.raises(EmptyTableError):
        cxlab.funnel(empty)
    with pytest.raises(EmptyTableError):
        cxlab.variants(empty)


def test_group_errors(log):
    partial = pd.Series({1: "a", 2: "b"}, name="team")
    with pytest.raises(DataError, match="have no 'team' group") as err:
        cxlab.funnel(log, by=partial)
    assert err.value.n_rows == 4 and err.value.example_ids[:2] == [3, 4]
    with pytest.raises(MissingColumnError, match="customers table"):
        cxlab.funnel(log, by="segment")  # a bare events table has no customers
    with pytest.raises(ParameterError):
        cxlab.funnel(log, by=3.5)


def test_parameter_errors(log):
    with pytest.raises(ParameterError, match="kind"):
        cxlab.funnel(log, kind="strict")
    with pytest.raises(ParameterError, match="confidence"):
        cxlab.funnel(log, confidence=95)
    with pytest.raises(ParameterError, match="repeats"):
        cxlab.funnel(log, [AW, AW])
    with pytest.raises(ParameterError, match="not a duration"):
        cxlab.journey_sequences(log, gap="a while")
    with pytest.raises(ParameterError, match="positive"):
        cxlab.journey_sequences(log, gap="-1D")
    with pytest.raises(ParameterError, match="direction"):
        cxlab.paths_from(log, CON, direction="sideways")
    with pytest.raises(ParameterError, match="at least 2"):
        cxlab.sankey_table(log, steps=1)
    with pytest.raises(ParameterError, match="at least two"):
        cxlab.designed_vs_lived(log, [AW])
    with pytest.raises(ParameterError, match="top"):
        cxlab.variants(log, top=0)
    with pytest.raises(ParameterError, match="other"):
        cxlab.designed_vs_lived(log, other="skip")


def test_missing_columns_and_values(log):
    with pytest.raises(MissingColumnError, match="timestamp"):
        cxlab.funnel(log.drop(columns="timestamp"))
    with pytest.raises(MissingColumnError, match="touchpoint"):
        cxlab.variants(log, column="touchpoint")
    bad = log.copy()
    bad.loc[3, "timestamp"] = pd.NaT
    with pytest.raises(DataError, match="timestamp is missing"):
        cxlab.funnel(bad)
    with pytest.raises(DataError):
        cxlab.funnel(np.zeros(3))


def test_anchor_never_reached(log):
    with pytest.raises(ParameterError, match="no journey reaches"):
        cxlab.paths_from(log, "loyalty")


def test_reproducible_and_input_untouched(log):
    before = log.copy()
    a = cxlab.variants(log).summary()
    b = cxlab.variants(log).summary()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(log, before)
