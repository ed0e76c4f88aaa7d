"""The encoded layout of an event log that stays in its engine (DuckDB, Spark, polars).

:func:`encode_in_engine` gives the same :class:`~cxlab.sequences.EventSequences` as
:func:`~cxlab.sequences.encode_events` gives for the study in memory, without reading the
events into pandas. Written once on narwhals (:mod:`cxlab.engines`), it runs inside the
engine:

1. each event gets its position in the customer's journey: a running count over the
   customer's events ordered by time and, at equal times, by catalog stage order (the
   order :func:`cxlab.load` sorts events in);
2. the event's state (and the ``extra`` columns') becomes one digit ``1 .. B-1``, and
   each run of ``D`` consecutive positions is packed into one int64 word
   ``sum(digit * B**i)`` by one grouping on (customer, position // D).

Only the words come back (about one per customer for journeys of a dozen events, 8-20
states a word); numpy unpacks them into the CSR layout. Timestamps do not come back: waiting times are
measured in a pass of their own (:mod:`cxlab.journeys._waits`), sessions run in memory.

States are the catalog's for ``stage`` and ``channel``; another text column (e.g.
``touchpoint``) takes its distinct values, sorted, as pandas orders a text column's
categories (see :func:`engine_states`).

At equal time *and* stage the engine orders events by the state's code; a study read
in memory keeps the order of the rows in the file there. Only sequences of another
column than ``stage`` (e.g. channels) can differ, and only for such ties.
"""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab.data import _messages as messages
from cxlab.data._catalog import UNKNOWN_CHANNEL
from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.engines._frames import as_nanoseconds, to_pandas
from cxlab.engines._output import collect_buckets
from cxlab.exceptions import InMemoryOnlyError, UnknownCategoryError
from cxlab.sequences._layout import EventSequences

__all__ = ["encode_in_engine", "engine_states", "state_code"]

_MAX_WORD = 2**62  # B**D stays below this, so a word's sum never overflows an int64


#: At most this many states of a column other than stage and channel (each is one branch
#: of the engine's CASE; engines cap how deep an expression may nest).
MAX_STATES = 256


def engine_states(column: str, catalog, lf: nw.LazyFrame | None = None) -> tuple:
    """The states of ``column`` in a study in an engine (as :func:`cxlab.load` types them).

    Parameters
    ----------
    column : str
        ``"stage"`` and ``"channel"`` take the catalog's; another text column (e.g.
        ``"touchpoint"``) takes its distinct values in ``lf``, sorted (as pandas orders the
        categories of a text column).
    catalog : StageCatalog
    lf : narwhals LazyFrame, optional
        The events, to read the values of another column from (one grouping).

    Returns
    -------
    tuple of str

    Raises
    ------
    UnknownCategoryError
        ``column`` is missing in some events (counted, with example ids).
    InMemoryOnlyError
        ``column`` is not text, has more than :data:`MAX_STATES` values, or no ``lf``.
    """
    if column == "stage":
        return tuple(catalog.stages)
    if column == "channel":
        return (*catalog.channels, UNKNOWN_CHANNEL)
    fix = (
        "Fix: read the study into pandas first with study.to_memory() (it must fit in "
        "memory), or use column='stage' or 'channel'"
    )
    dtype = None if lf is None else lf.collect_schema().get(column)
    if dtype is None or not (dtype == nw.String or dtype == nw.Categorical):
        raise InMemoryOnlyError(
            f"journeys of {column!r} need the events in memory (inside an engine: 'stage', "
            f"'channel' or a text column; {column!r} is {dtype}). {fix}"
        )
    counts = to_pandas(lf.group_by(column).agg(nw.len().alias("_n")))
    values = counts[column]
    missing = int(counts.loc[values.isna(), "_n"].sum())
    if missing:
        ids = lf.filter(nw.col(column).is_null()).select("customer_id").head(5)
        raise UnknownCategoryError(
            f"{column} is missing",
            table="events",
            column=column,
            n_rows=missing,
            example_ids=to_pandas(ids)["customer_id"].tolist(),
            fix="fill in the state of every event or remove those rows",
        )
    if len(values) > MAX_STATES:
        raise InMemoryOnlyError(
            f"journeys of {column!r} need the events in memory: it has {len(values):,} "
            f"values, and an engine takes at most {MAX_STATES}. {fix}"
        )
    return tuple(sorted(str(v) for v in values))


def state_code(column: str, states) -> nw.Expr:
    """0-based code of ``column``'s value among ``states`` (a chain of comparisons)."""
    return _lookup(nw.col(column).cast(nw.String), states, range(len(states)))


def _lookup(key: nw.Expr, keys, values) -> nw.Expr:
    """``values[i]`` where ``key == keys[i]``, null elsewhere (nested when/then, any engine)."""
    keys, values = list(keys), list(values)
    expr = nw.when(key == keys[-1]).then(nw.lit(values[-1], dtype=nw.Int64))
    for k, v in zip(keys[-2::-1], values[-2::-1], strict=True):
        expr = nw.when(key == k).then(nw.lit(v, dtype=nw.Int64)).otherwise(expr)
    return expr


def _digits_per_word(base: int) -> int:
    d = 1
    while base ** (d + 1) <= _MAX_WORD:
        d += 1
    return d


def encode_in_engine(lf: nw.LazyFrame, column: str, catalog, *, extra=(), spans: bool = False):
    """``column`` sequences of every customer of an engine's event table.

    Parameters
    ----------
    lf : narwhals LazyFrame
        The events (``customer_id``, ``timestamp``, ``stage`` and ``column``).
    column : {"stage", "channel"}
        The state column.
    catalog : StageCatalog
        Stages (their order breaks ties in time) and channels.
    extra : sequence of {"stage", "channel"}, default=()
        Columns carried along in ``seq.extra``.
    spans : bool, default=False
        Also return each customer's first and last event time.

    Returns
    -------
    EventSequences
        Customers sorted by ``customer_id``; ``timestamps`` is None; ``n_ties`` counts
        events at the same time as the customer's previous event.
    first, last : ndarray of int64
        With ``spans=True``: nanoseconds since the epoch of each customer's first and
        last event.

    Raises
    ------
    MissingColumnError
        ``column`` is not in the events.
    InMemoryOnlyError
        ``column`` is neither ``stage`` nor ``channel`` (read the study into memory).
    """
    names = lf.collect_schema().names()
    cols = [column, *[c for c in extra if c != column]]
    missing = [col for col in cols if col not in names]
    if missing:
        raise messages.missing_columns("events", missing, names)
    states = [engine_states(col, catalog, lf) for col in cols]
    sizes = [len(s) for s in states]
    base = int(np.prod(sizes)) + 1
    D = _digits_per_word(base)
    digit = nw.lit(1, dtype=nw.Int64)
    for col, names_, size in zip(cols, states, sizes, strict=True):
        digit = (digit - 1) * size + state_code(col, names_) + 1
    t = nw.col("timestamp")
    order = ["timestamp", "_rank", "_digit"]
    power = _lookup(nw.col("_pos") % D, range(D), [base**k for k in range(D)])

    def words(part):  # one row per customer and word of D events
        return (
            part.select(
                "customer_id",
                "timestamp",
                state_code("stage", catalog.stages).alias("_rank"),
                digit.alias("_digit"),
            )
            .with_columns(
                _pos=t.cum_count().over("customer_id", order_by=order) - 1,
                _tie=nw.when(t == t.shift(1).over("customer_id", order_by=order))
                .then(nw.lit(1, dtype=nw.Int64))
                .otherwise(nw.lit(0, dtype=nw.Int64)),
            )
            .with_columns(_word=nw.col("_pos") // D, _value=nw.col("_digit") * power)
            .group_by("customer_id", "_word")
            .agg(
                nw.col("_value").sum().cast(nw.Int64),
                nw.len().alias("_n"),
                nw.col("_tie").sum().cast(nw.Int64),
                *([t.min().alias("_first"), t.max().alias("_last")] if spans else []),
            )
        )

    # the window orders each customer's events: on DuckDB one bucket of customers at a time
    table = collect_buckets(words(part) for part in customer_buckets(lf, bucket_count(lf)))
    cust, ids = pd.factorize(table["customer_id"], sort=True)
    row = np.lexsort((table["_word"].to_numpy(np.int64), cust))
    value = table["_value"].to_numpy(np.int64)[row]
    n = table["_n"].to_numpy(np.int64)[row]
    starts = np.zeros(len(n) + 1, dtype=np.int64)
    np.cumsum(n, out=starts[1:])
    place = np.arange(starts[-1], dtype=np.int64) - np.repeat(starts[:-1], n)
    powers = base ** np.arange(D, dtype=np.int64)
    combo = (np.repeat(value, n) // powers[place]) % base - 1
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(
        np.bincount(cust, weights=table["_n"].to_numpy(np.int64), minlength=len(ids)),
        out=offsets[1:],
    )
    codes = []
    for size in reversed(sizes):  # the last column is the lowest digit
        codes.append(combo % size)
        combo = combo // size
    codes = codes[::-1]
    out = []
    for col, names_, c in zip(cols, states, codes, strict=True):
        if col == "channel" and not np.any(c == len(names_) - 1):
            names_ = names_[:-1]  # no unknown channel in the data: as the loader types it
        out.append((c.astype(np.int16 if len(names_) < 2**15 else np.int32), tuple(names_)))
    seq = EventSequences(
        states=out[0][1],
        codes=out[0][0],
        offsets=offsets,
        customers=np.asarray(ids),
        extra={col: pair for col, pair in zip(cols[1:], out[1:], strict=True)},
        n_ties=int(table["_tie"].sum()),
    )
    if not spans:
        return seq
    heads = np.flatnonzero(np.r_[True, cust[row][1:] != cust[row][:-1]])
    first = np.minimum.reduceat(as_nanoseconds(table["_first"])[row], heads)
    last = np.maximum.reduceat(as_nanoseconds(table["_last"])[row], heads)
    return seq, first, last
