"""Reusable filters on a study: segment, date window, stages and channels.

Every filter takes a :class:`~cxlab.data.CXData` and returns a new, filtered
``CXData`` (the input is never modified); a :class:`~cxlab.engines.LazyStudy` is
filtered in its engine and stays lazy. The date, stage, channel and customer
filters also take a bare events DataFrame and then return a DataFrame. Notebooks chain them through
:func:`filter_data`, which applies its arguments in a fixed order: customers
(segment), date window, then stages and channels.

What each filter keeps, and what it does not do:

- ``stage`` and ``channel`` keep their full categorical categories (catalog
  order), so codes stay comparable between filtered and unfiltered data; use
  ``observed=True`` in groupbys or pass ``stages=`` to the analysis.
- ``data.truth`` (simulated data) is passed through unchanged: it describes the
  whole simulated population, not the filtered part.
- A filter that leaves no events raises
  :class:`~cxlab.exceptions.EmptyTableError` naming the filter and what the data
  holds, never returns an empty study silently.

Examples
--------
>>> import cxlab
>>> data = cxlab.simulate(n_customers=300, random_state=1)
>>> sub = cxlab.filter_data(data, segment={"segment": "business"},
...                         start="2025-03-01", end="2026-01-01")
>>> bool(sub.customers["segment"].eq("business").all())
True
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cxlab.data._model import CXData
from cxlab.data._schema import utc_timestamp
from cxlab.data._segment_expr import eval_segment
from cxlab.exceptions import (
    EmptyTableError,
    MissingColumnError,
    ParameterError,
    UnknownCategoryError,
    format_examples,
)

__all__ = [
    "filter_data",
    "filter_segment",
    "filter_dates",
    "filter_customers",
    "select_stages",
    "select_channels",
]

log = logging.getLogger(__name__)


def _is_lazy(data) -> bool:
    """A LazyStudy (events in DuckDB, Spark, polars): filtered in its engine."""
    from cxlab.engines._study import LazyStudy  # the engines build on this package

    return isinstance(data, LazyStudy)


def _wrap(data) -> tuple[CXData, bool]:
    """A CXData as is, or a bare events DataFrame inside a CXData (flag True)."""
    if isinstance(data, CXData):
        return data, False
    if isinstance(data, pd.DataFrame):
        empty = pd.DataFrame(
            {"customer_id": data["customer_id"].iloc[:0] if "customer_id" in data else []}
        )
        fb = empty.assign(timestamp=pd.Series(dtype="datetime64[ns]"))
        return CXData(events=data, customers=empty, feedback=fb), True
    raise ParameterError(
        f"expected a CXData (cxlab.load / cxlab.simulate) or an events DataFrame, "
        f"not {type(data).__name__}."
    )


def _unwrap(data: CXData, bare: bool):
    return data.events if bare else data


def _allowed(data: CXData, bare: bool, column: str) -> tuple:
    if not bare:
        return tuple(getattr(data.catalog, column + "s"))
    col = data.events[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return tuple(col.cat.categories)
    return tuple(pd.unique(col.dropna()))


def _replace(data: CXData, events, customers, feedback) -> CXData:
    return CXData(
        events=events.reset_index(drop=True),
        customers=customers.reset_index(drop=True),
        feedback=feedback.reset_index(drop=True),
        catalog=data.catalog,
        truth=data.truth,
    )


def _require_events(events: pd.DataFrame, what: str, before: int, fix: str) -> None:
    if len(events) == 0:
        raise EmptyTableError(
            f"no events left after {what} (there were {before:,} before it)",
            table="events",
            n_rows=0,
            fix=fix,
        )


def _as_list(value) -> list:
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        return [value]
    return list(value)


def filter_customers(data: CXData, customer_ids) -> CXData:
    """Keep the given customers (in all three tables).

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
        A study, or a bare events table (then a DataFrame is returned). A
        :class:`~cxlab.engines.LazyStudy` is filtered in its engine.
    customer_ids : array-like
        ``customer_id`` values to keep; ids not in the data are ignored.

    Returns
    -------
    CXData or DataFrame

    Raises
    ------
    EmptyTableError
        None of the ids has events.
    """
    ids = pd.Index(_as_list(customer_ids)).unique()
    if _is_lazy(data):
        from cxlab.engines._filters import keep_customers

        return keep_customers(
            data,
            ids,
            what=f"keeping {len(ids):,} customer ids (e.g. {format_examples(ids[:5])})",
            fix="check the ids have the same type as events.customer_id, e.g. int vs str",
        )
    data, bare = _wrap(data)
    ev = data.events
    keep = ev["customer_id"].isin(ids).to_numpy()
    events = ev.loc[keep]
    _require_events(
        events,
        f"keeping {len(ids):,} customer ids (e.g. {format_examples(ids[:5])})",
        len(ev),
        "check the ids have the same type as events.customer_id "
        f"({ev['customer_id'].dtype}), e.g. int vs str",
    )
    customers = data.customers.loc[data.customers["customer_id"].isin(ids).to_numpy()]
    feedback = data.feedback.loc[data.feedback["customer_id"].isin(ids).to_numpy()]
    return _unwrap(_replace(data, events, customers, feedback), bare)


def filter_segment(data: CXData, segment: Mapping | str | None) -> CXData:
    """Keep customers whose attributes match ``segment``.

    Parameters
    ----------
    data : CXData or LazyStudy
    segment : dict, str or None
        A dict ``{column: value or list of values}`` over columns of
        ``data.customers`` (all conditions must hold), e.g.
        ``{"segment": "business", "region": ["north", "south"]}``; or an
        expression such as ``"loyalty_member and region != 'west'"`` in the
        small language of :mod:`cxlab.data` (columns, literals,
        comparisons, ``in`` lists, and/or/not; it is parsed, never run as
        Python). ``None`` or ``{}`` keeps everyone.

    Returns
    -------
    CXData
        Customers matching the segment, their events and feedback.

    Raises
    ------
    MissingColumnError
        A column named in ``segment`` is not in the customers table.
    ParameterError
        The expression does not parse or uses anything outside the language.
    EmptyTableError
        No customer (or no event) matches; the message lists the values that exist.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=300, random_state=1)
    >>> sub = cxlab.filter_segment(data, {"loyalty_member": True})
    >>> bool(sub.customers["loyalty_member"].all())
    True
    """
    if segment is None or (isinstance(segment, Mapping | str) and len(segment) == 0):
        return data
    if not isinstance(data, CXData) and not _is_lazy(data):
        raise ParameterError(
            "a segment filter needs the customers table: pass the whole study "
            "(cxlab.load(...)), not only its events."
        )
    cust = data.customers
    if isinstance(segment, str):
        mask = eval_segment(cust, segment)
        described = repr(segment)
        hint = f"the customers table has columns {list(cust.columns)}"
    elif isinstance(segment, Mapping):
        mask = np.ones(len(cust), dtype=bool)
        hints = []
        for col, value in segment.items():
            if col not in cust.columns:
                raise MissingColumnError(
                    f"segment filters on {col!r}, which the customers table does not have; "
                    f"it has {list(cust.columns)}",
                    table="customers",
                    column=col,
                    fix="use one of those columns, or add the attribute to the customers table",
                )
            values = _as_list(value)
            mask &= cust[col].isin(values).to_numpy()
            seen = pd.unique(cust[col].dropna())[:10].tolist()
            hints.append(f"{col!r} has values {seen}")
        described = repr(dict(segment))
        hint = "; ".join(hints)
    else:
        raise ParameterError(
            f"segment must be a dict {{column: values}} or a segment expression string, not {type(segment).__name__}."
        )
    if not mask.any():
        raise EmptyTableError(
            f"no customer matches the segment {described}",
            table="customers",
            n_rows=0,
            fix=f"choose values that exist: {hint}",
        )
    out = filter_customers(data, cust.loc[mask, "customer_id"])
    log.info("segment %s: %d of %d customers", described, int(mask.sum()), len(cust))
    return out


def _timestamp(value, name: str):
    if value is None or (isinstance(value, str) and value == ""):
        return None
    return utc_timestamp(value, name)


def filter_dates(data: CXData, start=None, end=None, *, by: str = "event") -> CXData:
    """Keep a date window ``start <= time < end``.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
        A study, or a bare events table (then a DataFrame is returned). A
        :class:`~cxlab.engines.LazyStudy` is filtered in its engine.
    start, end : str, Timestamp or None
        Window bounds (naive UTC, like the events); ``None`` or ``""`` is open.
    by : {"event", "first_event"}, default="event"
        ``"event"`` keeps the events and feedback inside the window (journeys that
        cross a bound are cut there, so they look shorter than they are).
        ``"first_event"`` keeps the *cohort* of customers whose first event falls
        inside the window, with all their events and feedback, so their journeys
        stay whole; prefer it for funnels and conversion rates.

    Returns
    -------
    CXData or DataFrame

    Raises
    ------
    ParameterError
        Unparseable dates, ``start >= end`` or an unknown ``by``.
    EmptyTableError
        No event in the window; the message gives the data's time span.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=300, random_state=1)
    >>> sub = cxlab.filter_dates(data, "2025-06-01", "2025-09-01", by="first_event")
    >>> bool(sub.events.groupby("customer_id")["timestamp"].min().ge("2025-06-01").all())
    True
    """
    if by not in ("event", "first_event"):
        raise ParameterError(f"by must be 'event' or 'first_event', not {by!r}.")
    lo, hi = _timestamp(start, "start"), _timestamp(end, "end")
    if lo is None and hi is None:
        return data
    if lo is not None and hi is not None and lo >= hi:
        raise ParameterError(f"start={start!r} must be before end={end!r}.")
    if _is_lazy(data):
        from cxlab.engines._filters import keep_window

        return keep_window(data, lo, hi, by=by)
    data, bare = _wrap(data)
    ev = data.events

    def inside(ts: pd.Series) -> np.ndarray:
        return in_window(ts, lo, hi)

    span = (
        f"the events run from {ev['timestamp'].min():%Y-%m-%d} to {ev['timestamp'].max():%Y-%m-%d}"
        if len(ev)
        else "there are no events"
    )
    window = f"the window {lo or '-inf'}..{hi or '+inf'}"
    if by == "event":
        events = ev.loc[inside(ev["timestamp"])]
        _require_events(events, f"keeping {window}", len(ev), f"widen the window; {span}")
        fb = data.feedback
        feedback = fb.loc[inside(fb["timestamp"])] if len(fb) else fb
        return _unwrap(_replace(data, events, data.customers, feedback), bare)
    first = ev.groupby("customer_id", sort=False, observed=True)["timestamp"].min()
    ids = first.index[inside(first)]
    if len(ids) == 0:
        raise EmptyTableError(
            f"no customer's first event falls in {window}",
            table="events",
            n_rows=0,
            fix=f"widen the window; {span}",
        )
    return _unwrap(filter_customers(data, ids), bare)


def in_window(ts: pd.Series, lo, hi) -> np.ndarray:
    """``lo <= ts < hi`` as a boolean array (a ``None`` bound is open)."""
    m = np.ones(len(ts), dtype=bool)
    if lo is not None:
        m &= (ts >= lo).to_numpy()
    if hi is not None:
        m &= (ts < hi).to_numpy()
    return m


def _select(data, column: str, values):
    if values is None:
        return data
    lazy = _is_lazy(data)
    if not lazy:
        data, bare = _wrap(data)
    allowed = tuple(getattr(data.catalog, column + "s")) if lazy else _allowed(data, bare, column)
    values = _as_list(values)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise UnknownCategoryError(
            f"{column}s {unknown} are not in the catalog; it has {list(allowed)}",
            table="events",
            column=column,
            fix=f"pick {column}s among those",
        )
    if lazy:
        from cxlab.engines._filters import keep_values

        return keep_values(data, column, values)
    ev = data.events
    events = ev.loc[ev[column].isin(values).to_numpy()]
    present = ev[column].value_counts()
    present = present[present > 0].index.tolist()
    _require_events(
        events,
        f"keeping {column}s {values}",
        len(ev),
        f"these {column}s have events: {present}",
    )
    fb = data.feedback
    feedback = fb.loc[fb[column].isin(values).to_numpy()] if column in fb else fb
    return _unwrap(_replace(data, events, data.customers, feedback), bare)


def select_stages(data: CXData, stages) -> CXData:
    """Keep events (and feedback) of the given stages.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
        A study, or a bare events table (then a DataFrame is returned). A
        :class:`~cxlab.engines.LazyStudy` is filtered in its engine.
    stages : str or list of str or None
        Stages of ``data.catalog`` (of the column's categories for a bare
        events table); ``None`` keeps all.

    Returns
    -------
    CXData or DataFrame
        Categories are not changed (see the module docstring).

    Raises
    ------
    UnknownCategoryError
        A stage is not in the catalog.
    EmptyTableError
        No event has these stages.
    """
    return _select(data, "stage", stages)


def select_channels(data: CXData, channels) -> CXData:
    """Keep events (and feedback) of the given channels. See :func:`select_stages`.

    Parameters
    ----------
    data : CXData
        The study.
    channels : str or sequence of str
        Channels whose events are kept.
    """
    return _select(data, "channel", channels)


def filter_data(
    data: CXData,
    *,
    segment: Mapping | str | None = None,
    start=None,
    end=None,
    by: str = "event",
    stages=None,
    channels=None,
) -> CXData:
    """Apply the usual notebook filters in one call.

    Order: segment (customers), date window, stages, channels. Empty or
    ``None`` arguments do nothing, so notebook parameters can default to them.

    Parameters
    ----------
    data : CXData or LazyStudy
    segment : dict, str or None
        See :func:`filter_segment`.
    start, end : str or None
        See :func:`filter_dates`.
    by : {"event", "first_event"}, default="event"
        See :func:`filter_dates`.
    stages, channels : list of str or None
        See :func:`select_stages` and :func:`select_channels`.

    Returns
    -------
    CXData

    Raises
    ------
    EmptyTableError
        When a filter leaves no events (naming the filter).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=300, random_state=1)
    >>> sub = cxlab.filter_data(data, stages=["awareness", "consideration", "purchase"])
    >>> sub.events["stage"].value_counts(sort=False).loc[lambda n: n > 0].index.tolist()
    ['awareness', 'consideration', 'purchase']
    """
    out = filter_segment(data, segment)
    out = filter_dates(out, start, end, by=by)
    if stages is not None and len(_as_list(stages)):
        out = select_stages(out, stages)
    if channels is not None and len(_as_list(channels)):
        out = select_channels(out, channels)
    return out
