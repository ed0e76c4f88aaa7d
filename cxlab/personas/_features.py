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

All work is vectorised over events (``np.bincount`` on integer customer codes;
the log is sorted only when it is not already in customer/time order).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab.exceptions import DataError, DataWarning, MissingColumnError, ParameterError
from cxlab.personas._catalog import FEATURE_GROUPS, feature_catalog, missing_report

__all__ = ["customer_features", "feature_catalog", "missing_report", "FEATURE_GROUPS"]

DAY_NS = 86_400 * 10**9


def _select(features, out: dict, groups: dict, table: pd.DataFrame) -> list[str]:
    """Column names from ``"all"``, group names and/or feature names, in the order asked."""
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


def _codes(series: pd.Series, categories, column: str) -> np.ndarray:
    """Integer codes of a column in catalog order (-1 for missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype) and list(series.cat.categories) == list(
        categories
    ):
        return series.cat.codes.to_numpy().astype(np.int64)
    cat = pd.Categorical(series, categories=list(categories))
    unknown = cat.isna() & series.notna().to_numpy()
    if unknown.any():
        bad = pd.unique(series[unknown])[:5].tolist()
        raise DataError(
            f"values {bad} are not in the catalog's {column}s",
            table="events",
            column=column,
            n_rows=int(unknown.sum()),
            fix="load the data with cxlab.load (which validates it) or extend the StageCatalog",
        )
    return cat.codes.astype(np.int64)


def _customer_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of every event's customer (0..n-1 in id order) and the ids."""
    values = ids.to_numpy()
    if ids.isna().any():
        raise DataError(
            "customer_id is missing",
            table="events",
            column="customer_id",
            n_rows=int(ids.isna().sum()),
            fix="every event needs its customer; load with cxlab.load to validate",
        )
    if values.dtype.kind in "iu" and len(values) and (values[1:] >= values[:-1]).all():
        new = np.r_[True, values[1:] != values[:-1]]  # sorted ids: codes by run
        return np.cumsum(new) - 1, values[new]
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(uniques)


def _in_customer_time_order(codes: np.ndarray, ts: np.ndarray) -> bool:
    """True when events are grouped by customer (ascending codes) and in time order."""
    if len(codes) < 2 or not (codes[1:] >= codes[:-1]).all():
        return len(codes) < 2
    back = np.flatnonzero(ts[1:] < ts[:-1])  # time goes back only at a customer change
    return bool((codes[back + 1] != codes[back]).all())


def _group_firsts(codes: np.ndarray) -> np.ndarray:
    """Positions where a new run of equal (sorted) codes starts."""
    if len(codes) == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])


def customer_features(data, *, features="all", attributes=None, end=None) -> pd.DataFrame:
    """Build one row per customer of documented journey, value and feedback features.

    Parameters
    ----------
    data : CXData
        Events, customers, feedback and catalog (from :func:`cxlab.load` or
        :func:`cxlab.simulate`).
    features : "all", str or list of str, default="all"
        Feature groups (``"channels"``, ``"journey"``, ``"stages"``, ``"value"``,
        ``"feedback"``) and/or feature names; see :func:`feature_catalog`.
    attributes : list of str, optional
        Categorical columns of the customers table to turn into 0/1 indicators
        (group ``"attributes"``). Default: ``["segment"]`` when the table has it.
    end : str or Timestamp, optional
        End of observation, for the tenure of customers who have not churned.
        Default: the last event in the log.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (customers with at least one event, in id order),
        one float or integer column per feature. ``NaN`` marks a feature that is
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
        An unknown feature or group name.

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
    catalog = data.catalog
    table = feature_catalog(catalog)
    ev = data.events
    missing_cols = [c for c in ("customer_id", "timestamp", "stage", "channel") if c not in ev]
    if missing_cols:
        raise MissingColumnError(
            f"required column {missing_cols[0]!r} is missing; found {list(ev.columns)}",
            table="events",
            column=missing_cols[0],
            fix="load the data with cxlab.load(..., columns=...) to map your column names",
        )
    if len(ev) == 0:
        raise DataError("the event log is empty", table="events", n_rows=0)

    codes, ids = _customer_codes(ev["customer_id"])
    ts = ev["timestamp"].to_numpy().astype("datetime64[ns]").view(np.int64)
    stage = _codes(ev["stage"], catalog.stages, "stage")
    chan = _codes(ev["channel"], catalog.channels, "channel")
    revenue = (
        ev["revenue"].to_numpy(dtype=float) if "revenue" in ev else np.zeros(len(ev), dtype=float)
    )
    if not _in_customer_time_order(codes, ts):
        order = np.lexsort((stage, ts, codes))
        codes, ts, stage, chan, revenue = (a[order] for a in (codes, ts, stage, chan, revenue))

    n = len(ids)
    n_st, n_ch = len(catalog.stages), len(catalog.channels)
    t0 = ts.min()

    def day(idx):  # float days since the first event, only where needed
        return (ts[idx] - t0) / DAY_NS

    end_day = float(day(np.argmax(ts))) if end is None else (pd.Timestamp(end).value - t0) / DAY_NS
    out: dict[str, np.ndarray] = {}

    # events per (stage, channel) cell and customer: group events by cell (a counting
    # sort of small integers), then one bincount over customers per cell
    has_ch = chan >= 0
    cell = np.where(has_ch, stage.astype(np.int64) * n_ch + chan, n_st * n_ch)
    by_cell = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[by_cell], np.arange(n_st * n_ch + 1))
    sorted_codes = codes[by_cell]
    del by_cell
    ch_counts = np.zeros((n, n_ch), dtype=np.int64)
    cells = {}
    for j in range(n_st * n_ch):
        lo, hi = bounds[j], bounds[j + 1]
        if hi > lo:
            counts = np.bincount(sorted_codes[lo:hi], minlength=n)
            cells[f"n_{catalog.stages[j // n_ch]}__{catalog.channels[j % n_ch]}"] = counts
            ch_counts[:, j % n_ch] += counts
    del sorted_codes
    ch_total = ch_counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = ch_counts / ch_total[:, None]
    for j, c in enumerate(catalog.channels):
        out[f"share_{c}"] = shares[:, j]
    out.update(cells)
    out.update(_attributes(data.customers, ids, attributes))

    st_counts = np.bincount(codes * n_st + stage, minlength=n * n_st).reshape(n, n_st)
    reached = st_counts > 0
    p_code = catalog.stages.index(catalog.purchase_stage)
    purchased = reached[:, p_code]
    starts = _group_firsts(codes)
    first_day = day(starts)

    # first purchase per customer
    pidx = np.flatnonzero(stage == p_code)
    pfirst = pidx[_group_firsts(codes[pidx])]
    pcust = codes[pfirst]
    purchase_day = np.full(n, np.nan)
    purchase_day[pcust] = day(pfirst)

    # buyer's journey: events before the first purchase (purchasers) or all buyer-stage events
    buyer_codes = [
        catalog.stages.index(s) for s in catalog.buyer_stages if s != catalog.purchase_stage
    ]
    n_buyer = st_counts[:, buyer_codes].sum(axis=1)
    n_buyer[pcust] = pfirst - starts[pcust]
    bidx = np.flatnonzero(np.isin(stage, buyer_codes))
    bc = codes[bidx]
    blast = bidx[np.r_[bc[1:] != bc[:-1], True]] if len(bidx) else bidx
    last_buyer_day = np.full(n, np.nan)
    last_buyer_day[codes[blast]] = day(blast)
    buyer_end = np.where(purchased, purchase_day, last_buyer_day)
    gaps = np.where(purchased, n_buyer, n_buyer - 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        buyer_gap = np.where(gaps > 0, (buyer_end - first_day) / gaps, np.nan)

    out["n_events"] = np.bincount(codes, minlength=n)
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

    paid = revenue > 0
    orders = np.bincount(codes[paid], minlength=n)
    total = np.bincount(codes, weights=revenue, minlength=n)
    out["orders"] = orders
    out["revenue"] = total
    with np.errstate(invalid="ignore", divide="ignore"):
        out["avg_order_value"] = np.where(orders > 0, total / np.maximum(orders, 1), np.nan)
    churned = np.zeros(n, dtype=bool)
    churn_day = np.full(n, np.nan)
    if catalog.churn_stage is not None:
        c_code = catalog.stages.index(catalog.churn_stage)
        churned = reached[:, c_code]
        cidx = np.flatnonzero(stage == c_code)
        cfirst = cidx[_group_firsts(codes[cidx])]
        churn_day[codes[cfirst]] = day(cfirst)
    stop = np.where(churned & (churn_day >= purchase_day), churn_day, end_day)
    out["tenure_days"] = np.where(purchased, np.maximum(stop - purchase_day, 0.0), np.nan)
    out["churned"] = churned
    out["loyalty_member"] = _loyalty(data.customers, ids)

    fb = data.feedback
    for metric in ("nps", "csat", "ces"):
        out[metric] = _feedback_mean(fb, ids, metric)

    groups = {name: _group_of(name, table) for name in out}
    wanted = _select(features, out, groups, table)
    # one float block (no pandas block consolidation of many mixed-type columns)
    mat = np.zeros((n, len(wanted)), dtype=float, order="F")
    for j, name in enumerate(wanted):
        if name in out:
            mat[:, j] = out[name]
    X = pd.DataFrame(mat, index=pd.Index(ids, name="customer_id"), columns=wanted, copy=False)
    no_events = _customers_without_events(data.customers, ids)
    if no_events:
        warnings.warn(
            f"{len(no_events):,} customers have no events (e.g. customer_id "
            f"{no_events[:5]}); they have no journey to describe and are left out of "
            "the feature table",
            DataWarning,
            stacklevel=2,
        )
    X.attrs["customers_without_events"] = list(no_events)
    return X


def _group_of(name: str, table: pd.DataFrame) -> str:
    if name in table.index:
        return table.loc[name, "group"]
    return "attributes"


def _attributes(customers: pd.DataFrame | None, ids, attributes) -> dict:
    """0/1 indicators of categorical customer attributes (NaN where the value is missing)."""
    explicit = attributes is not None
    if attributes is None:
        attributes = ["segment"]
    elif isinstance(attributes, str):
        attributes = [attributes]
    out: dict[str, np.ndarray] = {}
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
        values = customers.set_index("customer_id")[col].reindex(ids)
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_integer_dtype(values):
            if values.nunique() > 20:
                raise DataError(
                    f"attribute {col!r} is numeric with {values.nunique()} distinct values; "
                    "attributes are categories",
                    table="customers",
                    column=col,
                    fix="join numeric columns to the feature table yourself",
                )
        cat = pd.Categorical(values)
        levels = list(cat.categories)
        missing = cat.codes < 0
        use = levels[1:] if len(levels) == 2 else levels
        for level in use:
            ind = (np.asarray(cat) == level).astype(float)
            ind[missing] = np.nan
            out[f"{col}_{level}"] = ind
    return out


def _loyalty(customers: pd.DataFrame | None, ids) -> np.ndarray:
    if customers is None or "loyalty_member" not in customers:
        return np.full(len(ids), np.nan)
    col = customers.set_index("customer_id")["loyalty_member"]
    values = col.reindex(ids)
    return pd.to_numeric(values.astype("boolean").astype("Float64"), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )


def _feedback_mean(fb: pd.DataFrame | None, ids, metric: str) -> np.ndarray:
    n = len(ids)
    if fb is None or len(fb) == 0 or "metric" not in fb:
        return np.full(n, np.nan)
    rows = (fb["metric"] == metric).to_numpy()
    pos = pd.Index(ids).get_indexer(fb["customer_id"].to_numpy()[rows])
    score = fb["score"].to_numpy(dtype=float)[rows]
    ok = (pos >= 0) & ~np.isnan(score)
    count = np.bincount(pos[ok], minlength=n)
    total = np.bincount(pos[ok], weights=score[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _customers_without_events(customers: pd.DataFrame | None, ids) -> list:
    if customers is None or "customer_id" not in customers or len(customers) == 0:
        return []
    silent = ~customers["customer_id"].isin(ids)
    return customers.loc[silent, "customer_id"].tolist()
