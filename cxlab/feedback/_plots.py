"""Figures for feedback: scores with intervals, trends, drivers and themes.

Every function takes ``ax=None`` (a new figure when None), returns the Axes and
never calls ``plt.show()``. Small groups are drawn hollow and labelled, not
hidden.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from cxlab._display import group_label
from cxlab._plots import get_axes, localized, plot_doc
from cxlab.exceptions import ParameterError
from cxlab.feedback._core import LABELS
from cxlab.i18n._language import get_language
from cxlab.i18n._messages import t as _t
from cxlab.i18n._tables import column_header, period_label, reader_cell

_axes = partial(get_axes, layout="constrained")

__all__ = ["plot_scores", "plot_score_trend", "plot_drivers", "plot_themes"]

_UNITS = ("nps", "csat", "ces")  # metrics with a unit label (unit.<metric>)


@localized
@plot_doc
def plot_scores(table: pd.DataFrame, ax=None, *, dimension: str | None = None):
    """Forest plot of a :func:`~cxlab.score_table`: one row per group with its interval.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`~cxlab.score_table` (or :func:`~cxlab.experience_gap`,
        whose targets are drawn as crosses).
    %(ax)s
    dimension : str, optional
        Only the rows of this dimension.

    Returns
    -------
    Axes
    """
    df = table if dimension is None else table[table["dimension"] == dimension]
    if len(df) == 0:
        raise ParameterError(f"no rows to plot (dimension={dimension!r}).")
    est = "estimate" if "estimate" in df.columns else "observed"
    df = df.iloc[::-1]
    ax = _axes(ax, (7, max(2.5, 0.35 * len(df) + 1)))
    y = np.arange(len(df))
    small = df["small_sample"].to_numpy() if "small_sample" in df else np.zeros(len(df), bool)
    ax.hlines(y, df["lower"], df["upper"], color="0.3", lw=2)
    ax.scatter(df[est][~small], y[~small], color="C0", zorder=3, label=_t("legend.estimate"))
    if small.any():
        ax.scatter(
            df[est][small],
            y[small],
            facecolor="white",
            edgecolor="C3",
            zorder=3,
            label=_t("legend.small_sample"),
        )
    if "target" in df.columns:
        ax.scatter(df["target"], y, marker="x", color="C1", zorder=4, label=_t("legend.target"))
    labels = df["group"].astype(str)
    if dimension is None and "dimension" in df.columns and df["dimension"].nunique() > 1:
        whole = df["dimension"].astype(str) == labels  # the "(all)" row: its name once
        shown = df["dimension"].map(column_header).astype(str) + ": " + labels
        labels = shown.where(~whole, labels) if get_language() != "en" else shown
    ax.set_yticks(y, labels + "  (n=" + df["n"].astype(int).astype(str) + ")")
    metric = df["metric"].iloc[0] if "metric" in df.columns else None
    ax.set_xlabel(_t(f"unit.{metric}") if metric in _UNITS else _t("axis.score"))
    level = df["level"].iloc[0] if "level" in df.columns else 0.95
    name = metric.upper() if metric else _t("figure.scores.score")
    ax.set_title(_t("figure.scores.title", metric=name, confidence=level))
    if metric == "nps":
        ax.axvline(0, color="0.8", lw=1, zorder=0)
    ax.legend(loc="best", fontsize="small")
    return ax


@localized
@plot_doc
def plot_score_trend(trend: pd.DataFrame, ax=None, *, by: str | None = None):
    """Score per period with its interval band; periods with a ``signal`` are ringed.

    Parameters
    ----------
    trend : DataFrame
        Output of :func:`~cxlab.score_trend`.
    %(ax)s
    by : str, optional
        The ``by`` column of the trend, one line per group.

    Returns
    -------
    Axes
    """
    ax = _axes(ax, (8, 4))
    groups = [(None, trend)] if by is None else list(trend.groupby(by, sort=False, observed=True))
    periods = pd.Index(sorted(trend["period"].astype(str).unique()))
    for i, (name, part) in enumerate(groups):
        part = part[part["n"] > 0]
        x = periods.get_indexer(part["period"].astype(str))
        color = f"C{i % 10}"
        label = None if name is None else group_label(name, by)
        ax.plot(x, part["estimate"], marker="o", color=color, label=label)
        ax.fill_between(x, part["lower"], part["upper"], color=color, alpha=0.15)
        cut = part["partial"].to_numpy(dtype=bool) if "partial" in part else np.zeros(0, bool)
        if cut.any():
            ax.scatter(
                np.asarray(x)[cut],
                part["estimate"][cut],
                s=60,
                marker="o",
                facecolor="white",
                edgecolor=color,
                zorder=5,
                label=_t("legend.partial_period") if i == 0 else None,
            )
        sig = part["signal"].to_numpy(dtype=bool)
        if sig.any():
            ax.scatter(
                np.asarray(x)[sig],
                part["estimate"][sig],
                s=160,
                facecolor="none",
                edgecolor="C3",
                lw=2,
                zorder=4,
                label=_t("legend.change_beyond_chance") if i == 0 else None,
            )
    step = max(1, len(periods) // 12)
    shown = [period_label(p) for p in periods[::step]]
    ax.set_xticks(np.arange(len(periods))[::step], shown, rotation=45, ha="right")
    metric = trend.attrs.get("metric")
    ax.set_ylabel(_t(f"trend.ylabel.{metric}") if metric in LABELS else _t("axis.score"))
    name = LABELS[metric].split(" ")[0] if metric in LABELS else _t("figure.scores.score")
    ax.set_title(_t("figure.score_trend.by_period", name=name))
    has_partial = "partial" in trend and bool(trend["partial"].any())
    if by is not None or trend["signal"].any() or has_partial:
        ax.legend(fontsize="small")
    return ax


@localized
@plot_doc
def plot_drivers(model, ax=None, *, standardized: bool = True):
    """Forest plot of :class:`~cxlab.NPSDrivers` effects (standardized where numeric).

    Parameters
    ----------
    model : NPSDrivers
        A fitted drivers model.
    %(ax)s
    standardized : bool, default=True
        Plot effects per standard deviation of each driver (else per unit).
    """
    coef = model.coef_
    ax = _axes(ax, (7, max(2.5, 0.4 * len(coef) + 1)))
    use_std = standardized & coef["std_coef"].notna()
    est = np.where(use_std, coef["std_coef"], coef["coef"])
    lo = np.where(use_std, coef["std_lower"], coef["lower"])
    hi = np.where(use_std, coef["std_upper"], coef["upper"])
    y = np.arange(len(coef))[::-1]
    ax.hlines(y, lo, hi, color="0.3", lw=2)
    ax.scatter(est, y, color=np.where(hi < 0, "C3", np.where(lo > 0, "C2", "0.5")), zorder=3)
    labels = [  # a standardized term by its name in the reader's language (English: as given)
        _t("figure.drivers.per_sd", term=reader_cell(t, get_language())) if s else t
        for t, s in zip(coef.index, use_std)
    ]
    ax.set_yticks(y, labels)
    ax.axvline(0, color="0.6", lw=1)
    ax.set_xlabel(_t("figure.drivers.xlabel"))
    ax.set_title(_t("figure.drivers.title", confidence=model.confidence))
    return ax


@localized
@plot_doc
def plot_themes(themes: pd.DataFrame, ax=None):
    """Comments per theme, split into the writers' negative/neutral/positive answers.

    Parameters
    ----------
    themes : DataFrame
        Theme table (``CommentThemes.themes_``).
    %(ax)s
    """
    df = themes.iloc[::-1]
    ax = _axes(ax, (8, max(2.5, 0.35 * len(df) + 1)))
    y = np.arange(len(df))
    left = np.zeros(len(df))
    for col, color in (("negative", "C3"), ("neutral", "0.7"), ("positive", "C2")):
        width = df["n"].to_numpy() * df[col].to_numpy()
        ax.barh(y, width, left=left, color=color, label=_t(f"sentiment.{col}"))
        left += width
    ax.set_yticks(y, df["label"])
    ax.set_xlabel(_t("figure.themes.xlabel"))
    ax.set_title(_t("figure.themes.title"))
    ax.legend(fontsize="small", loc="lower right")
    return ax
