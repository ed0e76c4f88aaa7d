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


from cxlab import exceptions as ex  # noqa: E402

_CSV = "customer_id,timestamp,stage,channel,note\n1,2025-01-01,awareness,web,café\n"


def _has_fix(err):
    assert "Fix:" in str(err.value) and err.value.fix


@pytest.mark.parametrize("encoding,want", [("latin-1", "latin-1"), ("utf-16", "utf-16")])
def test_non_utf8_csv_names_the_encoding_to_pass(tmp_path, encoding, want):
    (tmp_path / "events.csv").write_bytes(_CSV.encode(encoding))
    with pytest.raises(ex.EncodingError) as err:
        cxlab.load_events(tmp_path / "events.csv")
    assert "events.csv" in str(err.value) and f"encoding={want!r}" in str(err.value)
    _has_fix(err)
    out = cxlab.load_events(tmp_path / "events.csv", encoding=want)
    assert out["note"].tolist() == ["café"]
    with pytest.warns(ex.DataWarning):
        data = cxlab.load(tmp_path, encoding=want)
    assert len(data.events) == 1


def test_empty_file(tmp_path):
    (tmp_path / "events.csv").write_text("")
    with pytest.raises(ex.ReadError, match="events.csv is empty") as err:
        cxlab.load(tmp_path)
    _has_fix(err)


def test_ragged_line(tmp_path):
    (tmp_path / "events.csv").write_text(_CSV.replace("café", "a,b,c"))
    with pytest.raises(ex.ReadError, match="events.csv has a malformed line") as err:
        cxlab.load_events(tmp_path / "events.csv")
    assert "line 2" in str(err.value)
    _has_fix(err)


@pytest.mark.parametrize("text", ["{not json", '{"stages": 3}', "[]"])
def test_bad_catalog_json(tmp_path, text):
    (tmp_path / "events.csv").write_text(_CSV)
    (tmp_path / "catalog.json").write_text(text)
    with pytest.raises(ex.ReadError, match="catalog.json is not a valid stage catalog") as err:
        cxlab.load(tmp_path)
    _has_fix(err)


def test_csv_path_where_a_folder_is_expected(tmp_path):
    (tmp_path / "events.csv").write_text(_CSV)
    with pytest.raises(ex.ReadError, match="cxlab.load takes a study folder") as err:
        cxlab.load(tmp_path / "events.csv")
    assert "load_events" in err.value.fix
    with pytest.raises(ex.ReadError, match="is a folder"):
        cxlab.load_events(tmp_path)


def test_duckdb_without_the_table(tmp_path):
    db = tmp_path / "study.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE evts AS SELECT 1 AS customer_id")
    con.close()
    with pytest.raises(ex.ReadError, match=r"no events table; it has \['evts'\]") as err:
        cxlab.load(db)
    _has_fix(err)
    (tmp_path / "fake.duckdb").write_text("not a database")
    with pytest.raises(ex.ReadError, match="not a DuckDB database"):
        cxlab.load(tmp_path / "fake.duckdb")


def test_csv_and_parquet_for_one_table_is_an_error(small_data, tmp_path):
    small_data.save(tmp_path)
    small_data.events.head(10).to_csv(tmp_path / "events.csv", index=False)
    with pytest.raises(ex.ReadError, match="2 files for the events table") as err:
        cxlab.load(tmp_path)
    assert "events.csv" in str(err.value) and "events.parquet" in str(err.value)
    _has_fix(err)


def test_missing_file_is_a_cxlab_error_and_a_file_not_found_error(tmp_path):
    with pytest.raises(ex.MissingFileError):
        cxlab.load_events(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError):
        cxlab.load(tmp_path / "nope")


def _own_names_folder(small_data, folder):
    ev = small_data.events.rename(columns={"customer_id": "user", "timestamp": "when"})
    ev.to_csv(folder / "events.csv", index=False)
    small_data.customers.rename(columns={"customer_id": "user"}).to_parquet(
        folder / "customers.parquet"
    )
    small_data.feedback.rename(columns={"customer_id": "user", "timestamp": "answered"}).to_parquet(
        folder / "feedback.parquet"
    )
    (folder / "catalog.json").write_text(__import__("json").dumps(small_data.catalog.to_dict()))


def test_load_with_columns_per_table_or_shared(small_data, tmp_path):
    _own_names_folder(small_data, tmp_path)
    per_table = cxlab.load(
        tmp_path,
        columns={
            "events": {"user": "customer_id", "when": "timestamp"},
            "customers": {"user": "customer_id"},
            "feedback": {"user": "customer_id", "answered": "timestamp"},
        },
    )
    shared = cxlab.load(
        tmp_path, columns={"user": "customer_id", "when": "timestamp", "answered": "timestamp"}
    )
    assert len(per_table.events) == len(small_data.events)
    pdt.assert_frame_equal(per_table.feedback, shared.feedback)
    pdt.assert_frame_equal(per_table.events, shared.events)
    with pytest.raises(ex.MissingColumnError, match="'usr'") as err:
        cxlab.load(tmp_path, columns={"usr": "customer_id"})
    _has_fix(err)
    with pytest.raises(ex.ParameterError, match="mixes table names"):
        cxlab.load(tmp_path, columns={"events": {"user": "customer_id"}, "when": "timestamp"})


def test_feedback_is_optional_and_empty_feedback_is_public(small_data, tmp_path):
    small_data.events.to_parquet(tmp_path / "events.parquet")
    small_data.customers.to_parquet(tmp_path / "customers.parquet")
    with pytest.warns(DataWarning, match="no feedback table"):
        data = cxlab.load(tmp_path)
    assert len(data.feedback) == 0
    assert list(cxlab.empty_feedback().columns) == list(data.feedback.columns)
