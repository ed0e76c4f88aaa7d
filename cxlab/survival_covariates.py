"""Covariates of the survival table: journey counts, customers, feedback, extra columns.

Helpers of :func:`cxlab.survival_table` (module :mod:`cxlab.survival_data`),
vectorised over events; they take per-event customer codes in (customer, time) order.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab.exceptions import DataWarning, ParameterError

NS_PER_DAY = 86_400 * 10**9


def _distinct_count(codes, values, n_cust, n_values):
    """Number of distinct ``values`` per customer code."""
    if n_cust * max(n_values, 1) <= 50_000_000:
        seen = np.bincount(codes * n_values + values, minlength=n_cust * n_values)
        return (seen.reshape(n_cust, n_values) > 0).sum(axis=1)
    pairs = np.unique(codes * n_values + values)
    return np.bincount(pairs // n_values, minlength=n_cust)


def _time_to_resolve(codes, t, support, resolved, n_cust):
    """Mean days from each support contact to the customer's next resolution event."""
    out = np.full(n_cust, np.nan)
    s_rows, r_rows = np.flatnonzero(support), np.flatnonzero(resolved)
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


def _join_customers(table: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    if customers is None or len(customers) == 0 or "customer_id" not in customers:
        return table
    cust = customers.set_index("customer_id")
    clash = [c for c in cust.columns if c in table.columns]
    if clash:
        cust = cust.rename(columns={c: f"customer_{c}" for c in clash})
    if "signup_date" in cust:
        signup = pd.to_datetime(cust.pop("signup_date")).reindex(table.index)
        cust = cust.reindex(table.index)
        cust["days_signup_to_start"] = (table["start"] - signup).dt.total_seconds() / 86_400
    else:
        cust = cust.reindex(table.index)
    return table.join(cust)


def _join_feedback(table, feedback, start_stage, window_days) -> pd.DataFrame:
    cols = ["csat", "csat_mean", "nps_last", "nps_mean", "n_nps", "ces_mean"]
    out = {c: np.full(len(table), np.nan) for c in cols}
    out["n_nps"] = np.zeros(len(table), dtype=np.int64)
    if feedback is not None and len(feedback) and {"metric", "score"} <= set(feedback.columns):
        fb = feedback[feedback["customer_id"].isin(table.index)]
        start = table["start"].reindex(fb["customer_id"]).to_numpy()
        end = np.minimum(
            table["end"].reindex(fb["customer_id"]).to_numpy(),
            start + np.timedelta64(int(round(window_days * NS_PER_DAY)), "ns"),
        )
        ts = fb["timestamp"].to_numpy()
        fb = fb[(ts >= start) & (ts <= end)]
        fb = fb.sort_values(["customer_id", "timestamp"], kind="stable")
        metric = fb["metric"].astype(str).to_numpy()
        score = fb["score"].astype(float)
        pos = pd.Index(table.index).get_indexer(fb["customer_id"])
        for name, mask in [
            ("csat", (metric == "csat") & _stage_is(fb, start_stage)),
            ("csat_mean", metric == "csat"),
            ("nps_last", metric == "nps"),
            ("nps_mean", metric == "nps"),
            ("n_nps", metric == "nps"),
            ("ces_mean", metric == "ces"),
        ]:
            grouped = score[mask].groupby(pos[mask])
            agg = {"csat": "first", "nps_last": "last", "n_nps": "size"}.get(name, "mean")
            values = grouped.agg(agg)
            out[name][values.index.to_numpy()] = values.to_numpy()
    for c in cols:
        table[c] = out[c]
    return table


def _stage_is(fb: pd.DataFrame, stage: str) -> np.ndarray:
    if "stage" not in fb:
        return np.ones(len(fb), dtype=bool)
    return (fb["stage"].astype(str) == stage).to_numpy()


def _join_extra(table: pd.DataFrame, extra) -> pd.DataFrame:
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
