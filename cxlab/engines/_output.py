"""Per-customer results of a large study: collected bucket by bucket, or kept in Parquet.

A per-customer table of a study with 1e8 events has about 1e7 rows: a survival table is
over 1 GB in pandas, persona features over 4 GB. :func:`collect_buckets` brings such a
table back one bucket of customers at a time (:mod:`cxlab.engines._buckets`), so the
engine's working memory and the Arrow copies stay one bucket's size; with ``out=`` the
table is written to a Parquet folder inside the engine, one file per bucket, and never
comes to pandas: :func:`read_output` opens it again, lazily, on the same engine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import narwhals as nw
import pandas as pd

from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.exceptions import ParameterError

__all__ = ["collect_buckets", "output_folder", "write_parquet", "read_output"]


def collect_buckets(frames, *, categorical=()) -> pd.DataFrame:
    """The lazy frames of every bucket, collected one at a time, as one pandas table.

    Parameters
    ----------
    frames : iterable of narwhals LazyFrame
        One per bucket, with the same columns.
    categorical : sequence of str, default=()
        Text columns to return as categoricals (see :func:`~cxlab.engines.to_pandas`);
        their categories are the union of the buckets', sorted.

    Returns
    -------
    DataFrame
        The buckets' rows one after the other, on a fresh RangeIndex.
    """
    parts = [to_pandas(frame, categorical=categorical) for frame in frames]
    if len(parts) == 1:
        return parts[0]
    for name in categorical:
        values = sorted(set().union(*(p[name].cat.categories for p in parts)), key=lambda v: str(v))
        for p in parts:
            p[name] = p[name].cat.set_categories(values)
    out = pd.concat(parts, ignore_index=True, copy=False)
    parts.clear()
    return out


def output_folder(out, overwrite: bool = False) -> Path:
    """``out`` checked as a folder to write to (before any work): not a file, and empty
    unless ``overwrite``. Nothing is deleted here.

    Raises
    ------
    ParameterError
        ``out`` is a file, or a folder that holds files and ``overwrite`` is False.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"out={str(out)!r} is a file; pass a folder for the Parquet files.")
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise ParameterError(
            f"out={str(out)!r} already holds files; pick an empty or new folder, or pass "
            "overwrite=True to replace them."
        )
    return folder


def _clear(folder: Path, overwrite: bool) -> None:
    output_folder(folder, overwrite)
    if folder.exists() and any(folder.iterdir()):
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


def write_parquet(frames, out, *, overwrite: bool = False) -> Path:
    """Write each bucket's lazy frame to ``out/part-NNNNN.parquet`` inside its engine.

    Parameters
    ----------
    frames : iterable of narwhals LazyFrame
        One per bucket (DuckDB, Spark, polars or pandas).
    out : str or Path
        A folder; created when missing.
    overwrite : bool, default=False
        Replace a folder that already holds files (else a ``ParameterError``).

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(out)
    _clear(folder, overwrite)
    for b, frame in enumerate(frames):
        lf = to_lazy(frame)
        native = lf.to_native()
        target = folder / f"part-{b:05d}.parquet"
        impl = lf.implementation
        if impl is nw.Implementation.DUCKDB:
            native.write_parquet(str(target))
        elif impl in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):
            native.write.mode("overwrite").parquet(str(folder / f"part-{b:05d}"))
        elif impl is nw.Implementation.POLARS:
            native.sink_parquet(str(target))
        else:
            lf.collect(backend="pyarrow").write_parquet(str(target))
    return folder


def read_output(like, out):
    """The Parquet folder :func:`write_parquet` wrote, as a lazy frame on ``like``'s engine.

    Parameters
    ----------
    like : narwhals LazyFrame or native frame
        A frame of the engine to read with (its DuckDB connection, Spark session).
    out : str or Path
        The folder.

    Returns
    -------
    narwhals.LazyFrame
    """
    folder = Path(out)
    lf = to_lazy(like)
    impl = lf.implementation
    native = lf.to_native()
    if impl is nw.Implementation.DUCKDB:
        glob = str(folder / "*.parquet").replace("'", "''")
        return nw.from_native(native.query("_t", f"SELECT * FROM read_parquet('{glob}')"))
    if impl in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):
        return nw.from_native(native.sparkSession.read.parquet(str(folder / "part-*")))
    import polars as pl

    return nw.from_native(pl.scan_parquet(str(folder / "*.parquet")))
