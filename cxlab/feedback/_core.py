"""Validation and vectorised estimators behind :mod:`cxlab.feedback`.

Every score is computed from a histogram of answers per group (an
``(n_groups, n_levels)`` count array from one ``np.bincount``), so one code path
serves one sample, a table of groups and millions of answers alike. The
formulas and their references are documented in :mod:`cxlab.feedback`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxlab.data._catalog import METRIC_SCALES
from cxlab.data._schema import without_signaling_nan
from cxlab.exceptions import (
    DataTypeError,
    EmptyTableError,
    MissingColumnError,
    ParameterError,
    ScoreRangeError,
    format_examples,
)

__all__ = ["nps_variance", "SCALES", "METHODS", "DEFAULT_MIN_N"]


#: Groups with fewer answers than this are flagged ``small_sample``.
DEFAULT_MIN_N = 30
PROMOTER_MIN, DETRACTOR_MAX = 9, 6
CSAT_SATISFIED_MIN = 4
CES_TOP_BOX_MIN = 5
#: Pseudo-answers of the adjusted-Wald NPS interval: detractors, passives, promoters.
ADJUSTED_WALD_PSEUDO = (0.75, 1.5, 0.75)
SCALES = {m: METRIC_SCALES[m] for m in ("nps", "csat", "ces")}
#: Interval methods per metric; the first is the default.
METHODS = {
    "nps": ("adjusted-wald", "wald", "bootstrap"),
    "csat": ("wilson", "wald", "agresti-coull", "jeffreys", "bootstrap"),
    "ces": ("t", "bootstrap"),
}
_SM_PROPORTION = {"wilson": "wilson", "wald": "normal", "agresti-coull": "agresti_coull"}
_SM_PROPORTION["jeffreys"] = "jeffreys"
LABELS = {"nps": "NPS", "csat": "CSAT % satisfied (4-5)", "ces": "CES mean (1-7)"}
SAMPLING_NOTE = (
    "The interval covers sampling error only: it assumes the answers are a random "
    "sample of the customers they describe (no non-response or selection bias)."
)


# -- validation ---------------------------------------------------------------------


def check_method(metric: str, method: str | None) -> str:
    if metric not in METHODS:
        raise ParameterError(
            f"metric={metric!r} is not one cxlab scores; use one of {sorted(METHODS)}."
        )
    if method is None:
        return METHODS[metric][0]
    if method not in METHODS[metric]:
        raise ParameterError(
            f"method={method!r} is not available for {metric}; use one of {list(METHODS[metric])}."
        )
    return method


def check_confidence(confidence: float) -> float:
    if not 0 < float(confidence) < 1:
        raise ParameterError(f"confidence={confidence} must be between 0 and 1 (e.g. 0.95).")
    return float(confidence)


def check_scores(scores, metric: str, ids=None, *, table: str | None = None) -> np.ndarray:
    """Scores as int64, or a clear error naming what is wrong (nothing coerced silently).

    ``ids`` (customer ids aligned with ``scores``) make the error quote examples.
    """
    lo, hi = SCALES[metric]
    if isinstance(scores, pd.DataFrame):
        raise DataTypeError(
            "expected one column of scores, got a table",
            column="score",
            fix="pass feedback['score'] (or use cxlab.score_table for a feedback table)",
        )
    s = pd.Series(scores) if not isinstance(scores, pd.Series) else scores.reset_index(drop=True)
    s = without_signaling_nan(s)
    where = {"column": "score", "table": table}

    def examples(mask):
        mask = np.asarray(mask, dtype=bool)
        if ids is not None:
            return {"example_ids": pd.unique(np.asarray(ids)[mask])[:5].tolist()}
        pos = np.flatnonzero(mask)[:5].tolist()
        return {"example_ids": None, "_pos": pos}

    def raise_(cls, problem, mask, fix):
        ex = examples(mask)
        pos = ex.pop("_pos", None)
        if pos is not None:
            problem += f" (at positions {pos})"
        raise cls(problem, n_rows=int(np.sum(mask)), fix=fix, **where, **ex)

    if len(s) == 0:
        raise EmptyTableError(
            f"there are no {metric} scores to summarise",
            n_rows=0,
            fix="check the filter or grouping that produced this (empty) selection",
            **where,
        )
    if s.dtype == bool or not (
        pd.api.types.is_numeric_dtype(s.dtype)
        or s.dtype == object
        or pd.api.types.is_string_dtype(s)
    ):
        raise DataTypeError(
            f"scores must be whole numbers on the {metric} scale {lo}-{hi}, got dtype {s.dtype}",
            fix="convert the column to integers first",
            **where,
        )
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:  # fast path: no NA, no fractions
        values = s.to_numpy(dtype=np.int64)
        out = (values < lo) | (values > hi)
        if out.any():
            found = format_examples(np.unique(values[out])[:3].tolist())
            raise_(
                ScoreRangeError,
                f"{metric} scores must lie on the scale {lo}-{hi}; found {found}",
                out,
                f"check the survey's scale ({metric} is {lo}-{hi}); recode or remove those answers",
            )
        return values
    num = pd.to_numeric(s, errors="coerce")
    text = num.isna() & s.notna()
    if text.any():
        bad = format_examples(s[text].astype(str).unique()[:3])
        raise_(
            DataTypeError,
            f"{metric} scores must be numbers; found text such as {bad}",
            text,
            f"map labels to numbers (e.g. {{'very satisfied': {hi}}}) before scoring",
        )
    if num.isna().any():
        raise_(
            ScoreRangeError,
            f"{metric} scores are missing",
            num.isna(),
            "drop unanswered surveys explicitly (e.g. scores.dropna()) so the n is honest",
        )
    values = num.to_numpy(dtype=float)
    frac = values != np.round(values)
    if frac.any():
        raise_(
            ScoreRangeError,
            f"{metric} scores must be whole numbers (e.g. {values[frac][0]:g})",
            frac,
            "pass the raw answers, not averages or weighted scores",
        )
    out = (values < lo) | (values > hi)
    if out.any():
        found = ", ".join(f"{v:g}" for v in np.unique(values[out])[:3])  # inf too
        raise_(
            ScoreRangeError,
            f"{metric} scores must lie on the scale {lo}-{hi}; found {found}",
            out,
            f"check the survey's scale ({metric} is {lo}-{hi}); recode or remove those answers",
        )
    return values.astype(np.int64)


# -- the estimators, vectorised over groups -------------------------------------------


def score_histogram(
    codes: np.ndarray, scores: np.ndarray, n_groups: int, metric: str
) -> np.ndarray:
    """Counts of each scale point per group: an (n_groups, n_levels) int64 array."""
    lo, hi = SCALES[metric]
    k = hi - lo + 1
    flat = np.bincount(codes * k + (scores - lo), minlength=n_groups * k)
    return flat.reshape(n_groups, k)


def score_levels(metric: str) -> np.ndarray:
    lo, hi = SCALES[metric]
    return np.arange(lo, hi + 1, dtype=float)


def nps_parts(hist: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detractor, passive and promoter counts (columns are scores 0..10)."""
    det = hist[:, : DETRACTOR_MAX + 1].sum(axis=1)
    pro = hist[:, PROMOTER_MIN:].sum(axis=1)
    return det, hist.sum(axis=1) - det - pro, pro


def point_estimates(hist: np.ndarray, metric: str) -> np.ndarray:
    """The headline estimate of each row of a histogram."""
    hist = np.asarray(hist, dtype=float)
    n = hist.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "nps":
            det, _, pro = nps_parts(hist)
            return 100.0 * (pro - det) / n
        if metric == "csat":
            return 100.0 * hist[:, CSAT_SATISFIED_MIN - 1 :].sum(axis=1) / n
        return hist @ score_levels(metric) / n


def nps_variance(promoters, detractors, n) -> np.ndarray:
    """Trinomial variance of one answer coded +1/0/-1: ``p + d - (p - d)^2`` (shares)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p, d = np.asarray(promoters, float) / n, np.asarray(detractors, float) / n
        return p + d - (p - d) ** 2


def estimate_scores(
    hist: np.ndarray, metric: str, method: str, confidence: float, n_bootstrap: int, rng
) -> dict[str, np.ndarray]:
    """Estimate, SE and interval (plus metric-specific columns) for each row of ``hist``."""
    hist = np.asarray(hist, dtype=np.int64)
    n = hist.sum(axis=1).astype(float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    est = point_estimates(hist, metric)
    out: dict[str, np.ndarray] = {"n": hist.sum(axis=1), "estimate": est}
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "nps":
            det, pas, pro = nps_parts(hist)
            out.update(
                promoters=100 * pro / n,
                passives=100 * pas / n,
                detractors=100 * det / n,
                n_promoters=pro,
                n_passives=pas,
                n_detractors=det,
            )
            if method == "adjusted-wald":
                a_det, a_pas, a_pro = ADJUSTED_WALD_PSEUDO
                n_adj = n + a_det + a_pas + a_pro
                centre = (pro + a_pro - det - a_det) / n_adj
                se = np.sqrt(nps_variance(pro + a_pro, det + a_det, n_adj) / n_adj)
            else:
                centre = (pro - det) / n
                se = np.sqrt(nps_variance(pro, det, n) / n)
            lower = np.clip(centre - z * se, -1, 1) * 100
            upper = np.clip(centre + z * se, -1, 1) * 100
            se = se * 100
        elif metric == "csat":
            sat = hist[:, CSAT_SATISFIED_MIN - 1 :].sum(axis=1)
            p = sat / n
            se = 100 * np.sqrt(p * (1 - p) / n)
            lower, upper = _proportion_interval(sat, hist.sum(axis=1), confidence, method)
            out.update(mean=hist @ score_levels(metric) / n, n_satisfied=sat)
        else:
            levels = score_levels(metric)
            mean = est
            var = (hist @ levels**2 - n * mean**2) / (n - 1)
            sd = np.sqrt(np.where(n > 1, np.maximum(var, 0.0), np.nan))
            se = sd / np.sqrt(n)
            tq = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
            lower, upper = mean - tq * se, mean + tq * se
            top = hist[:, CES_TOP_BOX_MIN - 1 :].sum(axis=1)
            tb_lo, tb_hi = _proportion_interval(top, hist.sum(axis=1), confidence, "wilson")
            out.update(sd=sd, top_box=100 * top / n, top_box_lower=tb_lo, top_box_upper=tb_hi)
    if method == "bootstrap":
        se, lower, upper = _bootstrap(hist, metric, confidence, n_bootstrap, rng)
    out.update(se=se, lower=lower, upper=upper)
    return out


def _proportion_interval(count, nobs, confidence, method) -> tuple[np.ndarray, np.ndarray]:
    """Interval of a share in percent (statsmodels ``proportion_confint``); NaN where n = 0."""
    from statsmodels.stats.proportion import proportion_confint

    count, nobs = np.asarray(count, float), np.asarray(nobs, float)
    lo, hi = np.full(len(nobs), np.nan), np.full(len(nobs), np.nan)
    ok = nobs > 0
    if ok.any():
        sm = _SM_PROPORTION.get(method, "wilson")
        lo[ok], hi[ok] = proportion_confint(count[ok], nobs[ok], alpha=1 - confidence, method=sm)
    return 100 * np.clip(lo, 0, 1), 100 * np.clip(hi, 0, 1)


def _bootstrap(hist, metric, confidence, n_bootstrap, rng) -> tuple[np.ndarray, ...]:
    """Percentile bootstrap: multinomial resamples of each group's histogram."""
    if int(n_bootstrap) < 100:
        raise ParameterError(
            f"n_bootstrap={n_bootstrap} is too few; use at least 1000 for a 95% interval."
        )
    g = len(hist)
    se, lower, upper = np.full(g, np.nan), np.full(g, np.nan), np.full(g, np.nan)
    tail = 100 * (1 - confidence) / 2
    for i in range(g):  # loop over groups, each vectorised over replicates
        n = int(hist[i].sum())
        if n == 0:
            continue
        draws = rng.multinomial(n, hist[i] / n, size=int(n_bootstrap))
        reps = point_estimates(draws, metric)
        se[i] = reps.std(ddof=1)
        lower[i], upper[i] = np.percentile(reps, [tail, 100 - tail])
    return se, lower, upper


def counts_histogram(counts, metric: str) -> np.ndarray:
    """Histogram from NPS (detractors, passives, promoters) counts or a {score: count} mapping."""
    lo, hi = SCALES[metric]
    hist = np.zeros((1, hi - lo + 1), dtype=np.int64)
    if isinstance(counts, dict) and set(counts) <= {"detractors", "passives", "promoters"}:
        counts = (
            counts.get("detractors", 0),
            counts.get("passives", 0),
            counts.get("promoters", 0),
        )
    if isinstance(counts, dict):
        for k, c in counts.items():
            if not lo <= int(k) <= hi:
                raise ScoreRangeError(f"counts has score {k} outside the {metric} scale {lo}-{hi}")
            hist[0, int(k) - lo] = c
    elif metric == "nps" and len(counts) == 3:
        det, pas, pro = counts
        hist[0, 0], hist[0, 7], hist[0, 9] = det, pas, pro  # any score of the class will do
    else:
        raise ParameterError(
            "counts must be (detractors, passives, promoters) for NPS or a {score: count} dict."
        )
    if (hist < 0).any() or (np.asarray(hist, float) != np.round(hist)).any():
        raise ParameterError("counts must be non-negative whole numbers.")
    return hist


def score_notes(metric: str, method: str, n: int, min_n: int) -> list[str]:
    notes = []
    if n < min_n:
        notes.append(
            f"Only {n} answer{'s' if n != 1 else ''} (below min_n={min_n}): the interval is wide "
            "and its coverage unreliable; report it, but do not rank groups on it."
        )
    if n == 1:
        notes.append("A single answer has no spread: Wald and t intervals are degenerate.")
    if metric == "nps" and method == "adjusted-wald":
        notes.append(
            "Adjusted-Wald (Rocks 2016): 3 pseudo-answers (3/4 promoter, 3/2 passive, "
            "3/4 detractor) are added for the interval, which is centred on the adjusted score."
        )
    if method == "bootstrap":
        notes.append("Percentile bootstrap interval (multinomial resamples of the answers).")
    notes.append(SAMPLING_NOTE)
    return notes


def require_columns(df: pd.DataFrame, cols, table: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"column{'s' if len(missing) > 1 else ''} {missing} needed but missing; "
            f"found {list(df.columns)}",
            column=missing[0],
            table=table,
            fix=f"load the {table} table with cxlab.load_{table}(..., columns={{...}}) to map names",
        )
