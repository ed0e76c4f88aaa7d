"""The one dataframe layer: any user's frame as a narwhals lazy frame, small results as pandas.

Reductions that touch every event (validation counts, persona features, ...) are written
once against `narwhals <https://narwhals-dev.github.io/narwhals/>`_ and run inside the
engine that holds the data: pandas in memory, DuckDB (out of core), Spark (a cluster),
polars or PyArrow. Only their small results come back, always as pandas.

A reduction written for this layer follows two rules, so that it is fast on pandas too:
element-wise work goes in ``with_columns`` (``nw.when(...).then(...)`` instead of a
filtered aggregation) and ``group_by(...).agg(...)`` holds simple aggregations only
(``sum``, ``min``, ``max``, ``len``), which narwhals maps to pandas' own grouped kernels.
"""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab.exceptions import ParameterError

__all__ = ["ENGINES", "engine_of", "to_lazy", "to_pandas", "is_lazy_frame", "as_nanoseconds"]

#: The engines a frame can live in (``engine_of`` names one of them).
ENGINES = ("pandas", "duckdb", "spark", "polars", "pyarrow", "other")

_NAMES = {
    nw.Implementation.PANDAS: "pandas",
    nw.Implementation.DUCKDB: "duckdb",
    nw.Implementation.PYSPARK: "spark",
    nw.Implementation.PYSPARK_CONNECT: "spark",
    nw.Implementation.POLARS: "polars",
    nw.Implementation.PYARROW: "pyarrow",
}


def _native_frame(frame):
    """``frame`` as a narwhals DataFrame or LazyFrame; a clear error for anything else."""
    if isinstance(frame, nw.DataFrame | nw.LazyFrame):
        return frame
    try:
        return nw.from_native(frame)
    except TypeError:
        raise ParameterError(
            f"a table of type {type(frame).__module__}.{type(frame).__name__} is not a frame "
            "cxlab can read; pass a pandas or polars DataFrame/LazyFrame, a DuckDB relation, "
            "a PySpark DataFrame or a PyArrow table"
        ) from None


def engine_of(frame) -> str:
    """The engine that holds ``frame``: one of :data:`ENGINES`.

    Parameters
    ----------
    frame : DataFrame, LazyFrame, DuckDB relation, PySpark DataFrame or PyArrow table
        A user's table, or a narwhals frame wrapping one.

    Returns
    -------
    str
        ``"pandas"``, ``"duckdb"``, ``"spark"``, ``"polars"``, ``"pyarrow"`` or ``"other"``.
    """
    return _NAMES.get(_native_frame(frame).implementation, "other")


def is_lazy_frame(frame) -> bool:
    """True for frames whose rows stay in their engine (DuckDB, Spark, polars LazyFrame)."""
    if isinstance(frame, pd.DataFrame):
        return False
    return isinstance(_native_frame(frame), nw.LazyFrame)


def to_lazy(frame) -> nw.LazyFrame:
    """``frame`` as a narwhals LazyFrame on the engine that holds it (no copy, no collect).

    Parameters
    ----------
    frame : DataFrame, LazyFrame, DuckDB relation, PySpark DataFrame or PyArrow table
        The user's table. Eager frames (pandas, polars, PyArrow) stay in their library:
        narwhals runs the lazy plan with that library's own operations.

    Returns
    -------
    narwhals.LazyFrame
    """
    nf = _native_frame(frame)
    return nf.lazy() if isinstance(nf, nw.DataFrame) else nf


def to_pandas(frame, *, categorical=()) -> pd.DataFrame:
    """Collect a (small) result to pandas.

    Parameters
    ----------
    frame : narwhals DataFrame or LazyFrame, or a native frame
        A reduction's result: one row per customer or less.
    categorical : sequence of str, default=()
        Text columns with few distinct values (stages, channels) to return as
        categoricals: from a lazy engine they travel dictionary-encoded through Arrow
        instead of as one Python string per row.

    Returns
    -------
    DataFrame
    """
    nf = _native_frame(frame)
    if isinstance(nf, nw.LazyFrame):
        if categorical and nf.implementation is not nw.Implementation.PANDAS:
            import pyarrow.compute as pc

            table = nf.collect(backend="pyarrow").to_native()
            for name in categorical:
                i = table.schema.get_field_index(name)
                column = table.column(i)
                if not hasattr(column.type, "index_type"):  # not dictionary-encoded yet
                    table = table.set_column(i, name, pc.dictionary_encode(column))
            return table.to_pandas(split_blocks=True, self_destruct=True)
        nf = nf.collect(backend="pandas")
    out = nf.to_native()
    return out if isinstance(out, pd.DataFrame) else nf.to_pandas()


def as_nanoseconds(values: pd.Series) -> np.ndarray:
    """Times that came back from an engine as int64 nanoseconds since the epoch, in UTC.

    Any engine's datetime column (``datetime64[us]``, ``[ns]``, time-zone aware) gives
    the same integers; missing times give 0 (test them with ``values.isna()``).
    """
    stamps = values if pd.api.types.is_datetime64_any_dtype(values) else pd.to_datetime(values)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = stamps.astype("datetime64[ns]").to_numpy().view(np.int64).copy()
    ns[stamps.isna().to_numpy()] = 0
    return ns


def epoch_microseconds(expr):
    """Microseconds since 1970-01-01 of a timestamp expression, on every engine.

    Built from calendar fields (year, day of year, hour, ..., microsecond), which every
    narwhals backend has (Spark has no duration arithmetic); exact to the microsecond,
    the precision DuckDB and Spark keep.

    Parameters
    ----------
    expr : narwhals Expr
        A timestamp (UTC, no time zone).

    Returns
    -------
    narwhals Expr
        Int64.
    """
    year = expr.dt.year().cast(nw.Int64)
    y = (year - 1).cast(nw.Float64)

    def floor(x):  # a float floor: an integer floor division is a long CASE in SQL
        return x.floor().cast(nw.Int64)

    leap = floor(y / 4) - floor(y / 100) + floor(y / 400) - 477  # leap years 1970..year-1
    days = (year - 1970) * 365 + leap + expr.dt.ordinal_day().cast(nw.Int64) - 1
    seconds = ((days * 24 + expr.dt.hour()) * 60 + expr.dt.minute()) * 60 + expr.dt.second()
    return seconds * 1_000_000 + expr.dt.microsecond()


def microseconds_between(frame, later: str, earlier: str):
    """``later - earlier`` in microseconds (Int64), the fastest way ``frame``'s engine has.

    A duration's ``total_microseconds`` where the engine has duration arithmetic (DuckDB,
    polars, pandas), else the difference of :func:`epoch_microseconds` (Spark); both exact
    to the microsecond.

    Parameters
    ----------
    frame : narwhals LazyFrame
        The frame the expression will run on (its engine decides).
    later, earlier : str
        Timestamp columns.

    Returns
    -------
    narwhals Expr
    """
    direct = (nw.col(later) - nw.col(earlier)).dt.total_microseconds()
    try:
        frame.select(direct.alias("_probe"))  # builds the plan only; nothing runs
    except NotImplementedError:
        return epoch_microseconds(nw.col(later)) - epoch_microseconds(nw.col(earlier))
    return direct
