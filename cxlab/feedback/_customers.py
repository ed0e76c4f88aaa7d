"""Per-customer feedback features for other models (churn, CLV, personas).

:func:`feedback_features` turns the feedback table into one row per customer
(NPS, CSAT and CES: count, first, last, mean, last NPS category and when the
last answer came), indexed by ``customer_id`` so the survival module (or any
model) can join it. ``as_of`` keeps only answers given before a cut-off, which
is what a churn model needs: a feature measured after the time origin leaks the
future into the past (immortal-time bias).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.exceptions import MissingColumnError, ParameterError
from cxlab.feedback._core import DETRACTOR_MAX, PROMOTER_MIN, SCALES, check_scores

__all__ = ["feedback_features"]


def feedback_features(
    data,
    *,
    as_of=None,
    metrics=("nps", "csat", "ces"),
    customers: pd.DataFrame | None = None,
    prefix: str = "",
) -> pd.DataFrame:
    """One row per customer with what they said in surveys, ready to join on ``customer_id``.

    Parameters
    ----------
    data : CXData or DataFrame
        A study, or a feedback table (then ``customers`` gives the rows to return;
        without it, every customer with feedback).
    as_of : Timestamp, str, Series or None, default=None
        Use only answers strictly before this time: one cut-off for everyone,
        or a Series ``customer_id -> timestamp`` (e.g. each customer's time
        origin in a churn model). None uses every answer.
    metrics : sequence of {"nps", "csat", "ces"}, default all three
    customers : DataFrame, optional
        With a feedback table: the customers to return (``customer_id`` column).
    prefix : str, default=""
        Put before every column name, e.g. ``"fb_"`` to join the features to
        a table that already has ``nps_last`` (such as
        :func:`~cxlab.survival_table`, whose ``extra=`` refuses clashing names).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (every customer, NaN/0 where there is no
        answer). Per metric ``m``: ``m_n`` (answers), ``m_first``, ``m_last``,
        ``m_mean`` and ``m_last_time``; for NPS also ``nps_last_category``
        (``"detractor"``, ``"passive"``, ``"promoter"``) and ``promoter_last``
        / ``detractor_last`` (0/1, NaN without an answer).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=1000, random_state=0)
    >>> feats = cxlab.feedback_features(data)
    >>> feats.index.name, len(feats) == len(data.customers)
    ('customer_id', True)

    Joined to the churn table, with answers up to the end of onboarding only:

    >>> table = cxlab.survival_table(data)
    >>> cut = table["start"] + pd.Timedelta(days=28)
    >>> table = cxlab.survival_table(data, extra=cxlab.feedback_features(
    ...     data, as_of=cut, prefix="fb_"))
    >>> "fb_promoter_last" in table.columns
    True
    """
    if hasattr(data, "feedback"):
        fb = data.feedback
        source = data.customers if customers is None else customers
        ids = pd.Index(source["customer_id"])
    elif isinstance(data, pd.DataFrame):
        fb = data
        ids = pd.Index(
            customers["customer_id"] if customers is not None else pd.unique(fb["customer_id"])
        )
    else:
        raise ParameterError(
            f"data must be a CXData or a feedback DataFrame, not {type(data).__name__}."
        )
    for col in ("customer_id", "timestamp", "metric", "score"):
        if col not in fb.columns:
            raise MissingColumnError(f"column {col!r} missing", column=col, table="feedback")
    unknown = [m for m in metrics if m not in SCALES]
    if unknown:
        raise ParameterError(f"metrics {unknown} unknown; use some of {sorted(SCALES)}.")
    fb = fb[["customer_id", "timestamp", "metric", "score"]]
    if as_of is not None:
        fb = fb[_before(fb, as_of)]
    out = pd.DataFrame(index=ids)
    out.index.name = "customer_id"
    metric = fb["metric"].astype(str).to_numpy()
    for m in metrics:
        part = fb[metric == m]
        if len(part):
            check_scores(part["score"], m, part["customer_id"].to_numpy(), table="feedback")
        part = part.sort_values(["customer_id", "timestamp"], kind="stable")
        g = part.groupby("customer_id", sort=False)["score"]
        stats = pd.DataFrame(
            {
                f"{m}_n": g.size(),
                f"{m}_first": g.first(),
                f"{m}_last": g.last(),
                f"{m}_mean": g.mean(),
            }
        )
        stats[f"{m}_last_time"] = part.groupby("customer_id", sort=False)["timestamp"].last()
        stats = stats.reindex(ids)
        stats[f"{m}_n"] = stats[f"{m}_n"].fillna(0).astype(np.int64)
        for c in (f"{m}_first", f"{m}_last", f"{m}_mean"):
            stats[c] = stats[c].astype(float)
        if m == "nps":
            last = stats["nps_last"].to_numpy()
            has = ~np.isnan(last)
            cat = np.select(
                [last <= DETRACTOR_MAX, last >= PROMOTER_MIN], ["detractor", "promoter"], "passive"
            )
            stats["nps_last_category"] = pd.Categorical(
                np.where(has, cat, None), categories=["detractor", "passive", "promoter"]
            )
            stats["promoter_last"] = np.where(has, (last >= PROMOTER_MIN).astype(float), np.nan)
            stats["detractor_last"] = np.where(has, (last <= DETRACTOR_MAX).astype(float), np.nan)
        out = out.join(stats)
    out.attrs["as_of"] = "per customer" if isinstance(as_of, pd.Series) else as_of
    if prefix:
        out = out.add_prefix(prefix)
    return out


def _before(fb: pd.DataFrame, as_of) -> np.ndarray:
    """Mask of answers strictly before the cut-off (one time, or one per customer)."""
    if isinstance(as_of, pd.Series):
        cut = pd.to_datetime(as_of.reindex(fb["customer_id"]).to_numpy())
        # customers without a cut-off keep no answers: unknown origin, nothing is safe
        return (fb["timestamp"].to_numpy() < cut.to_numpy()) & ~pd.isna(cut)
    return (fb["timestamp"] < pd.Timestamp(as_of)).to_numpy()
