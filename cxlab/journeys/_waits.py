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
from cxlab.sequences._engine import engine_states, state_code

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


def _state_names(column: str, catalog, lf: nw.LazyFrame) -> list:
    if column == "channel":
        return _channel_names(catalog)
    return list(engine_states(column, catalog, lf))


def _coded(lf: nw.LazyFrame, column: str, state_names, catalog, channel: bool) -> tuple:
    """The events with their codes, and the columns that order a customer's events.

    ``_r``: stage order; ``_s``: the state; ``_c``: the channel (when asked for and not the
    state). Ordered by time, stage order, state, channel: the order of
    :func:`~cxlab.sequences._engine.encode_in_engine`.
    """
    codes = {"_r": state_code("stage", catalog.stages)}
    if column != "stage":
        codes["_s"] = state_code(column, state_names)
    if channel and column != "channel":
        codes["_c"] = state_code("channel", _channel_names(catalog))
    frame = lf.select("customer_id", "timestamp", **codes)
    return frame, ["timestamp", *codes]


def _state(column: str) -> nw.Expr:
    return nw.col("_r" if column == "stage" else "_s")


def _channel(column: str) -> nw.Expr:
    return nw.col("_s" if column == "channel" else "_c")


def _unknown_channel_seen(lf: nw.LazyFrame) -> bool:
    """Whether any event has the unknown channel (one pass over the channel column)."""
    unknown = nw.when(nw.col("channel") == UNKNOWN_CHANNEL).then(1).otherwise(0)
    row = to_pandas(lf.select(unknown.alias("_u")).select(nw.col("_u").max()))
    return bool(len(row) and row.iloc[0, 0] == 1)


def _bucket_waits(lf, column, states, catalog, *, collapse, pairs, channel, keep, ids) -> dict:
    """One bucket: a row per wait and a head row per customer, as numpy arrays.

    A wait row has the codes (``_from``, ``_to``, ``_ch``) and the wait in microseconds
    (``_us``); the head row of a customer (their first event, or visit) has ``_from`` -1
    and in ``_us`` 1 if the customer has no next event (one visit with ``collapse``), else
    0. The heads count the customers and their ids whatever ``keep`` leaves of the waits.
    """
    frame, order = _coded(lf, column, states, catalog, channel)
    s, t = _state(column), nw.col("timestamp")

    def over(expr):  # the customer's events in the study's order
        return expr.over("customer_id", order_by=order)

    if collapse:  # the first event of each run of one state
        frame = frame.with_columns(_p=over(s.shift(1)))
        frame = frame.filter(nw.col("_p").is_null() | (s != nw.col("_p"))).drop("_p")
    window = {"_from": over(s.shift(1)), "_tp": over(t.shift(1)), "_tn": over(t.shift(-1))}
    if channel:
        window["_ch"] = over(_channel(column).shift(1))
    frame = frame.with_columns(**window)
    head = nw.col("_from").is_null()
    if keep is not None:
        frame = frame.filter(head | (nw.col("_from").is_in(keep) & s.is_in(keep)))
    lone = nw.when(nw.col("_tn").is_null()).then(1).otherwise(0)
    wait = microseconds_between(frame, "timestamp", "_tp")
    small = nw.Int16
    out = {
        "_from": nw.col("_from").fill_null(-1).cast(small),
        "_us": nw.when(head).then(lone).otherwise(wait).cast(nw.Int64),
    }
    if pairs:
        out["_to"] = s.cast(small)
    if channel:
        out["_ch"] = nw.col("_ch").fill_null(-1).cast(small)
    table = frame.select(*(["customer_id"] if ids else []), **out).collect(backend="pyarrow")
    table = table.to_native()
    return {name: table.column(name).to_numpy() for name in table.column_names}


def _split_heads(rows: dict) -> dict:
    """A bucket's waits, its customers, and how many of them have no wait."""
    head = rows["_from"] < 0
    wait = ~head
    out = {name: values[wait] for name, values in rows.items()}
    out["n"] = int(np.count_nonzero(head))
    out["single"] = int(rows["_us"][head].sum())
    if "customer_id" in rows:
        out["ids"] = rows["customer_id"][head]
    return out


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

    One pass per bucket of customers: a ``shift`` over each customer's ordered events
    (after a first one that keeps the first event of each run, with ``collapse``).

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
    UnknownCategoryError
        ``states`` names a state the study does not know (checked before the events
        are read: a study with both faults gets this error, in memory the next one).
    DataError
        No customer has two events (two visits with ``collapse``).
    """
    names = lf.collect_schema().names()
    needed = ["customer_id", "timestamp", "stage", column, *(["channel"] if channel else [])]
    missing = [c for c in dict.fromkeys(needed) if c not in names]
    if missing:
        raise messages.missing_columns("events", missing, names)
    state_names = _state_names(column, catalog, lf)
    ch_names = _channel_names(catalog) if channel else None
    if (channel or column == "channel") and UNKNOWN_CHANNEL not in catalog.channels:
        if not _unknown_channel_seen(lf):  # as the loader types the channels
            state_names = state_names[:-1] if column == "channel" else state_names
            ch_names = ch_names[:-1] if ch_names is not None else None
    keep = None if states is None else check_states(states, state_names, "states", column)
    parts = customer_buckets(lf, bucket_count(lf), needed)
    opts = {"collapse": collapse, "pairs": pairs, "channel": channel, "keep": keep}
    rows = [
        _split_heads(_bucket_waits(p, column, state_names, catalog, ids=customers, **opts))
        for p in parts
    ]
    n_customers = sum(r["n"] for r in rows)
    n_single = sum(r["single"] for r in rows)
    if n_single == n_customers:
        first = lf.select("customer_id").unique().sort("customer_id").head(5)
        raise _no_waits(n_customers, to_pandas(first)["customer_id"].tolist())

    def joined(name):
        if name not in rows[0]:
            return None
        return np.concatenate([r.pop(name) for r in rows]) if len(rows) > 1 else rows[0][name]

    ns = joined("_us").astype(np.int64, copy=False)
    ns *= 1000
    ids, unit = None, None
    if customers:
        ids = np.sort(joined("ids"))
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
