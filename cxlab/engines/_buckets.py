"""Customers in buckets: a per-customer reduction run on one share of the customers at a time.

A reduction that orders each customer's events (window functions: the previous stage,
the next event, purchases so far) needs all of a customer's events at once. DuckDB
keeps the partitions of a window in memory and does not hold them to its
``memory_limit``: a buyer chain over 1e8 events peaked at 2.1 GB with a 2 GB limit, and
over 1e9 events passed 18 GB. Every such reduction is a sum over customers, so it can
run on the customers whose id hashes to bucket 0, then 1, ..., and add up: the same
answer, with memory bounded by one bucket.

:func:`customer_buckets` splits a lazy frame by a hash of ``customer_id`` (each engine's
own hash: one filter, not a second implementation of the reduction);
:func:`bucket_count` says how many buckets keep one bucket's events within half of
DuckDB's memory limit. Spark and polars spill or stream on their own: one bucket.

With many buckets, a filter per bucket reads every event once per bucket: 42 scans of
14 GB of Parquet for a chain over 1e9 events. From :data:`PARTITION_FROM` buckets on,
DuckDB writes the frame once into one Parquet folder per bucket (in its spill folder)
and each bucket reads only its own folder; the folders are removed when the list of
buckets is no longer referenced (or when the interpreter exits).
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import weakref
from pathlib import Path

import narwhals as nw

from cxlab.engines._frames import to_lazy

__all__ = ["BYTES_PER_EVENT", "MAX_BUCKETS", "PARTITION_FROM", "bucket_count", "customer_buckets"]

#: Working memory a DuckDB window needs per event of a bucket (the sort keys, the
#: window's columns and its output): measured on the buyer chain (975 MB for 25M events,
#: 646 MB for 12.5M, interpreter included), rounded up.
BYTES_PER_EVENT = 40

#: At most this many passes over the data.
MAX_BUCKETS = 256

#: From this many buckets on, DuckDB writes the events once split by bucket (one read of
#: the source and one write) instead of reading the whole source once per bucket.
PARTITION_FROM = 4


class Buckets(list):
    """The lazy frames of the buckets; holds the folder they read (removed with the list).

    Keep the list while its frames (or frames made from them) are used.
    """

    folder: Path | None = None

    def _remove_with_list(self, folder: Path) -> None:
        self.folder = folder
        weakref.finalize(self, shutil.rmtree, str(folder), ignore_errors=True)


_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12}
_UNITS.update({"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "bytes": 1})


def _size_in_bytes(text: str) -> float | None:
    """``"1.8 GiB"``, ``"2GB"``, ``"512 MB"`` in bytes (None when not a size)."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(text))
    if not match:
        return None
    unit = _UNITS.get(match.group(2).lower() or "b")
    return None if unit is None else float(match.group(1)) * unit


def _duckdb_scalar(relation, sql: str):
    """One value of ``sql`` run on the relation's connection (``_t`` names the relation)."""
    return relation.query("_t", sql).fetchall()[0][0]


def bucket_count(frame, bytes_per_event: int = BYTES_PER_EVENT) -> int:
    """How many customer buckets keep one bucket's work within half of the memory limit.

    Parameters
    ----------
    frame : DuckDB relation, narwhals LazyFrame or any frame
        The events.
    bytes_per_event : int, default=BYTES_PER_EVENT
        Working memory of the reduction per event.

    Returns
    -------
    int
        1 for every engine but DuckDB (and for DuckDB without a memory limit);
        otherwise ``ceil(events * bytes_per_event / (memory_limit / 2))``, at most
        :data:`MAX_BUCKETS`.
    """
    lf = to_lazy(frame)
    if lf.implementation is not nw.Implementation.DUCKDB:
        return 1
    relation = lf.to_native()
    limit = _size_in_bytes(_duckdb_scalar(relation, "SELECT current_setting('memory_limit')"))
    if not limit:
        return 1
    n_events = int(_duckdb_scalar(relation, "SELECT count(*) FROM _t"))
    return int(min(MAX_BUCKETS, max(1, math.ceil(n_events * bytes_per_event / (limit / 2)))))


def customer_buckets(frame, n: int, columns=None) -> list:
    """``frame`` split into ``n`` lazy frames by a hash of ``customer_id``.

    Every customer's events fall in exactly one bucket; nothing runs until a bucket is
    collected.

    Parameters
    ----------
    frame : DuckDB relation, polars LazyFrame, PySpark DataFrame or narwhals LazyFrame
        Events with ``customer_id``.
    n : int
        Buckets; 1 returns the frame itself (any engine).
    columns : list of str, optional
        The columns the reduction reads; only these are kept (and written when the
        events are split). Default: every column.

    Returns
    -------
    list of narwhals.LazyFrame
        On DuckDB with at least :data:`PARTITION_FROM` buckets, each reads its own share
        of the events from Parquet that is written once here (the list holds the folder:
        keep it while the frames are used).

    Raises
    ------
    NotImplementedError
        ``n > 1`` on an engine without a hash function here (pandas, PyArrow).
    """
    lf = to_lazy(frame)
    if columns is not None:
        lf = lf.select(*dict.fromkeys(columns))
    n = int(n)
    if n <= 1:
        return Buckets([lf])
    native = lf.to_native()
    impl = lf.implementation
    if impl is nw.Implementation.DUCKDB:
        if n >= PARTITION_FROM:
            return _written_buckets(native, n)
        return Buckets(
            nw.from_native(native.filter(f'hash("customer_id") % {n} = {b}')) for b in range(n)
        )
    if impl is nw.Implementation.POLARS:
        import polars as pl

        key = pl.col("customer_id").hash(seed=0) % n
        return Buckets(nw.from_native(native.filter(key == b)) for b in range(n))
    if impl in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):
        from pyspark.sql import functions as F

        key = F.pmod(F.hash("customer_id"), F.lit(n))
        return Buckets(nw.from_native(native.filter(key == b)) for b in range(n))
    raise NotImplementedError(f"customer buckets on {impl} frames")


def _written_buckets(relation, n: int) -> Buckets:
    """The relation written once as Parquet, one folder per bucket; a frame per folder.

    The folder is made in DuckDB's spill folder (``temp_directory``), where the study
    keeps what does not fit in memory. A bucket that holds no customer reads as an empty
    frame with the relation's columns.
    """
    spill = _duckdb_scalar(relation, "SELECT current_setting('temp_directory')")
    base = Path(spill) if spill else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="cxlab-buckets-", dir=base))
    buckets = Buckets()
    buckets._remove_with_list(folder)
    split = relation.query("_t", f'SELECT *, hash("customer_id") % {n} AS _cxlab_bucket FROM _t')
    split.to_parquet(str(folder), partition_by=["_cxlab_bucket"], overwrite=True)
    for b in range(n):
        part = folder / f"_cxlab_bucket={b}"
        if part.exists():
            path = str(part / "*.parquet").replace("'", "''")
            frame = relation.query(
                "_t", f"SELECT * FROM read_parquet('{path}', hive_partitioning = false)"
            )
        else:
            frame = relation.limit(0)
        buckets.append(nw.from_native(frame))
    return buckets
