"""Figures for churn survival: Kaplan-Meier curves, hazard-ratio forest plots, CLV bars.

Every function takes ``ax=None`` (a new figure when None), returns the Axes
and never calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._display import group_label
from cxlab._plots import get_axes as _axes
from cxlab._plots import localized, plot_doc
from cxlab.i18n._messages import t as _t
from cxlab.i18n._messages import word as _word

__all__ = ["km_plot", "forest_plot", "clv_plot", "retention_plot"]


@localized
@plot_doc
def km_plot(curves: pd.DataFrame, *, ax=None, title: str | None = None, ci: bool = True, by=None):
    """Step curves with shaded confidence bands.

    ``curves`` is the long table of :meth:`cxlab.KaplanMeier.curves`:
    ``group``, ``time``, ``survival``, ``lower``, ``upper``. ``by``, the
    grouping column, labels boolean groups in words ("loyalty member" /
    "not loyalty member", not "True" / "False").

    Parameters
    ----------
    curves : DataFrame
        Curves from :meth:`KaplanMeier.curves` (``time``, ``survival``, ``lower``,
        ``upper``, ``group``).
    %(ax)s
    %(title)s
    ci : bool, default=True
        Shade the confidence bands.
    by : str, optional
        Name of the grouping, for the legend title.
    """
    ax = _axes(ax)
    for name, g in curves.groupby("group", sort=False, observed=True):
        label = group_label(name, by)
        (line,) = ax.step(g["time"], g["survival"], where="post", label=label)
        if ci:
            ax.fill_between(
                g["time"], g["lower"], g["upper"], step="post", alpha=0.2, color=line.get_color()
            )
    ax.set_xlabel("days since first purchase")
    ax.set_ylabel("share still a customer")
    ax.set_ylim(0, 1.02)
    if curves["group"].nunique() > 1:
        ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


@localized
@plot_doc
def forest_plot(ratios: pd.DataFrame, *, ax=None, title: str | None = None, label="hazard ratio"):
    """Hazard (or time) ratios with intervals on a log axis; 1 = no effect.

    ``ratios`` has columns ``hazard_ratio`` (or ``ratio``), ``lower``, ``upper``.

    Parameters
    ----------
    ratios : DataFrame
        One row per covariate with the ratio and its ``lower``/``upper`` bounds (e.g.
        ``ChurnModel.hazard_ratios_``).
    %(ax)s
    %(title)s
    label : str, default="hazard ratio"
        Name of the ratio, for the axis label.
    """
    col = "hazard_ratio" if "hazard_ratio" in ratios else "ratio"
    r = ratios.iloc[::-1]
    ax = _axes(ax, figsize=(7, 0.45 * len(r) + 1.2))
    y = np.arange(len(r))
    ax.errorbar(
        r[col],
        y,
        xerr=[r[col] - r["lower"], r["upper"] - r[col]],
        fmt="o",
        color="black",
        capsize=3,
    )
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    _plain_log_ticks(ax, float(r["lower"].min()), float(r["upper"].max()))
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in r.index])
    ax.set_xlabel(_t("figure.forest.xlabel", label=_word("what", label)))
    if title:
        ax.set_title(title)
    return ax


def _plain_log_ticks(ax, lo: float, hi: float) -> None:
    """Readable ticks (0.5, 1, 2 rather than 5x10^-1) on a log axis."""
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    candidates = np.array(
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50, 100]
    )
    lo, hi = min(lo, 1.0), max(hi, 1.0)
    ticks = candidates[(candidates >= lo / 1.05) & (candidates <= hi * 1.05)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticklabels([f"{t:g}" for t in ticks])


@localized
@plot_doc
def clv_plot(summary: pd.DataFrame, *, ax=None, title: str | None = None):
    """Bars of expected CLV per group with interval whiskers.

    Parameters
    ----------
    summary : DataFrame
        CLV by group with ``clv``, ``lower``, ``upper`` (``CLVResult.table``).
    %(ax)s
    %(title)s
    """
    ax = _axes(ax)
    s = summary
    x = np.arange(len(s))
    ax.bar(x, s["clv"], color="tab:blue", alpha=0.8)
    ax.errorbar(
        x, s["clv"], yerr=[s["clv"] - s["lower"], s["upper"] - s["clv"]], fmt="none", color="k"
    )
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in s.index], rotation=20, ha="right")
    ax.set_ylabel("expected discounted margin per customer")
    if title:
        ax.set_title(title)
    return ax


@localized
@plot_doc
def retention_plot(projection: pd.DataFrame, observed=None, *, ax=None, title=None):
    """Projected survival (with band) and, optionally, the observed share surviving.

    Parameters
    ----------
    projection : DataFrame
        Projected survival by period with ``lower``/``upper`` bounds
        (:meth:`ShiftedBetaGeometric.project`).
    observed : array-like, optional
        Observed survivors by period, drawn as points.
    %(ax)s
    %(title)s
    """
    ax = _axes(ax)
    ax.plot(projection.index, projection["survival"], marker=".", label="sBG projection")
    ax.fill_between(projection.index, projection["lower"], projection["upper"], alpha=0.2)
    if observed is not None:
        obs = np.asarray(observed, dtype=float)
        ax.plot(np.arange(len(obs)), obs / obs[0], "ko", label="observed")
    ax.set_xlabel("period")
    ax.set_ylabel("share surviving")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax
