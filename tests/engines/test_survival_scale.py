"""The survival table past memory: over customer buckets, written to Parquet (``out=``),
and Kaplan-Meier on the lazy table.

The bucketed table must equal the one-pass table (every column, the same warnings and
definition); the Parquet table the in-memory one; Kaplan-Meier on the lazy table
lifelines' ``KaplanMeierFitter`` on the pandas table, to 1e-9.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import DataError, ParameterError
from cxlab.survival import _table

from .test_buckets import events_before_first_purchase
from .test_parity import _assert_same, _study, assert_same_survival

STUDIES = ["demo", "simulated"]
CHURNS = {"event": None, "either": 60}


@pytest.fixture(scope="module")
def studies():
    return {
        "demo": cxlab.load("data/demo", engine="pandas"),
        "simulated": cxlab.simulate(n_customers=1_500, random_state=11),
    }


def _three_buckets(monkeypatch):
    monkeypatch.setattr(_table, "bucket_count", lambda frame, bytes_per_event=0: 3)


def _pandas(lazy) -> pd.DataFrame:
    """The Parquet table in pandas, indexed by customer id in order."""
    out = lazy.collect(backend="pandas").to_native()
    return out.set_index("customer_id").sort_index()


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_survival_table_in_buckets_equals_one_pass(
    engine, name, studies, tmp_path_factory, request, monkeypatch
):
    """Every churn definition of the parity tests, over three buckets of customers."""
    study = _study(engine, name, studies, tmp_path_factory, request)
    _three_buckets(monkeypatch)
    for churn, days in CHURNS.items():
        got = assert_same_survival(studies[name], study, churn=churn, inactivity_days=days)
        assert not any(pd.api.types.is_object_dtype(got[c]) for c in got)  # categoricals


@pytest.mark.parametrize("churn", list(CHURNS))
@pytest.mark.parametrize(
    "engine", ["duckdb", "polars", pytest.param("spark", marks=pytest.mark.slow)]
)
def test_survival_table_out_writes_the_same_table(
    engine, churn, studies, tmp_path, tmp_path_factory, request, monkeypatch
):
    study = _study(engine, "simulated", studies, tmp_path_factory, request)
    kw = {"churn": churn, "inactivity_days": CHURNS[churn]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.survival_table(studies["simulated"], **kw)
        _three_buckets(monkeypatch)
        lazy = cxlab.survival_table(study, out=tmp_path / "surv", **kw)
    assert engine in lazy.implementation.name.lower()
    if engine != "spark":
        assert len(list((tmp_path / "surv").glob("part-*.parquet"))) == 3
    _assert_same(expected, _pandas(lazy))
    note = json.loads((tmp_path / "surv" / "survival.json").read_text())
    assert note == expected.attrs["survival"]


def test_survival_table_out_errors(studies, tmp_path, tmp_path_factory, request):
    with pytest.raises(ParameterError, match="in memory.*drop out="):
        cxlab.survival_table(studies["demo"], out=tmp_path / "x")
    study = _study("duckdb", "demo", studies, tmp_path_factory, request)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(ParameterError, match="already holds files.*overwrite=True"):
        cxlab.survival_table(study, out=full)
    assert (full / "keep.txt").read_text() == "mine"
    with pytest.raises(ParameterError, match="is a file"):
        cxlab.survival_table(study, out=full / "keep.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lazy = cxlab.survival_table(study, out=full, overwrite=True)
    assert not (full / "keep.txt").exists()
    assert len(_pandas(lazy)) > 0


def test_survival_table_out_raises_as_in_memory_and_leaves_no_files(tmp_path):
    """Churn events before the start: the same error (counts and ids over every bucket),
    and nothing left in the folder."""
    data = cxlab.simulate(n_customers=300, random_state=5)
    events, lazy = events_before_first_purchase(data, 9, "churn", "2D")
    memory = dataclasses.replace(data, events=events)
    with pytest.raises(DataError) as in_memory:
        cxlab.survival_table(memory)
    with pytest.MonkeyPatch.context() as mp:
        _three_buckets(mp)
        with pytest.raises(DataError) as engine:
            cxlab.survival_table(lazy, out=tmp_path / "surv")
    assert str(engine.value) == str(in_memory.value)
    assert list((tmp_path / "surv").iterdir()) == []
    with pytest.warns(cxlab.exceptions.DataWarning) as warned:
        with pytest.MonkeyPatch.context() as mp:
            _three_buckets(mp)
            cxlab.survival_table(lazy, out=tmp_path / "surv", invalid_churn="warn")
    with pytest.warns(cxlab.exceptions.DataWarning) as expected:
        cxlab.survival_table(memory, invalid_churn="warn")
    assert [str(w.message) for w in warned] == [str(w.message) for w in expected]


def _same_fitter(kmf, ref) -> None:
    """A KaplanMeierFitter equal to the reference one: curve, intervals, median."""
    from lifelines.utils import median_survival_times

    for a, b in [
        (kmf.survival_function_, ref.survival_function_),
        (kmf.confidence_interval_, ref.confidence_interval_),
        (
            median_survival_times(kmf.confidence_interval_),
            median_survival_times(ref.confidence_interval_),
        ),
    ]:
        np.testing.assert_array_equal(a.index.to_numpy(), b.index.to_numpy())
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(
        kmf.event_table["at_risk"].to_numpy(), ref.event_table["at_risk"].to_numpy()
    )
    assert kmf.median_survival_time_ == pytest.approx(ref.median_survival_time_, rel=1e-9)


@pytest.mark.parametrize("by", [None, "segment", "region"])
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_kaplan_meier_on_the_lazy_table_equals_lifelines(
    engine, by, studies, tmp_path, tmp_path_factory, request
):
    from lifelines import KaplanMeierFitter

    study = _study(engine, "simulated", studies, tmp_path_factory, request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = cxlab.survival_table(studies["simulated"])
        lazy = cxlab.survival_table(study, out=tmp_path / "surv")
    km = cxlab.KaplanMeier(by=by).fit(lazy)
    memory = cxlab.KaplanMeier(by=by).fit(table)
    # the groups in the engine's order (sorted: Parquet keeps no category order)
    groups = ["all"] if by is None else sorted(table[by].dropna().unique())
    assert km.groups_ == groups and sorted(memory.groups_) == groups
    for name in groups:
        rows = table if by is None else table[table[by] == name]
        ref = KaplanMeierFitter().fit(rows["tenure_days"], rows["churned"], label=name)
        _same_fitter(km.fitters_[name], ref)
    pd.testing.assert_frame_equal(km.counts_, memory.counts_.loc[groups])
    pd.testing.assert_frame_equal(
        km.median_lifetime(), memory.median_lifetime().loc[groups], rtol=1e-9
    )

    def _by_group(frame):
        frame = frame.assign(group=frame["group"].astype(str))
        return frame.sort_values(["group", *frame.columns[1:2]], kind="stable").reset_index(
            drop=True
        )

    pd.testing.assert_frame_equal(
        _by_group(km.retention([30, 90, 180])),
        _by_group(memory.retention([30, 90, 180])),
        rtol=1e-9,
    )
    pd.testing.assert_frame_equal(_by_group(km.curves()), _by_group(memory.curves()), rtol=1e-9)
    if by is not None:
        pd.testing.assert_frame_equal(km.logrank(), memory.logrank(), rtol=1e-9)
        pd.testing.assert_frame_equal(
            cxlab.logrank_test(lazy, by), cxlab.logrank_test(table, by), rtol=1e-9
        )


def test_survival_table_out_reads_large_tables_one_bucket_at_a_time(studies, tmp_path, monkeypatch):
    """At 1e9 events the customers (87M rows) and feedback (73M) do not fit in memory: with
    out=, a table the study has not read yet is read for one bucket's customers at a time,
    and the events are written once split by bucket; the table is the in-memory one."""
    from cxlab.engines import _buckets, _load

    data = studies["simulated"]
    data.save(tmp_path / "study")
    monkeypatch.setattr(_load, "READ_LATER_ROWS", 0)  # every table is "large"
    monkeypatch.setattr(_buckets, "PARTITION_FROM", 2)
    spill = tmp_path / "spill"
    study = cxlab.load(
        tmp_path / "study", engine="duckdb", memory_limit="1GB", temp_directory=spill
    )
    assert "customers=not read yet, feedback=not read yet" in repr(study)
    read_whole = []
    reader = study.tables_as_given()["feedback"]
    monkeypatch.setattr(type(reader), "__call__", lambda self: read_whole.append(self))
    splits = []
    write = _buckets._written_buckets
    monkeypatch.setattr(_buckets, "_written_buckets", lambda *a: splits.append(a) or write(*a))
    _three_buckets(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.survival_table(data)
        lazy = cxlab.survival_table(study, out=tmp_path / "surv")
    assert read_whole == [] and len(splits) == 1
    assert "customers=not read yet, feedback=not read yet" in repr(study)
    _assert_same(expected, _pandas(lazy))
    assert spill.is_dir()  # the events were split there, and removed once written
    assert not list(spill.glob("cxlab-buckets-*"))


def test_a_table_reader_reads_the_rows_of_some_customers(studies, tmp_path):
    """rows_of gives the whole table's rows of those customers, with the same types; a
    CSV file is read whole and filtered; a columns= name of customer_id is followed."""
    from cxlab.data._io import load_customers
    from cxlab.engines._load import TableReader

    customers = studies["simulated"].customers
    customers.to_parquet(tmp_path / "customers.parquet")
    ids = customers["customer_id"].iloc[[3, 1, 7, 7]].tolist() + [10**12]
    want = customers[customers["customer_id"].isin(ids)].reset_index(drop=True)
    reader = TableReader(tmp_path / "customers.parquet", load_customers)
    assert reader.num_rows == len(customers)
    pd.testing.assert_frame_equal(reader.rows_of(ids).reset_index(drop=True), want)
    some = reader.rows_of(ids, columns=["customer_id", "region", "not_in_the_file"])
    assert list(some.columns) == ["customer_id", "region"]
    none = reader.rows_of([10**12])  # no row: an empty table, not the loader's error
    assert len(none) == 0 and "customer_id" in none
    mapping = {"user": "customer_id"}
    customers.rename(columns={"customer_id": "user"}).to_csv(tmp_path / "c.csv", index=False)
    renamed = TableReader(
        tmp_path / "c.csv", lambda raw: load_customers(raw, columns=mapping), mapping
    )
    assert renamed.num_rows is None
    got = renamed.rows_of(ids).reset_index(drop=True)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert list(renamed.rows_of([10**12]).columns)[0] == "customer_id"
