"""Figures of journey analytics: funnel, variants, Sankey, waiting times, drop-offs, deviations.

Every function takes a result of :mod:`cxlab.journeys` and ``ax=None`` (a new
figure when None), returns the Axes and never calls ``plt.show()``. The Sankey
diagram is drawn with plain matplotlib (bands as Bezier patches), so it needs
no extra package and exports to PNG like every other figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._display import group_label
from cxlab._plots import get_axes as _axes
from cxlab._plots import localized, plot_doc
from cxlab.data._catalog import END_STATE
from cxlab.i18n._language import get_language
from cxlab.i18n._messages import t as _t
from cxlab.i18n._messages import word as _word
from cxlab.i18n._tables import known_name

__all__ = [
    "plot_funnel",
    "plot_variants",
    "plot_sankey",
    "plot_waits",
    "plot_drop_off",
    "plot_deviations",
    "plot_lengths",
]


def _err(df: pd.DataFrame, col: str) -> np.ndarray:
    lo = (df[col] - df[f"{col}_ci_low"]).clip(lower=0).fillna(0)
    hi = (df[f"{col}_ci_high"] - df[col]).clip(lower=0).fillna(0)
    return np.vstack([lo.to_numpy(), hi.to_numpy()])


def _group_col(table: pd.DataFrame, known) -> str | None:
    first = table.columns[0]
    return None if first in known else first


def _confidence(result) -> float:
    """The result's interval level (0.95 unless it was asked otherwise)."""
    return result.params.get("confidence", 0.95)


@localized
@plot_doc
def plot_funnel(result, *, ax=None, title: str | None = None):
    """Share of entrants reaching each step (bars) with Wilson intervals.

    Bars are labelled with the number of customers and the step conversion.
    With groups (``by=``), one bar per group within each step.

    Parameters
    ----------
    result : FunnelResult
        From :func:`funnel`.
    %(ax)s
    %(title)s

    Returns
    -------
    matplotlib Axes
    """
    t = result.table
    gcol = _group_col(t, ("step_index",))
    groups = [None] if gcol is None else list(dict.fromkeys(t[gcol]))
    steps = list(dict.fromkeys(t["step"]))
    ax = _axes(ax, figsize=(7, 0.6 * len(steps) * max(1, len(groups) * 0.6) + 1.5))
    height = 0.8 / len(groups)
    for gi, g in enumerate(groups):
        sub = t if g is None else t[t[gcol] == g]
        y = np.arange(len(sub)) + gi * height - 0.4 + height / 2
        label = None if g is None else group_label(g, gcol)
        bars = ax.barh(y, sub["conversion"], height=height * 0.95, label=label)
        ax.errorbar(
            sub["conversion"], y, xerr=_err(sub, "conversion"), fmt="none", ecolor="black", lw=1
        )
        for yi, (_, r) in zip(y, sub.iterrows()):
            txt = f"{int(r['customers']):,}"
            if r["step_index"] > 0 and np.isfinite(r["step_conversion"]):
                txt += _t("figure.funnel.of_previous", share=r["step_conversion"])
            ax.text(
                r["conversion_ci_high"] + 0.01,
                yi,
                txt,
                va="center",
                fontsize=8,
                color=bars.patches[0].get_facecolor(),
            )
    ax.set_yticks(np.arange(len(steps)), steps)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.35)
    ax.set_xlabel(_t("axis.share_entered"))
    if gcol is not None:
        ax.legend(frameon=False, title=gcol, loc="lower right")
    kind = _t(f"funnel.kind.{result.kind}") if result.kind in ("open", "closed") else result.kind
    ax.set_title(title or _t("figure.funnel.title", kind=kind, confidence=_confidence(result)))
    return ax


@localized
@plot_doc
def plot_variants(
    result, *, ax=None, top: int = 12, label: str = "variant", count: str = "journeys", title=None
):
    """Horizontal bars of the most common variants' shares, coloured by conversion rate.

    Parameters
    ----------
    result : VariantsResult or PathsResult
        From :func:`variants` or :func:`paths_from`.
    %(ax)s
    top : int, default=12
        Number of variants shown.
    label : str, default="variant"
        Column of the table naming each bar.
    count : str, default="journeys"
        Column of the table with each bar's count.
    %(title)s

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib as mpl

    t = result.table.head(top).iloc[::-1]
    ax = _axes(ax, figsize=(8, 0.4 * len(t) + 1.5))
    y = np.arange(len(t))
    if "conversion_rate" in t:
        cmap = mpl.colormaps["viridis"]
        colors = cmap(t["conversion_rate"].fillna(0).to_numpy())
        ax.barh(y, t["share"], color=colors)
        sm = mpl.cm.ScalarMappable(cmap=cmap, norm=mpl.colors.Normalize(0, 1))
        ax.figure.colorbar(sm, ax=ax, label=_t("figure.variants.colorbar"), fraction=0.04, pad=0.02)
    else:
        ax.barh(y, t["share"])
    ax.errorbar(t["share"], y, xerr=_err(t, "share"), fmt="none", ecolor="black", lw=1)
    labels = [s if len(s) <= 60 else s[:57] + "..." for s in t[label].astype(str)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(_t("figure.variants.xlabel", count=_word("figure.variants", count)))
    label = _word("figure.variants", label)
    ax.set_title(title or _t("figure.variants.title", label=label, confidence=_confidence(result)))
    return ax


def _bezier_band(ax, x0, x1, y0a, y0b, y1a, y1b, color, alpha=0.35):
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    xm = (x0 + x1) / 2
    verts = [
        (x0, y0a),
        (xm, y0a),
        (xm, y1a),
        (x1, y1a),
        (x1, y1b),
        (xm, y1b),
        (xm, y0b),
        (x0, y0b),
        (x0, y0a),
    ]
    codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(verts, codes), facecolor=color, edgecolor="none", alpha=alpha))


@localized
@plot_doc
def plot_sankey(result, *, ax=None, min_share: float = 0.002, title: str | None = None):
    """A Sankey diagram of the first steps: columns = steps, bands = journeys moving on.

    Parameters
    ----------
    result : SankeyResult
        From :func:`sankey_table`.
    %(ax)s
    min_share : float, default=0.002
        Hide bands carrying less than this share of journeys (they are in the table).
    %(title)s

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib as mpl

    t = result.table
    t = t[t["share"] >= min_share]
    n_cols = int(t["step"].max()) + 2 if len(t) else 2
    order = list(dict.fromkeys(list(result.params.get("order", [])) + sorted(set(t["source"]))))
    end = END_STATE
    order = [s for s in order if s != end] + [end]
    palette = mpl.colormaps["tab10"]
    color = {s: palette(i % 10) for i, s in enumerate(order)}
    color[end] = (0.6, 0.6, 0.6, 1.0)
    # node size: the larger of the flow into it and out of it (they differ only by hidden bands)
    out_f = t.groupby(["step", "source"])["journeys"].sum()
    in_f = t.groupby(["step", "target"])["journeys"].sum()
    size = {(int(i), s): v for (i, s), v in out_f.items()}
    for (i, s), v in in_f.items():
        key = (int(i) + 1, s)
        size[key] = max(size.get(key, 0), v)
    total = sum(v for (c, _), v in size.items() if c == 0) or 1
    pad = 0.02
    ax = _axes(ax, figsize=(10, 5))
    ypos = {}
    width = 0.12
    for c in range(n_cols):
        y = 1.0
        for s in order:
            v = size.get((c, s))
            if not v:
                continue
            h = v / total
            ypos[(c, s)] = [y, y - h, y]  # top, bottom, cursor for out-bands
            ax.add_patch(
                mpl.patches.Rectangle((c - width / 2, y - h), width, h, color=color[s], lw=0)
            )
            if h > 0.025:
                name = known_name(s, get_language())
                ax.text(
                    c + width / 2 + 0.02, y - h / 2, f"{name} {int(v):,}", va="center", fontsize=7
                )
            y -= h + pad
    incur = {k: v[0] for k, v in ypos.items()}
    t = t.assign(_o=t["target"].map({s: i for i, s in enumerate(order)}))
    for _, r in t.sort_values(["step", "source", "_o"]).iterrows():
        i, s, g = int(r["step"]), r["source"], r["target"]
        if (i, s) not in ypos or (i + 1, g) not in ypos:
            continue
        h = r["journeys"] / total
        top0 = ypos[(i, s)][2]
        ypos[(i, s)][2] = top0 - h
        top1 = incur[(i + 1, g)]
        incur[(i + 1, g)] = top1 - h
        _bezier_band(ax, i + width / 2, i + 1 - width / 2, top0, top0 - h, top1, top1 - h, color[s])
    ax.set_xlim(-0.3, n_cols - 0.4)
    lows = [v[1] for v in ypos.values()]
    ax.set_ylim(min(lows, default=0) - 0.02, 1.02)
    ax.set_xticks(range(n_cols), [_t("figure.sankey.step", step=c + 1) for c in range(n_cols)])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or _t("figure.sankey.title", n=n_cols))
    return ax


@localized
@plot_doc
def plot_waits(result, *, ax=None, top: int = 15, min_n: int = 20, title=None):
    """The longest median waits, with their intervals and quartile ranges (days).

    Parameters
    ----------
    result : TimeBetweenResult
        From :func:`time_between_stages`.
    %(ax)s
    top : int, default=15
        Number of waits shown.
    min_n : int, default=20
        Leave out waits observed fewer times.
    %(title)s

    Returns
    -------
    matplotlib Axes
    """
    t = result.table
    t = t[t["n"] >= min_n].sort_values("median_days", ascending=False).head(top).iloc[::-1]
    ax = _axes(ax, figsize=(8, 0.35 * len(t) + 1.5))
    keys = [c for c in t.columns if c not in ("n",) and not c.endswith(("days", "_low", "_high"))]
    labels = [
        " / ".join(str(v) for v in row if v not in ("(any)",)).replace(" / ", " -> ", 1)
        for row in t[keys].itertuples(index=False)
    ]
    y = np.arange(len(t))
    ax.hlines(
        y, t["q25_days"], t["q75_days"], color="lightgray", lw=6, label=_t("figure.waits.quartiles")
    )
    ax.errorbar(
        t["median_days"],
        y,
        xerr=_err(
            t.rename(
                columns={
                    "median_days": "m",
                    "median_ci_low": "m_ci_low",
                    "median_ci_high": "m_ci_high",
                }
            ),
            "m",
        ),
        fmt="o",
        color="C0",
        label=_t("figure.waits.median", confidence=_confidence(result)),
    )
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(_t("axis.days_until_next"))
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(title or _t("figure.waits.title"))
    return ax


@localized
@plot_doc
def plot_drop_off(result, *, ax=None, top: int = 15, title=None):
    """Exit rate at each point (share of journeys reaching it that ended there).

    Parameters
    ----------
    result : DropOffResult
        From :func:`drop_off`.
    %(ax)s
    top : int, default=15
        Number of points shown (highest exit rates).
    %(title)s

    Returns
    -------
    matplotlib Axes
    """
    t = result.table.sort_values("exit_rate", ascending=False).head(top).iloc[::-1]
    ax = _axes(ax, figsize=(7, 0.4 * len(t) + 1.5))
    keys = [c for c in t.columns if t[c].dtype == object]
    labels = [" / ".join(map(str, row)) for row in t[keys].itertuples(index=False)]
    y = np.arange(len(t))
    ax.barh(y, t["exit_rate"], color="C3")
    ax.errorbar(t["exit_rate"], y, xerr=_err(t, "exit_rate"), fmt="none", ecolor="black", lw=1)
    for yi, (_, r) in zip(y, t.iterrows()):
        ax.text(
            r["exit_rate_ci_high"] + 0.01,
            yi,
            _t("figure.drop_off.left", n=int(r["exits"])),
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, min(1.0, float(t["exit_rate_ci_high"].max()) + 0.2) if len(t) else 1)
    ax.set_xlabel(_t("figure.drop_off.xlabel"))
    ax.set_title(title or _t("figure.drop_off.title", confidence=_confidence(result)))
    return ax


@localized
@plot_doc
def plot_deviations(result, *, ax=None, top: int = 10, title=None):
    """The most common deviations from the designed journey (share of journeys).

    Parameters
    ----------
    result : DesignedVsLived
        From :func:`designed_vs_lived`.
    %(ax)s
    top : int, default=10
        Number of deviations shown.
    %(title)s

    Returns
    -------
    matplotlib Axes
    """
    d = result.deviations.head(top).iloc[::-1]
    ax = _axes(ax, figsize=(8, 0.4 * len(d) + 1.8))
    colors = {"skip": "C1", "loop": "C0", "back-step": "C3", "detour": "C7"}
    y = np.arange(len(d))
    ax.barh(y, d["share"], color=[colors[k] for k in d["kind"]])
    ax.errorbar(d["share"], y, xerr=_err(d, "share"), fmt="none", ecolor="black", lw=1)
    code = get_language()
    kinds = [_word("deviation", k) for k in d["kind"]]
    names = [[known_name(v, code) if v else v for v in d[c]] for c in ("from", "to")]
    labels = [f"{k}: {a} -> {b}" if a else f"{k}: {b}" for k, a, b in zip(kinds, *names)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(_t("figure.deviations.xlabel"))
    st = result.table
    if "status" in st and len(st) == 3:
        f = st.set_index("status")["share"]
        sub = _t(
            "figure.deviations.subtitle",
            followed=f.iloc[0],
            on_track=f.iloc[1],
            deviated=f.iloc[2],
        )
    else:
        sub = ""
    ax.set_title((title or _t("figure.deviations.title")) + (f"\n{sub}" if sub else ""))
    return ax


@localized
@plot_doc
def plot_lengths(result, *, ax=None, title=None):
    """Histogram of journey lengths (steps), cut at the 99th percentile.

    Parameters
    ----------
    result : JourneySequences
        From :func:`journey_sequences`.
    %(ax)s
    %(title)s

    Returns
    -------
    matplotlib Axes
    """
    lengths = result.lengths
    ax = _axes(ax)
    top = int(np.percentile(lengths, 99)) if len(lengths) else 1
    ax.hist(np.minimum(lengths, top), bins=np.arange(0.5, top + 1.5), color="C0")
    ax.set_xlabel(_t("figure.lengths.xlabel", top=top))
    ax.set_ylabel(_t("axis.journeys"))
    ax.set_title(title or _t("figure.lengths.title"))
    return ax
