"""Validation of an event table inside its engine: counts of problems and a few example ids.

The checks of :func:`cxlab.data._schema.check_events` that can be counted without reading
the events into memory, with the same error classes and messages: required columns, an
empty table, missing ids and timestamps, timestamps that are not datetimes, stages and
channels outside the catalog, missing or infinite revenue, exact duplicate events. Only
the counts (one row) and, for a problem found, up to five customer ids come back.
"""

from __future__ import annotations

import narwhals as nw
import pandas as pd

from cxlab.data import _messages as messages
from cxlab.data._catalog import UNKNOWN_CHANNEL, StageCatalog
from cxlab.data._schema import REQUIRED_COLUMNS, Problems
from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.exceptions import (
    TimestampError,
)

__all__ = ["check_events_in_engine", "event_problem_counts"]

_TABLE = "events"

#: Working memory of the duplicate check per event of a bucket (DuckDB's hash table of
#: every (customer, time) pair): 78 bytes measured on 5e6 events, rounded up.
_DUPLICATE_BYTES_PER_EVENT = 80


def _examples(lf: nw.LazyFrame, condition) -> list:
    """Up to five distinct customer ids of the rows where ``condition`` holds."""
    ids = lf.filter(condition).select("customer_id").unique().sort("customer_id").head(5)
    return to_pandas(ids)["customer_id"].tolist()


def event_problem_counts(frame, catalog: StageCatalog) -> dict:
    """One pass over the events: rows, and the number of rows with each problem.

    Parameters
    ----------
    frame : narwhals LazyFrame or a native frame
        The events, with cxlab's column names.
    catalog : StageCatalog
        The stages and channels the events may use.

    Returns
    -------
    dict
        ``rows`` and, per check, the number of offending rows (``missing_id``,
        ``missing_timestamp``, ``missing_stage``, ``unknown_stage``,
        ``missing_channel``, ``unknown_channel``, ``bad_revenue``, ``negative_revenue``).
    """
    lf = to_lazy(frame)
    cols = lf.collect_schema().names()
    flags = {
        "missing_id": nw.col("customer_id").is_null(),
        "missing_timestamp": nw.col("timestamp").is_null(),
    }
    channels = [*catalog.channels, UNKNOWN_CHANNEL]
    for col, allowed in (("stage", catalog.stages), ("channel", channels)):
        if col in cols:
            flags[f"missing_{col}"] = nw.col(col).is_null()
            flags[f"unknown_{col}"] = ~nw.col(col).cast(nw.String).is_in(list(allowed))
    if "revenue" in cols and lf.collect_schema()["revenue"].is_numeric():
        rev = nw.col("revenue").cast(nw.Float64)
        flags["bad_revenue"] = rev.is_null() | rev.is_nan() | (rev.abs() == float("inf"))
        flags["negative_revenue"] = rev < 0
    ints = lf.with_columns(
        **{k: nw.when(v).then(1).otherwise(0).fill_null(0) for k, v in flags.items()}
    )
    sums = ints.select(nw.len().alias("rows"), *[nw.col(k).sum() for k in flags])
    row = to_pandas(sums).iloc[0]
    return {k: int(v) if v == v else 0 for k, v in row.items()}


def check_events_in_engine(frame, catalog: StageCatalog, *, duplicates: bool = True) -> Problems:
    """The problems of an event table, counted where it lives.

    Parameters
    ----------
    frame : narwhals LazyFrame or a native frame
        The events (DuckDB relation, PySpark DataFrame, polars LazyFrame, ...).
    catalog : StageCatalog
        The stages and channels the events may use.
    duplicates : bool, default=True
        Also count exact duplicate events (a grouping over every column: the most
        expensive check on a large table).

    Returns
    -------
    Problems
        ``errors`` (cxlab errors, as from :func:`cxlab.load_events`) and ``warnings``.
    """
    probs = Problems()
    lf = to_lazy(frame)
    schema = lf.collect_schema()
    missing = [c for c in REQUIRED_COLUMNS[_TABLE] if c not in schema]
    if missing:
        probs.errors.append(messages.missing_columns(_TABLE, missing, list(schema)))
        return probs
    counts = event_problem_counts(lf, catalog)
    if counts["rows"] == 0:
        probs.errors.append(messages.empty_table(_TABLE))
        return probs
    if counts["missing_id"]:
        probs.errors.append(messages.missing_ids(_TABLE, counts["missing_id"]))
    _check_timestamps(lf, schema, counts, probs)
    for col, what in (("stage", "stages"), ("channel", "channels")):
        _check_category(lf, col, what, catalog, counts, probs)
    _check_revenue(lf, schema, counts, probs)
    if duplicates and not probs.errors:
        _check_duplicates(lf, list(schema), probs)
    return probs


def _check_timestamps(lf, schema, counts, probs) -> None:
    if counts["missing_timestamp"]:
        probs.errors.append(
            messages.missing_timestamps(
                _TABLE,
                "timestamp",
                counts["missing_timestamp"],
                example_ids=_examples(lf, nw.col("timestamp").is_null()),
            )
        )
    elif not isinstance(schema["timestamp"], nw.Datetime):
        probs.errors.append(
            TimestampError(
                f"timestamp holds {schema['timestamp']} values, not timestamps",
                table=_TABLE,
                column="timestamp",
                n_rows=counts["rows"],
                fix="store timestamps as Parquet/DuckDB timestamps (in UTC) for an engine "
                "study, e.g. CAST(ts AS TIMESTAMP) in a view, or load the study in memory "
                "(engine='pandas'), which parses text dates",
            )
        )


def _check_category(lf, col, what, catalog, counts, probs) -> None:
    if col not in lf.collect_schema():
        probs.warnings.append(
            f"events: no {col!r} column; an engine study needs one (the in-memory loader "
            "fills it in for a purchase log)"
        )
        return
    fix = messages.catalog_fix(what)
    if counts[f"missing_{col}"]:
        probs.errors.append(
            messages.missing_category(
                _TABLE,
                col,
                counts[f"missing_{col}"],
                fix,
                example_ids=_examples(lf, nw.col(col).is_null()),
            )
        )
    elif counts[f"unknown_{col}"]:
        allowed = catalog.stages if col == "stage" else catalog.channels
        allowed = list(allowed) if col == "stage" else [*allowed, UNKNOWN_CHANNEL]
        bad = ~nw.col(col).cast(nw.String).is_in(allowed)
        values = (
            lf.filter(bad)
            .group_by(col)
            .agg(nw.len().alias("n"))
            .sort(["n", col], descending=[True, False])
            .head(5)
        )
        table = to_pandas(values)
        top = dict(zip(table[col].astype(str), table["n"].astype(int)))
        probs.errors.append(
            messages.unknown_category(
                _TABLE, col, top, allowed, counts[f"unknown_{col}"], fix, _examples(lf, bad)
            )
        )


def _check_revenue(lf, schema, counts, probs) -> None:
    if "revenue" not in schema:
        return
    if not schema["revenue"].is_numeric():
        probs.errors.append(messages.revenue_not_numeric(_TABLE, schema["revenue"], counts["rows"]))
    elif counts["bad_revenue"]:
        rev = nw.col("revenue").cast(nw.Float64)
        probs.errors.append(
            messages.revenue_not_finite(
                _TABLE,
                "missing or infinite",
                counts["bad_revenue"],
                example_ids=_examples(lf, rev.is_null() | (rev.abs() == float("inf"))),
            )
        )
    elif counts["negative_revenue"]:
        probs.warnings.append(
            messages.negative_revenue(
                _TABLE, counts["negative_revenue"], _examples(lf, nw.col("revenue") < 0)
            )
        )


def _repeated_rows(lf: nw.LazyFrame, columns: list) -> nw.LazyFrame:
    """``customer_id`` and count of every row that occurs more than once in ``lf``.

    Copies share their customer and time: a grouping by those two keys first finds the
    few (customer, time) pairs with more than one event, and only their events are
    grouped by every column (about a third faster in DuckDB than one grouping over
    every column of every event).
    """
    key = ["customer_id", "timestamp"]
    tied = lf.group_by(key).agg(nw.len().alias("_k")).filter(nw.col("_k") > 1).select(key)
    return (
        lf.join(tied, on=key, how="inner")
        .group_by(columns)
        .agg(nw.len().alias("_n"))
        .filter(nw.col("_n") > 1)
        .select("customer_id", "_n")
    )


def _check_duplicates(lf, columns, probs) -> None:
    """Exact copies of a row; only repeated rows come back.

    Copies of an event share its customer, so the check runs over customer buckets
    (:mod:`cxlab.engines._buckets`: as many as keep one bucket's grouping within half of
    DuckDB's memory limit, where a grouping of every event would spill; one on other
    engines) and the repeated rows of every bucket are put together.
    """
    n = bucket_count(lf, _DUPLICATE_BYTES_PER_EVENT)
    found = pd.concat(
        [to_pandas(_repeated_rows(bucket, columns)) for bucket in customer_buckets(lf, n)],
        ignore_index=True,
    )
    extra = int((found["_n"] - 1).sum())
    if extra:
        ids = found["customer_id"].drop_duplicates().sort_values().head(5).tolist()
        probs.errors.append(messages.duplicate_events(_TABLE, extra, ids))
