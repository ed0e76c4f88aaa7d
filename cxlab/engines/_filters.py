"""The study filters on a :class:`LazyStudy`: the events are filtered in their engine.

:func:`cxlab.filter_data` and the filters it chains (segment, date window, stages,
channels, customer ids) dispatch here when given a lazy study. The events stay where they
are: each filter adds a predicate (or a semi-join on the customers kept) to the engine's
plan, and only the customers and feedback tables (small, in pandas) are filtered at once.
What is kept is exactly what the in-memory filters keep (``tests/engines`` compares them),
and a filter that leaves no events raises the same :class:`~cxlab.exceptions.EmptyTableError`;
checking that costs one counting pass over the events in the engine.
"""

from __future__ import annotations

import dataclasses

import narwhals as nw
import pandas as pd

from cxlab.data._filters import in_window
from cxlab.engines._frames import to_pandas
from cxlab.engines._study import LazyStudy
from cxlab.exceptions import EmptyTableError

__all__ = ["keep_customers", "keep_window", "keep_values", "event_span"]


def _count(lf: nw.LazyFrame) -> int:
    return int(to_pandas(lf.select(nw.len())).iloc[0, 0])


def event_span(lf: nw.LazyFrame) -> str:
    """ "the events run from ... to ..." (computed in the engine), for error messages."""
    span = to_pandas(
        lf.select(nw.col("timestamp").min().alias("first"), nw.col("timestamp").max().alias("last"))
    )
    first, last = pd.to_datetime(span["first"]).iloc[0], pd.to_datetime(span["last"]).iloc[0]
    if pd.isna(first):
        return "there are no events"
    return f"the events run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _replace(study: LazyStudy, events: nw.LazyFrame, customers, feedback) -> LazyStudy:
    return dataclasses.replace(
        study,
        events=events.to_native(),
        customers=customers.reset_index(drop=True),
        feedback=feedback.reset_index(drop=True),
    )


def _require_events(lf: nw.LazyFrame, what: str, before: nw.LazyFrame, fix) -> None:
    if _count(lf) == 0:
        raise EmptyTableError(
            f"no events left after {what} (there were {_count(before):,} before it)",
            table="events",
            n_rows=0,
            fix=fix() if callable(fix) else fix,
        )


def keep_customers(study: LazyStudy, ids, *, what: str, fix) -> LazyStudy:
    """The study restricted to the customers ``ids`` (events filtered in the engine).

    Parameters
    ----------
    study : LazyStudy
    ids : pandas.Index
        Unique ``customer_id`` values to keep.
    what : str
        The filter, as the error message names it.
    fix : str or callable
        The fix the error message gives (a callable is evaluated only on error).

    Returns
    -------
    LazyStudy
    """
    lf = study.frame
    values = ids.tolist()
    events = lf.filter(nw.col("customer_id").is_in(values))
    _require_events(events, what, lf, fix)
    customers = study.customers.loc[study.customers["customer_id"].isin(ids).to_numpy()]
    feedback = study.feedback.loc[study.feedback["customer_id"].isin(ids).to_numpy()]
    return _replace(study, events, customers, feedback)


def _inside(column, lo, hi):
    cond = nw.lit(True)
    if lo is not None:
        cond = cond & (column >= lo.to_pydatetime())
    if hi is not None:
        cond = cond & (column < hi.to_pydatetime())
    return cond


def keep_window(study: LazyStudy, lo, hi, *, by: str) -> LazyStudy:
    """The date window ``lo <= time < hi`` of :func:`cxlab.filter_dates`, in the engine.

    Parameters
    ----------
    study : LazyStudy
    lo, hi : Timestamp or None
        Window bounds (naive UTC); ``None`` is open.
    by : {"event", "first_event"}
        Events in the window, or the cohort of customers whose first event is in it.

    Returns
    -------
    LazyStudy
    """
    lf = study.frame
    window = f"the window {lo or '-inf'}..{hi or '+inf'}"
    if by == "event":
        events = lf.filter(_inside(nw.col("timestamp"), lo, hi))
        _require_events(
            events, f"keeping {window}", lf, lambda: f"widen the window; {event_span(lf)}"
        )
        fb = study.feedback
        feedback = fb.loc[in_window(fb["timestamp"], lo, hi)] if len(fb) else fb
        return _replace(study, events, study.customers, feedback)
    first = lf.group_by("customer_id").agg(nw.col("timestamp").min().alias("first"))
    cohort = first.filter(_inside(nw.col("first"), lo, hi)).select("customer_id")
    ids = pd.Index(to_pandas(cohort)["customer_id"])
    if len(ids) == 0:
        raise EmptyTableError(
            f"no customer's first event falls in {window}",
            table="events",
            n_rows=0,
            fix=f"widen the window; {event_span(lf)}",
        )
    events = lf.join(cohort, on="customer_id", how="semi")
    customers = study.customers.loc[study.customers["customer_id"].isin(ids).to_numpy()]
    feedback = study.feedback.loc[study.feedback["customer_id"].isin(ids).to_numpy()]
    return _replace(study, events, customers, feedback)


def keep_values(study: LazyStudy, column: str, values: list) -> LazyStudy:
    """Events (and feedback) whose ``column`` (stage or channel) is one of ``values``.

    Parameters
    ----------
    study : LazyStudy
    column : {"stage", "channel"}
    values : list of str
        Already checked against the catalog.

    Returns
    -------
    LazyStudy
    """
    lf = study.frame
    events = lf.filter(nw.col(column).is_in(values))

    def present():
        counts = to_pandas(lf.group_by(column).agg(nw.len().alias("n")))
        counts = counts.sort_values(["n", column], ascending=[False, True], kind="stable")
        return f"these {column}s have events: {counts[column].astype(str).tolist()}"

    _require_events(events, f"keeping {column}s {values}", lf, present)
    fb = study.feedback
    feedback = fb.loc[fb[column].isin(values).to_numpy()] if column in fb else fb
    return _replace(study, events, study.customers, feedback)
