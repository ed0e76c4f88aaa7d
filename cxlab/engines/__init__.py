"""Engines: the same analyses on pandas in memory, DuckDB out of core, Spark or polars.

A study's events can stay where they are: in Parquet files read by DuckDB
(``cxlab.load(path, engine="duckdb")``), or in a PySpark DataFrame, a polars LazyFrame
or a DuckDB relation of the user's (:func:`lazy_study`). Reductions that touch every
event are written once on narwhals (:func:`to_lazy`) and run inside that engine; only
their small results come back to pandas. ``docs/scale.md`` says which engine when and
which analyses are engine-aware so far.
"""

from __future__ import annotations

from cxlab.engines._duckdb import duckdb_connection
from cxlab.engines._frames import ENGINES, engine_of, to_lazy, to_pandas
from cxlab.engines._load import AUTO_DUCKDB_BYTES, lazy_study
from cxlab.engines._study import LazyStudy
from cxlab.engines._validation import event_problem_counts

__all__ = [
    "ENGINES",
    "AUTO_DUCKDB_BYTES",
    "LazyStudy",
    "lazy_study",
    "duckdb_connection",
    "engine_of",
    "to_lazy",
    "to_pandas",
    "event_problem_counts",
]
