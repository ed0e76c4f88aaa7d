"""Each kind of bad input gets its own clear error; suspicious input gets a warning."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab import exceptions as ex
from cxlab.data._schema import check_events


def _events(**over):
    df = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3],
            "timestamp": [
                "2025-01-01 10:00",
                "2025-01-02 10:00",
                "2025-01-01 09:00",
                "2025-01-05 09:00",
                "2025-02-01 00:00",
            ],
            "stage": ["awareness", "purchase", "awareness", "consideration", "awareness"],
            "channel": ["ads", "web", "social", "web", "search"],
        }
    )
    for k, v in over.items():
        df[k] = v
    return df


def _assert_message(err, *, column, n_rows=None, ids=(), fix=True):
    msg = str(err.value)
    assert f"column {column!r}" in msg
    if n_rows is not None:
        assert re.search(rf"\({n_rows:,} rows?", msg), msg
        assert err.value.n_rows == n_rows
    for i in ids:
        assert str(i) in msg
    if fix:
        assert "Fix:" in msg and err.value.fix


def test_valid_events_are_typed_and_sorted():
    df = _events().iloc[::-1]
    out = cxlab.load_events(df)
    assert out["customer_id"].tolist() == [1, 1, 2, 2, 3]
    assert out["timestamp"].is_monotonic_increasing is False  # sorted within customer only
    assert list(out["stage"].cat.categories) == list(cxlab.DEFAULT_CATALOG.stages)
    assert (out["revenue"] == 0).all()


def test_missing_column_names_it_and_the_fix():
    with pytest.raises(ex.MissingColumnError) as err:
        cxlab.load_events(_events().drop(columns="timestamp"))
    _assert_message(err, column="timestamp")
    assert "columns=" in err.value.fix


def test_column_mapping_and_mapping_errors():
    raw = _events().rename(columns={"customer_id": "user", "timestamp": "ts"})
    out = cxlab.load_events(raw, columns={"user": "customer_id", "ts": "timestamp"})
    assert len(out) == 5
    with pytest.raises(ex.MissingColumnError, match="'usr'"):
        cxlab.load_events(raw, columns={"usr": "customer_id"})


def test_unparseable_timestamps():
    ts = ["2025-01-01", "not a date", "2025-01-01", "yesterday", "2025-02-01"]
    with pytest.raises(ex.TimestampError) as err:
        cxlab.load_events(_events(timestamp=ts))
    _assert_message(err, column="timestamp", n_rows=2, ids=[1, 2])
    assert "not a date" in str(err.value)


def test_missing_timestamps():
    with pytest.raises(ex.TimestampError, match="missing"):
        cxlab.load_events(
            _events(timestamp=["2025-01-01", None, "2025-01-01", "2025-01-02", "2025-01-03"])
        )


def test_mixed_timezones_error_but_consistent_zones_convert_to_utc():
    mixed = [
        "2025-01-01T10:00+03:30",
        "2025-01-02T10:00",
        "2025-01-01T09:00Z",
        "2025-01-05T09:00+00:00",
        "2025-02-01T00:00+04:30",
    ]
    with pytest.raises(ex.MixedTimezoneError) as err:
        cxlab.load_events(_events(timestamp=mixed))
    _assert_message(err, column="timestamp", n_rows=1, ids=[1])
    zoned = [t if t != "2025-01-02T10:00" else t + "Z" for t in mixed]
    out = cxlab.load_events(_events(timestamp=zoned))
    assert out["timestamp"].dt.tz is None
    assert out.loc[0, "timestamp"] == pd.Timestamp("2025-01-01 06:30")


def test_missing_ids():
    with pytest.raises(ex.MissingIdError) as err:
        cxlab.load_events(_events(customer_id=[1, None, 2, np.nan, 3]))
    _assert_message(err, column="customer_id", n_rows=2)


def test_unknown_stage_and_channel():
    with pytest.raises(ex.UnknownCategoryError) as err:
        cxlab.load_events(_events(stage=["awareness", "buy", "awareness", "buy", "awareness"]))
    _assert_message(err, column="stage", n_rows=2, ids=[1, 2])
    assert "'buy': 2" in str(err.value)
    with pytest.raises(ex.UnknownCategoryError) as err:
        cxlab.load_events(_events(channel=["ads", "web", "tiktok", "web", "search"]))
    _assert_message(err, column="channel", n_rows=1, ids=[2])


def test_custom_catalog_accepts_own_stages():
    cat = cxlab.StageCatalog(
        stages=("visit", "trial", "purchase"),
        buyer_stages=("visit", "trial", "purchase"),
        churn_stage=None,
        channels=("web", "email"),
    )
    df = _events(
        stage=["visit", "purchase", "visit", "trial", "visit"],
        channel=["web", "web", "email", "web", "email"],
    )
    out = cxlab.load_events(df, catalog=cat)
    assert list(out["stage"].cat.categories) == ["visit", "trial", "purchase"]


def test_duplicated_events_error_or_drop_with_warning():
    df = pd.concat([_events(), _events().iloc[[0, 2]]], ignore_index=True)
    with pytest.raises(ex.DuplicateEventError) as err:
        cxlab.load_events(df)
    _assert_message(err, column="timestamp", n_rows=2, ids=[1, 2])
    assert "on_duplicates='sum'" in str(err.value)
    with pytest.warns(ex.DataWarning, match="dropped 2 duplicated"):
        out = cxlab.load_events(df, on_duplicates="drop")
    assert len(out) == 5


def _purchase_log():
    """Customer 1 buys twice on one day for different amounts, and once more identically."""
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "timestamp": ["2025-01-01", "2025-01-01", "2025-01-01", "2025-01-02"],
            "stage": ["purchase"] * 4,
            "channel": ["web"] * 4,
            "revenue": [10.0, 25.5, 10.0, 7.0],
        }
    )


def test_same_day_purchases_with_different_amounts_are_kept():
    df = _purchase_log().drop(index=2)
    with pytest.warns(ex.DataWarning, match="share their timestamp"):
        out = cxlab.load_events(df)
    assert len(out) == 3
    assert out["revenue"].sum() == pytest.approx(42.5)


def test_identical_purchases_raise_drop_or_sum():
    df = _purchase_log()
    with pytest.raises(ex.DuplicateEventError) as err:
        cxlab.load_events(df)
    _assert_message(err, column="timestamp", n_rows=1, ids=[1])
    with pytest.warns(ex.DataWarning, match="dropped 1 duplicated"):
        dropped = cxlab.load_events(df, on_duplicates="drop")
    assert sorted(dropped["revenue"]) == [7.0, 10.0, 25.5]
    with pytest.warns(ex.DataWarning, match="merged 2 events"):
        summed = cxlab.load_events(df, on_duplicates="sum")
    assert len(summed) == 2
    assert summed.set_index("customer_id")["revenue"].to_dict() == {1: 45.5, 2: 7.0}
    with pytest.raises(ex.ParameterError, match="'raise', 'drop' or 'sum'"):
        cxlab.load_events(df, on_duplicates="keep")


def test_empty_table():
    with pytest.raises(ex.EmptyTableError) as err:
        cxlab.load_events(_events().iloc[:0])
    assert "no rows" in str(err.value)


def test_revenue_checks():
    with pytest.raises(ex.DataTypeError, match="revenue must be numeric"):
        cxlab.load_events(_events(revenue=["$1", "0", "0", "0", "0"]))
    with pytest.raises(ex.DataError, match="revenue is missing"):
        cxlab.load_events(_events(revenue=[1.0, np.nan, 0, 0, 0]))
    with pytest.warns(ex.DataWarning, match="negative"):
        cxlab.load_events(_events(revenue=[1.0, -5.0, 0, 0, 0]))


def test_tied_timestamps_warn_and_order_by_stage():
    df = _events(
        timestamp=["2025-01-01", "2025-01-01", "2025-01-01", "2025-01-05", "2025-02-01"],
        stage=["purchase", "awareness", "awareness", "consideration", "awareness"],
    )
    with pytest.warns(ex.DataWarning, match="share their timestamp"):
        out = cxlab.load_events(df)
    assert out["stage"].tolist()[:2] == ["awareness", "purchase"]


def _feedback(**over):
    df = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "timestamp": ["2025-01-03"] * 3,
            "metric": ["nps", "csat", "ces"],
            "score": [10, 5, 7],
        }
    )
    for k, v in over.items():
        df[k] = v
    return df


def test_scores_out_of_range_name_the_scale():
    with pytest.raises(ex.ScoreRangeError) as err:
        cxlab.load_feedback(_feedback(score=[11, 0, 7]))
    _assert_message(err, column="score", n_rows=2, ids=[1, 2])
    assert "nps (scale 0-10): 1" in str(err.value) and "csat (scale 1-5): 1" in str(err.value)


def test_scores_must_be_whole_and_present():
    with pytest.raises(ex.ScoreRangeError, match="whole numbers"):
        cxlab.load_feedback(_feedback(score=[9.5, 4, 7]))
    with pytest.raises(ex.ScoreRangeError, match="missing, infinite or not a number"):
        cxlab.load_feedback(_feedback(score=[9, "n/a", 7]))


def test_unknown_metric():
    with pytest.raises(ex.UnknownCategoryError) as err:
        cxlab.load_feedback(_feedback(metric=["nps", "csat", "ces_score"]))
    _assert_message(err, column="metric", n_rows=1, ids=[3])


def test_customers_duplicates_and_flags():
    with pytest.raises(ex.DuplicateIdError) as err:
        cxlab.load_customers(pd.DataFrame({"customer_id": [1, 2, 2]}))
    _assert_message(err, column="customer_id", n_rows=2, ids=[2])
    out = cxlab.load_customers(pd.DataFrame({"customer_id": [1, 2], "loyalty_member": [0, 1]}))
    assert out["loyalty_member"].dtype == bool
    with pytest.raises(ex.DataTypeError, match="loyalty_member"):
        cxlab.load_customers(pd.DataFrame({"customer_id": [1, 2], "loyalty_member": ["yes", "no"]}))


def test_events_of_unknown_customers(tmp_path):
    _events().to_csv(tmp_path / "events.csv", index=False)
    pd.DataFrame({"customer_id": [1, 2]}).to_csv(tmp_path / "customers.csv", index=False)
    with pytest.raises(ex.OrphanRowsError) as err:
        cxlab.load(tmp_path)
    _assert_message(err, column="customer_id", n_rows=1, ids=[3])


def test_events_before_signup_and_silent_customers_warn(tmp_path):
    _events().to_csv(tmp_path / "events.csv", index=False)
    pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "signup_date": ["2025-01-01", "2025-01-03", "2025-01-01", "2025-01-01"],
        }
    ).to_csv(tmp_path / "customers.csv", index=False)
    with pytest.warns(ex.DataWarning) as rec:
        cxlab.load(tmp_path)
    text = " ".join(str(w.message) for w in rec)
    assert "1 customers have no events" in text and "before their signup_date" in text


def test_validate_collects_every_error(tmp_path):
    _events(stage=["awareness", "buy", "awareness", "consideration", "awareness"]).to_csv(
        tmp_path / "events.csv", index=False
    )
    pd.DataFrame({"customer_id": [1, 2, 3]}).to_csv(tmp_path / "customers.csv", index=False)
    _feedback(score=[11, 4, 7]).to_csv(tmp_path / "feedback.csv", index=False)
    report = cxlab.validate(tmp_path)
    assert not report.ok
    kinds = {type(e) for e in report.errors}
    assert kinds == {ex.UnknownCategoryError, ex.ScoreRangeError}
    assert "2 error(s)" in str(report)


def test_check_events_returns_problems_instead_of_raising():
    df, probs = check_events(_events(channel=[None, "web", "ads", "web", "search"]))
    assert df is None and isinstance(probs.errors[0], ex.UnknownCategoryError)


def test_errors_share_one_base_class():
    for cls in (
        ex.MissingColumnError,
        ex.TimestampError,
        ex.MixedTimezoneError,
        ex.MissingIdError,
        ex.UnknownCategoryError,
        ex.ScoreRangeError,
        ex.DuplicateEventError,
        ex.EmptyTableError,
        ex.OrphanRowsError,
        ex.NotFittedError,
        ex.ConvergenceError,
    ):
        assert issubclass(cls, ex.CxlabError)


def _dated(values):
    n = len(values)
    return pd.DataFrame(
        {
            "customer_id": range(n),
            "timestamp": values,
            "stage": ["awareness"] * n,
            "channel": ["web"] * n,
        }
    )


def _european_export(n=400, seed=0):
    """dd/mm/YYYY HH:MM text of known dates; about 40% have a day <= 12 (ambiguous alone)."""
    rng = np.random.default_rng(seed)
    truth = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 364 * 24, n), unit="h")
    return truth, truth.strftime("%d/%m/%Y %H:%M").tolist()


def test_european_dates_are_never_half_misread():
    truth, text = _european_export()
    out = cxlab.load_events(_dated(text))  # days > 12 occur: only dd/mm reads every value
    assert (out.sort_values("customer_id")["timestamp"].to_numpy() == truth.to_numpy()).all()


def test_ambiguous_day_month_order_is_an_error_until_settled():
    text = ["03/04/2025", "01/02/2025", "05/06/2025", "11/12/2025"]
    with pytest.raises(ex.AmbiguousDateError) as err:
        cxlab.load_events(_dated(text))
    _assert_message(err, column="timestamp", n_rows=4)
    assert "03/04/2025" in str(err.value) and "dayfirst=True" in str(err.value)
    eu = cxlab.load_events(_dated(text), dayfirst=True)
    us = cxlab.load_events(_dated(text), dayfirst=False)
    assert eu["timestamp"].iloc[0] == pd.Timestamp("2025-04-03")
    assert us["timestamp"].iloc[0] == pd.Timestamp("2025-03-04")
    fmt = cxlab.load_events(_dated(text), timestamp_format="%d/%m/%Y")
    assert fmt["timestamp"].tolist() == eu["timestamp"].tolist()


def test_one_format_per_column():
    with pytest.raises(ex.TimestampError) as err:
        cxlab.load_events(_dated(["2025-01-01", "2025-01-02", "01/13/2025"]))
    _assert_message(err, column="timestamp", n_rows=1, ids=[2])
    assert "01/13/2025" in str(err.value) and "timestamp_format=" in str(err.value)
    with pytest.raises(ex.TimestampError, match="do not match '%d/%m/%Y'"):
        cxlab.load_events(_dated(["13/01/2025", "14/01/2025", "2025-01-02"]))
    with pytest.raises(ex.TimestampError, match="timestamp_format"):
        cxlab.load_events(_dated(["2025-01-01", "2025-01-02"]), timestamp_format="%d/%m/%Y")


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([1, "2025-01-01"], dtype=object),
        pd.Series([1_700_000_000, 1_700_000_100], dtype=object),
        [1_700_000_000, 1_700_000_100],
        [1.5e9, 1.6e9],
    ],
    ids=["number-in-text", "numbers-as-objects", "int-column", "float-column"],
)
def test_numbers_are_not_dates(values):
    with pytest.raises(ex.TimestampError) as err:
        cxlab.load_events(_dated(values))
    _assert_message(err, column="timestamp")
    assert "unit='s'" in str(err.value)


def test_date_objects_and_text_mixed_read_as_one_column():
    import datetime

    values = pd.Series([datetime.datetime(2025, 1, 1, 9), "2025-01-02 10:00"], dtype=object)
    out = cxlab.load_events(_dated(values))
    assert out["timestamp"].tolist() == [
        pd.Timestamp("2025-01-01 09:00"),
        pd.Timestamp("2025-01-02 10:00"),
    ]


def test_future_events_warn_in_load_and_show_in_validate(tmp_path):
    df = _dated(["2025-01-01", "2099-01-01"])
    with pytest.warns(ex.DataWarning, match="1 rows are dated after the load time"):
        cxlab.load_events(df)
    with pytest.warns(ex.DataWarning, match="observation_end"):
        cxlab.load_events(_dated(["2025-01-01", "2025-02-01"]), observation_end="2025-01-15")
    df.to_csv(tmp_path / "events.csv", index=False)
    report = cxlab.validate(tmp_path)
    assert any("dated after" in w for w in report.warnings), str(report)
    with pytest.raises(ex.ParameterError, match="observation_end"):
        cxlab.load_events(df, observation_end="soon")


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_revenue_must_be_finite_and_present(bad):
    with pytest.raises(ex.InvalidValueError) as err:
        cxlab.load_events(_events(revenue=[1.0, bad, 0.0, 2.0, 0.0]))
    _assert_message(err, column="revenue", n_rows=1, ids=[1])
    assert "row positions [1]" in str(err.value)


def test_missing_required_values_name_rows():
    with pytest.raises(ex.UnknownCategoryError, match=r"row positions \[2\]"):
        cxlab.load_events(_events(stage=["awareness", "purchase", None, "awareness", "awareness"]))
    with pytest.raises(ex.TimestampError, match=r"row positions \[0\]") as err:
        cxlab.load_events(
            _events(timestamp=[None, "2025-01-01", "2025-01-01", "2025-01-02", "2025-01-03"])
        )
    assert "Fix:" in str(err.value)


def test_signalling_nan_score_is_a_score_error():
    import decimal

    df = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "timestamp": ["2025-01-01", "2025-01-02"],
            "metric": ["nps", "nps"],
            "score": pd.Series([decimal.Decimal("sNaN"), 9], dtype=object),
        }
    )
    with pytest.raises(ex.ScoreRangeError) as err:
        cxlab.load_feedback(df)
    _assert_message(err, column="score", n_rows=1, ids=[1])


def test_missing_column_hint_has_balanced_braces():
    with pytest.raises(ex.MissingColumnError) as err:
        cxlab.load_events(_events().drop(columns="timestamp"))
    assert "columns={'your_name': 'timestamp'} when" in str(err.value)
