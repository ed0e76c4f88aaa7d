"""The per-customer event aggregates persona features are built from, on any engine.

Written once on narwhals (:mod:`cxlab.engines`): the same plan runs on pandas in memory,
in DuckDB out of core and on Spark, and only per-customer results come back (as pandas):

- ``cells``: events per customer, stage and channel (long: one row per combination seen);
- ``per_customer``: events, first event, first purchase, first churn, last buyer-stage
  event (as int64 nanoseconds, -1 where none), events before the first purchase, paid
  orders and revenue.

"Before the first purchase" follows the study's event order: by time, and at equal
times by catalog stage order (the order :func:`cxlab.load` sorts events in).
"""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.exceptions import DataError, MissingColumnError

__all__ = ["event_aggregates"]

_NONE = -1
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
        ``customer_id``, ``stage``, ``channel`` (text), ``n``.
    per_customer : DataFrame
        Sorted by ``customer_id``: ``n_events``, ``before_purchase``, ``orders``,
        ``revenue`` and the int64 nanosecond times ``first_t``, ``last_t``,
        ``purchase_t``, ``churn_t``, ``last_buyer_t`` (-1 where there is none).

    Raises
    ------
    MissingColumnError
        ``customer_id``, ``timestamp``, ``stage`` or ``channel`` is missing.
    DataError
        An empty event log, or missing customer ids.
    """
    lf = to_lazy(events)
    names = lf.collect_schema().names()
    missing_cols = [c for c in ("customer_id", "timestamp", "stage", "channel") if c not in names]
    if missing_cols:
        raise MissingColumnError(
            f"required column {missing_cols[0]!r} is missing; found {names}",
            table="events",
            column=missing_cols[0],
            fix="load the data with cxlab.load(..., columns=...) to map your column names",
        )
    stage, t = nw.col("stage"), nw.col("timestamp")
    purchase = catalog.purchase_stage
    p_rank = catalog.stages.index(purchase)
    buyer = [s for s in catalog.buyer_stages if s != purchase]
    revenue = nw.col("revenue") if "revenue" in names else nw.lit(0.0)
    churn = (
        _when(stage == catalog.churn_stage, t)
        if catalog.churn_stage is not None
        else _when(nw.lit(False), t)
    )
    marked = lf.select(
        "customer_id",
        "timestamp",
        "stage",
        _when(stage == purchase, t).alias("purchase_t"),
        churn.alias("churn_t"),
        _when(stage.is_in(buyer), t).alias("last_buyer_t"),
        _flag(revenue > 0).alias("paid"),
        revenue.cast(nw.Float64).alias("revenue"),
    ).with_columns(nw.col("purchase_t").min().over("customer_id").alias("first_purchase"))
    first_p = nw.col("first_purchase")
    before = (t < first_p) | ((t == first_p) & stage.is_in(list(catalog.stages[:p_rank])))
    per_customer = (
        marked.with_columns(_flag(before).alias("before_purchase"))
        .group_by("customer_id")
        .agg(
            nw.len().alias("n_events"),
            nw.col("timestamp").min().alias("first_t"),
            nw.col("timestamp").max().alias("last_t"),
            nw.col("purchase_t").min(),
            nw.col("churn_t").min(),
            nw.col("last_buyer_t").max(),
            nw.col("before_purchase").sum(),
            nw.col("paid").sum().alias("orders"),
            nw.col("revenue").sum(),
        )
    )
    cells = lf.group_by("customer_id", "stage", "channel").agg(nw.len().alias("n"))
    per = to_pandas(per_customer)
    if len(per) == 0:
        raise DataError("the event log is empty", table="events", n_rows=0)
    if per["customer_id"].isna().any():
        raise DataError(
            "customer_id is missing",
            table="events",
            column="customer_id",
            n_rows=int(per.loc[per["customer_id"].isna(), "n_events"].sum()),
            fix="every event needs its customer; load with cxlab.load to validate",
        )
    per = per.sort_values("customer_id", kind="stable").reset_index(drop=True)
    for col in _TIMES:
        per[col] = _nanoseconds(per[col])
    for col in ("n_events", "before_purchase", "orders"):
        per[col] = per[col].to_numpy(dtype=np.int64)
    per["revenue"] = per["revenue"].to_numpy(dtype=float)
    cells = to_pandas(cells)
    cells["n"] = cells["n"].to_numpy(dtype=np.int64)
    return cells, per


def _nanoseconds(values: pd.Series) -> np.ndarray:
    """int64 nanoseconds since the epoch; -1 where missing."""
    stamps = pd.to_datetime(values)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = stamps.astype("datetime64[ns]").to_numpy().view(np.int64).copy()
    ns[stamps.isna().to_numpy()] = _NONE
    return ns
