"""Lazy studies from DuckDB databases and from users' frames; DuckDB's memory settings."""

from __future__ import annotations

import warnings

import duckdb
import pandas as pd
import pytest

import cxlab
from cxlab.engines import duckdb_connection


@pytest.fixture(scope="module")
def small():
    return cxlab.simulate(n_customers=300, random_state=8)


def test_a_duckdb_database_opens_lazily(small, tmp_path):
    path = tmp_path / "study.duckdb"
    con = duckdb.connect(str(path))
    events = small.events.astype({"stage": str, "channel": str, "touchpoint": str})
    customers = small.customers.astype({"segment": str, "region": str})
    con.register("events_df", events)
    con.register("customers_df", customers)
    con.execute("CREATE TABLE events AS SELECT * FROM events_df")
    con.execute("CREATE TABLE customers AS SELECT * FROM customers_df")
    con.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = cxlab.load(path, engine="duckdb")
        assert study.engine == "duckdb" and study.n_events() == len(small.events)
        assert len(study.customers) == 300
        # the event features (the customers' categories lose their order in the database)
        groups = ["channels", "journey", "stages", "value"]
        X = cxlab.customer_features(study, features=groups)
        expected = cxlab.customer_features(small, features=groups)
    # the same values; an engine returns counts as int32 and flags as int8 (compact dtypes)
    pd.testing.assert_frame_equal(X, expected, check_exact=False, rtol=1e-9, check_dtype=False)


def test_a_database_without_events_says_what_it_has(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER)")
    con.close()
    with pytest.raises(cxlab.exceptions.ReadError, match=r"no events table; it has \['orders'\]"):
        cxlab.load(path, engine="duckdb")


def test_a_users_frame_is_a_study(small):
    rel = duckdb.from_df(small.events.astype({"stage": str, "channel": str}))
    with pytest.warns(cxlab.exceptions.DataWarning, match="no customers table"):
        study = cxlab.load(rel)
    assert isinstance(study, cxlab.LazyStudy)
    assert sorted(study.customers["customer_id"]) == sorted(small.customers["customer_id"])


def test_column_names_are_mapped_in_the_engine(small):
    events = small.events.astype({"stage": str, "channel": str}).rename(
        columns={"customer_id": "user", "timestamp": "ts"}
    )
    study = cxlab.lazy_study(
        duckdb.from_df(events),
        customers=small.customers,
        columns={"user": "customer_id", "ts": "timestamp"},
    )
    assert study.n_events() == len(small.events)


def test_timestamps_as_text_are_refused_with_the_fix(small):
    events = small.events.astype({"stage": str, "channel": str, "timestamp": str})
    with pytest.raises(cxlab.exceptions.TimestampError, match="not timestamps") as err:
        cxlab.lazy_study(duckdb.from_df(events), customers=small.customers)
    assert "CAST(ts AS TIMESTAMP)" in err.value.fix


def test_memory_limit_and_spill_folder(tmp_path):
    con = duckdb_connection(memory_limit="512MB", temp_directory=tmp_path / "spill", threads=1)
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in ("512.0MiB", "488.2MiB", "512MB", "488.2MB")
    assert con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == str(
        tmp_path / "spill"
    )
    with pytest.raises(cxlab.exceptions.ParameterError, match="memory_limit='lots'"):
        duckdb_connection(memory_limit="lots")


def test_large_customers_and_feedback_files_are_read_on_first_use(small, tmp_path, monkeypatch):
    """A chain fit on a huge study never reads its customers: large files wait until used."""
    from cxlab.engines import _load

    small.save(tmp_path / "study")
    monkeypatch.setattr(_load, "READ_LATER_ROWS", 0)
    study = cxlab.load(tmp_path / "study", engine="duckdb")
    assert repr(study).startswith("LazyStudy(engine='duckdb', customers=not read yet")
    assert "feedback=not read yet" in repr(study)
    assert repr(study).endswith("truth=yes)")
    assert callable(study.tables_as_given()["customers"])
    chain = cxlab.MarkovChain(journey="buyer").fit(study)
    assert "not read yet" in repr(study)  # the chain did not need them
    assert "truth" not in study.__dict__ or callable(study.__dict__["_truth"])
    assert study.truth.persona.equals(small.truth.persona)  # read now
    assert chain.n_customers_ > 0
    pd.testing.assert_frame_equal(study.customers, small.customers)
    assert len(study.feedback) == len(small.feedback)
    assert repr(study).startswith(f"LazyStudy(engine='duckdb', customers={len(small.customers):,}")
    # a problem in a file read later is still reported, naming the file, when first used
    bad = small.customers.copy()
    bad.loc[:2, "customer_id"] = None
    bad.to_parquet(tmp_path / "study" / "customers.parquet")
    later = cxlab.load(tmp_path / "study", engine="duckdb")
    with pytest.raises(cxlab.exceptions.DataError, match="customer_id"):
        _ = later.customers
    monkeypatch.setattr(_load, "READ_LATER_ROWS", 10**9)  # small tables: checked on load
    with pytest.raises(cxlab.exceptions.DataError, match="customer_id"):
        cxlab.load(tmp_path / "study", engine="duckdb")


def test_customers_built_from_the_events_are_built_on_first_use(small):
    import duckdb

    events = duckdb.from_df(small.events.astype({"stage": str, "channel": str}))
    with pytest.warns(cxlab.exceptions.DataWarning, match="no customers table"):
        study = cxlab.lazy_study(events)
    assert "customers=not read yet" in repr(study)
    built = study.customers
    assert built["customer_id"].tolist() == sorted(small.events["customer_id"].unique())


@pytest.mark.slow
def test_spark_reads_a_simulated_parquet_study_as_it_is(tmp_path, request):
    """simulate_to_parquet stores microsecond timestamps: Spark reads them with no option."""
    from cxlab.simulation import simulate_to_parquet

    folder = simulate_to_parquet(tmp_path / "big", 400, random_state=2, chunk_customers=150)
    spark = request.getfixturevalue("spark")
    events = spark.read.parquet(str(folder / "events"))
    assert dict(events.dtypes)["timestamp"] in ("timestamp", "timestamp_ntz")
    memory = cxlab.load(folder, engine="pandas")
    study = cxlab.lazy_study(events, customers=memory.customers, catalog=memory.catalog)
    expected = cxlab.MarkovChain(journey="buyer").fit(memory)
    got = cxlab.MarkovChain(journey="buyer").fit(study)
    assert got.counts_.equals(expected.counts_)
