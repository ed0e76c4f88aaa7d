"""Tests of cxlab.data._filters: each filter keeps exactly what it says, and fails clearly."""

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import (
    EmptyTableError,
    MissingColumnError,
    ParameterError,
    UnknownCategoryError,
)


@pytest.fixture(scope="module")
def data():
    return cxlab.simulate(n_customers=400, random_state=3)


def test_segment_dict_keeps_matching_customers_and_their_rows(data):
    sub = cxlab.filter_segment(data, {"segment": "business", "region": ["north", "south"]})
    want = data.customers.query("segment == 'business' and region in ['north', 'south']")
    assert set(sub.customers["customer_id"]) == set(want["customer_id"])
    assert set(sub.events["customer_id"]) <= set(want["customer_id"])
    # every event of those customers is kept, none other
    n_want = data.events["customer_id"].isin(want["customer_id"]).sum()
    assert len(sub.events) == n_want
    assert set(sub.feedback["customer_id"]) <= set(want["customer_id"])
    assert len(data.events) > len(sub.events)  # the input is not modified


def test_segment_query_string_equals_dict(data):
    a = cxlab.filter_segment(data, "segment == 'consumer'")
    b = cxlab.filter_segment(data, {"segment": "consumer"})
    pd.testing.assert_frame_equal(a.events, b.events)


def test_segment_none_or_empty_is_identity(data):
    assert cxlab.filter_segment(data, None) is data
    assert cxlab.filter_segment(data, {}) is data
    assert cxlab.filter_data(data) is data


def test_segment_errors(data):
    with pytest.raises(MissingColumnError, match="segmnt"):
        cxlab.filter_segment(data, {"segmnt": "business"})
    with pytest.raises(EmptyTableError, match="consumer"):  # lists existing values
        cxlab.filter_segment(data, {"segment": "enterprise"})
    with pytest.raises(ParameterError, match="columns"):
        cxlab.filter_segment(data, "segment ==")


def test_date_window_by_event(data):
    sub = cxlab.filter_dates(data, "2025-05-01", "2025-08-01")
    ts = sub.events["timestamp"]
    assert ts.min() >= pd.Timestamp("2025-05-01") and ts.max() < pd.Timestamp("2025-08-01")
    inside = data.events["timestamp"].between("2025-05-01", "2025-08-01", inclusive="left")
    assert len(sub.events) == int(inside.sum())
    assert sub.feedback["timestamp"].between("2025-05-01", "2025-08-01", inclusive="left").all()


def test_date_window_by_first_event_keeps_whole_journeys(data):
    sub = cxlab.filter_dates(data, "2025-05-01", "2025-08-01", by="first_event")
    first = data.events.groupby("customer_id")["timestamp"].min()
    want = first[(first >= "2025-05-01") & (first < "2025-08-01")].index
    assert set(sub.events["customer_id"]) == set(want)
    assert len(sub.events) == int(data.events["customer_id"].isin(want).sum())


def test_date_window_errors(data):
    with pytest.raises(EmptyTableError, match="events run from"):
        cxlab.filter_dates(data, "2031-01-01", None)
    with pytest.raises(ParameterError, match="before"):
        cxlab.filter_dates(data, "2025-05-01", "2025-01-01")
    with pytest.raises(ParameterError, match="not a date"):
        cxlab.filter_dates(data, "yesterday-ish", None)
    with pytest.raises(ParameterError, match="by must be"):
        cxlab.filter_dates(data, "2025-05-01", None, by="week")


def test_stage_and_channel_selection(data):
    sub = cxlab.filter_data(data, stages=["awareness", "purchase"], channels=["web", "search"])
    assert set(sub.events["stage"].astype(str)) <= {"awareness", "purchase"}
    assert set(sub.events["channel"].astype(str)) <= {"web", "search"}
    want = data.events["stage"].isin(["awareness", "purchase"]) & data.events["channel"].isin(
        ["web", "search"]
    )
    assert len(sub.events) == int(want.sum())
    # categories keep catalog order and size, so codes are comparable
    assert list(sub.events["stage"].cat.categories) == list(data.catalog.stages)
    assert np.array_equal(
        sub.events["stage"].cat.codes.to_numpy(), data.events.loc[want, "stage"].cat.codes
    )


def test_stage_selection_errors(data):
    with pytest.raises(UnknownCategoryError, match="purchse"):
        cxlab.select_stages(data, ["purchse"])
    # a known stage/channel combination with no events: empty selection is an error
    with pytest.raises(EmptyTableError, match="channels"):
        cxlab.filter_data(data, stages=["awareness"], channels=["store"])


def test_filter_customers_type_mismatch_is_explained(data):
    with pytest.raises(EmptyTableError, match="int64"):
        cxlab.filter_customers(data, ["1", "2"])


def test_bare_events_tables_are_filtered_too(data):
    ev = data.events
    out = cxlab.select_stages(ev, ["awareness"])
    assert isinstance(out, pd.DataFrame) and set(out["stage"].astype(str)) == {"awareness"}
    out = cxlab.filter_dates(ev, "2025-05-01", "2025-08-01", by="first_event")
    first = ev.groupby("customer_id")["timestamp"].min()
    assert set(out["customer_id"]) == set(
        first[(first >= "2025-05-01") & (first < "2025-08-01")].index
    )
    assert len(cxlab.filter_customers(ev, [1, 2])) == int(ev["customer_id"].isin([1, 2]).sum())
    with pytest.raises(ParameterError, match="customers table"):
        cxlab.filter_segment(ev, {"segment": "business"})
    with pytest.raises(ParameterError, match="CXData"):
        cxlab.select_stages([1, 2], ["awareness"])


def test_segment_expression_language_matches_pandas(data):
    cust = data.customers
    for expr in (
        "loyalty_member and region != 'west'",
        "segment == 'business' or not loyalty_member",
        "region in ['north', 'south'] and segment not in ('consumer',)",
        "region == ['north', 'east']",
        "(segment == 'consumer') & ~loyalty_member | (region == 'west')",
    ):
        sub = cxlab.filter_segment(data, expr)
        want = cust.query(expr.replace("not in ('consumer',)", "not in ['consumer']"))
        assert set(sub.customers["customer_id"]) == set(want["customer_id"]), expr


def test_segment_string_never_runs_code(data, tmp_path):
    marker = tmp_path / "pwned"
    for expr in (
        f"@pd.io.common.os.system('touch {marker}')",
        f"__import__('os').system('touch {marker}')",
        f"segment.str.startswith('b') or open('{marker}', 'w')",
        "segment == 'business' and region.__class__",
        "[c for c in segment]",
        "customer_id + 1 > 3",
        "segment[0] == 'b'",
        "lambda: 1",
    ):
        with pytest.raises(ParameterError) as err:
            cxlab.filter_segment(data, expr)
        msg = str(err.value)
        assert "comparisons" in msg and "dict" in msg, msg  # says what is allowed
    assert not marker.exists()


def test_segment_expression_errors_name_the_fix(data):
    with pytest.raises(MissingColumnError, match="segmnt") as err:
        cxlab.filter_segment(data, "segmnt == 'business'")
    assert "Fix:" in str(err.value)
    with pytest.raises(ParameterError, match="not true/false"):
        cxlab.filter_segment(data, "region")
    with pytest.raises(ParameterError, match="without a column"):
        cxlab.filter_segment(data, "1 == 1")
