"""cxlab.purchase_summary: hand-worked cases, order independence and every error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.btyd._summary import repeat_purchases_by_day
from cxlab.exceptions import (
    DataError,
    DataTypeError,
    EmptyTableError,
    MissingColumnError,
    MissingIdError,
    ParameterError,
    TimestampError,
)


@pytest.fixture
def log():
    # customer 1: days 0, 7 (two orders), 14, 35 (hold-out); customer 2: day 10;
    # customer 3: first purchase on day 30, in the hold-out
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "a", "b", "c"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-08 10:00",
                    "2024-01-08 18:00",
                    "2024-01-15 00:00",
                    "2024-02-05 00:00",
                    "2024-01-11 00:00",
                    "2024-01-31 00:00",
                ]
            ),
            "revenue": [10.0, 5.0, 15.0, 40.0, 8.0, 7.0, 3.0],
        }
    )


def test_hand_worked_summary_with_holdout(log):
    s = cxlab.purchase_summary(
        log, calibration_end="2024-01-28", observation_end="2024-02-11", time_unit="days"
    )
    assert list(s.index) == ["a", "b"]  # c first bought in the hold-out
    a = s.loc["a"]
    # two orders on 8 January are one transaction worth 20
    assert (a["frequency"], a["recency"], a["T"]) == (2, 14.0, 27.0)
    assert a["monetary_value"] == pytest.approx(30.0)  # (20 + 40) / 2, first order left out
    assert (a["frequency_holdout"], a["monetary_value_holdout"]) == (1, 8.0)
    assert a["duration_holdout"] == 14.0
    b = s.loc["b"]
    assert (b["frequency"], b["recency"], b["T"]) == (0, 0.0, 17.0)
    assert np.isnan(b["monetary_value"]) and b["frequency_holdout"] == 0
    info = s.attrs["purchase_summary"]
    assert info["n_customers_first_purchase_in_holdout"] == 1
    assert info["n_transaction_days"] == 6
    weeks = cxlab.purchase_summary(log, calibration_end="2024-01-28", observation_end="2024-02-11")
    np.testing.assert_allclose(weeks["T"], s["T"] / 7)
    by_day = repeat_purchases_by_day(s)
    assert by_day.sum() == 3  # a's repeats on days 7, 14 and 35 (c is not in the summary)


def test_order_and_time_zone_do_not_matter(log):
    base = cxlab.purchase_summary(log, time_unit="days")
    shuffled = log.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(
        cxlab.purchase_summary(shuffled, time_unit="days").sort_index(), base.sort_index()
    )
    zoned = log.assign(timestamp=log["timestamp"].dt.tz_localize("UTC"))
    pd.testing.assert_frame_equal(cxlab.purchase_summary(zoned, time_unit="days"), base)
    as_text = log.assign(timestamp=log["timestamp"].astype(str))
    pd.testing.assert_frame_equal(cxlab.purchase_summary(as_text, time_unit="days"), base)


def test_study_events_use_revenue_or_stages(small_data):
    s = cxlab.purchase_summary(small_data)
    ev = small_data.events
    assert len(s) == ev.loc[ev["revenue"] > 0, "customer_id"].nunique()
    only_first = cxlab.purchase_summary(small_data, stages=["purchase"])
    assert (only_first["frequency"] == 0).all()


def test_errors_say_what_and_how(log):
    with pytest.raises(MissingColumnError, match="customer_col"):
        cxlab.purchase_summary(log.drop(columns="customer_id"))
    with pytest.raises(MissingColumnError, match="stage"):
        cxlab.purchase_summary(log, stages=["purchase"])
    with pytest.raises(DataError, match="refunds") as err:
        cxlab.purchase_summary(log.assign(revenue=[10.0, -5, 15, 40, 8, 7, 3]))
    assert err.value.n_rows == 1 and err.value.example_ids == ["a"]
    with pytest.raises(DataTypeError, match="pd.to_numeric"):
        cxlab.purchase_summary(log.assign(revenue=log["revenue"].astype(str)))
    with pytest.raises(MissingIdError, match="customer id"):
        cxlab.purchase_summary(log.assign(customer_id=[None, "a", "a", "a", "a", "b", "c"]))
    with pytest.raises(TimestampError, match="without a time"):
        cxlab.purchase_summary(log.assign(timestamp=log["timestamp"].where(log.index != 2)))
    with pytest.raises(TimestampError, match="format"):
        cxlab.purchase_summary(log.assign(timestamp=["soon"] * len(log)))
    with pytest.raises(EmptyTableError, match="no purchases"):
        cxlab.purchase_summary(log.assign(revenue=0.0))
    with pytest.raises(EmptyTableError, match="calibration_end"):
        cxlab.purchase_summary(log, calibration_end="2023-12-01")
    with pytest.raises(ParameterError, match="after observation_end"):
        cxlab.purchase_summary(log, calibration_end="2024-03-01", observation_end="2024-02-01")
    with pytest.raises(ParameterError, match="time_unit"):
        cxlab.purchase_summary(log, time_unit="months")
    with pytest.raises(ParameterError, match="not a date"):
        cxlab.purchase_summary(log, calibration_end="end of January")
    with pytest.raises(ParameterError, match="DataFrame"):
        cxlab.purchase_summary([1, 2, 3])
