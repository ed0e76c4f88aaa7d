"""Reading CSV, Parquet and DuckDB; folders; column mapping; round trips."""

from __future__ import annotations

import duckdb
import pandas as pd
import pandas.testing as pdt
import pytest

import cxlab
from cxlab.exceptions import DataError, DataWarning


def test_parquet_folder_round_trip_keeps_tables_and_truth(small_data, small_folder):
    back = cxlab.load(small_folder)
    pdt.assert_frame_equal(back.events, small_data.events)
    pdt.assert_frame_equal(back.customers, small_data.customers)
    pdt.assert_frame_equal(back.feedback, small_data.feedback, check_categorical=False)
    pdt.assert_frame_equal(back.truth.transition_matrix, small_data.truth.transition_matrix)
    pdt.assert_series_equal(back.truth.hazard_coefficients, small_data.truth.hazard_coefficients)
    assert (
        back.truth.transition_matrix_by_persona.keys()
        == small_data.truth.transition_matrix_by_persona.keys()
    )


def test_csv_folder_loads_same_events(small_data, tmp_path):
    small_data.save(tmp_path, format="csv")
    back = cxlab.load(tmp_path)
    pdt.assert_frame_equal(
        back.events.drop(columns="touchpoint"),
        small_data.events.drop(columns="touchpoint"),
        check_exact=False,
    )
    assert back.feedback["score"].tolist() == small_data.feedback["score"].tolist()


def test_duckdb_file(small_data, tmp_path):
    db = tmp_path / "study.duckdb"
    con = duckdb.connect(str(db))
    for name in ("events", "customers", "feedback"):
        frame = getattr(small_data, name)
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        con.unregister("frame")
    con.close()
    back = cxlab.load(db)
    assert len(back.events) == len(small_data.events)
    ev = cxlab.load_events(db, query="SELECT * FROM events WHERE customer_id <= 10")
    assert ev["customer_id"].max() <= 10
    with pytest.raises(DataError, match="no table 'evts'"):
        cxlab.load_events(db, table="evts")


def test_load_events_from_csv_with_mapping(tmp_path):
    path = tmp_path / "my_events.csv"
    pd.DataFrame(
        {
            "user": [7, 7],
            "ts": ["2025-03-01 10:00", "2025-03-02 11:00"],
            "stage": ["awareness", "consideration"],
            "channel": ["social", "web"],
        }
    ).to_csv(path, index=False)
    events = cxlab.load_events(path, columns={"user": "customer_id", "ts": "timestamp"})
    assert events["timestamp"].dt.day.tolist() == [1, 2]


def test_folder_without_customers_builds_them_and_warns(small_data, tmp_path):
    small_data.events.to_parquet(tmp_path / "events.parquet")
    with pytest.warns(DataWarning, match="no customers table"):
        data = cxlab.load(tmp_path)
    assert len(data.customers) == small_data.events["customer_id"].nunique()
    assert len(data.feedback) == 0


def test_missing_folder_says_how_to_make_demo_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="cxlab simulate"):
        cxlab.load(tmp_path / "nope")


def test_unknown_file_type(tmp_path):
    p = tmp_path / "events.xlsx"
    p.write_text("x")
    with pytest.raises(DataError, match="unknown file type"):
        cxlab.load_events(p)


def test_demo_data_is_valid_and_has_truth():
    report = cxlab.validate("data/demo")
    assert report.ok, str(report)
    data = cxlab.load("data/demo")
    assert data.truth is not None and len(data.customers) == 5000
