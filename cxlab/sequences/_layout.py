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

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

__all__ = [
    "EventSequences",
    "TransitionCounts",
    "transition_counts",
    "is_ordered",
    "run_starts",
    "collapse_runs",
    "keep_events",
    "sequence_index",
    "shrink_offsets",
    "path_strings",
]


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
        return sequence_index(self.offsets)

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
        """The sequences of the customers at positions ``idx`` (repeats allowed: bootstrap).

        Parameters
        ----------
        idx : array-like of int
            Sequence positions (``0 .. n_customers-1``), in the order wanted.

        Returns
        -------
        EventSequences
            Carries timestamps, extra columns and row order along.
        """
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
        """Sequences as lists of state names (a Python loop: for display and small data).

        Parameters
        ----------
        limit : int, optional
            Return only the first ``limit`` sequences; default all.

        Returns
        -------
        list of list of str
        """
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
        columns ``[*states, end_label]`` (to).

        Parameters
        ----------
        start_label : str, default="(start)"
            Name of the row of first events.
        end_label : str, default="(end)"
            Name of the column of last events.

        Returns
        -------
        DataFrame of int64
        """
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
        Encoded sequences (e.g. from :func:`encode_events`).

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


def sequence_index(offsets: np.ndarray) -> np.ndarray:
    """Sequence number of every event from the offsets (sequences may be empty).

    Parameters
    ----------
    offsets : ndarray of int64, shape (n_sequences + 1,)
        Sequence boundaries.

    Returns
    -------
    ndarray of int64, shape (offsets[-1],)
    """
    return np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))


def run_starts(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Boolean mask of events that start a run of equal states within their sequence.

    ``codes[mask]`` is the sequence with consecutive repeats collapsed (the first
    event of each run kept); use :func:`collapse_runs` for a whole
    :class:`EventSequences`.

    Parameters
    ----------
    codes : ndarray of int, shape (n_events,)
        State codes, sequence after sequence.
    offsets : ndarray of int64, shape (n_sequences + 1,)
        Sequence boundaries; empty sequences are allowed.

    Returns
    -------
    ndarray of bool, shape (n_events,)
    """
    n = len(codes)
    keep = np.ones(n, dtype=bool)
    if n > 1:
        keep[1:] = codes[1:] != codes[:-1]
        starts = offsets[:-1]
        # an empty sequence's offset is the next sequence's start (or n: past the end)
        keep[starts[starts < n]] = True
    return keep


def shrink_offsets(offsets: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Offsets after keeping the events where ``keep`` is True (sequences keep their slots).

    Parameters
    ----------
    offsets : ndarray of int64, shape (n_sequences + 1,)
        Sequence boundaries before.
    keep : ndarray of bool, shape (offsets[-1],)
        Events kept.

    Returns
    -------
    ndarray of int64, shape (n_sequences + 1,)
    """
    # an int32 running count is many times faster than numpy's default int64 one
    dtype = np.int32 if len(keep) < 2**31 - 1 else np.int64
    cum = np.zeros(len(keep) + 1, dtype=dtype)
    np.cumsum(keep, dtype=dtype, out=cum[1:])
    return cum[offsets].astype(np.int64)


def keep_events(seq: EventSequences, keep: np.ndarray) -> EventSequences:
    """The events where ``keep`` is True; every sequence keeps its slot (and may become empty).

    Parameters
    ----------
    seq : EventSequences
        Encoded sequences.
    keep : ndarray of bool, shape (n_events,)
        Events to keep.

    Returns
    -------
    EventSequences
        Codes, timestamps, extra columns and row order filtered alike.

    Examples
    --------
    >>> import numpy as np
    >>> from cxlab.sequences import encode_sequences, keep_events
    >>> seq = encode_sequences([["a", "b"], ["b"]])
    >>> keep_events(seq, np.array([True, False, False])).offsets.tolist()
    [0, 1, 1]
    """
    return replace(
        seq,
        codes=seq.codes[keep],
        offsets=shrink_offsets(seq.offsets, keep),
        timestamps=None if seq.timestamps is None else seq.timestamps[keep],
        extra={k: (c[keep], cats) for k, (c, cats) in seq.extra.items()},
        order=None if seq.order is None else seq.order[keep],
    )


def collapse_runs(seq: EventSequences) -> EventSequences:
    """Merge consecutive events of a sequence in the same state (keep the first of each run).

    Parameters
    ----------
    seq : EventSequences
        Encoded sequences; empty sequences are allowed.

    Returns
    -------
    EventSequences
        ``n_collapsed`` grows by the number of events merged away.

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
    return replace(keep_events(seq, keep), n_collapsed=seq.n_collapsed + dropped)


def path_strings(states, codes, offsets, *, sep: str = " > ", empty: str = "(none)") -> np.ndarray:
    """Join each unit's state names into one string, vectorised (pyarrow).

    Parameters
    ----------
    states : sequence of str
        State names; ``codes`` index into it.
    codes : ndarray of int
        State codes of all events, unit after unit.
    offsets : ndarray of int64, shape (n_units + 1,)
        Unit boundaries; empty units give ``empty``.
    sep : str, default=" > "
        Written between two states.
    empty : str, default="(none)"
        The string of an empty unit.

    Returns
    -------
    ndarray of object (str), shape (n_units,)

    Examples
    --------
    >>> import numpy as np
    >>> from cxlab.journeys import path_strings
    >>> path_strings(["a", "b"], np.array([0, 1, 1]), np.array([0, 2, 2, 3])).tolist()
    ['a > b', '(none)', 'b']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    names = pa.array([str(s) for s in states], type=pa.string())
    vals = names.take(pa.array(np.asarray(codes, dtype=np.int32)))
    offsets = np.asarray(offsets)
    if offsets[-1] < 2**31:
        lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), vals)
    else:
        lists = pa.LargeListArray.from_arrays(pa.array(offsets.astype(np.int64)), vals)
    out = pc.binary_join(lists, sep).to_numpy(zero_copy_only=False).astype(object)
    out[np.diff(offsets) == 0] = empty
    return out


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
    # within a customer, time must not decrease (boolean temporaries only)
    back = time[1:] < time[:-1]
    back &= c1 == c0
    return not bool(back.any())
