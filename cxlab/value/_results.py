"""Scenarios, results and owners of the what-if value analysis (:mod:`cxlab.value`).

- :class:`Scenario` says what changes: a stage transition, a whole transition
  row, the experience (CSAT) at purchase touchpoints, or the churn hazard.
- :class:`WhatIfResult` holds every metric before and after, per replicate,
  and reports the change with percentile intervals.
- :class:`ValueRanking` ranks scenarios by the value they create.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._display import ReadableTable
from cxlab._plots import localized, plot_doc
from cxlab._results import NotedResult
from cxlab.exceptions import ParameterError
from cxlab.i18n._language import get_language
from cxlab.i18n._messages import display_name
from cxlab.i18n._messages import t as _t
from cxlab.i18n._tables import column_header, known_name, reader_label

__all__ = [
    "Scenario",
    "WhatIfResult",
    "ValueRanking",
    "METRICS",
    "interval_table",
]

#: Metrics every what-if reports, in display order, with their meaning.
METRIC_INFO = {
    "conversion_rate": "share of new leads who buy",
    "purchasers": "purchasers in the cohort of new leads",
    "retention": "share of purchasers still active at the horizon",
    "active_days": "active days per purchaser within the horizon",
    "revenue_per_purchaser": "revenue per purchaser within the horizon (undiscounted)",
    "clv": "lifetime value per purchaser (margin, discounted, within the horizon)",
    "revenue": "revenue of the cohort within the horizon (undiscounted)",
    "value": "value of the cohort: purchasers x lifetime value",
    "nps": "NPS of purchasers (promoters % - detractors %)",
}
METRICS = tuple(METRIC_INFO)


def _finite(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise ParameterError(f"{name}={x!r} must be a number.")
    if not math.isfinite(float(x)):
        raise ParameterError(f"{name}={x!r} must be finite.")
    return float(x)


@dataclass(frozen=True, eq=False)
class Scenario:
    """One improvement to evaluate; build it with a classmethod.

    Attributes
    ----------
    kind : {"transition", "row", "experience", "churn"}
    name : str
        Label in tables and plots: the given ``name=``, else made from the
        parameters in the language set when the scenario is built
        (:func:`cxlab.set_language`; stage names as the catalog shows them).
    params : dict
        What changes (see the constructors).
    owner : str or None
        Team that owns the change (default: looked up from the stage or touchpoint).

    Examples
    --------
    >>> from cxlab import Scenario
    >>> Scenario.transition("consideration", "purchase", add=0.05).name
    'consideration -> purchase +5.0 pp'
    >>> Scenario.churn(0.9).name
    'churn hazard x0.9'
    """

    kind: str
    name: str
    params: dict = field(default_factory=dict)
    owner: str | None = None

    @classmethod
    def transition(
        cls,
        source: str,
        target: str,
        *,
        add: float | None = None,
        relative: float | None = None,
        take_from: str | None = None,
        name: str | None = None,
        owner: str | None = None,
    ) -> Scenario:
        """Change one transition probability ``P(source -> target)``.

        Parameters
        ----------
        source, target : str
            States of the buyer's-journey chain, e.g. ``"consideration"``,
            ``"purchase"`` (``"(start)"`` and ``"(drop-off)"`` included).
        add : float, optional
            Absolute change, e.g. ``0.05`` = +5 percentage points.
        relative : float, optional
            Relative change, e.g. ``0.10`` = 10% more than today.
        take_from : str, optional
            Where the change comes from. Default (None): every other entry of
            the row shrinks in proportion to its size (``p_j * (1 - p'_t) / (1 - p_t)``),
            so their ratios stay as they are. With a state (e.g. ``"(drop-off)"``)
            only that entry gives up (or receives) the change.
        name : str, optional
            Label of the scenario (default: made from its parameters).
        owner : str, optional
            Team that owns the change (default: by the kind of change).
        """
        if (add is None) == (relative is None):
            raise ParameterError("give exactly one of add= (absolute) or relative= (share).")
        if add is not None:
            add = _finite(add, "add")
            if not -1 <= add <= 1:
                raise ParameterError(f"add={add} must be a probability change in [-1, 1].")
            label = _t("scenario.transition_add", **_states(source, target), points=100 * add)
        else:
            relative = _finite(relative, "relative")
            if relative < -1:
                raise ParameterError(f"relative={relative} must be >= -1 (-100%).")
            label = _t("scenario.transition_relative", **_states(source, target), relative=relative)
        params = dict(source=source, target=target, add=add, relative=relative, take_from=take_from)
        return cls("transition", name or label, params, owner)

    @classmethod
    def row(
        cls, source: str, probabilities: dict, *, name: str | None = None, owner: str | None = None
    ) -> Scenario:
        """Replace the whole row of ``source`` by ``probabilities`` (must sum to one).

        Parameters
        ----------
        source : str
            The state whose row of transition probabilities is replaced.
        probabilities : dict
            Target state -> new probability (the rest of the row keeps its
            proportions).
        name : str, optional
            Label of the scenario (default: made from its parameters).
        owner : str, optional
            Team that owns the change (default: by the kind of change).
        """
        if not isinstance(probabilities, dict) or not probabilities:
            raise ParameterError("probabilities must be a non-empty dict {next state: p}.")
        probs = {k: _finite(v, f"probabilities[{k!r}]") for k, v in probabilities.items()}
        label = _t("scenario.row", source=display_name(source, kind="stage"))
        return cls("row", name or label, dict(source=source, row=probs), owner)

    @classmethod
    def experience(
        cls,
        csat: float = 0.5,
        *,
        touchpoint=None,
        channel=None,
        who: dict | None = None,
        mediated: bool = True,
        name: str | None = None,
        owner: str | None = None,
    ) -> Scenario:
        """Raise the purchase experience (CSAT points) of some or all purchasers.

        Parameters
        ----------
        csat : float, default=0.5
            Points added to each targeted purchaser's CSAT (capped at the scale's top).
        touchpoint, channel : str or list of str, optional
            Purchase touchpoint(s) (e.g. ``"store_counter"``) or channel(s)
            (e.g. ``"store"``) whose purchasers are targeted; default all.
        who : dict, optional
            More filters ``{column: value or list}`` on the purchasers table
            (:attr:`ValueModel.owners_`), e.g. ``{"segment": "business"}``.
        mediated : bool, default=True
            Also let the better experience reduce support contacts (fitted
            Poisson model), which in turn lowers churn.
        name : str, optional
            Label of the scenario (default: made from its parameters).
        owner : str, optional
            Team that owns the change (default: by the kind of change).
        """
        csat = _finite(csat, "csat")
        where = touchpoint or channel
        if where is None and not who:
            label = _t("scenario.experience_at", csat=csat, where=_t("scenario.all_purchases"))
        elif where is None:
            label = _t("scenario.experience", csat=csat)
        else:
            places = [where] if isinstance(where, str) else list(where)
            shown = "/".join(known_name(str(w), get_language()) for w in places)
            label = _t("scenario.experience_at", csat=csat, where=shown)
        if who:
            label = _t("scenario.for_whom", label=label, who=_who(who))
        params = dict(csat=csat, touchpoint=touchpoint, channel=channel, who=who, mediated=mediated)
        return cls("experience", name or label, params, owner)

    @classmethod
    def churn(
        cls,
        hazard_ratio: float,
        *,
        who: dict | None = None,
        name: str | None = None,
        owner: str | None = None,
    ) -> Scenario:
        """Multiply the churn hazard after onboarding by ``hazard_ratio`` (e.g. 0.9 = 10% less).

        ``who`` restricts it to some purchasers, e.g. ``{"contacted_support": True}``
        (churn at the service stage) or ``{"loyalty_member": False}``.

        Parameters
        ----------
        hazard_ratio : float
            Multiplier of the churn hazard (0.9 = 10% less churn).
        who : dict, optional
            Customers it applies to, e.g. ``{"loyalty_member": True}`` (default:
            everyone).
        name : str, optional
            Label of the scenario (default: made from its parameters).
        owner : str, optional
            Team that owns the change (default: by the kind of change).
        """
        hr = _finite(hazard_ratio, "hazard_ratio")
        if hr <= 0:
            raise ParameterError(f"hazard_ratio={hr} must be > 0 (1 = no change).")
        label = _t("scenario.churn", hazard_ratio=hr)
        if who:
            label = _t("scenario.for_whom", label=label, who=_who(who))
        return cls("churn", name or label, dict(hazard_ratio=hr, who=who), owner)

    def __repr__(self) -> str:
        return f"Scenario({self.kind!r}, {self.name!r})"


def interval_table(values: dict, confidence: float, index_name: str = "metric") -> pd.DataFrame:
    """``estimate`` (index 0) and percentile ``lower``/``upper`` of the replicates, per key."""
    a = (1 - confidence) / 2
    rows = []
    order = [m for m in METRICS if m in values] + [k for k in values if k not in METRICS]
    for name in order:
        v = values[name]
        if name.startswith("_"):
            continue
        v = np.asarray(v, float)
        if np.isnan(v[0]):
            continue
        lo, hi = np.nanquantile(v[1:], [a, 1 - a])
        rows.append({index_name: name, "estimate": v[0], "lower": lo, "upper": hi})
    return pd.DataFrame(rows).set_index(index_name)


def _states(source: str, target: str) -> dict:
    """The two states of a transition as the reader's language names them."""
    return {
        "source": display_name(source, kind="stage"),
        "target": display_name(target, kind="stage"),
    }


def _who(who: dict) -> str:
    """``column=value`` filters; out of English, headers and values as the reader reads them."""
    code = get_language()
    if code == "en":
        return ", ".join(f"{k}={v}" for k, v in who.items())
    return _t("list.separator", code).join(
        f"{column_header(k, code)}={reader_label(str(v), code)}" for k, v in who.items()
    )


class WhatIfResult(NotedResult):
    """Metrics before and after one scenario, with intervals of the change.

    Attributes
    ----------
    scenario : Scenario
    owner : str
        Team that owns the change.
    before, after : dict of ndarray
        Per metric: point estimate (index 0) and replicate values.
    confidence : float
    notes : list of str
        Caveats.
    settings : dict
        The model's settings behind the numbers (margin, discount rate, horizon, ...).

    Examples
    --------
    >>> import cxlab
    >>> model = cxlab.ValueModel(n_bootstrap=30, random_state=0).fit(cxlab.simulate(1500, random_state=2))
    >>> res = model.what_if(cxlab.Scenario.churn(0.8))
    >>> row = res.summary().loc["retention"]
    >>> bool(row["lower"] <= row["change"] <= row["upper"])
    True
    """

    def __init__(self, *, scenario, before, after, confidence, owner, notes, settings):
        self.scenario = scenario
        self.before = before
        self.after = after
        self.confidence = confidence
        self.owner = owner
        self.notes = notes
        self.settings = settings

    def change(self, metric: str) -> np.ndarray:
        """After minus before for the point estimate and every replicate.

        Parameters
        ----------
        metric : str
            A metric of ``before``/``after`` (e.g. ``"value"``, ``"retention"``).
        """
        return self.after[metric] - self.before[metric]

    def summary(self) -> pd.DataFrame:
        """One row per metric: ``before``, ``after``, ``change``, its interval,
        ``relative_change`` and the interval of ``after``."""
        a = (1 - self.confidence) / 2
        rows = []
        for m in METRICS:
            bef, aft = self.before[m], self.after[m]
            if np.isnan(bef[0]) or np.isnan(aft[0]):
                continue
            ch = aft - bef
            lo, hi = np.nanquantile(ch[1:], [a, 1 - a])
            alo, ahi = np.nanquantile(aft[1:], [a, 1 - a])
            rows.append(
                {
                    "metric": m,
                    "before": bef[0],
                    "after": aft[0],
                    "change": ch[0],
                    "lower": lo,
                    "upper": hi,
                    # NPS is in points and can be negative: no relative change
                    "relative_change": ch[0] / bef[0] if bef[0] and m != "nps" else np.nan,
                    "after_lower": alo,
                    "after_upper": ahi,
                    "meaning": METRIC_INFO[m],
                }
            )
        return pd.DataFrame(rows).set_index("metric")

    @property
    def value_created(self) -> pd.Series:
        """Change in cohort value: ``estimate``, ``lower``, ``upper``."""
        s = self.summary().loc["value"]
        return pd.Series({"estimate": s["change"], "lower": s["lower"], "upper": s["upper"]})

    @localized
    @plot_doc
    def plot(self, ax=None, *, metrics=("conversion_rate", "retention", "clv", "revenue", "value")):
        """Relative change (%) of each metric with its interval; returns the Axes.

        NPS is left out (its change is in points, see :meth:`summary`).

        Parameters
        ----------
        %(ax)s
        metrics : sequence of str
            Metrics shown (default: conversion rate, retention, CLV, revenue,
            value).
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * len(metrics)))
        s = self.summary()
        s = s.loc[[m for m in metrics if m in s.index and m != "nps"]]
        rel = 100 * s["change"] / s["before"]
        err = np.vstack(
            [rel - 100 * s["lower"] / s["before"], 100 * s["upper"] / s["before"] - rel]
        )
        y = np.arange(len(s))[::-1]
        ax.barh(y, rel, color=np.where(rel >= 0, "#4C72B0", "#C44E52"), alpha=0.8)
        ax.errorbar(rel, y, xerr=np.abs(err), fmt="none", ecolor="black", capsize=3)
        ax.set_yticks(y, [column_header(m) for m in s.index])  # as given in English
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel(_t("figure.whatif.xlabel", confidence=self.confidence))
        ax.set_title(self.scenario.name)
        return ax

    def __repr__(self) -> str:
        v = self.value_created
        return (
            f"WhatIfResult({self.scenario.name!r}: value {v['estimate']:+,.0f} "
            f"[{v['lower']:+,.0f}, {v['upper']:+,.0f}], owner {self.owner!r})"
        )

    def _repr_html_(self) -> str:
        owner = reader_label(self.owner, get_language())
        title = _t(
            "table.whatif.title",
            scenario=self.scenario.name,
            owner=owner,
            confidence=self.confidence,
        )
        table = self.summary().drop(columns="meaning")
        return ReadableTable(table, title=title, notes=self.notes, by_row=True).html()


class ValueRanking(NotedResult):
    """Scenarios ranked by the value they create.

    ``summary()`` columns: ``scenario``, ``kind``, ``owner``, ``value_created``
    with ``lower``/``upper``, ``p_positive`` (share of replicates where the
    value rises), ``p_best`` (share where this scenario creates the most value:
    all scenarios share the same replicates), and the changes in conversion
    rate, retention and lifetime value.

    Parameters
    ----------
    results : list of WhatIfResult
        The scenarios' results (from one model, so they share replicates).
    confidence : float
        Confidence level of the intervals.

    Examples
    --------
    >>> import cxlab
    >>> model = cxlab.ValueModel(n_bootstrap=30, random_state=0).fit(cxlab.simulate(1500, random_state=2))
    >>> small = cxlab.Scenario.churn(0.95)
    >>> big = cxlab.Scenario.churn(0.8)
    >>> model.rank([small, big]).summary()["scenario"].tolist()
    ['churn hazard x0.8', 'churn hazard x0.95']
    """

    def __init__(self, results: list, confidence: float):
        self.results = {r.scenario.name: r for r in results}
        self.confidence = confidence

    def summary(self) -> pd.DataFrame:
        a = (1 - self.confidence) / 2
        names = list(self.results)
        vals = np.vstack([self.results[n].change("value") for n in names])
        best = np.argmax(vals[:, 1:], axis=0)
        rows = []
        for i, n in enumerate(names):
            r = self.results[n]
            ch = vals[i]
            lo, hi = np.nanquantile(ch[1:], [a, 1 - a])
            rows.append(
                {
                    "scenario": n,
                    "kind": r.scenario.kind,
                    "owner": r.owner,
                    "value_created": ch[0],
                    "lower": lo,
                    "upper": hi,
                    "p_positive": float(np.mean(ch[1:] > 0)),
                    "p_best": float(np.mean(best == i)),
                    "conversion_change": r.change("conversion_rate")[0],
                    "retention_change": r.change("retention")[0],
                    "clv_change": r.change("clv")[0],
                }
            )
        out = pd.DataFrame(rows).sort_values("value_created", ascending=False, kind="stable")
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        return out.set_index("rank")

    @localized
    @plot_doc
    def plot(self, ax=None):
        """Value created by each scenario with its interval; returns the Axes.

        Parameters
        ----------
        %(ax)s
        """
        import matplotlib.pyplot as plt

        s = self.summary()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.6 + 0.5 * len(s)))
        y = np.arange(len(s))[::-1]
        ax.barh(y, s["value_created"], color="#4C72B0", alpha=0.8)
        err = np.vstack([s["value_created"] - s["lower"], s["upper"] - s["value_created"]])
        ax.errorbar(s["value_created"], y, xerr=np.abs(err), fmt="none", ecolor="black", capsize=3)
        ax.set_yticks(y, s["scenario"])
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel(_t("figure.ranking.xlabel", confidence=self.confidence))
        return ax

    def _readable(self) -> ReadableTable:
        title = _t("table.ranking.title", confidence=self.confidence)
        return ReadableTable(self.summary(), title=title)

    def __repr__(self) -> str:
        return f"ValueRanking({len(self.results)} scenarios)\n{self._readable().text()}"

    def _repr_html_(self) -> str:
        return self._readable().html()
