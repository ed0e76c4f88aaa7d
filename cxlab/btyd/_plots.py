"""Figures for the "buy till you die" fit checks and customer value.

Every function takes ``ax=None`` (a new figure when None), returns the Axes
and never calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._plots import get_axes as _axes
from cxlab._plots import localized, plot_doc

__all__ = ["frequency_plot", "holdout_plot", "tracking_plot", "p_alive_plot"]


@localized
@plot_doc
def frequency_plot(table: pd.DataFrame, *, ax=None, title: str | None = None):
    """Customers by number of repeat purchases: observed and expected bars side by side.

    Parameters
    ----------
    table : DataFrame
        Observed and expected customers per purchase count (``FitCheck.table``).
    %(ax)s
    %(title)s
    """
    ax = _axes(ax)
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["observed"], width=0.4, label="observed")
    ax.bar(pos + 0.2, table["expected"], width=0.4, label="expected (model)")
    ax.set_xticks(pos, table.index.astype(str))
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


@localized
@plot_doc
def holdout_plot(table: pd.DataFrame, *, ax=None, title: str | None = None):
    """Mean hold-out purchases by calibration frequency: observed and predicted.

    Parameters
    ----------
    table : DataFrame
        Observed and predicted hold-out purchases per calibration count
        (``FitCheck.table``).
    %(ax)s
    %(title)s
    """
    ax = _axes(ax)
    pos = np.arange(len(table))
    ax.plot(pos, table["observed"], marker="o", label="observed")
    ax.plot(pos, table["expected"], marker="s", linestyle="--", label="predicted (model)")
    ax.set_xticks(pos, table.index.astype(str))
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the hold-out period")
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


@localized
@plot_doc
def tracking_plot(
    table: pd.DataFrame, *, ax=None, title: str | None = None, cumulative: bool = True
):
    """Repeat purchases over calendar time, observed and expected; cumulative or per period.

    Parameters
    ----------
    table : DataFrame
        Observed and expected purchases per period (``FitCheck.table``).
    %(ax)s
    %(title)s
    cumulative : bool, default=True
        Plot running totals instead of per-period counts.
    """
    ax = _axes(ax)
    obs, exp = (
        ("observed_cumulative", "expected_cumulative") if cumulative else ("observed", "expected")
    )
    ax.plot(table.index, table[obs], label="observed")
    ax.plot(table.index, table[exp], linestyle="--", label="expected (model)")
    end = table.attrs.get("calibration_end")
    if end:
        ax.axvline(pd.Timestamp(end), color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("period start")
    ax.set_ylabel("repeat purchases" + (" (cumulative)" if cumulative else " per period"))
    ax.legend(frameon=False)
    ax.figure.autofmt_xdate()
    if title:
        ax.set_title(title)
    return ax


@localized
@plot_doc
def p_alive_plot(p_alive: pd.Series, *, ax=None, title: str | None = None, bins: int = 20):
    """Histogram of customers' probabilities of still being alive.

    Parameters
    ----------
    p_alive : Series
        Probability each customer is still active.
    %(ax)s
    %(title)s
    bins : int, default=20
        Histogram bins.
    """
    ax = _axes(ax)
    ax.hist(np.asarray(p_alive, dtype=float), bins=bins, range=(0, 1))
    ax.set_xlabel("P(alive)")
    ax.set_ylabel("customers")
    if title:
        ax.set_title(title)
    return ax
