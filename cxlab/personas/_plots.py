"""Figures of personas (matplotlib; each returns its Axes, none calls ``plt.show()``).

- :func:`plot_projection`: customers on the first two principal components of
  the (standardised) persona-defining features, coloured by persona.
- :func:`plot_profiles`: heatmap of standardised differences, persona x feature.
- :func:`plot_selection`: the criteria behind the number of personas.
- :func:`plot_stability`: bootstrap Jaccard similarity per persona with its range.
- :func:`plot_persona_funnels`: share of each persona reaching each stage, with intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._plots import get_axes as _axes
from cxlab._plots import localized, plot_doc
from cxlab.exceptions import DataError
from cxlab.i18n._messages import t as _t

__all__ = [
    "plot_projection",
    "plot_profiles",
    "plot_selection",
    "plot_stability",
    "plot_persona_funnels",
]


def _colors(k):
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab10" if k <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(k)]


@localized
@plot_doc
def plot_projection(model, X, ax=None, *, sample: int = 4000, random_state=0, **kw):
    """Customers on the first two principal components, coloured by persona.

    Parameters
    ----------
    model : PersonaModel
        Fitted.
    X : DataFrame
        Customer features (as for ``fit``); personas come from ``model.predict(X)``.
    sample : int, default=4000
        At most this many customers are drawn (a random subsample).
    random_state : int, default=0
    **kw
        Passed to ``ax.scatter``.
    %(ax)s
    """
    from sklearn.decomposition import PCA

    model._check_fitted("plot_projection")
    _, prep = model._prepare_new(X)
    if prep.z.shape[1] < 2:
        raise DataError(
            f"the personas rest on {prep.z.shape[1]} feature, so there is no two-dimensional "
            "projection to draw",
            fix="fit the PersonaModel on two or more features to see this view",
        )
    labels = model.predict(X)
    rng = np.random.default_rng(random_state)
    idx = np.arange(prep.n)
    if prep.n > sample:
        idx = np.sort(rng.choice(prep.n, size=sample, replace=False))
    pca = PCA(n_components=2, random_state=0).fit(prep.z)
    xy = pca.transform(prep.z[idx])
    # a little jitter: counts put many customers on the same point
    spread = xy.std(axis=0) * 0.02
    xy = xy + rng.normal(0.0, 1.0, size=xy.shape) * spread
    ax = _axes(ax, (7, 5.5))
    colors = _colors(model.n_personas_)
    size = kw.pop("s", 8)
    for j in range(model.n_personas_):
        m = labels[idx] == j
        ax.scatter(
            xy[m, 0],
            xy[m, 1],
            s=size,
            alpha=0.5,
            color=colors[j],
            label=f"{j}: {model.names_[j]} ({int((labels == j).sum()):,})",
            **kw,
        )
    ev = pca.explained_variance_ratio_
    ax.set_xlabel(_t("figure.pca.axis", k=1, share=ev[0]))
    ax.set_ylabel(_t("figure.pca.axis", k=2, share=ev[1]))
    ax.set_title("Customers on the first two principal components")
    ax.legend(fontsize=8, markerscale=2, loc="best", frameon=False)
    return ax


@localized
@plot_doc
def plot_profiles(model, ax=None, *, features=None, top: int = 14, cmap="RdBu_r", **kw):
    """Heatmap of standardised differences (persona vs the rest), annotated.

    Parameters
    ----------
    features : list of str, optional
        Features to show; default the ``top`` features with the largest absolute
        difference for any persona.
    model : PersonaModel
        A fitted persona model.
    %(ax)s
    top : int, default=14
        Features shown (the most distinctive).
    cmap : str, default="RdBu_r"
        Matplotlib colormap.
    %(kw)s
    """
    model._check_fitted("plot_profiles")
    d = model.profiles_.pivot(index="persona", columns="feature", values="std_diff")
    if features is None:
        readable = [c for c in d.columns if not (c.startswith("n_") and "__" in c)]
        if any(c.startswith("share_") for c in readable):
            d = d[readable]  # the channel mix says what the per-stage counts say, readably
        order = d.abs().max(axis=0).sort_values(ascending=False)
        features = list(order.index[:top])
    d = d[features]
    ax = _axes(ax, (0.75 * len(features) + 3, 0.7 * len(d) + 2.5))
    lim = float(np.nanmax(np.abs(d.to_numpy()))) if d.size else 1.0
    im = ax.imshow(d.to_numpy(), cmap=cmap, vmin=-lim, vmax=lim, aspect="auto", **kw)
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            v = d.iat[i, j]
            ax.text(
                j,
                i,
                f"{v:+.1f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if abs(v) > 0.6 * lim else "black",
            )
    ax.set_xticks(range(len(features)), features, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(d)), [f"{j}: {model.names_[j]}" for j in d.index], fontsize=9)
    ax.figure.colorbar(im, ax=ax, label="standardised difference (sd)")
    ax.set_title("What sets each persona apart (persona vs the rest)")
    return ax


@localized
@plot_doc
def plot_selection(model, ax=None, **kw):
    """The criteria for each number of personas tried, scaled to 0-1 (1 = best).

    Parameters
    ----------
    model : PersonaModel
        A fitted persona model.
    %(ax)s
    %(kw)s
    """
    model._check_fitted("plot_selection")
    sel = model.selection_
    ax = _axes(ax)
    voting = [c[len("best_by_") :] for c in sel.columns if c.startswith("best_by_")]
    for col, better in (
        ("bic", "min"),
        ("icl", "min"),
        ("silhouette", "max"),
        ("calinski_harabasz", "max"),
    ):
        if voting and col not in voting:
            continue
        y = sel[col].astype(float)
        if y.notna().sum() < 2:
            continue
        span = y.max() - y.min()
        scaled = (y - y.min()) / span if span > 0 else y * 0 + 1
        if better == "min":
            scaled = 1 - scaled
        ax.plot(sel.index, scaled, marker="o", label=col, **kw)
    ax.axvline(model.n_personas_, color="grey", ls="--", lw=1)
    if "eligible" in sel:
        for k in sel.index[~sel["eligible"].astype(bool)]:
            ax.axvspan(k - 0.4, k + 0.4, color="grey", alpha=0.15, lw=0)
    ax.set_xlabel("number of personas (k; shaded = a persona below min_share)")
    ax.set_ylabel("criterion, scaled (1 = best)")
    ax.set_title(_t("figure.selection.title", k=model.n_personas_))
    ax.set_xticks(list(sel.index))
    ax.legend(frameon=False, fontsize=8)
    return ax


@localized
@plot_doc
def plot_stability(model, ax=None, **kw):
    """Mean bootstrap Jaccard per persona with its 95% range; Hennig's thresholds dashed.

    Parameters
    ----------
    model : PersonaModel
        A fitted persona model.
    %(ax)s
    %(kw)s
    """
    model._check_fitted("plot_stability")
    st = model.stability_
    if st is None:
        raise ValueError("stability was not computed (n_bootstrap=0); refit with n_bootstrap > 0.")
    ax = _axes(ax, (7, 0.6 * len(st) + 1.8))
    y = np.arange(len(st))
    err = np.vstack(
        [st["jaccard_mean"] - st["jaccard_low"], st["jaccard_high"] - st["jaccard_mean"]]
    )
    ax.barh(y, st["jaccard_mean"], xerr=err, color=_colors(len(st)), alpha=0.8, **kw)
    for x, text in ((0.5, "dissolved"), (0.75, "stable"), (0.85, "highly stable")):
        ax.axvline(x, color="grey", ls=":", lw=1)
        ax.text(x, -0.6, text, fontsize=7, ha="center", va="bottom", color="grey")
    ax.set_yticks(y, [f"{j}: {model.names_[j]}" for j in st.index], fontsize=9)
    ax.set_xlim(0, 1.02)
    ax.invert_yaxis()
    ax.set_xlabel("Jaccard similarity over bootstrap resamples")
    ax.set_title("How stable is each persona?")
    return ax


@localized
@plot_doc
def plot_persona_funnels(funnels: pd.DataFrame, ax=None, **kw):
    """Share of each persona reaching each stage, lines with 95% intervals.

    ``funnels`` has columns ``persona``, ``stage``, ``share``, ``share_low`` and ``share_high``
    (the table :meth:`cxlab.personas.PersonaJourneys.plot_funnels` builds).

    Parameters
    ----------
    funnels : DataFrame
        Share reaching each step per persona, with intervals
        (``PersonaJourneys.funnel``).
    %(ax)s
    %(kw)s
    """
    ax = _axes(ax)
    stages = list(dict.fromkeys(funnels["stage"]))
    x = np.arange(len(stages))
    personas = list(dict.fromkeys(funnels["persona"]))
    colors = _colors(len(personas))
    for c, p in zip(colors, personas):
        g = funnels[funnels["persona"] == p].set_index("stage").reindex(stages)
        ax.plot(x, g["share"], marker="o", color=c, label=str(p), **kw)
        ax.fill_between(x, g["share_low"], g["share_high"], color=c, alpha=0.15)
    ax.set_xticks(x, stages, rotation=30, ha="right")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("share of persona reaching the stage")
    ax.set_title("Funnel by persona")
    ax.legend(frameon=False, fontsize=8)
    return ax
