"""How long customers stay: Kaplan-Meier curves, retention, median lifetime, log-rank tests.

Everything here wraps lifelines (``KaplanMeierFitter``, ``lifelines.statistics``);
the numbers are lifelines' own, cxlab adds grouping, checks and tidy tables.
The input is the table from :func:`cxlab.survival_table` (one row per customer,
``tenure_days`` and ``churned``), or the lazy frame ``survival_table(study, out=...)``
returns for a table too large for memory: then the customers are counted per group,
duration and churn flag inside the engine, and lifelines fits those counts as weights
(the same event table, so the same curves, intervals, medians and tests). Related modules: :mod:`cxlab.survival` (Cox),
:mod:`cxlab.survival` (parametric), :mod:`cxlab.survival`, :mod:`cxlab.survival`.
"""

from __future__ import annotations

import warnings

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab._deprecation import alpha_to_confidence, renamed_parameter
from cxlab._estimator import Estimator
from cxlab._plots import plot_doc
from cxlab.data._groups import customer_groups
from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.exceptions import (
    NotFittedError,
    ParameterError,
    SmallSampleWarning,
    StatisticalWarning,
)
from cxlab.survival._checks import check_durations
from cxlab.survival._table import survival_table

__all__ = ["KaplanMeier", "kaplan_meier", "logrank_test", "survival_table", "group_labels"]


def group_labels(table: pd.DataFrame, by) -> pd.Series:
    """One label per row from one or more columns (``"a / b"``); missing -> ``"(missing)"``.

    The labels are an ordered categorical (the columns' category order, else
    sorted); ``by=None`` gives one group ``"all"``. The reading of ``by`` is
    :func:`cxlab.data.customer_groups`'.
    """
    if by is None:
        return pd.Series(pd.Categorical(["all"] * len(table)), index=table.index, name="group")
    labels = customer_groups(
        [by] if isinstance(by, str) else list(by),
        table,
        missing="group",
        stacklevel=4,  # the caller of KaplanMeier.fit, survival_clv, logrank_test
    )
    return pd.Series(labels.array, index=table.index, name="group")


def _columns(by) -> list:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def _durations(table, by, duration_col, event_col, *, what, require_events=True):
    """Durations, churn flags, weights and group labels of a survival table.

    A pandas table gives one row per customer (weights None); any other frame (the lazy
    frame of ``survival_table(study, out=...)``, a DuckDB relation, a polars or Spark
    frame) is counted in its engine: one row per group, duration and churn flag, with
    the number of customers as the weight.

    Returns
    -------
    tuple
        ``(d, e, w, rows)``: float durations, bool flags, int64 weights or None, and
        the pandas rows (for :func:`group_labels`).
    """
    if not isinstance(table, pd.DataFrame):
        lf = to_lazy(table)
        names = lf.collect_schema().names()
        cols = [c for c in dict.fromkeys([*_columns(by), duration_col, event_col]) if c in names]
        table = to_pandas(lf.group_by(*cols).agg(nw.len().alias("_customers")))
        w = table.pop("_customers").to_numpy(dtype=np.int64)
        for c in _columns(by):  # an engine keeps no category order: sorted, on every engine
            if c in table and isinstance(table[c].dtype, pd.CategoricalDtype):
                table[c] = table[c].cat.set_categories(sorted(table[c].cat.categories))
    else:
        w = None
    d, e = check_durations(table, duration_col, event_col, require_events=require_events, what=what)
    return d, e, w, table


def _total(w, mask) -> int:
    return int(mask.sum()) if w is None else int(w[mask].sum())


class KaplanMeier(Estimator):
    """Kaplan-Meier survival curves by group (wraps ``lifelines.KaplanMeierFitter``).

    Parameters
    ----------
    by : str or list of str, optional
        Column(s) that define the groups; None = everyone together.
    duration_col, event_col : str, default="tenure_days", "churned"
    confidence : float, default=0.95
        Confidence level of the intervals (lifelines' exponential Greenwood
        intervals). ``alpha=`` (1 - confidence) is a deprecated alias.

    Attributes
    ----------
    fitters_ : dict
        Group label -> fitted ``lifelines.KaplanMeierFitter``.
    groups_ : list of str
    counts_ : DataFrame
        ``n`` and ``churned`` per group.

    Examples
    --------
    >>> import cxlab
    >>> table = cxlab.survival_table(cxlab.simulate(n_customers=2000, random_state=1))
    >>> km = cxlab.KaplanMeier(by="loyalty_member").fit(table)
    >>> km.retention([90, 180]).columns.tolist()
    ['group', 'horizon_days', 'retention', 'lower', 'upper', 'at_risk']
    """

    @renamed_parameter("alpha", "confidence", transform=alpha_to_confidence)
    def __init__(
        self,
        *,
        by=None,
        duration_col: str = "tenure_days",
        event_col: str = "churned",
        confidence: float = 0.95,
    ):
        self.by = by
        self.duration_col = duration_col
        self.event_col = event_col
        self.confidence = confidence

    def __repr__(self) -> str:
        fitted = f", groups={self.groups_}" if hasattr(self, "groups_") else ""
        return f"KaplanMeier(by={self.by!r}{fitted})"

    def fit(self, table: pd.DataFrame) -> KaplanMeier:
        """Fit one curve per group.

        Warns (:class:`StatisticalWarning`) for groups without any churn (their
        curve stays at 1 and their median is undefined) and
        (:class:`SmallSampleWarning`) for groups under 20 customers.

        Parameters
        ----------
        table : DataFrame or lazy frame
            A survival table, one row per customer (:func:`cxlab.survival_table`), or
            the lazy frame of ``survival_table(study, out=...)``: the customers are
            counted per group, duration and churn flag in its engine and lifelines
            fits the counts as weights (the same curves and intervals).
        """
        from lifelines import KaplanMeierFitter

        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence={self.confidence} must be between 0 and 1.")
        d, e, w, rows = _durations(
            table,
            self.by,
            self.duration_col,
            self.event_col,
            require_events=False,
            what="Kaplan-Meier",
        )
        if not e.any():
            warnings.warn(
                "no churn in the table: every curve stays at 1 and medians are undefined.",
                StatisticalWarning,
                stacklevel=2,
            )
        labels = group_labels(rows, self.by)
        codes = labels.cat.codes.to_numpy()
        self.fitters_, rows = {}, []
        for k, name in enumerate(labels.cat.categories):
            m = codes == k
            kmf = KaplanMeierFitter(alpha=round(1 - self.confidence, 12))
            kmf.fit(d[m], e[m], label=name, weights=None if w is None else w[m])
            self.fitters_[name] = kmf
            n, ev = _total(w, m), _total(w, m & e)
            rows.append({"group": name, "n": n, "churned": ev, "max_days": float(d[m].max())})
            if ev == 0 and e.any():
                warnings.warn(
                    f"no churn in group {name!r} ({n:,} customers): its curve stays at 1, "
                    "its median lifetime is undefined and log-rank tests rest on the "
                    "other groups' churns.",
                    StatisticalWarning,
                    stacklevel=2,
                )
            if n < 20:
                warnings.warn(
                    f"group {name!r} has only {n} customers; its curve and intervals are rough.",
                    SmallSampleWarning,
                    stacklevel=2,
                )
        self.groups_ = list(self.fitters_)
        self.counts_ = pd.DataFrame(rows).set_index("group")
        self._labels = labels
        self._d, self._e, self._w = d, e, w
        return self

    def _check_fitted(self, method):
        if not hasattr(self, "fitters_"):
            raise NotFittedError(
                f"KaplanMeier is not fitted yet; call fit(table) before {method}()."
            )

    def curves(self) -> pd.DataFrame:
        """Long table: ``group``, ``time``, ``survival``, ``lower``, ``upper``, ``at_risk``."""
        self._check_fitted("curves")
        out = []
        for name, kmf in self.fitters_.items():
            sf = kmf.survival_function_.iloc[:, 0]
            ci = kmf.confidence_interval_
            out.append(
                pd.DataFrame(
                    {
                        "group": name,
                        "time": sf.index.to_numpy(),
                        "survival": sf.to_numpy(),
                        "lower": ci.iloc[:, 0].to_numpy(),
                        "upper": ci.iloc[:, 1].to_numpy(),
                        "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy(),
                    }
                )
            )
        df = pd.concat(out, ignore_index=True)
        df["group"] = pd.Categorical(df["group"], categories=self.groups_)
        return df

    def retention(self, horizons) -> pd.DataFrame:
        """Share still a customer at each horizon (days), with its interval.

        Beyond a group's longest follow-up the curve is unknown: those rows are
        NaN and a :class:`StatisticalWarning` says so.

        Parameters
        ----------
        horizons : sequence of float
            Days after the start at which to read the curves.
        """
        self._check_fitted("retention")
        h = np.atleast_1d(np.asarray(horizons, dtype=float))
        if (h < 0).any():
            raise ParameterError(f"horizons must be >= 0, got {h.tolist()}.")
        rows, beyond = [], []
        for name, kmf in self.fitters_.items():
            sf = kmf.survival_function_.iloc[:, 0]
            ci = kmf.confidence_interval_
            t = sf.index.to_numpy()
            pos = np.searchsorted(t, h, side="right") - 1
            in_group = (self._labels == name).to_numpy()
            last = float(self.counts_.loc[name, "max_days"])
            for hz, p in zip(h, pos):
                ok = hz <= last and p >= 0
                if not ok:
                    beyond.append((name, hz))
                risk = _total(self._w, in_group & (self._d >= hz))
                rows.append(
                    {
                        "group": name,
                        "horizon_days": hz,
                        "retention": float(sf.iloc[p]) if ok else np.nan,
                        "lower": float(ci.iloc[p, 0]) if ok else np.nan,
                        "upper": float(ci.iloc[p, 1]) if ok else np.nan,
                        "at_risk": risk,
                    }
                )
        if beyond:
            warnings.warn(
                f"horizons beyond the longest follow-up of their group are left NaN: {beyond[:5]}",
                StatisticalWarning,
                stacklevel=2,
            )
        return pd.DataFrame(rows)

    def median_lifetime(self) -> pd.DataFrame:
        """Median lifetime (days) per group with its confidence interval.

        ``inf`` means more than half the group is still a customer at the end
        of follow-up (the median is beyond what the data show); an infinite
        upper bound means the interval is open-ended.
        """
        from lifelines.utils import median_survival_times

        self._check_fitted("median_lifetime")
        rows = []
        for name, kmf in self.fitters_.items():
            ci = median_survival_times(kmf.confidence_interval_)
            rows.append(
                {
                    "group": name,
                    "median_days": float(kmf.median_survival_time_),
                    "lower": float(ci.iloc[0, 0]),
                    "upper": float(ci.iloc[0, 1]),
                }
            )
        return pd.DataFrame(rows).set_index("group")

    def summary(self, horizons=(90, 180, 365)) -> pd.DataFrame:
        """Per group: customers, churned, median lifetime (CI), retention at horizons.

        Parameters
        ----------
        horizons : sequence of float, default=(90, 180, 365)
            Days at which retention is shown.
        """
        self._check_fitted("summary")
        out = self.counts_.join(self.median_lifetime())
        if horizons is not None and len(horizons):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StatisticalWarning)
                ret = self.retention(horizons)
            wide = ret.pivot(index="group", columns="horizon_days", values="retention")
            wide.columns = [f"retention_{h:g}d" for h in wide.columns]
            out = out.join(wide)
        return out

    def logrank(self, *, pairwise: bool = True) -> pd.DataFrame:
        """Log-rank tests between the groups (see :func:`logrank_test`).

        Parameters
        ----------
        pairwise : bool, default=True
            Also test every pair of groups, not only all groups together.
        """
        self._check_fitted("logrank")
        return _logrank(self._d, self._e, self._labels, pairwise=pairwise, weights=self._w)

    @plot_doc
    def plot(self, ax=None, *, ci: bool = True, title: str | None = None):
        """Kaplan-Meier curves with confidence bands; returns the Axes.

        Parameters
        ----------
        %(ax)s
        ci : bool, default=True
            Shade the confidence bands.
        %(title)s
        """
        from cxlab.survival._plots import km_plot

        self._check_fitted("plot")
        return km_plot(self.curves(), ax=ax, ci=ci, title=title, by=self.by)


@renamed_parameter("alpha", "confidence", transform=alpha_to_confidence)
def kaplan_meier(table: pd.DataFrame, *, by=None, confidence: float = 0.95, **kw) -> KaplanMeier:
    """Fit :class:`KaplanMeier` in one call: ``kaplan_meier(table, by="segment")``.

    Parameters
    ----------
    table : DataFrame
        A survival table, one row per customer (:func:`cxlab.survival_table`).
    by : str or list of str, optional
        Column(s) that define the groups; None = everyone together.
    confidence : float, default=0.95
        Confidence level of the intervals. ``alpha=`` (1 - confidence) is a deprecated
        alias.
    **kw
        Other :class:`KaplanMeier` parameters (``duration_col``, ``event_col``).
    """
    return KaplanMeier(by=by, confidence=confidence, **kw).fit(table)


def logrank_test(
    table: pd.DataFrame,
    by,
    *,
    duration_col: str = "tenure_days",
    event_col: str = "churned",
    pairwise: bool = True,
) -> pd.DataFrame:
    """Do the groups churn at the same rate? Log-rank tests (lifelines.statistics).

    Parameters
    ----------
    table : DataFrame
        The survival table.
    by : str or list of str
        Column(s) defining two or more groups.
    pairwise : bool, default=True
        With three or more groups, also every pair (with Holm-adjusted p-values).
    duration_col, event_col : str, default="tenure_days", "churned"
        Columns of the durations and of the churn indicator.

    Returns
    -------
    DataFrame
        One row per test: ``comparison`` ("all groups" or "a vs b"),
        ``test_statistic``, ``degrees_of_freedom``, ``p`` and ``p_holm``
        (pairwise rows only). The overall row is
        ``lifelines.statistics.multivariate_logrank_test``; pairs are
        ``pairwise_logrank_test``.

    Examples
    --------
    >>> import cxlab
    >>> table = cxlab.survival_table(cxlab.simulate(n_customers=2000, random_state=1))
    >>> cxlab.logrank_test(table, "loyalty_member")["comparison"].tolist()
    ['all groups']
    """
    d, e, w, rows = _durations(table, by, duration_col, event_col, what="the log-rank test")
    labels = group_labels(rows, by)
    return _logrank(d, e, labels, pairwise=pairwise, weights=w)


def _pairwise_weighted(d, e, g, w, groups) -> pd.DataFrame:
    """``pairwise_logrank_test``'s summary for weighted rows (one test per pair)."""
    from lifelines.statistics import logrank_test

    rows, index = [], []
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            ma, mb = g == a, g == b
            res = logrank_test(d[ma], d[mb], e[ma], e[mb], weights_A=w[ma], weights_B=w[mb])
            rows.append({"test_statistic": res.test_statistic, "p": res.p_value})
            index.append((a, b))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index))


def _logrank(d, e, labels: pd.Series, *, pairwise: bool, weights=None) -> pd.DataFrame:
    from lifelines.statistics import multivariate_logrank_test, pairwise_logrank_test

    groups = list(labels.cat.categories)
    if len(groups) < 2:
        raise ParameterError(
            f"a log-rank test needs at least two groups; found {groups}. Pass by=<column>."
        )
    g = labels.astype(str).to_numpy()
    res = multivariate_logrank_test(d, g, e, weights=weights)
    rows = [
        {
            "comparison": "all groups",
            "test_statistic": float(res.test_statistic),
            "degrees_of_freedom": int(res.degrees_of_freedom),
            "p": float(res.p_value),
            "p_holm": np.nan,
        }
    ]
    if pairwise and len(groups) > 2:
        if weights is None:
            pw = pairwise_logrank_test(d, g, e).summary
        else:
            pw = _pairwise_weighted(d, g=g, e=e, w=weights, groups=sorted(set(g)))
        p = pw["p"].to_numpy()
        order = np.argsort(p)
        m = len(p)
        adj = np.empty(m)
        adj[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
        for (a, b), stat, pv, pa in zip(pw.index, pw["test_statistic"], p, adj):
            rows.append(
                {
                    "comparison": f"{a} vs {b}",
                    "test_statistic": float(stat),
                    "degrees_of_freedom": 1,
                    "p": float(pv),
                    "p_holm": float(pa),
                }
            )
    return pd.DataFrame(rows)
