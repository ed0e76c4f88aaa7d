"""Retention explorer: a churn hazard ratio for part of the customers, against today's curve.

Pure parts (tested against lifelines' Kaplan-Meier, :func:`cxlab.survival_clv`
and exponential lifetimes with a known median):

- :class:`RetentionBase`: today's Kaplan-Meier curve and the Ghosh-Lin CLV
  weights of every revenue event, computed once from a study;
- :func:`retention_projection`: the curve, median lifetime, retention at the
  horizon, active days and CLV when a programme multiplies the churn hazard of
  a share ``reach`` of customers by ``hazard_ratio`` (proportional hazards:
  their curve becomes ``S(t) ** hazard_ratio``);
- :func:`plot_retention_state`: today's curve with its band and the projection.

:func:`retention_explorer` wires them to sliders (see :mod:`cxlab.teaching._lab`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab.engines._study import require_memory
from cxlab.exceptions import ParameterError, StatisticalWarning
from cxlab.teaching._lab import Explorer, message, new_figure, slider

__all__ = ["RetentionBase", "retention_projection", "plot_retention_state", "retention_explorer"]


@dataclass(frozen=True)
class RetentionBase:
    """Today's retention of purchasers, ready for fast projections.

    Attributes
    ----------
    times, survival, lower, upper : ndarray
        Kaplan-Meier step curve (time 0 first) and its 95% band.
    follow_up : float
        Longest tenure observed (days).
    event_survival : ndarray
        ``S(u-)`` at each revenue event after the first purchase within the horizon.
    event_weight : ndarray
        ``margin x discount(u) x revenue / at_risk(u)`` of each revenue event,
        so ``CLV = sum(event_weight * S(u-))`` (Ghosh & Lin 2000).
    horizon_days, margin, discount_rate : float
    n : int
        Purchasers.
    clv_interval : tuple of float
        Bootstrap interval of today's CLV (from :func:`cxlab.survival_clv`).
    median_interval, retention_interval : tuple of float
        Intervals of today's median lifetime and retention at the horizon (lifelines).
    """

    times: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    follow_up: float
    event_survival: np.ndarray
    event_weight: np.ndarray
    horizon_days: float
    margin: float
    discount_rate: float
    n: int
    clv_interval: tuple
    median_interval: tuple
    retention_interval: tuple

    @classmethod
    def from_data(
        cls,
        data,
        *,
        table: pd.DataFrame | None = None,
        horizon_days: float = 365.0,
        margin: float = 0.3,
        discount_rate: float = 0.10,
        n_bootstrap: int = 200,
        random_state=0,
    ) -> RetentionBase:
        """Fit today's curve (:class:`cxlab.KaplanMeier`) and CLV (:func:`cxlab.survival_clv`)."""
        from cxlab.survival._clv import revenue_events, survival_clv
        from cxlab.survival._kaplan_meier import kaplan_meier
        from cxlab.survival._table import survival_table

        table = survival_table(data) if table is None else table
        km = kaplan_meier(table)
        curve = km.curves()
        med = km.median_lifetime().iloc[0]
        with warnings.catch_warnings():  # beyond the follow-up: NaN, said in the explorer's notes
            warnings.simplefilter("ignore", StatisticalWarning)
            ret = km.retention([horizon_days]).iloc[0]
        clv = survival_clv(
            data,
            table=table,
            by=None,
            horizon_days=horizon_days,
            margin=margin,
            discount_rate=discount_rate,
            n_bootstrap=n_bootstrap,
            random_state=random_state,
        ).table.iloc[0]
        u, r, _ = revenue_events(data.events, table, False, horizon_days)
        d = np.sort(table["tenure_days"].to_numpy(float))
        at_risk = len(d) - np.searchsorted(d, u, side="left")
        t = curve["time"].to_numpy(float)
        s = curve["survival"].to_numpy(float)
        k = np.searchsorted(t, u, side="left") - 1  # last step strictly before u
        s_minus = np.where(k >= 0, s[np.maximum(k, 0)], 1.0)
        disc = (1.0 + discount_rate) ** (-u / 365.0)
        return cls(
            times=t,
            survival=s,
            lower=curve["lower"].to_numpy(float),
            upper=curve["upper"].to_numpy(float),
            follow_up=float(d.max()),
            event_survival=s_minus,
            event_weight=margin * disc * r / at_risk,
            horizon_days=float(horizon_days),
            margin=float(margin),
            discount_rate=float(discount_rate),
            n=len(d),
            clv_interval=(float(clv["lower"]), float(clv["upper"])),
            median_interval=(float(med["lower"]), float(med["upper"])),
            retention_interval=(float(ret["lower"]), float(ret["upper"])),
        )


def _mix(s, hazard_ratio: float, reach: float):
    return (1.0 - reach) * s + reach * np.power(s, hazard_ratio)


def _median(times, s) -> float:
    below = np.flatnonzero(s <= 0.5)
    return float(times[below[0]]) if len(below) else np.inf


def retention_projection(base: RetentionBase, *, hazard_ratio: float = 1.0, reach: float = 1.0):
    """Retention when a share ``reach`` of purchasers has its churn hazard times ``hazard_ratio``.

    Parameters
    ----------
    base : RetentionBase
    hazard_ratio : float, default=1.0
        Multiplier of the daily churn risk (0.6 = 40% less churn; > 1 = more).
    reach : float, default=1.0
        Share of purchasers the change applies to (0-1).

    Returns
    -------
    dict
        ``survival`` (the projected step curve on ``base.times``), ``median``
        (days; ``inf`` when above one half at the end of follow-up),
        ``retention`` at the horizon, ``active_days`` (restricted mean lifetime
        over the horizon) and ``clv`` (margin over the horizon, discounted).
        With ``hazard_ratio=1`` or ``reach=0`` these equal today's Kaplan-Meier
        and :func:`cxlab.survival_clv` numbers.
    """
    if not hazard_ratio > 0:
        raise ParameterError(f"hazard_ratio={hazard_ratio} must be > 0 (1 = no change).")
    if not 0 <= reach <= 1:
        raise ParameterError(f"reach={reach} must be a share between 0 and 1.")
    s = _mix(base.survival, hazard_ratio, reach)
    h = base.horizon_days
    t = base.times
    pos = np.searchsorted(t, h, side="right") - 1
    knots = np.r_[t[t < h], h]
    days = float(np.sum(s[: len(knots) - 1] * np.diff(knots)))
    clv = float(np.sum(base.event_weight * _mix(base.event_survival, hazard_ratio, reach)))
    return {
        "survival": s,
        "median": _median(t, s),
        "retention": float(s[pos]) if h <= base.follow_up else np.nan,
        "active_days": days,
        "clv": clv,
    }


def plot_retention_state(base: RetentionBase, now: dict, ax=None):
    """Today's Kaplan-Meier curve with its band (grey) and the projected curve (blue)."""
    if ax is None:
        _, ax = new_figure(8, 3.6)
    t = base.times
    ax.fill_between(t, base.lower, base.upper, step="post", color="lightgrey", alpha=0.6)
    ax.step(t, base.survival, where="post", color="grey", label=message("col_start"))
    ax.step(t, now["survival"], where="post", color="tab:blue", lw=2, label=message("col_now"))
    ax.axhline(0.5, color="black", lw=0.6, ls=":")
    ax.axvline(base.horizon_days, color="black", lw=0.6, ls="--")
    if np.isfinite(now["median"]):
        ax.plot([now["median"]], [0.5], "o", color="tab:blue")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, base.follow_up)
    ax.set_xlabel(message("days_axis"))
    ax.set_ylabel(message("survival_axis"))
    ax.legend(fontsize=8, loc="upper right")
    return ax


def retention_explorer(
    data,
    *,
    hazard_ratio: float = 0.6,
    reach: float = 0.5,
    horizon_days: float = 365.0,
    margin: float = 0.3,
    discount_rate: float = 0.10,
    random_state=0,
):
    """Sliders for a churn hazard ratio and the share of purchasers it reaches.

    Shows today's Kaplan-Meier curve and the projected one, the median
    lifetime, retention at the horizon, active days and lifetime value, today
    against now.

    Parameters
    ----------
    data : CXData
    hazard_ratio : float, default=0.6
        Starting hazard ratio (about the loyalty club's in the simulated world).
    reach : float, default=0.5
        Starting share of purchasers reached.
    horizon_days, margin, discount_rate : float
        As in :func:`cxlab.survival_clv`.
    random_state : int, default=0
        For the bootstrap interval of today's CLV.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.teaching._retention_explorer import retention_explorer
    >>> ex = retention_explorer(cxlab.simulate(1500, random_state=2), hazard_ratio=1.0)
    >>> float(ex.table.iloc[:, 2].abs().max())
    0.0
    """
    require_memory(data, "cxlab.teaching.retention_explorer")
    base = RetentionBase.from_data(
        data,
        horizon_days=horizon_days,
        margin=margin,
        discount_rate=discount_rate,
        random_state=random_state,
    )
    before = retention_projection(base)
    controls = {
        "hazard_ratio": slider(message("hazard_ratio"), hazard_ratio, 0.2, 2.0, 0.05),
        "reach": slider(message("reach"), reach, 0.0, 1.0, 0.05),
    }

    def compute(hazard_ratio, reach):
        now = retention_projection(base, hazard_ratio=hazard_ratio, reach=reach)
        h = base.horizon_days
        rows = {
            message("median"): ("median", base.median_interval),
            message("retention_at", h=h): ("retention", base.retention_interval),
            message("active_days", h=h): ("active_days", (np.nan, np.nan)),
            message("clv", h=h): ("clv", base.clv_interval),
        }
        table = pd.DataFrame(
            [
                [before[k], now[k], now[k] - before[k], _interval(lo, hi)]
                for k, (lo, hi) in rows.values()
            ],
            index=list(rows),
            columns=[message(c) for c in ("col_start", "col_now", "col_change", "col_interval")],
        )
        fig, ax = new_figure(8, 3.4)
        plot_retention_state(base, now, ax=ax)
        notes = [message("retention_note")]
        if h > base.follow_up:
            notes.append(message("retention_note_horizon", h=h, longest=base.follow_up))
        return table, fig, notes

    return Explorer(
        title=message("retention_title"),
        intro=message("retention_intro"),
        controls=controls,
        compute=compute,
    )


def _interval(lo: float, hi: float) -> str:
    if np.isnan(lo):
        return ""
    return f"{lo:.3f} to {hi:.3f}" if hi <= 1 else f"{lo:,.1f} to {hi:,.1f}"
