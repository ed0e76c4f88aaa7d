"""Persona features of a lazy study, bucket by bucket: collected, or written to Parquet.

The features over three buckets of customers must equal the in-memory ones (every column,
floats to 1e-9 relative as in the parity tests); with ``out=`` each bucket's features go
to a Parquet file and the lazy frame over the folder holds the same table.
"""

from __future__ import annotations

import warnings

import narwhals as nw
import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import DataError, ParameterError
from cxlab.personas import _bucket_features

from .test_parity import STUDIES, _assert_same, _study
from .test_parity import studies as parity_studies

studies = parity_studies  # the parity tests' demo and simulated studies (a fixture)


@pytest.fixture
def three_buckets(monkeypatch):
    calls = []

    def count(frame, bytes_per_event):
        calls.append(bytes_per_event)
        return 3

    monkeypatch.setattr(_bucket_features, "bucket_count", count)
    return calls


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_features_in_buckets_equal_in_memory(
    engine, name, studies, tmp_path_factory, request, three_buckets
):
    study = _study(engine, name, studies, tmp_path_factory, request)
    expected = _quiet(cxlab.customer_features, studies[name])
    got = _quiet(cxlab.customer_features, study)
    assert three_buckets == [_bucket_features.BYTES_PER_EVENT]
    _assert_same(expected, got)
    assert got.attrs["customers_without_events"] == expected.attrs["customers_without_events"]
    # compact dtypes: counts int32, flags int8, the rest float64
    assert got["n_events"].dtype == np.int32 and got["purchased"].dtype == np.int8
    assert got["revenue"].dtype == np.float64 and got["share_web"].dtype == np.float64


def test_features_in_buckets_keep_the_groups_asked_for(studies, tmp_path_factory, three_buckets):
    study = _study("duckdb", "simulated", studies, tmp_path_factory, None)
    asked = ["channels", "purchased", "nps"]
    expected = _quiet(cxlab.customer_features, studies["simulated"], features=asked)
    got = _quiet(cxlab.customer_features, study, features=asked)
    _assert_same(expected, got)


def _read_back(lazy) -> pd.DataFrame:
    frame = lazy.collect(backend="pandas").to_native() if hasattr(lazy, "collect") else lazy
    return frame.set_index("customer_id").sort_index()


@pytest.mark.parametrize(
    "engine", ["duckdb", "polars", pytest.param("spark", marks=pytest.mark.slow)]
)
def test_features_written_to_parquet_bucket_by_bucket(
    engine, studies, tmp_path_factory, tmp_path, request, three_buckets
):
    study = _study(engine, "simulated", studies, tmp_path_factory, request)
    expected = _quiet(cxlab.customer_features, studies["simulated"])
    lazy = _quiet(cxlab.customer_features, study, out=tmp_path / "features")
    assert isinstance(lazy, nw.LazyFrame)
    assert lazy.implementation == cxlab.engines.to_lazy(study.events).implementation
    assert len(list((tmp_path / "features").glob("part-*.parquet"))) == 3
    got = _read_back(lazy)
    assert got.index.name == "customer_id"
    _assert_same(expected, got)


def test_features_out_refuses_a_study_in_memory(studies, tmp_path):
    with pytest.raises(ParameterError, match="lazy study") as err:
        cxlab.customer_features(studies["demo"], out=tmp_path / "f")
    assert "to_parquet" in str(err.value)
    assert not (tmp_path / "f").exists()


def test_features_out_refuses_a_folder_with_files(studies, tmp_path_factory, tmp_path):
    study = _study("duckdb", "demo", studies, tmp_path_factory, None)
    folder = tmp_path / "features"
    folder.mkdir()
    (folder / "old.parquet").write_text("x")
    with pytest.raises(ParameterError, match="already holds files"):
        cxlab.customer_features(study, out=folder)
    assert (folder / "old.parquet").read_text() == "x"  # nothing touched
    lazy = _quiet(cxlab.customer_features, study, out=folder, overwrite=True)
    assert not (folder / "old.parquet").exists()
    expected = _quiet(cxlab.customer_features, studies["demo"])
    _assert_same(expected, _read_back(lazy))


def test_features_in_buckets_check_the_values_first(studies, tmp_path):
    """Channels outside the catalog raise the in-memory error (values and event count)
    from the study-wide check, before any bucket is written."""
    import duckdb

    events = studies["simulated"].events.astype({"stage": str, "channel": str})
    events.loc[events.index[:7], "channel"] = "fax"
    study = cxlab.lazy_study(
        duckdb.from_df(events),
        customers=studies["simulated"].customers,
        catalog=studies["simulated"].catalog,
        validate=False,
    )
    with pytest.raises(DataError, match="fax") as err:
        cxlab.customer_features(study, out=tmp_path / "f")
    assert err.value.n_rows == 7
    assert not any((tmp_path / "f").glob("*.parquet"))


def test_features_in_buckets_warn_of_customers_without_events(studies, tmp_path_factory):
    data = studies["simulated"]
    customers = pd.concat(
        [data.customers, data.customers.tail(2).assign(customer_id=[10**9, 10**9 + 1])],
        ignore_index=True,
    )
    import duckdb

    study = cxlab.lazy_study(
        duckdb.from_df(data.events.astype({"stage": str, "channel": str})),
        customers=customers,
        catalog=data.catalog,
        validate=False,
    )
    with pytest.warns(cxlab.exceptions.DataWarning, match="2 customers have no events"):
        X = cxlab.customer_features(study)
    assert X.attrs["customers_without_events"] == [10**9, 10**9 + 1]
