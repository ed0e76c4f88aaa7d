"""Per-customer results collected bucket by bucket, or written to Parquet in the engine."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlab.engines._buckets import customer_buckets
from cxlab.engines._frames import to_pandas
from cxlab.engines._output import collect_buckets, read_output, write_parquet
from cxlab.exceptions import ParameterError

EVENTS = pd.DataFrame(
    {
        "customer_id": [f"c{i}" for i in range(300)],
        "channel": ["web", "app", "store"] * 100,
        "x": range(300),
    }
)


def _frame(engine, request):
    if engine == "duckdb":
        import duckdb

        return duckdb.from_df(EVENTS)
    if engine == "polars":
        pl = pytest.importorskip("polars")
        return pl.from_pandas(EVENTS).lazy()
    if engine == "pandas":
        return EVENTS
    return request.getfixturevalue("spark").createDataFrame(EVENTS)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype({"channel": str}).sort_values("customer_id").reset_index(drop=True)
    return out.astype({"x": "int64"})


@pytest.mark.parametrize(
    "engine", ["duckdb", "polars", pytest.param("spark", marks=pytest.mark.slow)]
)
def test_collect_buckets_returns_every_row_once_with_shared_categories(engine, request):
    parts = customer_buckets(_frame(engine, request), 4)
    got = collect_buckets(parts, categorical=["channel"])
    assert isinstance(got["channel"].dtype, pd.CategoricalDtype)
    assert list(got["channel"].cat.categories) == ["app", "store", "web"]
    pd.testing.assert_frame_equal(_sorted(got), _sorted(EVENTS))
    assert got.index.equals(pd.RangeIndex(300))


@pytest.mark.parametrize(
    "engine", ["duckdb", "polars", "pandas", pytest.param("spark", marks=pytest.mark.slow)]
)
def test_write_parquet_keeps_the_table_out_of_memory_and_reads_it_back(engine, request, tmp_path):
    frame = _frame(engine, request)
    parts = customer_buckets(frame, 3) if engine != "pandas" else customer_buckets(frame, 1)
    folder = write_parquet(parts, tmp_path / "out")
    back = read_output(frame, folder) if engine != "pandas" else None
    if back is not None:
        pd.testing.assert_frame_equal(_sorted(to_pandas(back)), _sorted(EVENTS))
    assert pd.read_parquet(folder)["x"].sum() == EVENTS["x"].sum()
    with pytest.raises(ParameterError, match="already holds files"):
        write_parquet(parts, folder)
    write_parquet(parts[:1], folder, overwrite=True)  # replaced, not added to
    assert len(pd.read_parquet(folder)) == len(to_pandas(parts[0]))
