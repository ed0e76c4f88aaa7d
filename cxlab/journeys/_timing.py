"""Where customers lose time and where they leave: waiting times and drop-off points.

- :func:`time_between_stages`: the time from each event to the customer's next
  event, by (from, to) stage pair, optionally by the channel of the event they
  waited after and by a customer group. With ``collapse=True`` a run of
  repeated events counts as one visit, so the time is the *stay* in a stage:
  from entering it to entering the next one.
- :func:`drop_off`: for journeys that never reach the outcome (a purchase by
  default), the stage (and channel) of their last event: where they left.
  ``exit_rate`` = of the journeys that got to a point before the outcome, the
  share that ended there.

Times are in days. Every median has a distribution-free order-statistic
interval, every mean a t interval, every share a Wilson interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._stats import wilson
from cxlab.journeys._base import (
    NS_PER_DAY,
    JourneyResult,
    check_confidence,
    check_states,
    customer_groups,
    distinct_per_key,
    encode,
    event_table,
    grouped_quantiles,
    lazy_study_of,
    parse_gap,
)
from cxlab.journeys._plots import plot_drop_off, plot_waits
from cxlab.journeys._waits import waits_in_engine, waits_in_memory
from cxlab.sequences import keep_events
from cxlab.sequences._engine import encode_in_engine

__all__ = ["TimeBetweenResult", "DropOffResult", "time_between_stages", "drop_off"]

_NEVER = np.iinfo(np.int64).max


class TimeBetweenResult(JourneyResult):
    """Result of :func:`time_between_stages`.

    ``table`` has one row per (group, from, to, channel) with ``n`` (waits
    measured), ``mean_days`` with its t interval, ``q25_days``, ``median_days``
    with its order-statistic interval, and ``q75_days``.
    """

    name = "time_between_stages"
    display_columns = ("from", "to", "channel", "n", "median_days", "q25_days", "q75_days")

    _figure = staticmethod(plot_waits)


def time_between_stages(
    data,
    *,
    column: str = "stage",
    collapse: bool = False,
    pairs: bool = True,
    channel: bool = False,
    by=None,
    states=None,
    min_n: int = 1,
    confidence: float = 0.95,
) -> TimeBetweenResult:
    """How long customers wait between one event and their next, by stage (pair) and channel.

    On a lazy study (DuckDB, Spark, polars) the waits are measured inside the engine
    (one ``shift`` over each customer's ordered events, on DuckDB one bucket of customers
    at a time) and only they come back; the quartiles and intervals are computed from
    them as in memory, so the table is the same.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
    column : str, default="stage"
        The states the waits are between (``"stage"``; ``"channel"`` also works; on a
        lazy study only these two).
    collapse : bool, default=False
        Treat a run of events in the same state as one visit: the wait is then
        the time from entering a state to entering the next one.
    pairs : bool, default=True
        One row per (from, to) pair; False pools the next states: the time from
        an event in ``from`` to whatever comes next (``to`` is ``"(any)"``).
    channel : bool, default=False
        Also split by the channel of the event waited after (with ``collapse``,
        the channel of the first event of the run).
    by : str, Series or None, default=None
        Customer groups (a customers column, or a Series customer_id -> group).
    states : list of str or None, default=None
        Keep only waits from and to these states (e.g. the buyer's journey);
        None keeps all.
    min_n : int, default=1
        Drop rows with fewer waits.
    confidence : float, default=0.95

    Returns
    -------
    TimeBetweenResult

    Raises
    ------
    DataError
        No customer has two events (there is no wait to measure).
    UnknownCategoryError
        ``states`` names a state the data does not know.
    InMemoryOnlyError
        A lazy study and a ``column`` other than ``stage`` or ``channel``.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=0)
    >>> w = cxlab.time_between_stages(data, pairs=False)
    >>> w.summary().set_index("from").loc["awareness", "n"] > 0
    np.True_
    """
    confidence = check_confidence(confidence)
    by = None if isinstance(by, str) and by == "" else by
    study = lazy_study_of(data)
    if study is not None:  # the waits measured in the engine; the statistics here
        customers = study.customers
        w = waits_in_engine(
            study.frame,
            column,
            study.catalog,
            collapse=collapse,
            pairs=pairs,
            channel=channel,
            states=states,
            customers=by is not None,
        )
    else:
        events, customers, _ = event_table(data, "cxlab.time_between_stages")
        w = waits_in_memory(events, column, collapse=collapse, channel=channel, states=states)
    wait_ns = w.ns
    S = len(w.states)
    key, dims, names = w.origin.astype(np.int64), [S], ["from"]
    labels = [list(map(str, w.states))]
    if pairs:  # the key built in place: one int64 a wait
        key *= S
        key += w.target
        dims, names = dims + [S], names + ["to"]
        labels.append(list(map(str, w.states)))
    if channel:
        C = len(w.channels)
        key *= C
        key += w.channel
        dims, names = dims + [C], names + ["channel"]
        labels.append(list(map(str, w.channels)))
    if by is not None:
        group, glabels, gname = customer_groups(by, customers, w.customers)
        G = len(glabels)
        key += group[w.unit] * int(np.prod(dims))
        dims, names, labels = [G, *dims], [gname, *names], [glabels, *labels]
    n_keys = int(np.prod(dims))
    q = grouped_quantiles(key, wait_ns, n_keys, confidence, scale=1 / NS_PER_DAY)
    idx = np.unravel_index(np.arange(n_keys), dims)
    table = pd.DataFrame(
        {nm: np.asarray(lb, dtype=object)[i] for nm, lb, i in zip(names, labels, idx)}
    )
    if not pairs:
        table.insert(names.index("from") + 1, "to", "(any)")
    table["n"] = q["n"].to_numpy()
    for src, dst in [
        ("mean", "mean_days"),
        ("mean_ci_low", "mean_ci_low"),
        ("mean_ci_high", "mean_ci_high"),
        ("q25", "q25_days"),
        ("median", "median_days"),
        ("median_ci_low", "median_ci_low"),
        ("median_ci_high", "median_ci_high"),
        ("q75", "q75_days"),
    ]:
        table[dst] = q[src].to_numpy()
    table = table[table["n"] >= max(int(min_n), 1)].reset_index(drop=True)
    single, n_cust = w.n_single, w.n_customers
    notes = [
        f"days from an event to the customer's next event{' (runs collapsed)' if collapse else ''}; "
        f"{len(wait_ns):,} waits from {n_cust:,} customers.",
        f"median interval: distribution-free order statistics (NaN below 6 waits at 95%); "
        f"mean interval: t ({confidence:.0%}); waiting times are skewed, so read the median.",
        "the last event of each customer has no next event: a customer who left is not a wait "
        "(see drop_off for where they left).",
    ]
    if single:
        notes.append(f"{single:,} customers have a single event and contribute no wait.")
    return TimeBetweenResult(
        table,
        notes=notes,
        params={
            "column": column,
            "collapse": collapse,
            "pairs": pairs,
            "channel": channel,
            "states": states,
            "confidence": confidence,
        },
    )


class DropOffResult(JourneyResult):
    """Result of :func:`drop_off`.

    ``table`` has one row per exit point (stage, and channel if asked; per
    group): ``reached`` (journeys with an event there before any outcome),
    ``exits`` (non-converting journeys whose last event is there),
    ``exit_rate`` = exits / reached, ``share_of_exits`` = exits / all exits and
    ``share_of_journeys`` = exits / all journeys, each with a Wilson interval;
    ``median_days_before_exit``: days from the journey's first event to its last.
    """

    name = "drop_off"
    display_columns = (
        "stage",
        "channel",
        "reached",
        "exits",
        "exit_rate",
        "share_of_exits",
        "median_days_before_exit",
    )

    _figure = staticmethod(plot_drop_off)


def drop_off(
    data,
    *,
    outcome: str | None = "auto",
    column: str = "stage",
    channel: bool = False,
    by=None,
    inactive=None,
    confidence: float = 0.95,
) -> DropOffResult:
    """Where journeys that do not reach the outcome end.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
    outcome : str or None, default="auto"
        Stage that marks success ("auto": the catalog's purchase stage); journeys that reach it are not drop-offs and
        only their events before it count. None: every journey's last event
        (e.g. exits from the whole lifecycle).
    column : str, default="stage"
        Exit points by stage, or by ``"channel"``.
    channel : bool, default=False
        With ``column="stage"``: exit points by (stage, channel of the last event).
    by : str, Series or None, default=None
        Customer groups.
    inactive : duration or None, default=None
        A journey counts as dropped only if its last event is at least this long
        before the end of the data (e.g. ``"30D"``); more recent ones are
        *still open* (counted in the notes, left out of the exits). None: every
        non-converting journey is a drop-off.
    confidence : float, default=0.95

    Returns
    -------
    DropOffResult

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=0)
    >>> d = cxlab.drop_off(data)
    >>> d.summary()["stage"].tolist()
    ['awareness', 'consideration']
    """
    confidence = check_confidence(confidence)
    by = None if isinstance(by, str) and by == "" else by
    study = lazy_study_of(data)
    catalog = study.catalog if study is not None else event_table(data)[2]
    if outcome == "auto":
        outcome = catalog.purchase_stage
    inact = parse_gap(inactive)
    need = []
    if outcome is not None and column != "stage":
        need.append("stage")
    if channel and column != "channel":
        need.append("channel")
    if study is not None:  # the sequences and each journey's first and last time
        customers = study.customers
        seq, t_first, t_last = encode_in_engine(
            study.frame, column, catalog, extra=tuple(need), spans=True
        )
    else:
        events, customers, _ = event_table(data)
        seq = encode(events, column, extra=tuple(need))
        ts = seq.timestamps.view(np.int64)
        t_first, t_last = ts[seq.offsets[:-1]], ts[seq.offsets[1:] - 1]
    n_units = seq.n_customers
    unit = seq.customer_index()
    t_end = int(t_last.max())
    converted = np.zeros(n_units, dtype=bool)
    if outcome is not None:
        st_codes, st_names = (seq.codes, seq.states) if column == "stage" else seq.extra["stage"]
        oc = check_states([outcome], st_names, "outcome")[0]
        idx = np.flatnonzero(st_codes == oc)
        first_out = np.full(n_units, _NEVER, dtype=np.int64)
        if len(idx):
            u = unit[idx]
            first = np.r_[True, u[1:] != u[:-1]]
            first_out[u[first]] = idx[first]
        converted = first_out != _NEVER
        seq = keep_events(seq, np.arange(len(seq.codes)) < first_out[unit])
        unit = seq.customer_index()
    lengths = np.diff(seq.offsets)
    S = len(seq.states)
    key, dims, names, labels = (
        seq.codes.astype(np.int64),
        [S],
        [column],
        [list(map(str, seq.states))],
    )
    if channel and column != "channel":
        ch, ch_names = seq.extra["channel"]
        key = key * len(ch_names) + ch
        dims, names = dims + [len(ch_names)], names + ["channel"]
        labels.append(list(map(str, ch_names)))
    group, glabels, gname = customer_groups(by, customers, seq.customers)
    G = len(glabels)
    P = int(np.prod(dims))
    key = group[unit] * P + key
    n_keys = G * P
    # reached: distinct (journey, point) pairs before the outcome
    reached = distinct_per_key(unit, key, n_keys)
    has = lengths > 0
    last = seq.offsets[1:] - 1
    # a journey without the outcome keeps all its events: its times are the customer's
    still_open = np.zeros(n_units, dtype=bool)
    if inact is not None:
        still_open = has & ~converted & (t_last > t_end - inact)
    dropped = has & ~converted & ~still_open
    exit_key = key[last[dropped]]
    exits = np.bincount(exit_key, minlength=n_keys)
    dur = t_last[dropped] - t_first[dropped]
    q = grouped_quantiles(exit_key, dur, n_keys, confidence, scale=1 / NS_PER_DAY)
    journeys_g = np.bincount(group, minlength=G)
    exits_g = np.bincount(group[dropped], minlength=G)
    gk = np.arange(n_keys) // P
    idx = np.unravel_index(np.arange(n_keys) % P, dims)
    table = pd.DataFrame(
        {nm: np.asarray(lb, dtype=object)[i] for nm, lb, i in zip(names, labels, idx)}
    )
    if by is not None:
        table.insert(0, gname, np.asarray(glabels, dtype=object)[gk])
    table["reached"] = reached
    table["exits"] = exits
    for col, base in [
        ("exit_rate", reached),
        ("share_of_exits", exits_g[gk]),
        ("share_of_journeys", journeys_g[gk]),
    ]:
        lo, hi = wilson(exits, base, confidence)
        table[col] = np.where(base > 0, exits / np.maximum(base, 1), np.nan)
        table[f"{col}_ci_low"], table[f"{col}_ci_high"] = lo, hi
    table["median_days_before_exit"] = q["median"].to_numpy()
    table = table[(table["reached"] > 0)].reset_index(drop=True)
    notes = [
        f"{int(dropped.sum()):,} of {n_units:,} journeys dropped off"
        + (f" before reaching {outcome!r}" if outcome is not None else "")
        + f"; {confidence:.0%} Wilson intervals.",
        "exit_rate: of the journeys that got to this point (before the outcome), the share "
        "whose last event was here.",
    ]
    if inact is not None:
        notes.append(
            f"{int(still_open.sum()):,} journeys had an event in the last {pd.Timedelta(inact)} "
            "of the data and count as still open, not as drop-offs."
        )
    else:
        notes.append(
            "every journey without the outcome counts as dropped, even if it ended just before "
            "the data did; pass inactive='30D' (say) to treat recent ones as still open."
        )
    if outcome is not None:
        direct = int((converted & ~has).sum())
        if direct:
            notes.append(f"{direct:,} journeys began with {outcome!r} and have no earlier point.")
    return DropOffResult(
        table,
        notes=notes,
        params={
            "outcome": outcome,
            "column": column,
            "channel": channel,
            "inactive": inactive,
            "confidence": confidence,
        },
    )
