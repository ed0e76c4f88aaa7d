"""Comparing experience scores: differences, trends, sample sizes and expectation gaps.

- :func:`compare_scores` / :func:`compare_groups`: the difference between two
  groups or periods, with its interval and a test. NPS: difference of two
  trinomial means (adjusted-Wald by default: each group gets its 3
  pseudo-answers, as in Sauro & Lewis's two-sample NPS test); CSAT: Newcombe's
  hybrid score interval and a score test (statsmodels); CES: Welch's t.
- :func:`score_trend`: the score per month/quarter with intervals, and each
  period's change from the one before, flagged only when larger than chance
  (p-values adjusted for the number of comparisons, Holm by default).
- :func:`survey_sample_size`: answers needed for a target margin of error, or per
  group to detect a given difference with a given power.
- :func:`experience_gap`: what the business believes (targets per touchpoint)
  against what customers report, with a verdict that respects the interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._deprecation import renamed_parameter
from cxlab.exceptions import EmptyTableError, ParameterError, SmallSampleWarning
from cxlab.feedback._core import (
    ADJUSTED_WALD_PSEUDO,
    CSAT_SATISFIED_MIN,
    DEFAULT_MIN_N,
    LABELS,
    SAMPLING_NOTE,
    check_confidence,
    check_method,
    check_scores,
    counts_histogram,
    nps_parts,
    nps_variance,
    point_estimates,
    score_histogram,
    score_levels,
)
from cxlab.feedback._scores import ScoreEstimate
from cxlab.i18n._tables import reader_text

__all__ = [
    "compare_scores",
    "compare_groups",
    "ScoreDifference",
    "survey_sample_size",
]


@dataclass(frozen=True)
class ScoreDifference:
    """The difference ``a - b`` between two scores, with interval and test.

    Attributes
    ----------
    metric, method : str
    difference : float
        ``estimate_a - estimate_b`` in the metric's units (NPS points,
        CSAT percentage points, CES scale points).
    se, lower, upper : float
        Standard error and interval of the difference at ``confidence``.
    confidence : float
        Confidence level of the interval (``level`` reads the same value).
    statistic, p_value : float
        Test of "no difference" (z for NPS/CSAT, Welch t for CES).
    estimate_a, estimate_b : float
    n_a, n_b : int
    notes : tuple of str
    """

    metric: str
    difference: float
    se: float
    lower: float
    upper: float
    statistic: float
    p_value: float
    estimate_a: float
    estimate_b: float
    n_a: int
    n_b: int
    confidence: float
    method: str
    notes: tuple = ()

    @property
    def level(self) -> float:
        """The confidence level, under the name of its column in ``summary()``."""
        return self.confidence

    @property
    def significant(self) -> bool:
        """True when the interval of the difference excludes 0."""
        return bool(self.lower > 0 or self.upper < 0)

    def __repr__(self) -> str:
        text = (
            f"{LABELS[self.metric]} difference {self.difference:+.2f} "
            f"({self.confidence:.0%} CI {self.lower:+.2f} to {self.upper:+.2f}, p={self.p_value:.3g}, "
            f"n={self.n_a:,} vs {self.n_b:,}, {self.method})"
        )
        return reader_text(text, "repr.ci", "interval.to", "repr.difference", "repr.vs")

    def summary(self) -> pd.DataFrame:
        """A one-row tidy table; caveats in ``.attrs["notes"]``."""
        cols = ["metric", "estimate_a", "estimate_b", "difference", "se", "lower", "upper"]
        cols += ["statistic", "p_value", "n_a", "n_b", "level", "method"]
        df = pd.DataFrame([{c: getattr(self, c) for c in cols}])
        df["significant"] = self.significant
        df.attrs["notes"] = list(self.notes)
        return df


def score_difference(ha, hb, metric, method, confidence, n_bootstrap, rng) -> dict[str, np.ndarray]:
    """Difference a - b for each row pair of two histograms (vectorised)."""
    ha, hb = np.asarray(ha, np.int64), np.asarray(hb, np.int64)
    na, nb = ha.sum(axis=1).astype(float), hb.sum(axis=1).astype(float)
    ea, eb = point_estimates(ha, metric), point_estimates(hb, metric)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "bootstrap":
            se, lower, upper = _bootstrap_difference(ha, hb, metric, confidence, n_bootstrap, rng)
            stat = (ea - eb) / se
            p = 2 * stats.norm.sf(np.abs(stat))
        elif metric == "nps":
            centres, variances = [], []
            for h, n in ((ha, na), (hb, nb)):
                det, _, pro = nps_parts(h)
                if method == "adjusted-wald":
                    det, pro = det + ADJUSTED_WALD_PSEUDO[0], pro + ADJUSTED_WALD_PSEUDO[2]
                    n = n + sum(ADJUSTED_WALD_PSEUDO)
                centres.append((pro - det) / n)
                variances.append(nps_variance(pro, det, n) / n)
            centre = 100 * (centres[0] - centres[1])
            se = 100 * np.sqrt(variances[0] + variances[1])
            lower, upper = centre - z * se, centre + z * se
            stat = centre / se
            p = 2 * stats.norm.sf(np.abs(stat))
        elif metric == "csat":
            from statsmodels.stats.proportion import (
                confint_proportions_2indep,
                test_proportions_2indep,
            )

            ca = ha[:, CSAT_SATISFIED_MIN - 1 :].sum(axis=1)
            cb = hb[:, CSAT_SATISFIED_MIN - 1 :].sum(axis=1)
            pa, pb = ca / na, cb / nb
            se = 100 * np.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
            sm = (
                "newcomb"
                if method == "wilson"
                else {"agresti-coull": "agresti-caffo"}.get(method, "wald")
            )
            lo, hi = confint_proportions_2indep(ca, na, cb, nb, method=sm, alpha=1 - confidence)
            lower, upper = 100 * np.asarray(lo), 100 * np.asarray(hi)
            test = test_proportions_2indep(
                ca, na, cb, nb, method="score" if method == "wilson" else "wald"
            )
            stat, p = np.asarray(test.statistic, float), np.asarray(test.pvalue, float)
        else:
            levels = score_levels(metric)
            va = (ha @ levels**2 - na * ea**2) / (na - 1)
            vb = (hb @ levels**2 - nb * eb**2) / (nb - 1)
            stat, p = stats.ttest_ind_from_stats(
                ea, np.sqrt(va), na, eb, np.sqrt(vb), nb, equal_var=False
            )
            se = np.sqrt(va / na + vb / nb)
            df = se**4 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
            tq = stats.t.ppf(0.5 + confidence / 2, df)
            lower, upper = ea - eb - tq * se, ea - eb + tq * se
    return {
        "estimate_a": ea,
        "estimate_b": eb,
        "difference": ea - eb,
        "se": np.asarray(se, float),
        "lower": np.asarray(lower, float),
        "upper": np.asarray(upper, float),
        "statistic": np.asarray(stat, float),
        "p_value": np.asarray(p, float),
        "n_a": na.astype(np.int64),
        "n_b": nb.astype(np.int64),
    }


def _bootstrap_difference(ha, hb, metric, confidence, n_bootstrap, rng):
    if int(n_bootstrap) < 100:
        raise ParameterError(f"n_bootstrap={n_bootstrap} is too few; use at least 1000.")
    g = len(ha)
    se, lower, upper = np.full(g, np.nan), np.full(g, np.nan), np.full(g, np.nan)
    tail = 100 * (1 - confidence) / 2
    for i in range(g):
        n1, n2 = int(ha[i].sum()), int(hb[i].sum())
        if n1 == 0 or n2 == 0:
            continue
        d = point_estimates(
            rng.multinomial(n1, ha[i] / n1, size=n_bootstrap), metric
        ) - point_estimates(rng.multinomial(n2, hb[i] / n2, size=n_bootstrap), metric)
        se[i] = d.std(ddof=1)
        lower[i], upper[i] = np.percentile(d, [tail, 100 - tail])
    return se, lower, upper


def _as_histogram(x, metric: str) -> np.ndarray:
    if isinstance(x, ScoreEstimate):
        if x.metric != metric:
            raise ParameterError(f"cannot compare a {x.metric} estimate in a {metric} comparison.")
        return counts_histogram(x.details["counts"], metric)
    s = check_scores(x, metric)
    return score_histogram(np.zeros(len(s), np.int64), s, 1, metric)


def _difference_notes(metric, method, n_a, n_b, min_n) -> list[str]:
    notes = []
    small = [f"{name} has {n}" for name, n in (("a", n_a), ("b", n_b)) if n < min_n]
    if small:
        notes.append(
            f"Few answers ({', '.join(small)}; min_n={min_n}): the interval of the difference "
            "is unreliable."
        )
    if metric == "nps" and method == "adjusted-wald":
        notes.append("Adjusted-Wald: each group gets 3 pseudo-answers before the Wald difference.")
    if metric == "csat" and method == "wilson":
        notes.append("Newcombe's hybrid score interval of the difference of shares; score test.")
    if metric == "ces":
        notes.append("Welch's t: the two groups may have different spreads.")
    notes.append("Groups are assumed independent (different customers in a and b).")
    notes.append(SAMPLING_NOTE)
    return notes


@renamed_parameter("level", "confidence")
@renamed_parameter("n_boot", "n_bootstrap")
def compare_scores(
    a,
    b,
    *,
    metric: str | None = None,
    confidence: float = 0.95,
    method: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    n_bootstrap: int = 2000,
    random_state=None,
) -> ScoreDifference:
    """Difference ``a - b`` between two independent samples' scores, with interval and test.

    Parameters
    ----------
    a, b : array-like of int, or ScoreEstimate
        Answers of each group, or their :func:`~cxlab.nps`/:func:`~cxlab.csat`/
        :func:`~cxlab.ces` results (their counts are used).
    metric : {"nps", "csat", "ces"}, optional
        Default: the metric of ``a`` when it is a ScoreEstimate, else ``"nps"``.
    confidence : float, default=0.95
        Confidence level of the interval(s). ``level=`` is a deprecated alias.
    method : str, optional
        NPS ``"adjusted-wald"`` (default), ``"wald"``, ``"bootstrap"``; CSAT
        ``"wilson"`` (Newcombe interval, score test), ``"wald"``,
        ``"agresti-coull"`` (Agresti-Caffo), ``"bootstrap"``; CES ``"t"``
        (Welch), ``"bootstrap"``.
    min_n : int, default=30
    n_bootstrap, random_state
        For the bootstrap.

    Returns
    -------
    ScoreDifference

    Examples
    --------
    >>> import cxlab
    >>> d = cxlab.compare_scores(cxlab.nps(counts=(12, 28, 40)), cxlab.nps(counts=(16, 28, 36)))
    >>> round(d.difference, 1), d.significant
    (10.0, False)
    """
    if metric is None:
        metric = a.metric if isinstance(a, ScoreEstimate) else "nps"
    if method is None and isinstance(a, ScoreEstimate) and a.metric == metric:
        method = a.method
    method = check_method(metric, method)
    confidence = check_confidence(confidence)
    ha, hb = _as_histogram(a, metric), _as_histogram(b, metric)
    return _difference_result(ha, hb, metric, method, confidence, min_n, n_bootstrap, random_state)


def _difference_result(ha, hb, metric, method, confidence, min_n, n_bootstrap, random_state):
    n_a, n_b = int(ha.sum()), int(hb.sum())
    if n_a == 0 or n_b == 0:
        raise EmptyTableError(
            f"cannot compare: group {'a' if n_a == 0 else 'b'} has no {metric} answers", n_rows=0
        )
    rng = np.random.default_rng(random_state)
    row = {
        k: v[0]
        for k, v in score_difference(ha, hb, metric, method, confidence, n_bootstrap, rng).items()
    }
    notes = _difference_notes(metric, method, n_a, n_b, min_n)
    if min(n_a, n_b) < min_n:
        warnings.warn(notes[0], SmallSampleWarning, stacklevel=3)
    return ScoreDifference(
        metric=metric,
        confidence=confidence,
        method=method,
        notes=tuple(notes),
        **{k: (int(v) if k.startswith("n_") else float(v)) for k, v in row.items()},
    )


@renamed_parameter("level", "confidence")
@renamed_parameter("n_boot", "n_bootstrap")
def compare_groups(
    data,
    metric: str = "nps",
    by: str = "segment",
    a=None,
    b=None,
    *,
    period: str = "M",
    confidence: float = 0.95,
    method: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    customers=None,
    persona=None,
    n_bootstrap: int = 2000,
    random_state=None,
) -> ScoreDifference:
    """Difference between two groups (or two periods) of a feedback table.

    Parameters
    ----------
    data : CXData or DataFrame
    metric : str, default="nps"
    by : str, default="segment"
        Any dimension :func:`~cxlab.score_table` accepts, e.g. ``"period"``.
    a, b : str
        The two group labels as :func:`~cxlab.score_table` shows them (e.g.
        ``"business"``, or ``"2025Q3"`` with ``by="period", period="Q"``).
    Other parameters as in :func:`compare_scores` and :func:`~cxlab.score_table`.
    period : str, default="M"
        Length of a ``"period"`` grouping (``"W"``, ``"M"``, ``"Q"``, ``"Y"``).
    confidence : float, default=0.95
        Confidence level of the interval. ``level=`` is a deprecated alias.
    method : str, optional
        Interval method, as in :func:`compare_scores`.
    min_n : int, default=30
        Groups with fewer answers warn.
    customers : DataFrame, optional
        Customer attributes when ``data`` is a feedback table.
    persona : Series, optional
        Persona per ``customer_id``.
    n_bootstrap, random_state
        For the bootstrap. ``n_boot=`` is a deprecated alias.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=3000, random_state=3)
    >>> d = cxlab.compare_groups(data, "csat", "channel", "store", "call_centre")
    >>> d.difference > 0
    True
    """
    from cxlab.feedback._frame import dimension_codes, metric_rows

    method = check_method(metric, method)
    confidence = check_confidence(confidence)
    rows, ctx = metric_rows(data, metric, customers=customers, persona=persona)
    codes, labels = dimension_codes(rows, (by,), ctx, period=period)
    hist = score_histogram(codes, ctx.scores, len(labels), metric)
    picked = []
    for name, g in (("a", a), ("b", b)):
        if g is None or str(g) not in labels:
            raise ParameterError(
                f"{name}={g!r} is not a group of {by!r}; groups: {labels.tolist()[:20]}."
            )
        picked.append(hist[[labels.get_loc(str(g))]])
    return _difference_result(*picked, metric, method, confidence, min_n, n_bootstrap, random_state)


@renamed_parameter("level", "confidence")
def survey_sample_size(
    metric: str = "nps",
    *,
    margin: float | None = None,
    difference: float | None = None,
    confidence: float = 0.95,
    power: float = 0.8,
    promoters: float | None = None,
    detractors: float | None = None,
    share: float | None = None,
    sd: float | None = None,
) -> int:
    """Answers needed for a margin of error, or per group to detect a difference.

    Parameters
    ----------
    metric : {"nps", "csat", "ces"}, default="nps"
    margin : float, optional
        Target half-width of the interval, in the metric's units (NPS points,
        CSAT percentage points, CES scale points).
    difference : float, optional
        Smallest difference between two independent groups worth detecting
        (same units); the result is the size of *each* group.
    confidence : float, default=0.95
        Confidence level of the interval(s). ``level=`` is a deprecated alias.
    power : float, default=0.8
        For ``difference``: chance of a significant result if the difference is real.
    promoters, detractors : float, optional
        Expected NPS shares (0-1). Default: the worst case (variance 1, e.g. half
        promoters and half detractors), which over-estimates n.
    share : float, optional
        Expected CSAT share satisfied (0-1). Default 0.5 (worst case).
    sd : float
        Expected standard deviation of CES answers (required for CES).

    Returns
    -------
    int

    Notes
    -----
    NPS: ``n = z^2 v / m^2`` with the trinomial ``v = p + d - (p - d)^2``, minus the
    3 pseudo-answers the adjusted-Wald interval adds; for a difference,
    ``n = (z_{1-a/2} + z_{power})^2 2v / delta^2`` (both groups assumed to have
    the same spread). CSAT uses ``p(1 - p)`` (Fleiss's formula for two groups),
    CES a t quantile.

    Examples
    --------
    >>> import cxlab
    >>> cxlab.survey_sample_size("nps", margin=10, promoters=0.45, detractors=0.2)
    223
    """
    if (margin is None) == (difference is None):
        raise ParameterError("give margin= or difference= (one of them).")
    confidence = check_confidence(confidence)
    if not 0 < power < 1:
        raise ParameterError(f"power={power} must be between 0 and 1 (e.g. 0.8).")
    target = margin if margin is not None else difference
    if target is None or not target > 0:
        raise ParameterError(f"the margin or difference must be positive, not {target}.")
    za = stats.norm.ppf(0.5 + confidence / 2)
    zb = stats.norm.ppf(power)
    if metric == "nps":
        if (promoters is None) != (detractors is None):
            raise ParameterError("give both promoters= and detractors= (shares 0-1), or neither.")
        p, d = (0.5, 0.5) if promoters is None else (promoters, detractors)
        if p < 0 or d < 0 or p + d > 1:
            raise ParameterError(
                f"promoters={p} and detractors={d} must be shares summing to <= 1."
            )
        v = float(nps_variance(p, d, 1.0))
        t = target / 100
        n = za**2 * v / t**2 - 3 if margin is not None else (za + zb) ** 2 * 2 * v / t**2
    elif metric == "csat":
        p = 0.5 if share is None else share
        if not 0 <= p <= 1:
            raise ParameterError(f"share={p} must be between 0 and 1.")
        t = target / 100
        if margin is not None:
            n = za**2 * p * (1 - p) / t**2
        else:
            p2 = min(max(p + t, 0.0), 1.0)
            pbar = (p + p2) / 2
            num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(
                p * (1 - p) + p2 * (1 - p2)
            )
            n = num**2 / t**2
    elif metric == "ces":
        if sd is None or not sd > 0:
            raise ParameterError("CES needs sd= (the expected standard deviation of answers).")
        if margin is not None:
            n = (za * sd / target) ** 2
            for _ in range(20):  # t quantile depends on n: iterate to a fixed point
                n = (stats.t.ppf(0.5 + confidence / 2, max(n - 1, 1)) * sd / target) ** 2
        else:
            n = (za + zb) ** 2 * 2 * sd**2 / target**2
    else:
        check_method(metric, None)
    return max(int(math.ceil(n - 1e-9)), 2)
