"""Integer-coded customer sequences: the fast, shared encoding of an event log.

Everything in cxlab that follows customers from event to event (journeys,
funnels, paths, Markov chains, attribution) starts here. An event log is turned
into flat NumPy arrays, ordered by customer and time:

``codes``
    State code of every event (``int16``/``int32``), ``0 .. k-1``, indexing
    ``states`` (the categories of the state column, e.g. the catalog's stages).
``offsets``
    ``int64`` array of length ``n_customers + 1``: customer ``i``'s events are
    ``codes[offsets[i]:offsets[i + 1]]`` (CSR layout). Every customer has at least one event.
``customers``
    The ``customer_id`` of each sequence, in sequence order.
``timestamps``
    ``datetime64[ns]`` of every event, in the same order (optional).

How ordering works (see ``/work/shared/PERFORMANCE.md``: ordering is the cost,
counting is free):

1. An O(n) check decides whether the log is already grouped by customer and in
   time order within each customer (integer ids non-decreasing, or, for other
   ids, grouped in order of first appearance). If it is, nothing is sorted and
   events with the same timestamp (ties) keep their input order.
2. Otherwise customer, time, state and any ``extra`` categorical codes are
   packed into one ``int64`` key and sorted by value (``np.sort``, SIMD, about
   0.2 s for 10M events). Ties are then ordered by state code, i.e. catalog
   order, which is also the rule :func:`cxlab.load_events` uses for stages.
   When the key does not fit into 63 bits (nanosecond timestamps over a long
   span, or very many customers), or the row order is asked for
   (``return_order=True``), an ``np.lexsort`` of the integer codes is used instead
   (stable: ties keep their input order).

Transitions never cross from one customer to the next: :func:`transition_counts`
counts pairs within customers only, plus a *start* transition into each
customer's first state and an *end* transition out of its last.

Examples
--------
>>> import pandas as pd
>>> from cxlab.sequences import encode_events, transition_counts
>>> ev = pd.DataFrame({
...     "customer_id": [2, 1, 1, 2, 1],
...     "timestamp": pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-01",
...                                  "2025-01-01", "2025-01-02"]),
...     "stage": pd.Categorical(["purchase", "purchase", "awareness", "awareness",
...                              "awareness"],
...                             categories=["awareness", "consideration", "purchase"]),
... })
>>> seq = encode_events(ev, "stage")
>>> seq.to_lists()
[['awareness', 'awareness', 'purchase'], ['awareness', 'purchase']]
>>> seq.was_sorted, seq.customers.tolist()
(True, [1, 2])
>>> tc = transition_counts(seq)
>>> tc.pairs.tolist()  # rows = from, columns = to
[[1, 0, 2], [0, 0, 0], [0, 0, 0]]
>>> tc.starts.tolist(), tc.ends.tolist()
([2, 0, 0], [0, 0, 2])
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cxlab.exceptions import (
    DataError,
    DataTypeError,
    EmptyTableError,
    MissingColumnError,
    MissingIdError,
    ParameterError,
    TimestampError,
    UnknownCategoryError,
)

__all__ = [
    "EventSequences",
    "TransitionCounts",
    "encode_events",
    "encode_sequences",
    "transition_counts",
    "is_ordered",
    "run_starts",
    "collapse_runs",
]

log = logging.getLogger(__name__)

_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class EventSequences:
    """Integer-coded customer sequences in CSR layout (see the module docstring).

    Attributes
    ----------
    states : tuple of str
        State names; ``codes`` index into it.
    codes : ndarray of int, shape (n_events,)
        State code of each event, ordered by customer and time.
    offsets : ndarray of int64, shape (n_customers + 1,)
        Sequence boundaries: customer ``i`` owns ``codes[offsets[i]:offsets[i+1]]``.
    customers : ndarray, shape (n_customers,)
        ``customer_id`` of each sequence.
    timestamps : ndarray of datetime64[ns] or None
        Time of each event (None for sequences given without times).
    extra : dict
        ``name -> (codes, categories)`` of extra categorical columns carried
        along in the same order (e.g. ``channel`` next to ``stage``).
    order : ndarray of int64 or None
        Row positions in the input: event ``j`` here is input row ``order[j]``.
        Only set when ``return_order=True`` was asked for (identity when the log
        was ordered and nothing was collapsed).
    was_sorted : bool
        True when cxlab had to sort the log (it was not ordered by customer and time).
    n_ties : int
        Events whose timestamp equals the previous event of the same customer
        (their relative order is the input order, or state order when sorted).
    n_collapsed : int
        Events removed by ``collapse_repeats`` (0 when not collapsing).
    """

    states: tuple
    codes: np.ndarray
    offsets: np.ndarray
    customers: np.ndarray
    timestamps: np.ndarray | None = None
    extra: dict = field(default_factory=dict)
    order: np.ndarray | None = None
    was_sorted: bool = False
    n_ties: int = 0
    n_collapsed: int = 0

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def n_customers(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_events(self) -> int:
        return len(self.codes)

    def __len__(self) -> int:
        return self.n_customers

    def __repr__(self) -> str:
        return (
            f"EventSequences(customers={self.n_customers:,}, events={self.n_events:,}, "
            f"states={list(self.states)})"
        )

    def lengths(self) -> np.ndarray:
        """Number of events of each customer, shape (n_customers,)."""
        return np.diff(self.offsets)

    def customer_index(self) -> np.ndarray:
        """Sequence number (0 .. n_customers-1) of every event, shape (n_events,)."""
        return np.repeat(np.arange(self.n_customers, dtype=np.int64), self.lengths())

    def first_mask(self) -> np.ndarray:
        """Boolean mask of each customer's first event."""
        m = np.zeros(self.n_events, dtype=bool)
        m[self.offsets[:-1]] = True
        return m

    def last_mask(self) -> np.ndarray:
        """Boolean mask of each customer's last event."""
        m = np.zeros(self.n_events, dtype=bool)
        m[self.offsets[1:] - 1] = True
        return m

    def take(self, idx) -> EventSequences:
        """The sequences of the customers at positions ``idx`` (repeats allowed: bootstrap)."""
        idx = np.asarray(idx, dtype=np.int64)
        lens = self.lengths()[idx]
        new_off = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lens, out=new_off[1:])
        # event positions: start of each chosen customer + 0..len-1
        rel = np.arange(new_off[-1], dtype=np.int64) - np.repeat(new_off[:-1], lens)
        pos = np.repeat(self.offsets[:-1][idx], lens) + rel
        return replace(
            self,
            codes=self.codes[pos],
            offsets=new_off,
            customers=self.customers[idx],
            timestamps=None if self.timestamps is None else self.timestamps[pos],
            extra={k: (c[pos], cats) for k, (c, cats) in self.extra.items()},
            order=None if self.order is None else self.order[pos],
        )

    def to_lists(self, limit: int | None = None) -> list[list[str]]:
        """Sequences as lists of state names (a Python loop: for display and small data)."""
        names = np.asarray(self.states, dtype=object)
        n = self.n_customers if limit is None else min(limit, self.n_customers)
        return [names[self.codes[self.offsets[i] : self.offsets[i + 1]]].tolist() for i in range(n)]


@dataclass(frozen=True)
class TransitionCounts:
    """First-order transition counts of :class:`EventSequences`.

    Attributes
    ----------
    states : tuple of str
    pairs : ndarray of int64, shape (k, k)
        ``pairs[a, b]`` = number of times a customer's event in state ``a`` is
        directly followed by their next event in state ``b``.
    starts : ndarray of int64, shape (k,)
        Customers whose first event is in each state.
    ends : ndarray of int64, shape (k,)
        Customers whose last event is in each state.
    """

    states: tuple
    pairs: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def to_frame(self, start_label: str = "(start)", end_label: str = "(end)") -> pd.DataFrame:
        """Counts as one DataFrame: rows ``[start_label, *states]`` (from),
        columns ``[*states, end_label]`` (to)."""
        k = len(self.states)
        table = np.zeros((k + 1, k + 1), dtype=np.int64)
        table[0, :k] = self.starts
        table[1:, :k] = self.pairs
        table[1:, k] = self.ends
        return pd.DataFrame(
            table,
            index=pd.Index([start_label, *self.states], name="from"),
            columns=pd.Index([*self.states, end_label], name="to"),
        )


def transition_counts(seq: EventSequences) -> TransitionCounts:
    """Count first-order transitions within customers, plus starts and ends.

    One ``np.bincount`` of ``prev * k + next`` over all adjacent events, minus
    the pairs that straddle two customers (one per customer boundary), so the
    cost is O(n_events) with no sorting and no boolean copies.

    Parameters
    ----------
    seq : EventSequences

    Returns
    -------
    TransitionCounts

    Examples
    --------
    >>> from cxlab.sequences import encode_sequences, transition_counts
    >>> tc = transition_counts(encode_sequences([["a", "b", "b"], ["b"]]))
    >>> tc.pairs.tolist(), tc.starts.tolist(), tc.ends.tolist()
    ([[0, 1], [0, 1]], [1, 1], [0, 2])
    """
    k = seq.n_states
    codes = seq.codes
    n = len(codes)
    kk = k * k
    if n >= 2:
        prev = codes[:-1].astype(np.intp)
        prev *= k
        prev += codes[1:]
        pairs = np.bincount(prev, minlength=kk)
        del prev
        cut = seq.offsets[1:-1]  # first event of customers 1..n-1
        if len(cut):
            cross = codes[cut - 1].astype(np.intp) * k + codes[cut]
            pairs = pairs - np.bincount(cross, minlength=kk)
    else:
        pairs = np.zeros(kk, dtype=np.int64)
    starts = np.bincount(codes[seq.offsets[:-1]], minlength=k) if n else np.zeros(k, np.int64)
    ends = np.bincount(codes[seq.offsets[1:] - 1], minlength=k) if n else np.zeros(k, np.int64)
    return TransitionCounts(
        states=tuple(seq.states),
        pairs=pairs.reshape(k, k).astype(np.int64),
        starts=starts.astype(np.int64),
        ends=ends.astype(np.int64),
    )


def run_starts(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Boolean mask of events that start a run of equal states within their customer.

    ``codes[mask]`` is the sequence with consecutive repeats collapsed (the first
    event of each run kept); use :func:`collapse_runs` for a whole
    :class:`EventSequences`.
    """
    n = len(codes)
    keep = np.ones(n, dtype=bool)
    if n > 1:
        keep[1:] = codes[1:] != codes[:-1]
        keep[offsets[:-1]] = True
    return keep


def _shrink_offsets(offsets: np.ndarray, keep: np.ndarray) -> np.ndarray:
    cum = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=cum[1:])
    return cum[offsets]


def collapse_runs(seq: EventSequences) -> EventSequences:
    """Merge consecutive events of a customer in the same state (keep the first of each run).

    Examples
    --------
    >>> from cxlab.sequences import encode_sequences, collapse_runs
    >>> collapse_runs(encode_sequences([["a", "a", "b", "a"]])).to_lists()
    [['a', 'b', 'a']]
    """
    keep = run_starts(seq.codes, seq.offsets)
    dropped = int(len(keep) - np.count_nonzero(keep))
    if not dropped:
        return seq
    return replace(
        seq,
        codes=seq.codes[keep],
        offsets=_shrink_offsets(seq.offsets, keep),
        timestamps=None if seq.timestamps is None else seq.timestamps[keep],
        extra={k: (c[keep], cats) for k, (c, cats) in seq.extra.items()},
        order=None if seq.order is None else seq.order[keep],
        n_collapsed=seq.n_collapsed + dropped,
    )


def is_ordered(customer_codes: np.ndarray, time: np.ndarray) -> bool:
    """O(n) check that events are grouped by customer and in time order within each.

    Parameters
    ----------
    customer_codes : ndarray of int, shape (n,)
        Integer customer keys that increase from one customer to the next
        (e.g. integer ids, or codes in order of first appearance).
    time : ndarray of int64, shape (n,)
        Timestamps as integers.

    Returns
    -------
    bool
    """
    if len(customer_codes) < 2:
        return True
    c0, c1 = customer_codes[:-1], customer_codes[1:]
    if not bool(np.all(c1 >= c0)):
        return False
    same = c1 == c0
    return bool(np.all(time[1:][same] >= time[:-1][same]))


def _column(events: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in events.columns:
        raise MissingColumnError(
            f"the {what} column {name!r} is missing; found {list(events.columns)}",
            table="events",
            column=name,
            fix=f"pass {what}='your column name', or rename the column",
        )
    return events[name]


def _state_codes(events, col, states, ids) -> tuple[np.ndarray, tuple]:
    """Categorical codes of a state column (categories = ``states`` or the dtype's)."""
    s = _column(events, col, "state")
    if states is not None:
        states = tuple(states)
        if len(set(states)) != len(states):
            raise ParameterError(f"states {list(states)} repeats a name; each must appear once.")
        cat = pd.Categorical(s, categories=list(states))
        unknown = cat.codes < 0
        unknown &= ~s.isna().to_numpy()
        if unknown.any():
            vals = pd.Series(s.to_numpy()[unknown]).astype(str).value_counts().head(5).to_dict()
            raise UnknownCategoryError(
                f"values not in states={list(states)}: {vals}",
                table="events",
                column=col,
                n_rows=int(unknown.sum()),
                example_ids=pd.unique(ids[unknown])[:5].tolist(),
                fix="add them to states=, or filter those events out first "
                "(e.g. cxlab.select_events(events, stages=[...]))",
            )
    elif isinstance(s.dtype, pd.CategoricalDtype):
        cat = s.array
        states = tuple(cat.categories)
    else:
        if pd.api.types.is_float_dtype(s.dtype):
            raise DataTypeError(
                f"state column has float dtype {s.dtype}; states must be labels",
                table="events",
                column=col,
                n_rows=len(s),
                fix="convert it to a categorical (astype('category')) or to strings",
            )
        cat = pd.Categorical(s)
        states = tuple(cat.categories)
    codes = np.asarray(cat.codes)
    missing = codes < 0
    if missing.any():
        raise UnknownCategoryError(
            f"{col} is missing",
            table="events",
            column=col,
            n_rows=int(missing.sum()),
            example_ids=pd.unique(ids[missing])[:5].tolist(),
            fix="fill in the state of every event or remove those rows",
        )
    return codes, states


def _customer_codes(ids: np.ndarray):
    """Integer customer keys that increase between customers when ids are sorted/grouped.

    Returns (codes, decode) where decode(codes_at_sequence_starts) -> ids.
    """
    if ids.dtype.kind in "iu":
        lo, hi = int(ids.min()), int(ids.max())
        if hi - lo < 2**40:  # small range: the ids themselves are the keys (no hashing)
            codes = ids.astype(np.int64) - lo
            return codes, (lambda c: (c + lo).astype(ids.dtype))
    # other ids (strings, huge integers): codes in order of first appearance
    codes, uniques = pd.factorize(ids, sort=False)
    uniques = np.asarray(uniques)
    return codes.astype(np.int64), (lambda c: uniques[c])


def _bits(x: int) -> int:
    return max(int(x).bit_length(), 1)


def _time_unit(t: np.ndarray) -> int:
    for unit in (1_000_000_000, 1_000_000, 1_000):
        if not np.any(t % unit):
            return unit
    return 1


def encode_events(
    events: pd.DataFrame,
    state: str = "stage",
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    states: Sequence[str] | None = None,
    extra: Sequence[str] = (),
    collapse_repeats: bool = False,
    return_order: bool = False,
) -> EventSequences:
    """Encode an event log as integer sequences ordered by customer and time.

    Parameters
    ----------
    events : DataFrame
        One row per event with ``customer``, ``time`` and ``state`` columns, in
        any row order. ``time`` must be datetime64 (or integers).
    state : str, default="stage"
        Column whose values are the sequence states (e.g. ``"stage"`` or ``"channel"``).
        A categorical column keeps its category order (the catalog order) and
        all its categories, seen or not.
    customer : str, default="customer_id"
    time : str, default="timestamp"
    states : sequence of str, optional
        The states and their order. Events whose state is not listed raise
        :class:`~cxlab.exceptions.UnknownCategoryError` (filter them first).
    extra : sequence of str, default=()
        Other columns to carry along in the same order, each returned as
        ``(codes, categories)`` in ``.extra`` (categoricals are used as they are,
        other columns are factorized with sorted categories).
    collapse_repeats : bool, default=False
        Merge consecutive events of a customer in the same state into one (the
        first of the run; its timestamp is kept). ``n_collapsed`` says how many
        events were merged.
    return_order : bool, default=False
        Also return ``order``, the input row of each encoded event, to align
        other columns (e.g. ``events["revenue"].to_numpy()[seq.order]``). Costs
        an argsort when the log has to be sorted.

    Returns
    -------
    EventSequences

    Raises
    ------
    MissingColumnError
        A named column is absent.
    EmptyTableError
        No events.
    MissingIdError, TimestampError, UnknownCategoryError
        Missing customer ids, missing timestamps, or missing/unlisted states;
        the message counts the rows and gives example customer ids.

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.sequences import encode_events
    >>> data = cxlab.simulate(n_customers=200, seed=0)
    >>> seq = encode_events(data.events, "stage", collapse_repeats=True)
    >>> seq.n_customers, seq.states[:3]
    (200, ('awareness', 'consideration', 'purchase'))
    """
    if not isinstance(events, pd.DataFrame):
        raise DataTypeError(
            f"events must be a DataFrame, not {type(events).__name__}",
            fix="use cxlab.sequences.encode_sequences for lists of sequences",
        )
    id_col = _column(events, customer, "customer")
    t_col = _column(events, time, "time")
    if len(events) == 0:
        raise EmptyTableError(
            "the event log has no rows", table="events", n_rows=0, fix="check the filter"
        )
    ids = id_col.to_numpy()
    if ids.dtype == object or id_col.hasnans:
        miss = id_col.isna().to_numpy()
        if miss.any():
            raise MissingIdError(
                f"{customer} is missing at row positions {np.flatnonzero(miss)[:5].tolist()}",
                table="events",
                column=customer,
                n_rows=int(miss.sum()),
                fix="every event needs the customer it belongs to",
            )
    codes, states_t = _state_codes(events, state, states, ids)
    t = _time_ints(t_col, time, ids)
    extras = {}
    for name in extra:
        s = _column(events, name, "extra")
        cat = s.array if isinstance(s.dtype, pd.CategoricalDtype) else pd.Categorical(s)
        extras[name] = (np.asarray(cat.codes), tuple(cat.categories))

    ccode, decode = _customer_codes(ids)
    ordered = is_ordered(ccode, t)
    order = None
    if ordered:
        if return_order:
            order = np.arange(len(codes), dtype=np.int64)
        cs, ts, st = ccode, t, codes
        ex = {k: v[0] for k, v in extras.items()}
    else:
        cs, ts, st, ex, order = _sort(ccode, t, codes, extras, len(states_t), return_order)
    n = len(st)
    if n > 1:
        starts = np.flatnonzero(cs[1:] != cs[:-1]) + 1
    else:
        starts = np.empty(0, dtype=np.int64)
    offsets = np.empty(len(starts) + 2, dtype=np.int64)
    offsets[0], offsets[-1] = 0, n
    offsets[1:-1] = starts
    customers = decode(cs[offsets[:-1]])
    new_cust = np.zeros(n, dtype=bool)
    new_cust[offsets[:-1]] = True
    n_ties = int(np.count_nonzero((ts[1:] == ts[:-1]) & ~new_cust[1:])) if n > 1 else 0
    k = len(states_t)
    code_dtype = np.int16 if k < 2**15 else np.int32
    st = st.astype(code_dtype, copy=False)
    n_collapsed = 0
    if collapse_repeats and n > 1:
        keep = run_starts(st, offsets)
        n_collapsed = int(n - np.count_nonzero(keep))
        if n_collapsed:
            offsets = _shrink_offsets(offsets, keep)
            st, ts = st[keep], ts[keep]
            ex = {key: v[keep] for key, v in ex.items()}
            order = None if order is None else order[keep]
    timestamps = ts.view("datetime64[ns]") if t_col.dtype.kind == "M" else ts
    return EventSequences(
        states=states_t,
        codes=st,
        offsets=offsets,
        customers=customers,
        timestamps=timestamps,
        extra={key: (ex[key], extras[key][1]) for key in extras},
        order=order,
        was_sorted=not ordered,
        n_ties=n_ties,
        n_collapsed=n_collapsed,
    )


def _time_ints(t_col: pd.Series, name: str, ids) -> np.ndarray:
    dt = t_col.dtype
    if isinstance(dt, pd.DatetimeTZDtype):
        t_col = t_col.dt.tz_convert("UTC").dt.tz_localize(None)
        dt = t_col.dtype
    if dt.kind == "M":
        t = t_col.to_numpy().astype("datetime64[ns]", copy=False).view(np.int64)
        bad = t == _NAT
    elif dt.kind in "iu":
        t = t_col.to_numpy().astype(np.int64, copy=False)
        bad = np.zeros(len(t), dtype=bool)
    else:
        raise DataTypeError(
            f"time column has dtype {dt}; it must be datetime64",
            table="events",
            column=name,
            n_rows=len(t_col),
            fix="parse it with pd.to_datetime, or load the log with cxlab.load_events",
        )
    if bad.any():
        raise TimestampError(
            "timestamp is missing",
            table="events",
            column=name,
            n_rows=int(bad.sum()),
            example_ids=pd.unique(ids[bad])[:5].tolist(),
            fix="fill in the time of each event or remove those rows",
        )
    return t


def _sort(ccode, t, codes, extras, k, return_order):
    """Order events by (customer, time[, state]); see the module docstring."""
    tmin = int(t.min())
    rel = t - tmin
    unit = _time_unit(rel)
    if unit > 1:
        rel //= unit
    cb = _bits(int(ccode.max()))
    tb = _bits(int(rel.max()))
    low = [(codes, _bits(k - 1))]
    low += [(c, _bits(max(len(cats) - 1, 0))) for c, cats in extras.values()]
    lb = sum(b for _, b in low)
    if not return_order and cb + tb + lb <= 63:
        key = ccode.astype(np.int64) << (tb + lb)
        key |= rel << lb
        shift = lb
        parts_shift = []
        for c, b in low:
            shift -= b
            parts_shift.append((shift, b))
            key |= c.astype(np.int64) << shift
        key.sort()
        outs = [((key >> s) & ((1 << b) - 1)) for s, b in parts_shift]
        cs = key >> (tb + lb)
        ts = ((key >> lb) & ((1 << tb) - 1)) * unit + tmin
        st = outs[0]
        ex = {name: outs[i + 1] for i, name in enumerate(extras)}
        return cs, ts, st, ex, None
    if cb + tb <= 63:
        key = (ccode.astype(np.int64) << tb) | rel
        order = np.argsort(key, kind="stable")
    else:
        order = np.lexsort((t, ccode))
    order = order.astype(np.int64, copy=False)
    ex = {name: c[order] for name, (c, _) in extras.items()}
    return ccode[order], t[order], codes[order], ex, order


def encode_sequences(
    sequences: Iterable[Sequence], *, states: Sequence[str] | None = None
) -> EventSequences:
    """Encode an iterable of sequences (lists of state names) without timestamps.

    Parameters
    ----------
    sequences : iterable of sequences of str
        One sequence per customer, in time order. Empty sequences raise.
    states : sequence of str, optional
        States and their order; default: sorted unique values.

    Returns
    -------
    EventSequences
        ``customers`` are the positions 0..n-1; ``timestamps`` is None.

    Examples
    --------
    >>> from cxlab.sequences import encode_sequences
    >>> encode_sequences([["a", "b"], ["b", "b", "c"]]).lengths().tolist()
    [2, 3]
    """
    seqs = [list(s) if not isinstance(s, str) else None for s in sequences]
    bad = [i for i, s in enumerate(seqs) if s is None]
    if bad:
        raise DataTypeError(
            "each sequence must be a list of states, not a string",
            n_rows=len(bad),
            example_ids=bad[:5],
            fix="split 'a > b > c' strings first, e.g. [p.split(' > ') for p in paths]",
        )
    if not seqs:
        raise EmptyTableError("no sequences given", n_rows=0, fix="pass at least one sequence")
    lens = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    empty = np.flatnonzero(lens == 0)
    if len(empty):
        raise DataError(
            "empty sequences have no states to start from",
            n_rows=len(empty),
            example_ids=empty[:5].tolist(),
            fix="drop empty sequences before fitting",
        )
    flat = pd.Series([x for s in seqs for x in s], dtype=object)
    if flat.isna().any():
        raise UnknownCategoryError(
            "a sequence contains a missing state (None/NaN)",
            n_rows=int(flat.isna().sum()),
            fix="remove or label the missing states",
        )
    frame = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(len(seqs)), lens),
            "timestamp": np.arange(len(flat), dtype=np.int64),
            "state": flat,
        }
    )
    seq = encode_events(frame, "state", states=states)
    return replace(seq, timestamps=None)
