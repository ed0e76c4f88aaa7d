"""Covariates of the survival table: journey counts, customers, feedback, extra columns.

Helpers of :func:`cxlab.survival_table` (module :mod:`cxlab.survival`),
vectorised over events; they take per-event customer codes in (customer, time) order.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab.exceptions import DataWarning, ParameterError

NS_PER_DAY = 86_400 * 10**9


def time_to_resolve(codes, t, s_rows, r_rows, n_cust):
    """Mean days from each support contact to the customer's next resolution event."""
    out = np.full(n_cust, np.nan)
    if len(s_rows) == 0 or len(r_rows) == 0:
        return out
    left = pd.DataFrame({"t": t[s_rows], "c": codes[s_rows]}).sort_values("t", kind="stable")
    right = pd.DataFrame({"t": t[r_rows], "c": codes[r_rows], "tr": t[r_rows]})
    right = right.sort_values("t", kind="stable")
    merged = pd.merge_asof(left, right, on="t", by="c", direction="forward")
    days = (merged["tr"] - merged["t"]) / NS_PER_DAY
    mean = days.groupby(merged["c"]).mean()
    out[mean.index.to_numpy()] = mean.to_numpy()
    return out


def join_customers(table: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    if customers is None or len(customers) == 0 or "customer_id" not in customers:
        return table
    cust = customers.set_index("customer_id")
    clash = [c for c in cust.columns if c in table.columns]
    if clash:
        cust = cust.rename(columns={c: f"customer_{c}" for c in clash})
    text = [c for c in cust.columns if cust[c].dtype == object]
    if text:  # text as categoricals: a few labels, one code per customer
        cust = cust.astype(dict.fromkeys(text, "category"))
    if "signup_date" in cust:
        signup = pd.to_datetime(cust.pop("signup_date")).reindex(table.index)
        cust = cust.reindex(table.index)
        cust["days_signup_to_start"] = (table["start"] - signup).dt.total_seconds() / 86_400
    else:
        cust = cust.reindex(table.index)
    return table.join(cust)


def join_feedback(table, feedback, start_stage, window_days) -> pd.DataFrame:
    """Survey answers inside each customer's covariate window, summarised per customer."""
    cols = ["csat", "csat_mean", "nps_last", "nps_mean", "n_nps", "ces_mean"]
    n = len(table)
    out = {c: np.full(n, np.nan) for c in cols}
    out["n_nps"] = np.zeros(n, dtype=np.int64)
    if feedback is not None and len(feedback) and {"metric", "score"} <= set(feedback.columns):
        pos = table.index.get_indexer(feedback["customer_id"])
        ts = _ns(feedback["timestamp"])
        start = _ns(table["start"])
        end = start + int(round(window_days * NS_PER_DAY))
        ok = pos >= 0
        ok[ok] = (ts[ok] >= start[pos[ok]]) & (ts[ok] <= end[pos[ok]])
        rows = np.flatnonzero(ok)
        p, tr = pos[rows], ts[rows]
        if not np.all((p[1:] > p[:-1]) | ((p[1:] == p[:-1]) & (tr[1:] >= tr[:-1]))):
            rows = rows[np.lexsort((tr, p))]  # customer, then time
        p = pos[rows]
        score = feedback["score"].to_numpy(dtype=float, na_value=np.nan)[rows]
        is_metric = {m: _is(feedback["metric"], m)[rows] for m in ("csat", "nps", "ces")}
        stage_ok = _stage_is(feedback, start_stage)[rows]
        for metric_name, last, mean, count in [
            ("csat", None, "csat_mean", None),
            ("nps", "nps_last", "nps_mean", "n_nps"),
            ("ces", None, "ces_mean", None),
        ]:
            m = is_metric[metric_name]
            pm, sm = p[m], score[m]
            cnt = np.bincount(pm, minlength=n)
            if mean:
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[mean] = np.bincount(pm, weights=sm, minlength=n) / cnt
            if count:
                out[count] = cnt
            if last and len(pm):
                is_last = np.r_[pm[1:] != pm[:-1], True]
                out[last][pm[is_last]] = sm[is_last]
        m = is_metric["csat"] & stage_ok
        pm, sm = p[m], score[m]
        if len(pm):
            is_first = np.r_[True, pm[1:] != pm[:-1]]
            out["csat"][pm[is_first]] = sm[is_first]
    for c in cols:
        table[c] = out[c]
    return table


def _ns(col: pd.Series) -> np.ndarray:
    return col.to_numpy().astype("datetime64[ns]", copy=False).view(np.int64)


def _is(col: pd.Series, value: str) -> np.ndarray:
    """``col == value`` as a bool array (via the codes when categorical)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        if value not in cats:
            return np.zeros(len(col), dtype=bool)
        return col.cat.codes.to_numpy() == cats.get_loc(value)
    return (col == value).to_numpy(dtype=bool, na_value=False)


def _stage_is(fb: pd.DataFrame, stage: str) -> np.ndarray:
    if "stage" not in fb:
        return np.ones(len(fb), dtype=bool)
    return _is(fb["stage"], stage)


def join_extra(table: pd.DataFrame, extra) -> pd.DataFrame:
    frame = extra.to_frame() if isinstance(extra, pd.Series) else extra
    if frame.index.name != "customer_id" and "customer_id" in frame.columns:
        frame = frame.set_index("customer_id")
    clash = [c for c in frame.columns if c in table.columns]
    if clash:
        raise ParameterError(
            f"extra has columns {clash} that the survival table already has; rename them."
        )
    joined = frame.reindex(table.index)
    missing = joined.isna().all(axis=1)
    if missing.any():
        warnings.warn(
            f"extra has no row for {int(missing.sum()):,} customers of the survival table; "
            f"their {list(frame.columns)} are missing "
            f"(e.g. customer_id {table.index[missing][:5].tolist()}).",
            DataWarning,
            stacklevel=3,
        )
    return table.join(joined)
