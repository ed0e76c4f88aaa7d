"""Customer journeys as integer-coded sequences (the base of :mod:`cxlab.journeys`).

A *journey* is the time-ordered list of a customer's events, read as stages
(awareness, consideration, purchase, ...) or as channels (ads, web, store, ...).
:func:`journey_sequences` builds them from an event log with
:func:`cxlab.sequences.encode_events` (the package's single, vectorised
encoder) and can

- collapse repeats (``a, a, b`` -> ``a, b``), and
- cut a customer's events into *sessions* (visits) wherever the customer was
  inactive for longer than ``gap``, so each session is its own journey.

The array helpers the journey modules share (sequence index, dropping events,
collapsing runs, path strings) live with the layout in :mod:`cxlab.sequences`.

Examples
--------
>>> import cxlab
>>> data = cxlab.simulate(n_customers=300, random_state=1)
>>> js = cxlab.journey_sequences(data, column="stage", collapse=True)
>>> js.to_frame()["path"].iloc[0]
'awareness > consideration > purchase > advocacy > service > use > churn'
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from cxlab.journeys._base import (
    NS_PER_DAY,
    JourneyResult,
    encode,
    event_table,
    lazy_study_of,
    parse_gap,
)
from cxlab.journeys._plots import plot_lengths
from cxlab.sequences import EventSequences, collapse_runs, path_strings
from cxlab.sequences._engine import encode_in_engine

__all__ = ["JourneySequences", "journey_sequences", "split_sessions"]


def split_sessions(seq: EventSequences, gap_ns: int) -> tuple[EventSequences, np.ndarray]:
    """Cut each customer's events where the time since the previous event exceeds ``gap_ns``.

    Returns the sessions (one unit each; ``customers`` repeats the id) and the
    session number (0, 1, ...) of each unit within its customer.
    """
    n = len(seq.codes)
    t = seq.timestamps.view(np.int64)
    new = np.zeros(n, dtype=bool)
    new[seq.offsets[:-1]] = True
    new[1:] |= (t[1:] - t[:-1]) > gap_ns
    starts = np.flatnonzero(new)
    offsets = np.append(starts, n).astype(np.int64)
    owner = seq.customer_index()[starts]
    first_of_owner = np.searchsorted(owner, owner, side="left")
    session = np.arange(len(starts), dtype=np.int64) - first_of_owner
    return replace(seq, offsets=offsets, customers=seq.customers[owner]), session


class JourneySequences(JourneyResult):
    """Journeys of customers (or sessions) as integer-coded sequences.

    Attributes
    ----------
    seq : EventSequences
        Codes, offsets (one unit per journey), timestamps and carried columns.
    column : str
        The column the states come from (``"stage"``, ``"channel"``, ...).
    session : ndarray of int64, shape (n_journeys,)
        Session number of each journey within its customer (all 0 without ``gap``).
    table : DataFrame
        :meth:`summary` of the journeys (counts and lengths).
    """

    name = "sequences"

    @property
    def states(self) -> tuple:
        return self.seq.states

    @property
    def customers(self) -> np.ndarray:
        """``customer_id`` of each journey."""
        return self.seq.customers

    @property
    def lengths(self) -> np.ndarray:
        """Number of steps of each journey."""
        return np.diff(self.seq.offsets)

    def __len__(self) -> int:
        return len(self.seq.offsets) - 1

    def to_frame(self) -> pd.DataFrame:
        """One row per journey: customer_id, session, path, n_steps, first, last, duration_days.

        For a study in an engine (DuckDB, Spark, ...) the times do not come back: no
        ``first``, ``last`` and ``duration_days``.
        """
        s = self.seq
        first, last = s.offsets[:-1], s.offsets[1:] - 1
        frame = pd.DataFrame(
            {
                "customer_id": s.customers,
                "session": self.session,
                "path": path_strings(s.states, s.codes, s.offsets),
                "n_steps": self.lengths,
            }
        )
        if s.timestamps is not None:
            ts = s.timestamps
            frame["first"], frame["last"] = ts[first], ts[last]
            frame["duration_days"] = (
                ts[last].view(np.int64) - ts[first].view(np.int64)
            ) / NS_PER_DAY
        return frame

    def to_lists(self, limit: int | None = None) -> list[list[str]]:
        """Journeys as lists of state names (for display; a Python loop over journeys).

        Parameters
        ----------
        limit : int, optional
            Only the first ``limit`` journeys; default all.

        Returns
        -------
        list of list of str
        """
        return self.seq.to_lists(limit)

    _figure = staticmethod(plot_lengths)


def journey_sequences(
    data,
    *,
    column: str = "stage",
    collapse: bool = False,
    gap=None,
    extra=(),
) -> JourneySequences:
    """Build each customer's journey (or each session's) from the event log.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
        A study, or an events table with ``customer_id``, ``timestamp`` and ``column``.
        A :class:`~cxlab.LazyStudy` builds the sequences inside its engine (``column``
        ``"stage"`` or ``"channel"``, no ``gap``; no times come back).
        Rows may come in any order; they are ordered by customer and time (an
        O(n) check first, so an ordered log is not sorted again).
    column : str, default="stage"
        The state column: ``"stage"`` or ``"channel"`` (or any categorical column).
    collapse : bool, default=False
        Merge consecutive repeats of a state into one step (``a, a, b`` -> ``a, b``),
        within each journey (session).
    gap : str, Timedelta, number of days or None, default=None
        Inactivity that starts a new session, e.g. ``"30min"`` for web visits or
        ``"14D"`` for buying cycles. None: one journey per customer.
    extra : sequence of str, default=()
        Other columns to carry along (e.g. ``["channel"]`` next to stages), in
        ``seq.extra``.

    Returns
    -------
    JourneySequences
        ``.to_frame()`` gives one row per journey with its path as ``"a > b > c"``;
        ``.summary()`` counts journeys, customers, events and lengths.

    Raises
    ------
    MissingColumnError, EmptyTableError, UnknownCategoryError, TimestampError
        From the encoder, naming the column, rows and example customers.
    ParameterError
        ``gap`` is not a positive duration.

    Warns
    -----
    DataWarning
        Events tied in time with the customer's previous event (their order is
        ambiguous).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=300, random_state=1)
    >>> js = cxlab.journey_sequences(data, column="channel", gap="7D")
    >>> int(js.summary().loc["journeys", "value"]) > 300  # several sessions per customer
    True
    """
    gap_ns = parse_gap(gap)
    extra = tuple(c for c in extra if c != column)
    study = lazy_study_of(data)
    if study is not None:
        if gap_ns is not None:
            event_table(data, "cxlab.journey_sequences with gap= (sessions need the times)")
        seq = encode_in_engine(study.frame, column, study.catalog, extra=extra)
        n_events = seq.n_events
        if collapse:
            seq = collapse_runs(seq)
    else:
        events, _, _ = event_table(data, "cxlab.journey_sequences")
        seq = encode(events, column, extra=extra, collapse=collapse and gap_ns is None)
        n_events = len(events)
    n_customers = seq.n_customers
    session = np.zeros(seq.n_customers, dtype=np.int64)
    if gap_ns is not None:
        seq, session = split_sessions(seq, gap_ns)
        if collapse:
            seq = collapse_runs(seq)
    lengths = np.diff(seq.offsets)
    rows = {
        "journeys": len(lengths),
        "customers": n_customers,
        "events": int(n_events),
        "steps": int(lengths.sum()),
        "repeats_collapsed": seq.n_collapsed,
        "mean_steps": round(float(lengths.mean()), 3),
        "median_steps": float(np.median(lengths)),
        "max_steps": int(lengths.max()),
        "single_step_journeys": int((lengths == 1).sum()),
        "tied_timestamps": seq.n_ties,
    }
    table = pd.DataFrame({"value": pd.Series(rows, dtype=object)})
    table.index.name = "measure"
    notes = []
    if rows["single_step_journeys"]:
        notes.append(
            f"{rows['single_step_journeys']:,} journeys have a single step: they count in "
            "funnels and variants but have no transition or waiting time."
        )
    if gap_ns is not None:
        notes.append(f"sessions: a new journey starts after {pd.Timedelta(gap_ns)} without events.")
    return JourneySequences(
        table,
        notes=notes,
        params={"column": column, "collapse": collapse, "gap": gap},
        seq=seq,
        column=column,
        session=session,
    )
