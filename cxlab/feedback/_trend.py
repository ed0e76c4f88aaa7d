"""Experience scores over time, and against what the business expects.

- :func:`score_trend`: the score per week/month/quarter with intervals, and
  each period's change from the one before, flagged as a ``signal`` only when
  larger than chance (p-values adjusted over the series, Holm by default).
- :func:`experience_gap`: what the business believes it delivers (targets per
  touchpoint, channel or stage) against what customers report, with a verdict
  that respects the interval.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab._deprecation import alpha_to_confidence, renamed_parameter
from cxlab.exceptions import ParameterError, SmallSampleWarning
from cxlab.feedback._compare import score_difference
from cxlab.feedback._core import (
    DEFAULT_MIN_N,
    SAMPLING_NOTE,
    check_confidence,
    check_method,
    estimate_scores,
    score_histogram,
)
from cxlab.feedback._scores import score_table

__all__ = ["score_trend", "experience_gap"]


@renamed_parameter("level", "confidence")
@renamed_parameter("alpha", "signal_confidence", transform=alpha_to_confidence)
def score_trend(
    data,
    metric: str = "nps",
    *,
    period: str = "M",
    by: str | None = None,
    confidence: float = 0.95,
    method: str | None = None,
    signal_confidence: float = 0.95,
    adjust: str = "holm",
    min_n: int = DEFAULT_MIN_N,
    customers=None,
    persona=None,
) -> pd.DataFrame:
    """Score per period with intervals, and which period-to-period changes exceed chance.

    Each period is compared with the previous period that has answers
    (independent samples, as in :func:`compare_scores`). The p-values of all
    comparisons in a series are adjusted for multiplicity
    (``statsmodels.stats.multitest.multipletests``), so with no real change the
    chance of any false ``signal`` in the series is about ``1 - signal_confidence``.

    Parameters
    ----------
    data : CXData or DataFrame
    metric : str, default="nps"
    period : {"W", "M", "Q", "Y"} or "week", "month", "quarter", "year", default="M"
    by : str, optional
        One dimension to split the series by (e.g. ``"segment"``).
    confidence : float, default=0.95
        Confidence level of the interval(s). ``level=`` is a deprecated alias.
    method : str, optional
        Interval method (default per metric).
    signal_confidence : float, default=0.95
        Family-wise confidence of the ``signal`` flags (per series): with no real
        change, no period is flagged with about this probability. ``alpha=``
        (the family-wise error rate, 1 - signal_confidence) is a deprecated alias.
    adjust : str, default="holm"
        Any ``multipletests`` method (e.g. ``"holm"``, ``"fdr_bh"``), or ``"none"``.
    min_n : int, default=30
    customers : DataFrame, optional
        Customer attributes when ``data`` is a feedback table.
    persona : Series, optional
        Persona per ``customer_id``.

    Returns
    -------
    DataFrame
        ``[by,] period, n, estimate, se, lower, upper, small_sample, partial,
        change, change_lower, change_upper, p_value, p_adjusted, signal``.
        Periods without answers appear with ``n = 0``. ``partial``: the answers
        start after the period starts or end before it ends (the first or last
        period of the data), so it holds fewer days than the others.
        ``.attrs["metric"]`` names the metric.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=3000, random_state=4)
    >>> trend = cxlab.score_trend(data, "csat", period="Q", min_n=10)
    >>> {"estimate", "change", "signal"} <= set(trend.columns)
    True
    """
    from statsmodels.stats.multitest import multipletests

    from cxlab.feedback._frame import PERIODS, dimension_values, metric_rows

    if not 0 < signal_confidence < 1:
        raise ParameterError(
            f"signal_confidence={signal_confidence} must be between 0 and 1 (e.g. 0.95)."
        )
    alpha = round(1 - signal_confidence, 12)  # family-wise error rate of the flags
    method = check_method(metric, method)
    confidence = check_confidence(confidence)
    rows, ctx = metric_rows(data, metric, customers=customers, persona=persona)
    per = dimension_values(rows, "period", ctx, period)
    full = pd.period_range(per.min(), per.max(), freq=PERIODS[period])
    pcode = full.get_indexer(per)
    days = pd.to_datetime(rows["timestamp"]).dt.floor("D")
    partial = np.zeros(len(full), dtype=bool)
    partial[0] = days.min() > full[0].start_time.floor("D")
    partial[-1] |= days.max() < full[-1].end_time.floor("D")
    if by is None:
        gcodes, glabels = np.zeros(len(rows), np.int64), pd.Index(["(all)"])
    else:
        from cxlab.feedback._frame import dimension_codes

        gcodes, glabels = dimension_codes(rows, (by,), ctx, period=period)
    hist = score_histogram(gcodes * len(full) + pcode, ctx.scores, len(glabels) * len(full), metric)
    rng = np.random.default_rng(0)
    parts = []
    for g, label in enumerate(glabels):  # loop over series (groups), vectorised over periods
        h = hist[g * len(full) : (g + 1) * len(full)]
        if h.sum() == 0:
            continue
        est = pd.DataFrame(estimate_scores(h, metric, method, confidence, 2000, rng))
        est = est[["n", "estimate", "se", "lower", "upper"]]
        est.insert(0, "period", full.astype(str))
        if by is not None:
            est.insert(0, by, label)
        est["small_sample"] = est["n"] < min_n
        est["partial"] = partial
        have = np.flatnonzero(h.sum(axis=1) > 0)
        for col in ("change", "change_lower", "change_upper", "p_value", "p_adjusted"):
            est[col] = np.nan
        est["signal"] = False
        if len(have) > 1:
            d = score_difference(h[have[1:]], h[have[:-1]], metric, method, confidence, 2000, rng)
            idx = est.index[have[1:]]
            est.loc[idx, "change"] = d["difference"]
            est.loc[idx, "change_lower"] = d["lower"]
            est.loc[idx, "change_upper"] = d["upper"]
            est.loc[idx, "p_value"] = d["p_value"]
            pv = np.nan_to_num(d["p_value"], nan=1.0)
            p_adj = _adjust(pv, alpha, adjust, multipletests)
            est.loc[idx, "p_adjusted"] = p_adj
            est.loc[idx, "signal"] = p_adj < alpha
        parts.append(est)
    trend = pd.concat(parts, ignore_index=True)
    notes = list(ctx.notes)
    small = trend[(trend["n"] > 0) & trend["small_sample"]]
    if len(small):
        msg = (
            f"{len(small)} period{'s' if len(small) > 1 else ''} with fewer than {min_n} answers: "
            "flagged small_sample; changes into or out of them are hard to detect."
        )
        warnings.warn(msg, SmallSampleWarning, stacklevel=2)
        notes.append(msg)
    if partial.any():
        names = ", ".join(str(p) for p in full[partial])
        notes.append(
            f"partial period{'s' if partial.sum() > 1 else ''} {names}: the answers cover only "
            "part of it (flagged partial); compare it with the others with care."
        )
    notes.append(
        f"signal: the change from the previous period has p < {alpha} after {adjust} "
        "adjustment over the series' comparisons."
    )
    notes.append(SAMPLING_NOTE)
    trend.attrs["notes"] = notes
    trend.attrs["metric"] = metric
    return trend


def _adjust(p: np.ndarray, alpha: float, method: str, multipletests) -> np.ndarray:
    """Multiplicity-adjusted p-values.

    Holm's step-down adjustment, ``max_{j <= i} min(1, (m - j + 1) p_(j))``, is
    computed here because statsmodels' ``multipletests(method="holm")`` runs a
    full garbage collection on every call (slow in a loop over series); the
    tests check it equals statsmodels'. Other methods go to statsmodels.
    """
    if method == "none":
        return p
    if method == "holm":
        order = np.argsort(p, kind="stable")
        m = len(p)
        adj = np.minimum(1.0, np.maximum.accumulate(p[order] * np.arange(m, 0, -1)))
        out = np.empty(m)
        out[order] = adj
        return out
    return multipletests(p, alpha=alpha, method=method)[1]


@renamed_parameter("level", "confidence")
def experience_gap(
    data,
    targets,
    metric: str = "csat",
    by: str = "touchpoint",
    *,
    confidence: float = 0.95,
    method: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    customers=None,
    persona=None,
) -> pd.DataFrame:
    """What the business expects at each touchpoint against what customers report.

    Parameters
    ----------
    data : CXData or DataFrame
    targets : dict or Series
        Group -> expected score, in the metric's units (e.g. ``{"store": 85}``
        for 85% satisfied).
    metric : str, default="csat"
    by : str, default="touchpoint"
        Any dimension of :func:`~cxlab.score_table`.
    confidence, method, min_n, customers, persona
        As in :func:`~cxlab.score_table`.

    Returns
    -------
    DataFrame
        One row per group with a target or answers: ``group``, ``target``, ``n``,
        ``observed``, ``lower``, ``upper``, ``gap`` (observed - target),
        ``gap_lower``, ``gap_upper``, ``small_sample`` and ``verdict``:
        ``"below target"`` / ``"above target"`` when the whole interval is on
        one side of the target, ``"within uncertainty"`` otherwise, and
        ``"no answers"`` / ``"no target"`` where one side is missing.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=3000, random_state=5)
    >>> gap = cxlab.experience_gap(data, {"store": 90, "web": 60}, "csat", by="channel")
    >>> gap.set_index("group").loc["store", "verdict"]
    'below target'
    """
    targets = pd.Series(targets, dtype=float)
    targets.index = targets.index.astype(str)
    table = score_table(
        data,
        metric,
        by=[by],
        confidence=confidence,
        method=method,
        min_n=min_n,
        overall=False,
        customers=customers,
        persona=persona,
    )
    obs = table.set_index("group")
    groups = list(dict.fromkeys([*obs.index, *targets.index]))
    out = pd.DataFrame({"group": groups})
    out["target"] = targets.reindex(groups).to_numpy()
    for src, dst in (("n", "n"), ("estimate", "observed"), ("lower", "lower"), ("upper", "upper")):
        out[dst] = obs[src].reindex(groups).to_numpy()
    out["n"] = out["n"].fillna(0).astype(np.int64)
    out["gap"] = out["observed"] - out["target"]
    out["gap_lower"] = out["lower"] - out["target"]
    out["gap_upper"] = out["upper"] - out["target"]
    out["small_sample"] = out["n"] < min_n
    out["verdict"] = np.select(
        [out["n"] == 0, out["target"].isna(), out["gap_upper"] < 0, out["gap_lower"] > 0],
        ["no answers", "no target", "below target", "above target"],
        "within uncertainty",
    )
    out.insert(0, "dimension", by)
    out.attrs["notes"] = [
        *table.attrs.get("notes", []),
        "verdict: 'below/above target' only when the whole interval lies on one side; "
        "'within uncertainty' means the data cannot tell the score from the target.",
    ]
    return out
