"""Experience scores with honest uncertainty: NPS, CSAT and CES.

One number per survey metric, always with a standard error, an interval and
the sample size behind it:

- **NPS** (likelihood to recommend, 0-10): % promoters (9-10) minus
  % detractors (0-6), in points from -100 to +100. Its variance is the
  trinomial one, ``Var = (p + d - (p - d)^2) / n`` for promoter and detractor
  shares ``p`` and ``d`` (Rocks 2016). Intervals: ``"adjusted-wald"`` (default;
  add 3/4 of a pseudo-answer to promoters and to detractors and 3/2 to
  passives, so ``n + 3``, then Wald; Rocks 2016, Sauro & Lewis 2021),
  ``"wald"`` and ``"bootstrap"``.
- **CSAT** (1-5): the share of satisfied answers (4 or 5), in percent, with a
  Wilson score interval (default; via statsmodels) or Wald, Agresti-Coull,
  Jeffreys or bootstrap.
- **CES** (1-7, higher = easier, as in CES 2.0 "the company made it easy"): the
  mean with a t interval (or bootstrap), plus the top-box share (5-7) with a
  Wilson interval.

Everything is computed from a histogram of scores per group (one
``np.bincount``), so a table over millions of answers costs about as much as
reading them. :func:`score_table` gives tables by stage, channel, touchpoint,
segment, persona, period (and any other feedback or customer column) in one
call; groups smaller than ``min_n`` are flagged (column ``small_sample`` and a
:class:`~cxlab.exceptions.SmallSampleWarning`), never hidden.

References
----------
Rocks, B. (2016). Interval estimation for the "net promoter score".
*The American Statistician* 70(4), 365-372.
Sauro, J. & Lewis, J. R. (2021). Confidence intervals for Net Promoter Scores;
Evaluating NPS confidence intervals with real-world data. MeasuringU.
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. *JASA* 22, 209-212.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._deprecation import renamed_parameter
from cxlab.exceptions import (
    DataError,
    DataWarning,
    EmptyTableError,
    ParameterError,
    SmallSampleWarning,
    format_examples,
)
from cxlab.feedback._core import (
    ADJUSTED_WALD_PSEUDO,
    DEFAULT_MIN_N,
    DETRACTOR_MAX,
    LABELS,
    METHODS,
    PROMOTER_MIN,
    SCALES,
    check_confidence,
    check_method,
    check_scores,
    counts_histogram,
    estimate_scores,
    nps_parts,
    score_histogram,
    score_notes,
)
from cxlab.i18n._tables import reader_text

__all__ = [
    "nps",
    "csat",
    "ces",
    "score",
    "ScoreEstimate",
    "score_table",
    "nps_category",
    "METHODS",
    "DEFAULT_MIN_N",
]


def nps_category(scores) -> np.ndarray:
    """``"detractor"`` (0-6), ``"passive"`` (7-8) or ``"promoter"`` (9-10) for each score.

    Parameters
    ----------
    scores : array-like of int
        Answers on 0-10.
    """
    s = check_scores(scores, "nps")
    return np.select(
        [s <= DETRACTOR_MAX, s >= PROMOTER_MIN], ["detractor", "promoter"], "passive"
    ).astype(object)


# -- one sample ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEstimate:
    """One survey score with its uncertainty.

    Attributes
    ----------
    metric : {"nps", "csat", "ces"}
    score : float
        NPS in points (-100..100), CSAT as % satisfied (0..100), CES as the mean (1..7).
    se : float
        Standard error, in the units of ``score``.
    lower, upper : float
        Interval at ``confidence``.
    n : int
        Number of answers.
    confidence : float
        Confidence level of the interval (``level`` reads the same value).
    method : str
    details : dict
        Metric-specific numbers: for NPS ``promoters``, ``passives``,
        ``detractors`` (percent) and their counts; for CSAT ``mean``; for CES
        ``sd`` and ``top_box`` (% of 5-7) with its Wilson interval. Also
        ``counts`` (answers per scale point). Each is also an attribute
        (``est.promoters``).
    notes : tuple of str
        Caveats to print with the number.
    """

    metric: str
    score: float
    se: float
    lower: float
    upper: float
    n: int
    confidence: float
    method: str
    details: dict = field(default_factory=dict, repr=False)
    notes: tuple = ()

    def __getattr__(self, name):
        details = object.__getattribute__(self, "details")
        if name in details:
            return details[name]
        raise AttributeError(f"ScoreEstimate has no attribute {name!r}")

    def __repr__(self) -> str:
        from cxlab.i18n._language import DEFAULT_LANGUAGE, resolve_language

        if resolve_language(None) != DEFAULT_LANGUAGE:  # the reader's sentence
            from cxlab.i18n._summaries import reader_summary

            return reader_summary(self)
        sign = "+" if self.metric == "nps" else ""
        unit = "%" if self.metric == "csat" else ""
        fmt = ".2f" if self.metric == "ces" else ".1f"
        text = (
            f"{LABELS[self.metric]} {self.score:{sign}{fmt}}{unit} "
            f"({self.confidence:.0%} CI {self.lower:{sign}{fmt}} to {self.upper:{sign}{fmt}}, "
            f"{self.method}, n={self.n:,})"
        )
        return reader_text(text, "repr.ci", "interval.to")

    @property
    def level(self) -> float:
        """The confidence level, under the name of its column in ``summary()``."""
        return self.confidence

    @property
    def margin(self) -> float:
        """Half the interval's width (the "margin of error")."""
        return (self.upper - self.lower) / 2

    def to_dict(self) -> dict:
        d = {
            k: getattr(self, k)
            for k in ("metric", "score", "se", "lower", "upper", "n", "level", "method")
        }
        d.update({k: v for k, v in self.details.items() if k != "counts"})
        return d

    def summary(self) -> pd.DataFrame:
        """A one-row tidy table; caveats in ``.attrs["notes"]``."""
        df = pd.DataFrame([self.to_dict()])
        df.attrs["notes"] = list(self.notes)
        return df

    def test(self, value: float) -> pd.Series:
        """Is the score different from a fixed benchmark ``value`` (same units)?

        NPS: z test with the method's standard error (centred like the interval);
        CSAT: score test of one proportion (matches the Wilson interval);
        CES: one-sample t test. Returns ``difference``, ``statistic``,
        ``p_value`` and ``inside_interval``.

        Parameters
        ----------
        value : float
            The benchmark, in the metric's units.
        """
        counts = np.asarray(list(self.details["counts"].values()))[None, :]
        diff = self.score - value
        if self.metric == "nps":
            det, _, pro = (x[0] for x in nps_parts(counts))
            centre = (
                (pro + ADJUSTED_WALD_PSEUDO[2] - det - ADJUSTED_WALD_PSEUDO[0]) / (self.n + 3) * 100
                if self.method == "adjusted-wald"
                else self.score
            )
            stat = (centre - value) / self.se if self.se > 0 else np.nan
            p = 2 * stats.norm.sf(abs(stat))
        elif self.metric == "csat":
            p0 = value / 100
            stat = (self.score / 100 - p0) / np.sqrt(p0 * (1 - p0) / self.n)
            p = 2 * stats.norm.sf(abs(stat))
        else:
            stat = diff / self.se if self.se > 0 else np.nan
            p = 2 * stats.t.sf(abs(stat), self.n - 1)
        return pd.Series(
            {
                "value": value,
                "difference": diff,
                "statistic": stat,
                "p_value": p,
                "inside_interval": bool(self.lower <= value <= self.upper),
            }
        )


@renamed_parameter("level", "confidence")
@renamed_parameter("n_boot", "n_bootstrap")
def score(
    scores=None,
    metric: str = "nps",
    *,
    confidence: float = 0.95,
    method: str | None = None,
    counts=None,
    min_n: int = DEFAULT_MIN_N,
    n_bootstrap: int = 2000,
    random_state=None,
) -> ScoreEstimate:
    """NPS, CSAT or CES of one sample, with its interval (see :func:`nps`).

    Parameters
    ----------
    scores : array-like, optional
        Answers on the metric's scale.
    metric : {"nps", "csat", "ces"}, default="nps"
    confidence : float, default=0.95
        Confidence level of the interval. ``level=`` is a deprecated alias.
    method : str, optional
        Interval method (default per metric; see :func:`nps`, :func:`csat`,
        :func:`ces`).
    counts : tuple or dict, optional
        Instead of ``scores``: answers per scale point.
    min_n : int, default=30
        Fewer answers warn.
    n_bootstrap, random_state
        For ``method="bootstrap"``. ``n_boot=`` is a deprecated alias.
    """
    method = check_method(metric, method)
    confidence = check_confidence(confidence)
    if (scores is None) == (counts is None):
        raise ParameterError("give scores or counts (one of them).")
    if counts is not None:
        hist = counts_histogram(counts, metric)
    else:
        s = check_scores(scores, metric)
        hist = score_histogram(np.zeros(len(s), dtype=np.int64), s, 1, metric)
    n = int(hist.sum())
    if n == 0:
        raise EmptyTableError(f"there are no {metric} answers to summarise", n_rows=0)
    rng = np.random.default_rng(random_state)
    row = {
        k: v[0]
        for k, v in estimate_scores(hist, metric, method, confidence, n_bootstrap, rng).items()
    }
    notes = score_notes(metric, method, n, min_n)
    if n < min_n:
        warnings.warn(notes[0], SmallSampleWarning, stacklevel=3)
    lo = SCALES[metric][0]
    details = {
        k: _py(v) for k, v in row.items() if k not in ("n", "estimate", "se", "lower", "upper")
    }
    details["counts"] = {lo + i: int(c) for i, c in enumerate(hist[0])}
    return ScoreEstimate(
        metric=metric,
        score=float(row["estimate"]),
        se=float(row["se"]),
        lower=float(row["lower"]),
        upper=float(row["upper"]),
        n=n,
        confidence=confidence,
        method=method,
        details=details,
        notes=tuple(notes),
    )


def _py(v):
    return int(v) if isinstance(v, np.integer) else float(v)


@renamed_parameter("level", "confidence")
@renamed_parameter("n_boot", "n_bootstrap")
def nps(
    scores=None,
    *,
    confidence: float = 0.95,
    method: str = "adjusted-wald",
    counts=None,
    min_n: int = DEFAULT_MIN_N,
    n_bootstrap: int = 2000,
    random_state=None,
) -> ScoreEstimate:
    """Net Promoter Score with its standard error and interval.

    NPS = % promoters (9-10) - % detractors (0-6), from -100 to +100. Coding an
    answer +1 (promoter), 0 (passive) or -1 (detractor), NPS is 100 x the mean,
    and the variance of one answer is ``p + d - (p - d)^2`` (trinomial), so
    ``SE = 100 * sqrt((p + d - (p - d)^2) / n)``.

    Parameters
    ----------
    scores : array-like of int, optional
        Answers on 0-10. Values outside the scale, non-integers, text and
        missing values raise :class:`~cxlab.exceptions.ScoreRangeError` /
        :class:`~cxlab.exceptions.DataTypeError`.
    confidence : float, default=0.95
        Confidence level of the interval(s). ``level=`` is a deprecated alias.
    method : {"adjusted-wald", "wald", "bootstrap"}, default="adjusted-wald"
        ``"adjusted-wald"`` adds 3 pseudo-answers (3/4 promoter, 3/2 passive,
        3/4 detractor) and uses the trinomial Wald interval on ``n + 3``
        answers, centred on the adjusted score (Rocks 2016, who found it the
        best of six methods; the same as Sauro & Lewis's "add 3/4 to promoters
        and detractors, 3 to n"). ``"wald"`` is the plain trinomial interval,
        which is too narrow for small samples or extreme scores.
    counts : tuple or dict, optional
        Instead of ``scores``: ``(detractors, passives, promoters)`` counts.
    min_n : int, default=30
        Fewer answers issue a :class:`~cxlab.exceptions.SmallSampleWarning`.
    n_bootstrap : int, default=2000
        Bootstrap replicates (``method="bootstrap"``). ``n_boot=`` is a deprecated alias.
    random_state : int, Generator or None
        For the bootstrap.

    Returns
    -------
    ScoreEstimate
        ``score``, ``se``, ``lower``, ``upper``, ``n``, and ``promoters``,
        ``passives``, ``detractors`` in percent.

    Raises
    ------
    ScoreRangeError, DataTypeError, EmptyTableError, ParameterError

    Examples
    --------
    >>> import cxlab
    >>> est = cxlab.nps(counts=(20, 30, 50))   # 100 answers: NPS +30
    >>> round(est.score, 1), round(est.lower, 1), round(est.upper, 1)
    (30.0, 14.1, 44.2)
    """
    return score(
        scores,
        "nps",
        confidence=confidence,
        method=method,
        counts=counts,
        min_n=min_n,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
    )


@renamed_parameter("level", "confidence")
@renamed_parameter("n_boot", "n_bootstrap")
def csat(
    scores=None,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
    counts=None,
    min_n: int = DEFAULT_MIN_N,
    n_bootstrap: int = 2000,
    random_state=None,
) -> ScoreEstimate:
    """Customer satisfaction: the share of satisfied answers (4 or 5 on 1-5), in percent.

    Parameters
    ----------
    scores : array-like of int
        Answers on 1-5.
    confidence : float, default=0.95
        Confidence level of the interval(s). ``level=`` is a deprecated alias.
    method : {"wilson", "wald", "agresti-coull", "jeffreys", "bootstrap"}, default="wilson"
        Interval of the share (statsmodels ``proportion_confint``). Wilson keeps
        its coverage near nominal for small n and shares near 0 or 100%.
    counts : dict, optional
        ``{score: count}`` instead of ``scores``.
    min_n, n_bootstrap, random_state
        As in :func:`nps`.

    Returns
    -------
    ScoreEstimate
        ``score`` = % satisfied; ``details["mean"]`` = the mean score.

    Examples
    --------
    >>> import cxlab
    >>> est = cxlab.csat([5, 4, 4, 3, 5, 2, 5, 4, 1, 5] * 5)
    >>> round(est.score, 1), round(est.lower, 1), round(est.upper, 1)
    (70.0, 56.2, 80.9)
    """
    return score(
        scores,
        "csat",
        confidence=confidence,
        method=method,
        counts=counts,
        min_n=min_n,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
    )


@renamed_parameter("level", "confidence")
@renamed_parameter("n_boot", "n_bootstrap")
def ces(
    scores=None,
    *,
    confidence: float = 0.95,
    method: str = "t",
    counts=None,
    min_n: int = DEFAULT_MIN_N,
    n_bootstrap: int = 2000,
    random_state=None,
) -> ScoreEstimate:
    """Customer effort score: the mean answer on 1-7 (higher = easier), with a t interval.

    Also reports the top-box share (answers 5-7, "agree it was easy") with a
    Wilson interval in ``details``.

    Parameters
    ----------
    scores : array-like of int
        Answers on 1-7.
    confidence : float, default=0.95
        Confidence level of the interval(s). ``level=`` is a deprecated alias.
    method : {"t", "bootstrap"}, default="t"
    counts : dict, optional
        ``{score: count}`` instead of ``scores``.
    min_n, n_bootstrap, random_state
        As in :func:`nps`.

    Examples
    --------
    >>> import cxlab
    >>> est = cxlab.ces([7, 6, 5, 5, 4, 6, 7, 3, 5, 6] * 4)
    >>> round(est.score, 2), round(est.top_box, 1)
    (5.4, 80.0)
    """
    return score(
        scores,
        "ces",
        confidence=confidence,
        method=method,
        counts=counts,
        min_n=min_n,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
    )


# -- tables by group ---------------------------------------------------------------------


@renamed_parameter("level", "confidence")
@renamed_parameter("n_boot", "n_bootstrap")
def score_table(
    data,
    metric: str = "nps",
    by: str | Sequence = ("stage", "channel", "touchpoint"),
    *,
    confidence: float = 0.95,
    method: str | None = None,
    period: str = "M",
    min_n: int = DEFAULT_MIN_N,
    overall: bool = True,
    include_empty: bool = False,
    customers: pd.DataFrame | None = None,
    persona: pd.Series | None = None,
    n_bootstrap: int = 2000,
    random_state=None,
    skip_unavailable: bool = False,
) -> pd.DataFrame:
    """Scores with intervals for every group of one or more dimensions, in one tidy table.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
        A study, or a feedback table (``metric`` and ``score`` columns; without
        a ``metric`` column every row is taken as ``metric``).
    metric : {"nps", "csat", "ces"}, default="nps"
    by : str or sequence, default=("stage", "channel", "touchpoint")
        Dimensions, each tabulated on its own and stacked. A dimension is a
        feedback column (``stage``, ``channel``, ``touchpoint``, ``language``),
        a customers column (``segment``, ``region``, ``loyalty_member``, ...),
        ``"persona"``, ``"period"``, ``"purchase_channel"`` or
        ``"purchase_touchpoint"`` (where the customer bought; needs events). A
        tuple of dimensions crosses them (e.g. ``("segment", "period")``).
    confidence : float, default=0.95
        Confidence level of the interval(s). ``level=`` is a deprecated alias.
    method : str, optional
        Interval method (:data:`METHODS`); default per metric.
    period : str, default="M"
        Length of the ``"period"`` dimension: ``"W"``, ``"M"``, ``"Q"``, ``"Y"``
        (or ``"week"``, ``"month"``, ``"quarter"``, ``"year"``).
    min_n : int, default=30
        Groups with fewer answers get ``small_sample=True`` and one
        :class:`~cxlab.exceptions.SmallSampleWarning` names them.
    overall : bool, default=True
        Add a first row ``dimension="(all)"``.
    include_empty : bool, default=False
        Keep categories without answers (n = 0, estimate NaN).
    customers : DataFrame, optional
        Customer attributes when ``data`` is a feedback table.
    persona : Series, optional
        Persona per ``customer_id``. Default: a ``persona`` column of
        ``customers``, else (simulated data) the true persona in ``data.truth``.
    n_bootstrap, random_state
        For ``method="bootstrap"``.
    skip_unavailable : bool, default=False
        Leave out dimensions this study does not have (e.g. ``persona`` on real
        data without personas), with a :class:`~cxlab.exceptions.DataWarning`
        and a note, instead of raising. For reports that run on any study.

    Returns
    -------
    DataFrame
        One row per group: ``dimension``, ``group``, ``metric``, ``n``,
        ``estimate``, ``se``, ``lower``, ``upper``, ``level``, ``method``,
        ``small_sample`` and metric-specific columns (``promoters``,
        ``passives``, ``detractors`` in percent for NPS; ``mean`` for CSAT;
        ``sd``, ``top_box`` for CES). ``.attrs["notes"]`` holds the caveats.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=1)
    >>> t = cxlab.score_table(data, "csat", by=["channel", "segment"], min_n=10)
    >>> t.columns[:8].tolist()
    ['dimension', 'group', 'metric', 'n', 'estimate', 'se', 'lower', 'upper']
    """
    from cxlab.feedback._frame import dimension_codes, metric_rows

    method = check_method(metric, method)
    confidence = check_confidence(confidence)
    dims = [by] if isinstance(by, str | tuple) else list(by)
    if not dims and not overall:
        raise ParameterError("by is empty and overall=False: nothing to tabulate.")
    rows, ctx = metric_rows(data, metric, customers=customers, persona=persona)
    scores = ctx.scores
    rng = np.random.default_rng(random_state)
    parts, skipped = [], []
    specs = ([("(all)",)] if overall else []) + [d if isinstance(d, tuple) else (d,) for d in dims]
    for spec in specs:
        if spec == ("(all)",):
            codes, labels = np.zeros(len(rows), dtype=np.int64), pd.Index(["(all)"])
        else:
            try:
                codes, labels = dimension_codes(rows, spec, ctx, period=period)
            except (ParameterError, DataError) as err:
                if not skip_unavailable:
                    raise
                skipped.append(f"{' x '.join(spec)} ({err})")
                continue
        hist = score_histogram(codes, scores, len(labels), metric)
        est = pd.DataFrame(estimate_scores(hist, metric, method, confidence, n_bootstrap, rng))
        est.insert(0, "group", labels.astype(str))
        est.insert(0, "dimension", " x ".join(spec))
        if not include_empty and spec != ("(all)",):
            est = est[est["n"] > 0]
        parts.append(est)
    table = pd.concat(parts, ignore_index=True)
    table.insert(2, "metric", metric)
    table["level"], table["method"] = confidence, method
    table["small_sample"] = table["n"] < min_n
    front = ["dimension", "group", "metric", "n", "estimate", "se", "lower", "upper"]
    front += ["level", "method", "small_sample"]
    table = table[front + [c for c in table.columns if c not in front]]
    notes = list(ctx.notes)
    if skipped:
        msg = f"not available in this study, left out: {'; '.join(skipped)}"
        warnings.warn(msg, DataWarning, stacklevel=2)
        notes.append(msg)
    small = table[table["small_sample"]]
    if len(small):
        names = format_examples((small["dimension"] + "=" + small["group"]).tolist())
        msg = (
            f"{len(small)} group{'s' if len(small) > 1 else ''} with fewer than {min_n} {metric} "
            f"answers (e.g. {names}): flagged small_sample; their intervals are unreliable."
        )
        warnings.warn(msg, SmallSampleWarning, stacklevel=2)
        notes.append(msg)
    notes += score_notes(metric, method, min_n, min_n)
    table.attrs["notes"] = notes
    return table
