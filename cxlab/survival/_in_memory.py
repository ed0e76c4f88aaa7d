"""The survival table's event reductions on a pandas event log, with numpy.

The same reductions as the narwhals plan in :mod:`cxlab.survival._table` (one row per
customer: start, end of follow-up, churn kind and the journey counts) and the same rules,
written on integer arrays: on pandas in memory narwhals' joins and groupings cost
2.8-5.9x the time of these few passes over the events. The events are put in (customer,
time) order once (not at all when :func:`cxlab.load` already sorted them); every rule
about events at one instant is a mask, so the row order at equal times does not matter:

- the start is the customer's first event of the start stage; start events at that
  instant count as one start (``first_revenue`` is their sum, ``purchase_channel`` the
  first of their channels in the channel order);
- the follow-up runs from the start (events of the start instant ranked before the start
  stage in the catalog excluded) to the end, every event of the end instant included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.exceptions import DataError

__all__ = ["per_customer_in_memory"]

NONE = np.iinfo(np.int64).max  # "no such event": later than every time


def per_customer_in_memory(events: pd.DataFrame, spec) -> pd.DataFrame:
    """One row per customer, as the narwhals ``_per_customer`` returns it.

    Parameters
    ----------
    events : DataFrame
        ``customer_id``, ``timestamp`` (datetime64), ``stage``, ``channel`` and optional
        ``revenue``, in any row order.
    spec : _Spec
        Stage names and order, channel order, the churn definition and its dates (int64
        nanoseconds), as :func:`cxlab.survival_table` builds it.

    Returns
    -------
    DataFrame
        ``customer_id`` (sorted), ``start``, ``end`` (datetime64, NaT without a start),
        ``kind`` (0 censored, 1 event, 2 inactivity), ``revenue_after_start``,
        ``support_contacts``, ``bad_churn`` (churn events before the start),
        ``n_channels``, ``first_revenue`` and ``purchase_channel`` (code in
        ``spec.channels``, -1 without a start).
    """
    ids, codes, t, order, firsts = _ordered_codes(events)
    n = len(ids)
    # stages by catalog rank (other stages after the catalog's), channels by their order
    rank = _take(_positions(events["stage"], spec.stages, len(spec.stages)), order)
    chan = _take(_positions(events["channel"], spec.channels, -1), order)
    if "revenue" in events:  # missing revenue (NaN too) adds nothing, as in a sum
        revenue = _take(events["revenue"].to_numpy(dtype=float, na_value=0.0), order)
    else:
        revenue = np.zeros(len(t))

    def rows_of(stage):
        if stage is None or stage not in spec.stages:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(rank == spec.stages.index(stage))

    # the start: first start-stage event; its instant's start events count as one
    r_start = spec.stages.index(spec.start)
    srows = rows_of(spec.start)
    start_t = _first_time(srows, codes, t, n)
    at_start = srows[t[srows] == start_t[codes[srows]]]
    first_revenue = np.bincount(codes[at_start], weights=revenue[at_start], minlength=n)
    purchase_channel = np.full(n, -1, dtype=np.int64)
    c = codes[at_start]
    once = np.r_[True, c[1:] != c[:-1]] if len(c) else np.empty(0, bool)
    purchase_channel[c[once]] = chan[at_start[once]]
    np.minimum.at(purchase_channel, c[~once], chan[at_start[~once]])  # the rare ties

    # explicit churn: the first churn event at or after the start (earlier ones are bad)
    crows = rows_of(spec.churn_stage)
    crows = crows[t[crows] <= spec.obs_end]
    bad = t[crows] < start_t[codes[crows]]
    bad_churn = np.bincount(codes[crows[bad]], minlength=n)
    churn_t = _first_time(crows[~bad], codes, t, n)

    first, kind = churn_t, np.ones(n, dtype=np.int64)
    if spec.churn != "event":
        activity = (t >= start_t[codes]) & (t <= spec.obs_end)
        activity[rows_of(spec.churn_stage)] = False
        inactive_t = _inactivity(codes, t, activity, spec.obs_end, spec.thr, n)
        if spec.churn == "inactivity":
            first, kind = inactive_t, np.full(n, 2, dtype=np.int64)
        else:
            use_event = churn_t < inactive_t
            first = np.where(use_event, churn_t, inactive_t)
            kind = np.where(use_event, 1, 2)
    seen = first <= spec.censor_at
    end = np.where(seen, first, spec.censor_at)
    kind = np.where(seen, kind, 0)

    # the follow-up: from the start (events of its instant ranked before the start stage
    # left out) to the end, all of the end's instant; none when the start is not before
    # the censoring date (NONE: later than every event)
    begin_of = np.where(start_t < spec.censor_at, start_t, NONE)[codes]
    span = ((t > begin_of) | ((t == begin_of) & (rank >= r_start))) & (t <= end[codes])
    n_channels = _distinct_channels(codes, chan, span, firsts, len(spec.channels))
    paid = span & (revenue != 0)
    paid[at_start] = False  # the start's own revenue is first_revenue
    paid = np.flatnonzero(paid)
    revenue_after = np.bincount(codes[paid], weights=revenue[paid], minlength=n)

    sup = rows_of(spec.support)
    s_start = start_t[codes[sup]]
    sup = sup[
        (t[sup] > s_start)
        & (t[sup] - s_start <= spec.win)  # no overflow: t > start
        & (t[sup] <= spec.obs_end)
    ]
    has_start = start_t != NONE
    return pd.DataFrame(
        {
            "customer_id": ids,
            "start": _stamps(start_t, has_start),
            "end": _stamps(end, has_start),
            "kind": kind,
            "revenue_after_start": revenue_after,
            "support_contacts": np.bincount(codes[sup], minlength=n),
            "bad_churn": bad_churn,
            "n_channels": n_channels,
            "first_revenue": first_revenue,
            "purchase_channel": purchase_channel,
        }
    )


def _ordered_codes(events: pd.DataFrame):
    """Customer ids (sorted), per-event customer codes and int64 times in (customer, time) order.

    Returns ``(ids, codes, times, order, firsts)``; ``order`` is None when the log was
    already grouped by customer and in time order (checked in one pass), else the rows'
    order; ``firsts`` is each customer's first row.
    """
    ts = events["timestamp"]
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    if not pd.api.types.is_datetime64_dtype(ts.dtype):
        raise DataError(
            f"timestamps must be datetime64, not {ts.dtype}",
            column="timestamp",
            table="events",
            fix="load events with cxlab.load_events, which parses timestamps",
        )
    t = ts.to_numpy().astype("datetime64[ns]", copy=False).view(np.int64)
    values = events["customer_id"].to_numpy()
    if len(values) and values.dtype.kind in "iu" and bool(np.all(values[1:] >= values[:-1])):
        new = np.r_[True, values[1:] != values[:-1]]  # sorted ids: a code per run
        back = np.flatnonzero(t[1:] < t[:-1]) + 1  # time goes back: only at a new customer
        if new[back].all():
            firsts = np.flatnonzero(new)
            codes = np.repeat(np.arange(len(firsts)), np.diff(firsts, append=len(values)))
            return values[firsts], codes, t, None, firsts
    codes, ids = pd.factorize(values, sort=True)
    order = np.lexsort((t, codes))
    codes = codes[order].astype(np.int64)
    firsts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    return np.asarray(ids), codes, t[order], order, firsts


def _take(values: np.ndarray, order):
    return values if order is None else values[order]


def _positions(values: pd.Series, names: list, other: int) -> np.ndarray:
    """Each value's position in ``names`` (``other`` for values outside it, -1 missing).

    A categorical column whose categories are ``names`` gives its codes as they are.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, found = values.cat.codes.to_numpy(), [str(v) for v in values.cat.categories]
        if found == list(names):
            return codes
    else:
        codes, found = pd.factorize(values)
        found = [str(v) for v in found]
    lookup = [names.index(v) if v in names else other for v in found]
    return np.array([*lookup, -1], dtype=np.int64)[codes]


def _first_time(rows: np.ndarray, codes: np.ndarray, t: np.ndarray, n: int) -> np.ndarray:
    """Per customer, the time of the first of ``rows`` (in time order); ``NONE`` without."""
    out = np.full(n, NONE, dtype=np.int64)
    if len(rows):
        c = codes[rows]
        first = rows[np.r_[True, c[1:] != c[:-1]]]
        out[codes[first]] = t[first]
    return out


def _inactivity(codes, t, activity, obs_end, thr, n) -> np.ndarray:
    """Time of the last activity before the first silence longer than ``thr`` (else none)."""
    rows = np.flatnonzero(activity)
    c, ta = codes[rows], t[rows]
    following = np.r_[ta[1:], obs_end] if len(rows) else ta
    last = np.r_[c[1:] != c[:-1], True] if len(rows) else np.empty(0, bool)
    following[last] = obs_end
    return _first_time(np.flatnonzero(following - ta > thr), c, ta, n)


def _distinct_channels(codes, chan, span, firsts, n_channels) -> np.ndarray:
    """Distinct channels of each customer's follow-up events (``firsts``: first rows)."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    if n_channels <= 63:  # one bit per channel, OR-ed over each customer's events
        width = next(w for w in (np.uint16, np.uint32, np.uint64) if n_channels < 8 * w(0).itemsize)
        one_bit = np.r_[np.left_shift(1, np.arange(n_channels)), 0].astype(width)
        bits = one_bit[chan]  # a missing channel (-1): no bit
        bits *= span
        return np.bitwise_count(np.bitwise_or.reduceat(bits, firsts)).astype(np.int64)
    keep = span & (chan >= 0)
    pairs = np.unique(codes[keep] * n_channels + chan[keep])
    return np.bincount(pairs // n_channels, minlength=len(firsts))


def _stamps(ns: np.ndarray, has: np.ndarray) -> np.ndarray:
    """int64 nanoseconds as datetime64, NaT where ``has`` is False."""
    return np.where(has, ns, np.iinfo(np.int64).min).view("datetime64[ns]")
