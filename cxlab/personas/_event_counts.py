"""The per-customer event aggregates persona features are built from, on any engine.

Written on narwhals (:mod:`cxlab.engines`): the same plan runs in DuckDB out of core, on
Spark and on polars, and only per-customer results come back (as pandas):

- ``cells``: one grouping of the events by customer, stage and channel (one row per
  combination seen): events, first and last time, events before the customer's first
  purchase, paid orders and revenue;
- ``per_customer``, derived from the cells with numpy: events, first event, first
  purchase, first churn, last buyer-stage event (int64 nanoseconds, -1 where none),
  events before the first purchase, paid orders and revenue.

"Before the first purchase" follows the study's event order: by time, and at equal
times by catalog stage order (the order :func:`cxlab.load` sorts events in).

A pandas event log in memory takes the same definitions written with numpy on integer
codes (put in customer, time and stage order once, not at all when :func:`cxlab.load`
sorted it): there the cells are the events themselves (``n`` = 1) and the grouping is
left to the bincounts that follow, 1.2-2.9x faster than narwhals' three-key grouping and
window on pandas.
"""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.exceptions import DataError, MissingColumnError

__all__ = ["event_aggregates"]

_NONE = -1
_MAX, _MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min
_TIMES = ("first_t", "last_t", "purchase_t", "churn_t", "last_buyer_t")


def _when(condition, value):
    return nw.when(condition).then(value)


def _flag(condition):
    return nw.when(condition).then(nw.lit(1)).otherwise(nw.lit(0))


def event_aggregates(events, catalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cells and per-customer aggregates of an event table (see the module docstring).

    Parameters
    ----------
    events : DataFrame, LazyFrame, DuckDB relation, PySpark DataFrame or PyArrow table
        The events: ``customer_id``, ``timestamp``, ``stage``, ``channel``, optional
        ``revenue``.
    catalog : StageCatalog
        Purchase, churn, buyer stages and the stage order.

    Returns
    -------
    cells : DataFrame
        ``pos`` (the customer's row in ``per_customer``), ``stage_code`` and
        ``channel_code`` (catalog order, -1 missing) and ``n`` (events). From an engine one
        row per customer, stage and channel, also with ``customer_id``, ``stage``,
        ``channel``, ``first_t``, ``last_t``, ``before_purchase``, ``orders`` and
        ``revenue``; from a pandas event log in memory one row per event (``n`` = 1).
    per_customer : DataFrame
        Sorted by ``customer_id``: ``n_events``, ``before_purchase``, ``orders``,
        ``revenue`` and the int64 nanosecond times ``first_t``, ``last_t``,
        ``purchase_t``, ``churn_t``, ``last_buyer_t`` (-1 where there is none).

    Raises
    ------
    MissingColumnError
        ``customer_id``, ``timestamp``, ``stage`` or ``channel`` is missing.
    DataError
        An empty event log, missing customer ids, stages or channels outside the catalog.
    """
    in_memory = isinstance(events, pd.DataFrame)
    lf = None if in_memory else to_lazy(events)
    names = list(events.columns) if in_memory else lf.collect_schema().names()
    missing_cols = [c for c in ("customer_id", "timestamp", "stage", "channel") if c not in names]
    if missing_cols:
        raise MissingColumnError(
            f"required column {missing_cols[0]!r} is missing; found {names}",
            table="events",
            column=missing_cols[0],
            fix="load the data with cxlab.load(..., columns=...) to map your column names",
        )
    if in_memory:
        return _in_memory(events, catalog)
    stage, t = nw.col("stage"), nw.col("timestamp")
    purchase = catalog.purchase_stage
    p_rank = catalog.stages.index(purchase)
    revenue = nw.col("revenue") if "revenue" in names else nw.lit(0.0)
    first_p = nw.col("_first_purchase")
    before = (t < first_p) | ((t == first_p) & stage.is_in(list(catalog.stages[:p_rank])))
    # one grouping over the events: everything per customer follows from these cells
    cells = (
        lf.select(
            "customer_id",
            "timestamp",
            "stage",
            "channel",
            _flag(revenue > 0).alias("paid"),
            revenue.cast(nw.Float64).alias("revenue"),
            nw.when(stage == purchase).then(t).alias("_purchase_t"),
        )
        .with_columns(nw.col("_purchase_t").min().over("customer_id").alias("_first_purchase"))
        .with_columns(_flag(before).alias("before_purchase"))
        .group_by("customer_id", "stage", "channel")
        .agg(
            nw.len().alias("n"),
            nw.col("timestamp").min().alias("first_t"),
            nw.col("timestamp").max().alias("last_t"),
            nw.col("before_purchase").sum(),
            nw.col("paid").sum().alias("orders"),
            nw.col("revenue").sum(),
        )
    )
    cells = to_pandas(cells, categorical=("stage", "channel"))
    _check_ids(cells["customer_id"], cells["n"])
    for col in ("n", "before_purchase", "orders"):
        cells[col] = cells[col].to_numpy(dtype=np.int64)
    for col in ("first_t", "last_t"):
        cells[col] = _nanoseconds(cells[col])
    pos, ids = pd.factorize(cells["customer_id"], sort=True)
    cells["pos"] = pos.astype(np.int64)
    channels = catalog.channels
    for col, names in (("stage", catalog.stages), ("channel", channels)):
        cells[f"{col}_code"] = _catalog_codes(cells[col], names, col, cells["n"].to_numpy())
    return cells, _per_customer(cells, np.asarray(ids), catalog)


def _check_ids(ids: pd.Series, weights) -> None:
    """An empty log or missing customer ids (``weights``: events per row) raise."""
    if len(ids) == 0:
        raise DataError("the event log is empty", table="events", n_rows=0)
    missing = ids.isna().to_numpy()
    if missing.any():
        raise DataError(
            "customer_id is missing",
            table="events",
            column="customer_id",
            n_rows=int(np.asarray(weights)[missing].sum()),
            fix="every event needs its customer; load with cxlab.load to validate",
        )


def _in_memory(events: pd.DataFrame, catalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`event_aggregates` of a pandas event log, with numpy (cells: the events)."""
    ones = np.ones(len(events), dtype=np.int64)
    _check_ids(events["customer_id"], ones)
    values = events["customer_id"].to_numpy()
    if values.dtype.kind in "iu" and bool(np.all(values[1:] >= values[:-1])):
        new = np.r_[True, values[1:] != values[:-1]]  # sorted ids: a code per run
        codes, ids = np.cumsum(new) - 1, values[new]
    else:
        codes, ids = pd.factorize(values, sort=True)
        codes, ids = codes.astype(np.int64), np.asarray(ids)
    t = _nanoseconds(events["timestamp"])
    stage = _catalog_codes(events["stage"], catalog.stages, "stage", ones)
    chan = _catalog_codes(events["channel"], catalog.channels, "channel", ones)
    revenue = np.zeros(len(t))
    if "revenue" in events:  # missing revenue adds nothing, as in the engines' sums
        revenue = events["revenue"].to_numpy(dtype=float, na_value=0.0)
    # customer, time and stage order (cxlab.load's): firsts and lasts are row positions
    dc, dt = np.diff(codes), np.diff(t)
    if not np.all((dc > 0) | ((dc == 0) & ((dt > 0) | ((dt == 0) & (np.diff(stage) >= 0))))):
        order = np.lexsort((stage, t, codes))
        codes, t, stage, chan, revenue = (a[order] for a in (codes, t, stage, chan, revenue))
    n = len(ids)
    firsts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    lasts = np.r_[firsts[1:], len(codes)] - 1

    def at(rows, times, pick_last=False):  # time of each customer's first/last of rows
        out = np.full(n, _NONE, dtype=np.int64)
        if len(rows):
            c = codes[rows]
            edge = np.r_[c[1:] != c[:-1], True] if pick_last else np.r_[True, c[1:] != c[:-1]]
            out[c[edge]] = times[rows[edge]]
        return out

    code = {name: i for i, name in enumerate(catalog.stages)}
    purchases = np.flatnonzero(stage == code[catalog.purchase_stage])
    first_purchase = np.full(n, -1, dtype=np.int64)
    if len(purchases):
        c = codes[purchases]
        first = purchases[np.r_[True, c[1:] != c[:-1]]]
        first_purchase[codes[first]] = first
    is_buyer = np.zeros(len(code) + 1, dtype=bool)  # by stage code (-1, missing: the last)
    is_buyer[[code[s] for s in catalog.buyer_stages if s != catalog.purchase_stage]] = True
    per = pd.DataFrame(
        {
            "customer_id": ids,
            "n_events": lasts - firsts + 1,
            "first_t": t[firsts],
            "last_t": t[lasts],
            "purchase_t": at(purchases, t),
            "churn_t": at(np.flatnonzero(stage == code.get(catalog.churn_stage, -2)), t),
            "last_buyer_t": at(np.flatnonzero(is_buyer[stage]), t, pick_last=True),
            # rows before the first purchase (time, then stage order): a row count
            "before_purchase": np.where(first_purchase >= 0, first_purchase - firsts, 0),
            "orders": np.bincount(codes[revenue > 0], minlength=n),
            "revenue": np.bincount(codes, weights=revenue, minlength=n),
        }
    )
    cells = pd.DataFrame({"pos": codes, "n": ones, "stage_code": stage, "channel_code": chan})
    return cells, per


def _catalog_codes(values: pd.Series, names, column: str, weights) -> np.ndarray:
    """Codes of a stage or channel column in catalog order (-1 where missing).

    Raises a :class:`DataError` naming the values outside the catalog and how many events
    have them (``weights``: events per row).
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and [
        str(c) for c in values.cat.categories
    ] == list(names):
        return values.cat.codes.to_numpy().astype(np.int64)
    codes, uniques = pd.factorize(values)
    uniques = [str(u) for u in uniques]
    unknown = [u for u in uniques if u not in names]
    if unknown:
        bad = np.isin(codes, [uniques.index(u) for u in unknown])
        raise DataError(
            f"values {unknown[:5]} are not in the catalog's {column}s",
            table="events",
            column=column,
            n_rows=int(np.asarray(weights)[bad].sum()),
            fix="load the data with cxlab.load (which validates it) or extend the StageCatalog",
        )
    lookup = np.array([*(list(names).index(u) for u in uniques), -1], dtype=np.int64)
    return lookup[codes]


def _per_customer(cells: pd.DataFrame, ids: np.ndarray, catalog) -> pd.DataFrame:
    """Per-customer counts and times from the cells (one row per customer, stage, channel)."""
    pos, n = cells["pos"].to_numpy(), len(ids)
    stage = cells["stage_code"].to_numpy()
    code = {name: i for i, name in enumerate(catalog.stages)}
    first, last = cells["first_t"].to_numpy(), cells["last_t"].to_numpy()
    out = {"customer_id": ids}
    for col in ("n", "before_purchase", "orders"):
        out[col] = np.bincount(pos, weights=cells[col].to_numpy(), minlength=n).astype(np.int64)
    out["n_events"] = out.pop("n")
    out["revenue"] = np.bincount(pos, weights=cells["revenue"].to_numpy(float), minlength=n)

    def earliest(mask, times, reduce=np.minimum, start=_MAX):
        acc = np.full(n, start, dtype=np.int64)
        reduce.at(acc, pos[mask], times[mask])
        return np.where(acc == start, _NONE, acc)

    out["first_t"] = earliest(np.ones(len(pos), bool), first)
    out["last_t"] = earliest(np.ones(len(pos), bool), last, np.maximum, _MIN)
    out["purchase_t"] = earliest(stage == code[catalog.purchase_stage], first)
    out["churn_t"] = earliest(stage == code.get(catalog.churn_stage, -2), first)
    buyer = [code[s] for s in catalog.buyer_stages if s != catalog.purchase_stage]
    out["last_buyer_t"] = earliest(np.isin(stage, buyer), last, np.maximum, _MIN)
    per = pd.DataFrame(out)
    return per[["customer_id", "n_events", *_TIMES, "before_purchase", "orders", "revenue"]]


def _nanoseconds(values: pd.Series) -> np.ndarray:
    """int64 nanoseconds since the epoch; -1 where missing."""
    # already datetimes (every engine's result): no parsing, which would walk the values
    stamps = values if pd.api.types.is_datetime64_any_dtype(values) else pd.to_datetime(values)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = stamps.astype("datetime64[ns]").to_numpy().view(np.int64).copy()
    ns[stamps.isna().to_numpy()] = _NONE
    return ns
