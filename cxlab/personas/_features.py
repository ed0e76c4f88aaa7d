"""One row per customer: the features personas are found from.

:func:`customer_features` turns the event log, the customers table and the
feedback table into a customer-by-feature table. Every feature is documented in
:func:`feature_catalog` (its group, what it measures and when it is missing).

Missing-value policy
--------------------
A feature that is *undefined* for a customer is left as ``NaN``; it is never
filled in here. Non-purchasers have no time to purchase, order value or
tenure; customers who answered no survey have no NPS, CSAT or CES. Counts
(orders, revenue, support contacts) are true zeros, not missing.
:func:`missing_report` says what is missing and why. When a feature with gaps
defines personas, :class:`~cxlab.personas.PersonaModel` marginalises them (latent
class) or fills the median (gmm, kmeans) and records it in ``missing_``; features
that only describe personas are averaged over the customers who have them.
Customers in the customers table without any event have no journey to
describe: they are left out and a :class:`~cxlab.exceptions.DataWarning` says
how many (the report lists them as ``(no events)``).

The work over events (:mod:`cxlab.personas._event_counts`) is a plan written on narwhals
that runs inside the engine that holds the events (DuckDB out of core, Spark, polars), or
on a pandas event log in memory the same counts with numpy; either returns per-customer
counts and times, and the features are derived from those with numpy. A lazy study
(:class:`~cxlab.engines.LazyStudy`) works unchanged.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab.exceptions import DataError, DataWarning, MissingColumnError, ParameterError
from cxlab.personas._catalog import FEATURE_GROUPS, feature_catalog, missing_report
from cxlab.personas._event_counts import event_aggregates

__all__ = ["customer_features", "feature_catalog", "missing_report", "FEATURE_GROUPS"]

DAY_NS = 86_400 * 10**9
_NO_EVENT = -1  # event_aggregates' time where a customer has no such event


def select_features(features, out: dict, table: pd.DataFrame) -> list[str]:
    """Column names from ``"all"``, group names and/or feature names, in the order asked."""
    groups = {name: _group_of(name, table) for name in out}
    if features is None or (isinstance(features, str) and features == "all"):
        features = list(FEATURE_GROUPS)
    elif isinstance(features, str):
        features = [features]
    names: list[str] = []
    for f in features:
        if f in FEATURE_GROUPS:
            names += [c for c in out if groups[c] == f and c not in names]
        elif f in out or f in table.index:
            if f not in names:
                names.append(f)
        else:
            raise ParameterError(
                f"unknown feature or group {f!r}; groups are {list(FEATURE_GROUPS)}, "
                "features are listed by cxlab.feature_catalog()."
            )
    return names


def customer_features(
    data, *, features="all", attributes=None, end=None, out=None, overwrite=False
):
    """Build one row per customer of documented journey, value and feedback features.

    Parameters
    ----------
    data : CXData or LazyStudy
        Events, customers, feedback and catalog (from :func:`cxlab.load` or
        :func:`cxlab.simulate`); the events may stay in DuckDB, Spark or polars.
    features : "all", str or list of str, default="all"
        Feature groups (``"channels"``, ``"journey"``, ``"stages"``, ``"value"``,
        ``"feedback"``) and/or feature names; see :func:`feature_catalog`.
    attributes : list of str, optional
        Categorical columns of the customers table to turn into 0/1 indicators
        (group ``"attributes"``). Default: ``["segment"]`` when the table has it.
    end : str or Timestamp, optional
        End of observation, for the tenure of customers who have not churned.
        Default: the last event in the log.
    out : str or Path, optional
        Lazy studies only: a folder to write the features to, as Parquet (one file per
        bucket of customers, ``customer_id`` a column); the result is then a lazy frame
        over the folder on the study's engine and the table never comes to pandas whole.
        See :func:`~cxlab.personas._bucket_features.bucket_features`.
    overwrite : bool, default=False
        Replace the files of a folder ``out`` that already holds some.

    Returns
    -------
    DataFrame or narwhals.LazyFrame
        Index ``customer_id`` (customers with at least one event, in id order),
        one float column per feature (a lazy study: counts ``int32``, 0/1 flags ``int8``,
        the rest ``float64``; with ``out=`` a lazy frame over the Parquet folder). ``NaN`` marks a feature that is
        undefined for that customer (see the module's missing-value policy);
        :func:`missing_report` says what is missing and why.
        ``attrs["customers_without_events"]`` lists customers left out.

    Raises
    ------
    MissingColumnError
        The events table lacks ``customer_id``, ``timestamp``, ``stage`` or ``channel``.
    DataError
        Stages or channels outside the catalog; an empty event log.
    ParameterError
        An unknown feature or group name; ``out=`` on a study in memory; a folder
        ``out`` that already holds files (without ``overwrite=True``).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=500, random_state=0)
    >>> X = cxlab.customer_features(data, features=["channels", "purchased"])
    >>> X.shape
    (500, 10)
    >>> bool((X.filter(like="share_").sum(axis=1).round(9) == 1).all())
    True
    """
    if not isinstance(data.events, pd.DataFrame):  # a lazy study: bucket by bucket
        from cxlab.personas._bucket_features import bucket_features

        return bucket_features(
            data,
            features=features,
            attributes=attributes,
            end=end,
            out=out,
            overwrite=overwrite,
        )
    if out is not None:
        raise ParameterError(
            "out= writes the features of a lazy study (events in DuckDB, Spark or polars) "
            "to Parquet bucket by bucket; this study is in memory: call "
            "customer_features(data) and save the table with X.to_parquet(path)"
        )
    catalog = data.catalog
    cells, per = event_aggregates(data.events, catalog)
    ids = per["customer_id"].to_numpy()
    tables = CustomerTables(data.customers, data.feedback, attributes, level_ids=ids)
    t0, last = int(per["first_t"].min()), int(per["last_t"].max())
    out_cols = feature_columns(cells, per, catalog, tables, t0, end_day_of(end, t0, last))
    wanted = select_features(features, out_cols, feature_catalog(catalog))
    # one float block (no pandas block consolidation of many mixed-type columns)
    mat = np.zeros((len(ids), len(wanted)), dtype=float, order="F")
    for j, name in enumerate(wanted):
        if name in out_cols:  # else a count cell that never occurs: zeros
            mat[:, j] = out_cols[name]
    X = pd.DataFrame(mat, index=pd.Index(ids, name="customer_id"), columns=wanted, copy=False)
    X.attrs["customers_without_events"] = warn_without_events(data.customers, ids)
    return X


def end_day_of(end, t0: int, last: int) -> float:
    """End of observation in days since ``t0`` (default: the last event)."""
    if end is None:
        return float((last - t0) / DAY_NS)
    return (pd.Timestamp(end).value - t0) / DAY_NS


def warn_without_events(customers, ids, stacklevel: int = 3) -> list:
    """Customers of the table without events (a DataWarning names how many); a list."""
    no_events = _customers_without_events(customers, ids)
    if no_events:
        warnings.warn(
            f"{len(no_events):,} customers have no events (e.g. customer_id "
            f"{no_events[:5]}); they have no journey to describe and are left out of "
            "the feature table",
            DataWarning,
            stacklevel=stacklevel,
        )
    return list(no_events)


def feature_columns(cells, per, catalog, tables, t0: int, end_day: float, cells_seen=None) -> dict:
    """Every feature of the customers of ``per`` (one array each, by name).

    Parameters
    ----------
    cells, per : DataFrame or dict of ndarray
        :func:`~cxlab.personas._event_counts.event_aggregates` of the events (all of
        them), or ``bucket_aggregates`` of one bucket of customers.
    catalog : StageCatalog
    tables : CustomerTables
        The customers and feedback tables.
    t0 : int
        Nanoseconds the days are counted from (the study's first event).
    end_day : float
        End of observation, days since ``t0``.
    cells_seen : sequence of int, optional
        The (stage, channel) cells that get a count column (``stage * channels +
        channel``): the study's, so that every bucket has the same columns. Default:
        the cells with events in ``cells``.

    Returns
    -------
    dict of str to ndarray
    """
    cells = {name: np.asarray(cells[name]) for name in ("pos", "n", "stage_code", "channel_code")}
    per = {name: np.asarray(per[name]) for name in per}
    ids = per["customer_id"]
    n = len(ids)
    n_st, n_ch = len(catalog.stages), len(catalog.channels)
    pos, weight = cells["pos"], cells["n"]
    if len(pos) == int(per["n_events"].sum()):
        weight = None  # one row per event (a pandas log in memory): plain counts
    stage, chan = cells["stage_code"], cells["channel_code"]

    def day(ns):  # float days since the first event; NaN where there is no such event
        return np.where(ns == _NO_EVENT, np.nan, (ns - t0) / DAY_NS)

    out: dict[str, np.ndarray] = {}

    # events per (stage, channel) cell and customer: the cells grouped by cell (a
    # counting sort of small integers), then one bincount over customers per cell
    has_ch = chan >= 0
    cell = np.where(has_ch, stage * n_ch + chan, n_st * n_ch)
    if n_st * n_ch < np.iinfo(np.int16).max:
        cell = cell.astype(np.int16)  # a stable sort of 16-bit integers is a radix sort
    by_cell = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[by_cell], np.arange(n_st * n_ch + 1))
    if cells_seen is None:
        cells_seen = np.flatnonzero(bounds[1:] > bounds[:-1])
    pos_by_cell = pos[by_cell]
    weight_by_cell = None if weight is None else weight[by_cell]
    cells_out = {}
    ch_counts = np.zeros((n, n_ch), dtype=np.int64, order="F")  # filled column by column
    for j in cells_seen:
        lo, hi = bounds[j], bounds[j + 1]
        if weight is None:
            counts = np.bincount(pos_by_cell[lo:hi], minlength=n)
        else:  # an engine's cells: one row per customer and cell, so a scatter
            counts = np.zeros(n, dtype=np.int64)
            counts[pos_by_cell[lo:hi]] = weight_by_cell[lo:hi]
        cells_out[f"n_{catalog.stages[j // n_ch]}__{catalog.channels[j % n_ch]}"] = counts
        ch_counts[:, j % n_ch] += counts
    ch_total = ch_counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = ch_counts / ch_total[:, None]
    for j, c in enumerate(catalog.channels):
        out[f"share_{c}"] = shares[:, j]
    out.update(cells_out)
    out.update(tables.attributes(ids))

    st_counts = np.bincount(pos * n_st + stage, weights=weight, minlength=n * n_st)
    st_counts = st_counts.astype(np.int64, copy=False).reshape(n, n_st)
    reached = st_counts > 0
    p_code = catalog.stages.index(catalog.purchase_stage)
    purchased = reached[:, p_code]
    first_day = day(per["first_t"])
    purchase_day = day(per["purchase_t"])

    # buyer's journey: events before the first purchase (purchasers) or all buyer-stage events
    buyer_codes = [
        catalog.stages.index(s) for s in catalog.buyer_stages if s != catalog.purchase_stage
    ]
    n_buyer = st_counts[:, buyer_codes].sum(axis=1)
    n_buyer[purchased] = per["before_purchase"][purchased]
    last_buyer_day = day(per["last_buyer_t"])
    buyer_end = np.where(purchased, purchase_day, last_buyer_day)
    gaps = np.where(purchased, n_buyer, n_buyer - 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        buyer_gap = np.where(gaps > 0, (buyer_end - first_day) / gaps, np.nan)

    out["n_events"] = per["n_events"]
    out["n_buyer_events"] = n_buyer
    out["n_stages"] = reached.sum(axis=1)
    out["purchased"] = purchased
    out["days_to_purchase"] = purchase_day - first_day
    out["buyer_gap_days"] = buyer_gap
    out["support_contacts"] = (
        st_counts[:, catalog.stages.index(catalog.support_stage)]
        if catalog.support_stage is not None
        else np.zeros(n, dtype=np.int64)
    )
    for j, s in enumerate(catalog.stages):
        out[f"reached_{s}"] = reached[:, j]

    orders = per["orders"]
    total = per["revenue"]
    out["orders"] = orders
    out["revenue"] = total
    with np.errstate(invalid="ignore", divide="ignore"):
        out["avg_order_value"] = np.where(orders > 0, total / np.maximum(orders, 1), np.nan)
    churned = np.zeros(n, dtype=bool)
    churn_day = np.full(n, np.nan)
    if catalog.churn_stage is not None:
        churned = reached[:, catalog.stages.index(catalog.churn_stage)]
        churn_day = day(per["churn_t"])
    stop = np.where(churned & (churn_day >= purchase_day), churn_day, end_day)
    out["tenure_days"] = np.where(purchased, np.maximum(stop - purchase_day, 0.0), np.nan)
    out["churned"] = churned
    out["loyalty_member"] = tables.loyalty(ids)
    for metric in ("nps", "csat", "ces"):
        out[metric] = tables.feedback_mean(ids, metric)
    return out


def _group_of(name: str, table: pd.DataFrame) -> str:
    if name in table.index:
        return table.loc[name, "group"]
    return "attributes"


class CustomerTables:
    """The customers and feedback tables as lookups by customer id, built once for the
    customers of every bucket.

    Parameters
    ----------
    customers, feedback : DataFrame or None
        The study's tables.
    attributes : list of str, optional
        Categorical columns of the customers table to turn into 0/1 indicators (default
        ``["segment"]`` when the table has it).
    level_ids : array, optional
        Customers whose values give an attribute's levels (the customers with events, in
        memory). Default: every customer of the table (a lazy study, whose customers with
        events are known only bucket by bucket; the columns are the same unless a level is
        held only by customers without events).
    """

    def __init__(self, customers, feedback, attributes=None, level_ids=None):
        has_ids = customers is not None and "customer_id" in customers
        self._index = pd.Index(customers["customer_id"]) if has_ids else pd.Index([])
        self._levels = _attribute_levels(customers, attributes, level_ids)
        self._loyal = None
        if has_ids and "loyalty_member" in customers:
            values = customers["loyalty_member"].astype("boolean").astype("Float64")
            self._loyal = pd.to_numeric(values, errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
        self._feedback = _feedback_means(feedback)

    def _rows(self, ids) -> np.ndarray:
        return self._index.get_indexer(ids) if len(self._index) else np.full(len(ids), -1)

    def attributes(self, ids) -> dict:
        """0/1 indicators of the attributes' levels (NaN where the value is missing)."""
        out: dict[str, np.ndarray] = {}
        if not self._levels:
            return out
        rows = self._rows(ids)
        for col, (codes, levels, use) in self._levels.items():
            code = _take(codes, rows, -1)
            for level in use:
                ind = (code == levels.index(level)).astype(float)
                ind[code < 0] = np.nan
                out[f"{col}_{level}"] = ind
        return out

    def loyalty(self, ids) -> np.ndarray:
        if self._loyal is None:
            return np.full(len(ids), np.nan)
        rows = self._rows(ids)
        return _take(self._loyal, rows, np.nan)

    def feedback_mean(self, ids, metric: str) -> np.ndarray:
        """Mean answer of each customer to ``metric`` (NaN without answers)."""
        if metric not in self._feedback:
            return np.full(len(ids), np.nan)
        index, means = self._feedback[metric]
        rows = index.get_indexer(ids)
        return _take(means, rows, np.nan)


def _take(values: np.ndarray, rows: np.ndarray, fill) -> np.ndarray:
    """``values[rows]``, ``fill`` where ``rows`` is -1 (not in the table)."""
    out = np.full(len(rows), fill, dtype=np.result_type(values.dtype, np.asarray(fill).dtype))
    found = rows >= 0
    out[found] = values[rows[found]]
    return out


def _attribute_levels(customers: pd.DataFrame | None, attributes, level_ids) -> dict:
    """Per attribute column: codes of the table's rows, the levels, the levels indicated."""
    explicit = attributes is not None
    if attributes is None:
        attributes = ["segment"]
    elif isinstance(attributes, str):
        attributes = [attributes]
    out = {}
    for col in attributes:
        if customers is None or col not in customers:
            if explicit:
                raise MissingColumnError(
                    f"attribute column {col!r} is not in the customers table",
                    table="customers",
                    column=col,
                    fix=f"use one of {[] if customers is None else list(customers.columns)}",
                )
            continue
        values = customers[col]
        if level_ids is not None:
            values = customers.set_index("customer_id")[col].reindex(level_ids)
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_integer_dtype(values):
            if values.nunique() > 20:
                raise DataError(
                    f"attribute {col!r} is numeric with {values.nunique()} distinct values; "
                    "attributes are categories",
                    table="customers",
                    column=col,
                    fix="join numeric columns to the feature table yourself",
                )
        levels = list(pd.Categorical(values).categories)
        codes = pd.Categorical(customers[col], categories=levels).codes.astype(np.int64)
        out[col] = (codes, levels, levels[1:] if len(levels) == 2 else levels)
    return out


def _feedback_means(fb: pd.DataFrame | None) -> dict:
    """Per metric: the customers who answered (an Index) and their mean score."""
    if fb is None or len(fb) == 0 or "metric" not in fb:
        return {}
    out = {}
    score_all = fb["score"].to_numpy(dtype=float)
    metric_all = fb["metric"].to_numpy()
    for metric in ("nps", "csat", "ces"):
        rows = metric_all == metric
        score = score_all[rows]
        ok = ~np.isnan(score)
        codes, uniques = pd.factorize(fb["customer_id"].to_numpy()[rows][ok])
        count = np.bincount(codes, minlength=len(uniques))
        total = np.bincount(codes, weights=score[ok], minlength=len(uniques))
        out[metric] = (pd.Index(uniques), total / np.maximum(count, 1))
    return out


def _customers_without_events(customers: pd.DataFrame | None, ids) -> list:
    if customers is None or "customer_id" not in customers or len(customers) == 0:
        return []
    silent = ~customers["customer_id"].isin(ids)
    return customers.loc[silent, "customer_id"].tolist()
