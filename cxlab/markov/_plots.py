"""Figures of Markov chains and channel attribution (matplotlib; each returns its Axes).

- :func:`plot_transition_heatmap`: the transition matrix, each cell with its
  probability and interval.
- :func:`plot_journey_graph`: states as nodes from start (left) to absorbing
  states (right); arrows as wide as their probability.
- :func:`plot_absorption`: where journeys end from each state, with intervals.
- :func:`plot_chain_result`: a forecast over steps (lines with bands) or any
  other derived quantity (bars with intervals).
- :func:`plot_attribution`: credit per channel by method, with intervals.

None of them calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from cxlab._plots import get_axes as _axes
from cxlab._plots import localized, plot_doc
from cxlab.data._catalog import DEFAULT_CATALOG
from cxlab.i18n._language import get_language
from cxlab.i18n._messages import t as _t
from cxlab.i18n._messages import word as _word
from cxlab.i18n._tables import reader_label

__all__ = [
    "plot_transition_heatmap",
    "plot_journey_graph",
    "plot_absorption",
    "plot_chain_result",
    "plot_attribution",
]


#: Where along an arrow its probability is written (0 = source, 1 = target).
LABEL_POSITION = 0.35


@localized
@plot_doc
def plot_transition_heatmap(chain, ax=None, *, intervals: bool = True, cmap="Blues", **kw):
    """Heatmap of ``chain.transition_matrix_`` (rows = from), annotated with intervals.

    Each cell shows the probability and, below it, its interval ``[low, high]``
    at the chain's confidence level. Empty (never observed) cells are blank.

    Parameters
    ----------
    chain : MarkovChain
        A fitted chain.
    %(ax)s
    intervals : bool, default=True
        Write each cell's interval under its probability.
    cmap : str or Colormap, default="Blues"
        Colours of the probabilities.
    **kw
        Passed to :meth:`matplotlib.axes.Axes.imshow`.

    Returns
    -------
    matplotlib Axes
    """
    chain._check_fitted("plot_heatmap()")
    P = chain.transition_matrix_
    n = len(P.index)
    ax = _axes(ax, (1.4 * len(P.columns) + 2, 0.8 * n + 1.5))
    im = ax.imshow(P.to_numpy(), cmap=cmap, vmin=0, vmax=1, aspect="auto", **kw)
    lo, hi, counts = chain.transition_ci_low_, chain.transition_ci_high_, chain.counts_
    for i in range(n):
        for j in range(len(P.columns)):
            p = P.iat[i, j]
            if counts.iat[i, j] == 0:
                continue
            text = f"{p:.2f}"
            if intervals:
                text += f"\n[{lo.iat[i, j]:.2f}, {hi.iat[i, j]:.2f}]"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if p > 0.55 else "black",
            )
    ax.set_xticks(range(len(P.columns)), P.columns, rotation=30, ha="right")
    ax.set_yticks(range(n), P.index)
    ax.set_xlabel("to (next state)")
    ax.set_ylabel("from")
    ax.set_title(_t("figure.transitions.title", confidence=chain.confidence))
    ax.figure.colorbar(im, ax=ax, fraction=0.04, label="probability")
    return ax


def _layout(chain):
    """x = step rank from start (start 0, absorbing last), y spread within a column."""
    rows = chain.transition_matrix_.index.tolist()
    states = rows + [c for c in chain.transition_matrix_.columns if c not in rows]
    absorbing = set(chain.absorbing_states_)
    # breadth-first depth from the start over likely transitions
    P = chain.transition_matrix_
    depth = {rows[0]: 0}
    frontier = [rows[0]]
    while frontier:
        nxt = []
        for s in frontier:
            if s not in P.index:
                continue
            for t, p in P.loc[s].items():
                if p > 0 and t not in depth and t not in absorbing:
                    depth[t] = depth[s] + 1
                    nxt.append(t)
        frontier = nxt
    last = max(depth.values(), default=0) + 1
    for s in states:
        depth.setdefault(s, last)
    cols: dict[int, list] = {}
    for s in states:
        cols.setdefault(depth[s], []).append(s)
    pos = {}
    for x, members in cols.items():
        for k, s in enumerate(members):
            pos[s] = (x, (len(members) - 1) / 2 - k)
    return pos


@localized
@plot_doc
def plot_journey_graph(chain, ax=None, *, min_probability: float = 0.02, **kw):
    """Journey graph: nodes are states, arrows transitions, width ~ probability.

    Arrows below ``min_probability`` are left out; staying in a state is
    written under its node ("stays 0.14"). A higher-order chain is drawn as its
    first-order view (counts summed over histories by their last state).

    Parameters
    ----------
    chain : MarkovChain
        A fitted chain.
    %(ax)s
    min_probability : float, default=0.02
        Leave out arrows of smaller probability.
    **kw
        Not used (accepted so that every ``plot`` takes the same arguments).

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.patches import FancyArrowPatch

    chain._check_fitted("plot_graph()")
    title = "Journey graph (arrow width = transition probability)"
    if chain.order != 1:
        chain = chain._first_order_view()
        title += ", first-order view"
    P = chain.transition_matrix_
    pos = _layout(chain)
    # height grows with the tallest column so that nodes and their labels keep apart
    tallest = max(sum(1 for x2, _ in pos.values() if x2 == x) for x, _ in pos.values())
    ax = _axes(ax, (2.6 * (max(x for x, _ in pos.values()) + 1), max(4.5, 1.5 * tallest)))
    absorbing = set(chain.absorbing_states_)
    purchase = _catalog(chain).purchase_stage
    for s in P.index:
        for t, p in P.loc[s].items():
            if p < min_probability or t == s:
                continue
            (x0, y0), (x1, y1) = pos[s], pos[t]
            bend = 0.3 if x1 <= x0 else 0.12
            ax.add_patch(
                FancyArrowPatch(
                    (x0, y0),
                    (x1, y1),
                    connectionstyle=f"arc3,rad={bend}",
                    arrowstyle="-|>",
                    mutation_scale=12,
                    lw=0.5 + 8 * p,
                    color="tab:blue",
                    alpha=0.55,
                    shrinkA=22,
                    shrinkB=22,
                )
            )
            # label a third of the way along the arc (a quadratic Bezier curve with
            # matplotlib's arc3 control point), not at its middle: arcs that cross
            # in the middle, and the two arcs between a pair of states, then keep
            # their labels apart and off the nodes
            dx, dy = x1 - x0, y1 - y0
            cx, cy = (x0 + x1) / 2 + bend * dy, (y0 + y1) / 2 - bend * dx
            t = LABEL_POSITION
            lx = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
            ly = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
            ax.text(
                lx,
                ly,
                f"{p:.2f}",
                fontsize=8,
                ha="center",
                va="center",
                color="tab:blue",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                zorder=5,
            )
    for s, (x, y) in pos.items():
        color = (
            "tab:green"
            if s == purchase
            else ("tab:red" if s in absorbing else ("lightgrey" if x == 0 else "tab:orange"))
        )
        ax.scatter([x], [y], s=1600, color=color, zorder=3, alpha=0.9)
        name = s.replace(":", "\n")
        size = 8 if max(len(part) for part in name.split("\n")) <= 10 else 6.5
        ax.text(x, y, name, ha="center", va="center", fontsize=size, zorder=4)
        if s in P.index and s in P.columns and P.loc[s, s] > 0:
            # on the outer side of the node, away from the arcs between its column's nodes
            above = y >= 0
            ax.text(
                x,
                y + (0.3 if above else -0.3),
                _t("figure.markov.stays", p=P.loc[s, s]),
                ha="center",
                va="bottom" if above else "top",
                fontsize=7,
            )
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    ax.set_title(title)
    return ax


def _catalog(chain):
    """The catalog a chain was fitted with (its own ``catalog=``, else the study's)."""
    spec = getattr(chain, "_spec_", None)
    return getattr(chain, "catalog", None) or getattr(spec, "catalog", None) or DEFAULT_CATALOG


@localized
@plot_doc
def plot_absorption(result, ax=None, **kw):
    """Stacked bars: probability of ending in each absorbing state, from each state.

    Whiskers show the interval of the first absorbing state's probability.

    Parameters
    ----------
    result : AbsorptionResult
        From :meth:`MarkovChain.absorption`.
    %(ax)s
    **kw
        Not used (accepted so that every ``plot`` takes the same arguments).

    Returns
    -------
    matplotlib Axes
    """
    probs = result.probabilities
    ax = _axes(ax, (7, 0.6 * len(probs) + 1.5))
    left = np.zeros(len(probs))
    colors = ["tab:green", "tab:red", "tab:purple", "tab:grey", "tab:brown"]
    for k, col in enumerate(probs.columns):
        ax.barh(
            probs.index, probs[col], left=left, label=col, color=colors[k % len(colors)], alpha=0.8
        )
        left += probs[col].to_numpy()
    first = probs.columns[0]
    t = result.table.query("quantity == 'absorption probability' and to == @first")
    t = t.set_index("from").reindex(probs.index)
    ax.errorbar(
        probs[first],
        np.arange(len(probs)),
        xerr=[probs[first] - t["ci_low"], t["ci_high"] - probs[first]],
        fmt="none",
        ecolor="black",
        capsize=4,
        lw=1,
    )
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("probability of ending in ...")
    ax.set_title(_t("figure.absorption.title", confidence=result.confidence, first=first))
    ax.legend(loc="lower right", fontsize=8)
    return ax


@localized
@plot_doc
def plot_chain_result(result, ax=None, **kw):
    """Forecast: one line per state over steps with interval bands; otherwise bars.

    Parameters
    ----------
    result : ChainResult
        A derived quantity of a chain (a forecast, first passage times, a test).
    %(ax)s
    **kw
        Not used (accepted so that every ``plot`` takes the same arguments).

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    t = result.table
    if "step" in t.columns:
        for state, g in t.groupby("state", sort=False):
            line = ax.plot(g["step"], g["estimate"], marker="o", ms=3, label=state)[0]
            ax.fill_between(
                g["step"], g["ci_low"], g["ci_high"], color=line.get_color(), alpha=0.15
            )
        ax.set_xlabel("steps (events) from now")
        ax.set_ylabel("share of the cohort")
        ax.legend(fontsize=8)
    else:
        ids = [c for c in t.columns[: list(t.columns).index("estimate")]]
        labels = t[ids].astype(str).agg(" ".join, axis=1)
        ax.bar(
            labels,
            t["estimate"],
            yerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
            capsize=3,
        )
        ax.tick_params(axis="x", rotation=45)
    ax.set_title(result.name)
    return ax


def _method_label(method: str) -> str:
    """An attribution method in a legend: ``first touch`` in English, the catalog's word else."""
    code = get_language()
    return method.replace("_", " ") if code == "en" else reader_label(method, code)


@localized
@plot_doc
def plot_attribution(result, ax=None, *, what: str = "conversions", **kw):
    """Grouped bars: ``what`` credited to each channel by each method, with intervals.

    Parameters
    ----------
    result : AttributionResult
        From :func:`channel_attribution`.
    %(ax)s
    what : {"conversions", "share", "value"}, default="conversions"
        Which credit to show.
    **kw
        Not used (accepted so that every ``plot`` takes the same arguments).

    Returns
    -------
    matplotlib Axes
    """
    wide = result.pivot(what)
    ax = _axes(ax, (max(7, 0.9 * len(wide)), 4.5))
    methods = list(wide.columns)
    x = np.arange(len(wide))
    width = 0.8 / len(methods)
    has_ci = f"{what}_ci_low" in result.table.columns
    for k, m in enumerate(methods):
        vals = wide[m].to_numpy()
        yerr = None
        if has_ci:
            t = result.table.query("method == @m").set_index("channel").reindex(wide.index)
            yerr = [vals - t[f"{what}_ci_low"].to_numpy(), t[f"{what}_ci_high"].to_numpy() - vals]
        ax.bar(
            x + (k - (len(methods) - 1) / 2) * width,
            vals,
            width,
            label=_method_label(m),
            yerr=yerr,
            capsize=2,
            error_kw={"lw": 0.8},
        )
    ax.set_xticks(x, wide.index, rotation=30, ha="right")
    ax.set_ylabel(_t("figure.attribution.ylabel", what=_word("what", what)))
    ci = _t("figure.attribution.intervals", confidence=result.confidence) if has_ci else ""
    ax.set_title(_t("figure.attribution.title") + ci)
    ax.legend(fontsize=8)
    return ax
