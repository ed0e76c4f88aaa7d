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
"""

from __future__ import annotations

import math
import re

import narwhals as nw

from cxlab.engines._frames import to_lazy

__all__ = ["BYTES_PER_EVENT", "MAX_BUCKETS", "bucket_count", "customer_buckets"]

#: Working memory a DuckDB window needs per event of a bucket (the sort keys, the
#: window's columns and its output): measured on the buyer chain (975 MB for 25M events,
#: 646 MB for 12.5M, interpreter included), rounded up.
BYTES_PER_EVENT = 40

#: At most this many passes over the data.
MAX_BUCKETS = 256

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


def customer_buckets(frame, n: int) -> list:
    """``frame`` split into ``n`` lazy frames by a hash of ``customer_id``.

    Every customer's events fall in exactly one bucket; nothing runs until a bucket is
    collected.

    Parameters
    ----------
    frame : DuckDB relation, polars LazyFrame, PySpark DataFrame or narwhals LazyFrame
        Events with ``customer_id``.
    n : int
        Buckets; 1 returns the frame itself (any engine).

    Returns
    -------
    list of narwhals.LazyFrame

    Raises
    ------
    NotImplementedError
        ``n > 1`` on an engine without a hash function here (pandas, PyArrow).
    """
    lf = to_lazy(frame)
    n = int(n)
    if n <= 1:
        return [lf]
    native = lf.to_native()
    impl = lf.implementation
    if impl is nw.Implementation.DUCKDB:
        return [nw.from_native(native.filter(f'hash("customer_id") % {n} = {b}')) for b in range(n)]
    if impl is nw.Implementation.POLARS:
        import polars as pl

        key = pl.col("customer_id").hash(seed=0) % n
        return [nw.from_native(native.filter(key == b)) for b in range(n)]
    if impl in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):
        from pyspark.sql import functions as F

        key = F.pmod(F.hash("customer_id"), F.lit(n))
        return [nw.from_native(native.filter(key == b)) for b in range(n)]
    raise NotImplementedError(f"customer buckets on {impl} frames")
