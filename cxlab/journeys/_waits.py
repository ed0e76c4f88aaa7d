"""The waits under :func:`~cxlab.time_between_stages`: from each event to the customer's next.

A wait is measured between two consecutive events of one customer, ordered by time and,
at equal times, by catalog stage order (the order :func:`cxlab.load` sorts a study in);
with ``collapse`` a run of events in the same state is one visit, entered at its first
event. Each wait keeps the state it was after (``origin``), the next state (``target``),
the channel of the event it was after, and its length in nanoseconds.

:func:`waits_in_memory` reads them off the encoded sequences of a study in pandas;
:func:`waits_in_engine` measures them inside the engine that holds a lazy study (DuckDB,
Spark, polars), written once on narwhals (:mod:`cxlab.engines`): a ``shift`` over each
customer's ordered events, run on one bucket of customers at a time on DuckDB
(:mod:`cxlab.engines._buckets`). Only the waits come back, as narrow integer columns
through Arrow (about 14 bytes a wait); the statistics are computed from them by the same
code as in memory.

Where the two can differ: at equal time *and* stage an engine orders events by the state's
code (then the channel's), a study in memory keeps the order of its rows. It matters only
for such ties, and only when the tied events differ in ``column`` or, with
``channel=True``, in channel. Engines keep time to the microsecond (cxlab's studies are in
whole seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import narwhals as nw
import numpy as np

from cxlab.data import _messages as messages
from cxlab.data._catalog import UNKNOWN_CHANNEL
from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.engines._frames import microseconds_between, to_pandas
from cxlab.exceptions import DataError
from cxlab.journeys._base import check_states, encode
from cxlab.sequences import collapse_runs
from cxlab.sequences._engine import _code, engine_states

__all__ = ["Waits", "waits_in_memory", "waits_in_engine"]


@dataclass(frozen=True)
class Waits:
    """The waits of a study, one entry per wait, with what the summary needs.

    Attributes
    ----------
    states : tuple of str
        Names of the codes in ``origin`` and ``target``.
    channels : tuple of str or None
        Names of the codes in ``channel`` (None when not asked for).
    origin, target : ndarray of int
        State of the event waited after, and of the next event (``target`` is None
        when not asked for).
    channel : ndarray of int or None
        Channel of the event waited after (of the run's first event with ``collapse``).
    ns : ndarray of int64
        The waits, in nanoseconds.
    customers : ndarray or None
        Every customer with events, in order (None when not asked for).
    unit : ndarray of int64 or None
        Position in ``customers`` of each wait's customer.
    n_customers : int
        Customers with events.
    n_single : int
        Customers with one event (one visit with ``collapse``): no wait.
    """

    states: tuple
    channels: tuple | None
    origin: np.ndarray
    target: np.ndarray | None
    channel: np.ndarray | None
    ns: np.ndarray
    customers: np.ndarray | None
    unit: np.ndarray | None
    n_customers: int
    n_single: int


def _no_waits(n_events: int, example_ids) -> DataError:
    return DataError(
        "no customer has two events, so there is no time between stages to measure",
        table="events",
        n_rows=n_events,
        example_ids=list(example_ids),
        fix="check the filters; waiting times need at least two events per customer",
    )


def waits_in_memory(events, column: str, *, collapse: bool, channel: bool, states) -> Waits:
    """The waits of an event table in pandas (see the module's description).

    Parameters
    ----------
    events : DataFrame
        The events.
    column : str
        The state column.
    collapse : bool
        One wait per visit (a run of events in the same state).
    channel : bool
        Also the channel of each event waited after.
    states : list of str or None
        Keep only waits from and to these states.

    Returns
    -------
    Waits

    Raises
    ------
    DataError
        No customer has two events (two visits with ``collapse``).
    UnknownCategoryError
        ``states`` names a state the data does not know.
    """
    extra = ("channel",) if channel and column != "channel" else ()
    seq = encode(events, column, extra=extra)
    n_customers = seq.n_customers
    if collapse:
        seq = collapse_runs(seq)
    n = len(seq.codes)
    unit = seq.customer_index()
    within = np.zeros(max(n - 1, 0), dtype=bool)
    if n > 1:
        within = unit[1:] == unit[:-1]
    if not within.any():
        raise _no_waits(n, seq.customers[:5].tolist())
    if states is not None:
        lut = np.zeros(len(seq.states), dtype=bool)
        lut[check_states(states, seq.states, "states", column)] = True
        within &= lut[seq.codes[:-1]] & lut[seq.codes[1:]]
    t = seq.timestamps.view(np.int64)
    ch_codes, ch_names = None, None
    if channel:
        ch_codes, ch_names = (
            (seq.codes, seq.states) if column == "channel" else seq.extra["channel"]
        )
        ch_codes = ch_codes[:-1][within]
    return Waits(
        states=tuple(seq.states),
        channels=None if ch_names is None else tuple(ch_names),
        origin=seq.codes[:-1][within],
        target=seq.codes[1:][within],
        channel=ch_codes,
        ns=t[1:][within] - t[:-1][within],
        customers=seq.customers,
        unit=unit[:-1][within],
        n_customers=n_customers,
        n_single=int((np.diff(seq.offsets) == 1).sum()),
    )


def _channel_names(catalog) -> list:
    """The channels an engine's study can have; the unknown channel last if not in the catalog."""
    names = list(engine_states("channel", catalog))
    return names[:-1] if UNKNOWN_CHANNEL in catalog.channels else names


def _state_names(column: str, catalog) -> list:
    return _channel_names(catalog) if column == "channel" else list(engine_states(column, catalog))


def _coded(lf: nw.LazyFrame, column: str, catalog, channel: bool) -> tuple:
    """The events with their codes, and the columns that order a customer's events.

    ``_r``: stage order; ``_s``: the state; ``_c``: the channel (when asked for and not the
    state). Ordered by time, stage order, state, channel: the order of
    :func:`~cxlab.sequences._engine.encode_in_engine`.
    """
    codes = {"_r": _code("stage", catalog.stages)}
    if column != "stage":
        codes["_s"] = _code(column, _state_names(column, catalog))
    if channel and column != "channel":
        codes["_c"] = _code("channel", _channel_names(catalog))
    frame = lf.select("customer_id", "timestamp", **codes)
    return frame, ["timestamp", *codes]


def _state(column: str) -> nw.Expr:
    return nw.col("_r" if column == "stage" else "_s")


def _channel(column: str) -> nw.Expr:
    return nw.col("_s" if column == "channel" else "_c")


def _customer_counts(lf, column, catalog, *, collapse, channel, ids) -> dict:
    """One bucket: customers with events, those with one (visit), whether any channel is unknown.

    With ``ids`` the customers' ids come back too (one row per customer).
    """
    frame, _ = _coded(lf, column, catalog, channel)
    s = _state(column)
    aggs = [nw.len().alias("_n")]
    if collapse:
        aggs += [s.min().alias("_lo"), s.max().alias("_hi")]
    unknown = None
    if (channel or column == "channel") and UNKNOWN_CHANNEL not in catalog.channels:
        unknown = _channel(column) == len(_channel_names(catalog)) - 1
        frame = frame.with_columns(_u=nw.when(unknown).then(1).otherwise(0))
        aggs.append(nw.col("_u").max().alias("_unk"))
    per = frame.group_by("customer_id").agg(*aggs)
    single = (nw.col("_lo") == nw.col("_hi")) if collapse else (nw.col("_n") == 1)
    per = per.with_columns(_single=nw.when(single).then(1).otherwise(0))
    if ids:
        table = to_pandas(per)
        return {
            "ids": table["customer_id"].to_numpy(),
            "n": len(table),
            "single": int(table["_single"].sum()),
            "unknown": bool(unknown is not None and len(table) and table["_unk"].max() > 0),
        }
    row = to_pandas(
        per.select(
            nw.len().alias("n"),
            nw.col("_single").sum().alias("single"),
            *([nw.col("_unk").max().alias("unknown")] if unknown is not None else []),
        )
    ).iloc[0]
    n = int(row["n"])
    return {
        "ids": None,
        "n": n,
        "single": int(row["single"]) if n else 0,
        "unknown": bool(unknown is not None and n and row["unknown"] > 0),
    }


def _bucket_waits(lf, column, catalog, *, collapse, pairs, channel, keep, ids) -> dict:
    """One bucket: each wait's codes and length in microseconds (and customer), as numpy."""
    frame, order = _coded(lf, column, catalog, channel)
    s, t = _state(column), nw.col("timestamp")

    def over(expr):  # the customer's events in the study's order
        return expr.over("customer_id", order_by=order)

    if collapse:  # the first event of each run of one state
        frame = frame.with_columns(_p=over(s.shift(1)))
        frame = frame.filter(nw.col("_p").is_null() | (s != nw.col("_p"))).drop("_p")
    prev = {"_from": over(s.shift(1)), "_tp": over(t.shift(1))}
    if channel:
        prev["_ch"] = over(_channel(column).shift(1))
    frame = frame.with_columns(**prev).filter(~nw.col("_from").is_null())
    if keep is not None:
        frame = frame.filter(nw.col("_from").is_in(keep) & s.is_in(keep))
    small = nw.Int16
    out = {
        "_from": nw.col("_from").cast(small),
        "_us": microseconds_between(frame, "timestamp", "_tp"),
    }
    if pairs:
        out["_to"] = s.cast(small)
    if channel:
        out["_ch"] = nw.col("_ch").cast(small)
    table = frame.select(*(["customer_id"] if ids else []), **out).collect(backend="pyarrow")
    table = table.to_native()
    return {name: table.column(name).to_numpy() for name in table.column_names}


def waits_in_engine(
    lf: nw.LazyFrame,
    column: str,
    catalog,
    *,
    collapse: bool,
    pairs: bool,
    channel: bool,
    states,
    customers: bool,
) -> Waits:
    """The waits of a lazy study's events, measured inside its engine.

    Parameters
    ----------
    lf : narwhals LazyFrame
        The events (``customer_id``, ``timestamp``, ``stage``, ``column``, and ``channel``
        with ``channel=True``).
    column : {"stage", "channel"}
        The state column.
    catalog : StageCatalog
        Stages (their order breaks ties in time) and channels.
    collapse : bool
        One wait per visit (a run of events in the same state).
    pairs : bool
        Also the state after each wait (``target``).
    channel : bool
        Also the channel of each event waited after.
    states : list of str or None
        Keep only waits from and to these states (filtered in the engine).
    customers : bool
        Also every customer's id and each wait's customer (for groups).

    Returns
    -------
    Waits
        As :func:`waits_in_memory` gives for the study in memory.

    Raises
    ------
    MissingColumnError
        A needed column is missing.
    InMemoryOnlyError
        ``column`` is neither ``stage`` nor ``channel``.
    DataError
        No customer has two events (two visits with ``collapse``).
    UnknownCategoryError
        ``states`` names a state the study does not know.
    """
    names = lf.collect_schema().names()
    needed = ["customer_id", "timestamp", "stage", column, *(["channel"] if channel else [])]
    missing = [c for c in dict.fromkeys(needed) if c not in names]
    if missing:
        raise messages.missing_columns("events", missing, names)
    state_names = _state_names(column, catalog)
    parts = customer_buckets(lf, bucket_count(lf))
    opts = {"collapse": collapse, "channel": channel}
    counted = [_customer_counts(p, column, catalog, ids=customers, **opts) for p in parts]
    n_customers = sum(c["n"] for c in counted)
    n_single = sum(c["single"] for c in counted)
    if n_single == n_customers:
        first = lf.select("customer_id").unique().sort("customer_id").head(5)
        raise _no_waits(n_customers, to_pandas(first)["customer_id"].tolist())
    unknown = any(c["unknown"] for c in counted)
    ch_names = _channel_names(catalog) if channel else None
    if UNKNOWN_CHANNEL not in catalog.channels and not unknown:  # as the loader types them
        if column == "channel":
            state_names = state_names[:-1]
        if ch_names is not None:
            ch_names = ch_names[:-1]
    if column == "channel" and channel:
        ch_names = state_names
    keep = None if states is None else check_states(states, state_names, "states", column)
    rows = [
        _bucket_waits(p, column, catalog, pairs=pairs, keep=keep, ids=customers, **opts)
        for p in parts
    ]

    def joined(name):
        if name not in rows[0]:
            return None
        return np.concatenate([r.pop(name) for r in rows]) if len(rows) > 1 else rows[0][name]

    ns = joined("_us").astype(np.int64, copy=False) * 1000
    ids, unit = None, None
    if customers:
        ids = np.sort(np.concatenate([c["ids"] for c in counted]))
        unit = np.searchsorted(ids, joined("customer_id")).astype(np.int64)
    return Waits(
        states=tuple(state_names),
        channels=None if ch_names is None else tuple(ch_names),
        origin=joined("_from"),
        target=joined("_to"),
        channel=joined("_ch"),
        ns=ns,
        customers=ids,
        unit=unit,
        n_customers=n_customers,
        n_single=n_single,
    )
