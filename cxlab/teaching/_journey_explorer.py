"""Journey explorer: move a step probability of the buyer's journey, watch conversion respond.

Pure parts (tested against hand-worked chains and :class:`cxlab.ValueModel`):

- :func:`change_transitions`: apply ``(from, to, add)`` changes to a
  buyer's-journey matrix (or a stack of bootstrap matrices), each row
  renormalised in proportion, exactly as ``Scenario.transition(add=...)``;
- :func:`journey_outcomes`: P(purchase), expected steps and days, the funnel
  (share of leads who ever reach each stage) by absorbing-chain algebra;
- :func:`value_of_change`: extra buyers and value with an interval, from a
  fitted ValueModel's bootstrap matrices and lifetime values;
- :func:`plot_journey_state`: the funnel before/now and the journey graph now.

:func:`journey_explorer` wires them to sliders (see :mod:`cxlab.teaching._lab`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.exceptions import ParameterError
from cxlab.markov._algebra import (
    absorption_probabilities,
    conditional_expected_time,
    expected_time,
    fundamental_matrix,
)
from cxlab.teaching._lab import Explorer, message, new_figure, slider
from cxlab.value._chain import change_row, check_absorbing, conversion

__all__ = [
    "change_transitions",
    "journey_outcomes",
    "value_of_change",
    "plot_journey_state",
    "journey_explorer",
]

DROP_OFF = "(drop-off)"


def default_transitions(rows, cols) -> tuple:
    """The two steps the journey explorer moves by default, from the chain's own states.

    The step into the purchase from the last buyer's stage before it, and the
    drop-off of the first stage a lead meets (``(start)`` left aside), so the
    explorer works on any study's catalog (e.g. ``trial -> purchase``,
    ``visit -> (drop-off)``).
    """
    stages = [r for r in rows if r != "(start)"]
    bought = [c for c in cols if c not in rows and c != DROP_OFF]
    if not stages or len(bought) != 1:
        raise ParameterError(
            f"cannot tell the purchase step of this chain (rows: {rows}, columns: {cols}); "
            "pass transitions=[(from, to), ...]."
        )
    steps = [(stages[-1], bought[0])]
    if DROP_OFF in cols:
        steps.append((stages[0], DROP_OFF))
    return tuple(steps)


def change_transitions(p, rows, cols, changes) -> np.ndarray:
    """Apply ``changes`` (``(source, target, add)`` each) to a matrix or a stack of matrices.

    Each change moves ``P(source -> target)`` by ``add`` and scales the rest of
    the row in proportion (:func:`cxlab.value._chain.change_row`). On the first
    matrix an impossible change raises :class:`ParameterError`; in the other
    (replicate) matrices it is clipped, as :meth:`cxlab.ValueModel.what_if` does.
    """
    p = np.asarray(p, dtype=float)
    point = p if p.ndim == 2 else p.reshape(-1, *p.shape[-2:])[0]
    for source, target, add in changes:
        if add == 0:
            continue
        point, _ = change_row(point, rows, cols, source, target, add=float(add), strict=True)
        if p.ndim > 2:
            p, _ = change_row(p, rows, cols, source, target, add=float(add), strict=False)
    out = point if p.ndim == 2 else p
    check_absorbing(point, rows, len(rows) - 1)
    return out


def _as_frame(matrix) -> pd.DataFrame:
    if not isinstance(matrix, pd.DataFrame):
        raise ParameterError("the transition matrix must be a DataFrame (rows from, columns to).")
    rows, cols = list(matrix.index), list(matrix.columns)
    t = len(rows) - 1
    if cols[:t] != rows[1:] or len(cols) != t + 2:
        raise ParameterError(
            "expected the buyer's-journey layout: rows [(start), *stages], columns "
            f"[*stages, purchase, (drop-off)]; got rows {rows} and columns {cols}."
        )
    return matrix


def journey_outcomes(matrix: pd.DataFrame, dwell=None) -> pd.Series:
    """Exact outcomes of a buyer's-journey chain for a new lead.

    Parameters
    ----------
    matrix : DataFrame
        Rows ``[(start), *stages]``, columns ``[*stages, purchase, (drop-off)]``
        (``MarkovChain(journey="buyer").transition_matrix_``, ``ValueModel.transition_matrix_``
        or ``data.truth.transition_matrix``).
    dwell : Series, optional
        Mean days per visit of each stage (``MarkovChain.dwell_["mean_days"]``).

    Returns
    -------
    Series
        ``p_purchase``, ``steps`` (expected events before the journey ends),
        ``days`` and ``days_to_buy`` (with ``dwell``; NaN otherwise) and
        ``reach[<stage>]``: the chance of ever reaching each stage
        (``N[start, j] / N[j, j]``).

    Examples
    --------
    A lead starts in A; from A it goes to B or drops off (1/2 each); from B it
    goes back to A (0.2), buys (0.4) or drops off (0.4). By hand: P(buy from B)
    = 0.2 P(buy from A) + 0.4 and P(buy from A) = 0.5 P(buy from B), so
    P(buy) = 2/9.

    >>> import pandas as pd
    >>> from cxlab.teaching._journey_explorer import journey_outcomes
    >>> m = pd.DataFrame([[1, 0, 0, 0], [0, .5, 0, .5], [.2, 0, .4, .4]],
    ...                  index=["(start)", "A", "B"], columns=["A", "B", "purchase", "(drop-off)"])
    >>> round(float(journey_outcomes(m)["p_purchase"]), 4)
    0.2222
    """
    m = _as_frame(matrix)
    stages = list(m.index[1:])
    t = len(stages)
    p = m.to_numpy(float)
    # canonical form over [(start), *stages]: nothing moves into (start)
    Q = np.zeros((t + 1, t + 1))
    Q[:, 1:] = p[:, :t]
    R = p[:, t:]
    names = list(m.index)
    N = fundamental_matrix(Q, names=names)
    B = absorption_probabilities(Q, R, names=names)
    visit = np.r_[0.0, np.ones(t)]
    out = {"p_purchase": B[0, 0], "steps": (N @ visit)[0]}
    if dwell is not None:
        d = np.r_[0.0, pd.Series(dwell).reindex(stages).fillna(0.0).to_numpy(float)]
        out["days"] = expected_time(Q, d, names=names)[0]
        out["days_to_buy"] = conditional_expected_time(Q, R, d, 0, names=names)[0]
    else:
        out["days"] = out["days_to_buy"] = np.nan
    for j, s in enumerate(stages, start=1):
        out[f"reach[{s}]"] = N[0, j] / N[j, j]
    return pd.Series(out, dtype=float)


def value_of_change(model, changes) -> pd.DataFrame:
    """Extra buyers and value of ``changes`` with percentile intervals, from a fitted ValueModel.

    The same algebra and replicates as ``model.what_if(Scenario.transition(...))``:
    each bootstrap matrix is changed, its conversion computed exactly, and the
    extra buyers among ``model.n_leads_`` leads valued at the replicate's
    lifetime value per buyer.

    Returns
    -------
    DataFrame
        Index ``conversion_rate``, ``purchasers``, ``value``; columns
        ``change``, ``lower``, ``upper`` (at ``model.confidence``).
    """
    if len(model.groups_) != 1:
        raise ParameterError(
            "the journey explorer values changes of an ungrouped ValueModel; fit it "
            "without groups= (the explorer changes the pooled chain)."
        )
    chain = model.state_.chain
    p = change_transitions(chain.p, chain.rows, chain.cols, changes)
    conv = conversion(p, chain.n_transient)[:, 0]
    d_conv = conv - model._before["conversion_rate"]
    buyers = model.n_leads_ * d_conv
    values = {
        "conversion_rate": d_conv,
        "purchasers": buyers,
        "value": buyers * np.asarray(model._before["clv"], float),
    }
    a = (1 - model.confidence) / 2
    rows = {}
    for k, v in values.items():
        lo, hi = np.nanquantile(v[1:], [a, 1 - a])
        rows[k] = {"change": v[0], "lower": lo, "upper": hi}
    return pd.DataFrame(rows).T


def _chain_for_graph(matrix: pd.DataFrame):
    from cxlab.markov._chain import MarkovChain

    return MarkovChain.from_transition_matrix(matrix)


def plot_journey_state(before: pd.Series, now: pd.Series, matrix_now: pd.DataFrame, axes=None):
    """Funnel (share of leads ever reaching each stage) before and now, and the journey graph now.

    ``before`` and ``now`` come from :func:`journey_outcomes`. Returns the two Axes.
    """
    from cxlab.markov._plots import plot_journey_graph

    if axes is None:
        _, axes = new_figure(11, 3.8, ncols=2)
    ax, ax_graph = axes
    stages = [k[6:-1] for k in now.index if k.startswith("reach[")]
    labels = ["lead", *stages, "purchase"]
    b = [1.0, *[before[f"reach[{s}]"] for s in stages], before["p_purchase"]]
    n = [1.0, *[now[f"reach[{s}]"] for s in stages], now["p_purchase"]]
    y = np.arange(len(labels))[::-1]
    ax.barh(y + 0.2, b, height=0.4, color="lightgrey", label=message("col_start"))
    ax.barh(y - 0.2, n, height=0.4, color="tab:blue", label=message("col_now"))
    for yi, v in zip(y, n):
        ax.text(v + 0.01, yi - 0.2, f"{v:.1%}", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1.15)
    ax.set_title(message("funnel_title"), fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    plot_journey_graph(_chain_for_graph(matrix_now), ax=ax_graph)
    ax_graph.set_title(message("graph_title"), fontsize=10)
    return axes


def _source(source):
    """(matrix, dwell, model) from a ValueModel, a fitted MarkovChain or a DataFrame."""
    from cxlab.markov._chain import MarkovChain
    from cxlab.value._model import ValueModel

    if isinstance(source, ValueModel):
        if not hasattr(source, "state_"):
            raise ParameterError("the ValueModel is not fitted; call fit(data) first.")
        if len(source.groups_) != 1:
            value_of_change(source, [])  # raises the explanation
        fitted = source.state_.chain
        dwell = None if fitted.chains.dwell_ is None else fitted.chains.dwell_["mean_days"]
        return fitted.frame(0), dwell, source
    if isinstance(source, MarkovChain):
        if not hasattr(source, "transition_matrix_"):
            raise ParameterError("the MarkovChain is not fitted; call fit(events) first.")
        dwell = None if source.dwell_ is None else source.dwell_["mean_days"]
        return _as_frame(source.transition_matrix_), dwell, None
    return _as_frame(source), None, None


def journey_explorer(
    source,
    *,
    transitions=None,
    start=None,
    max_change: float = 0.3,
):
    """Sliders for buyer's-journey step probabilities; live conversion, steps, days, funnel, graph.

    Parameters
    ----------
    source : ValueModel, MarkovChain or DataFrame
        A fitted (ungrouped) :class:`cxlab.ValueModel` also values the change
        (extra buyers x lifetime value, with an interval); a fitted
        ``MarkovChain(journey="buyer")`` gives days too; a DataFrame is a
        transition matrix such as ``data.truth.transition_matrix``.
    transitions : sequence of (from, to), optional
        One slider each: the change of ``P(from -> to)`` (the rest of the row
        adjusts in proportion, as ``Scenario.transition(add=...)``). Default:
        the step into the purchase from the last buyer's stage before it and
        the first stage's drop-off (:func:`default_transitions`), e.g.
        ``consideration -> purchase`` and ``awareness -> (drop-off)`` on the
        default catalog.
    start : dict or float, optional
        Starting change per ``(from, to)``, e.g. ``{("consideration", "purchase"): 0.10}``;
        a number is the starting change of the first slider.
    max_change : float, default=0.3
        Largest change a slider allows either way (within [0, 1] for the probability).

    Returns
    -------
    Explorer
        An ipywidgets box; ``.table`` holds the numbers now.

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.teaching._journey_explorer import journey_explorer
    >>> ex = journey_explorer(cxlab.simulate(300, random_state=1).truth.transition_matrix)
    >>> ex.controls["consideration -> purchase"].value = 0.1
    >>> bool(ex.table.loc["P(a new lead buys)", "change"] > 0)
    True
    """
    matrix, dwell, model = _source(source)
    rows, cols = list(matrix.index), list(matrix.columns)
    transitions = tuple(transitions) if transitions else default_transitions(rows, cols)
    if isinstance(start, int | float):
        start = {tuple(transitions[0]): float(start)}
    start = dict(start or {})
    controls = {}
    for source_, target in transitions:
        if source_ not in rows or target not in cols:
            raise ParameterError(
                f"({source_!r}, {target!r}) is not a step of the chain; rows: {rows}, "
                f"columns: {cols}."
            )
        p0 = float(matrix.loc[source_, target])
        lo, hi = max(-p0, -max_change), min(1 - p0, max_change)
        label = message("journey_slider", source=source_, target=target)
        value = float(np.clip(start.get((source_, target), 0.0), lo, hi))
        controls[label] = slider(label, value, round(lo, 2), round(hi, 2), 0.01, width="420px",
                                 readout_format="+.2f")  # fmt: skip
    keys = dict(zip(controls, transitions))
    before = journey_outcomes(matrix, dwell)

    def compute(**values):
        changes = [(*keys[k], v) for k, v in values.items()]
        p = change_transitions(matrix.to_numpy(float), rows, cols, changes)
        now_matrix = pd.DataFrame(p, index=matrix.index, columns=matrix.columns)
        now = journey_outcomes(now_matrix, dwell)
        table = _journey_table(before, now)
        notes = []
        if model is not None:
            val = value_of_change(model, changes)
            table.loc[message("value", n_leads=model.n_leads_)] = [
                np.nan,
                np.nan,
                val.loc["value", "change"],
            ]
            interval = message(
                "journey_note_interval",
                confidence=model.confidence,
                lower=val.loc["value", "lower"],
                upper=val.loc["value", "upper"],
            )
            notes.append(f"{message('journey_note_value')} {interval}")
        fig_axes = new_figure(11, 3.8, ncols=2)
        plot_journey_state(before, now, now_matrix, axes=fig_axes[1])
        return table, fig_axes[0], notes

    return Explorer(
        title=message("journey_title"),
        intro=message("journey_intro"),
        controls=controls,
        compute=compute,
    )


def _journey_table(before: pd.Series, now: pd.Series) -> pd.DataFrame:
    rows = {
        message("p_purchase"): "p_purchase",
        message("buyers_per_1000"): None,
        message("steps"): "steps",
        message("days"): "days",
        message("days_to_buy"): "days_to_buy",
    }
    out = {}
    for label, key in rows.items():
        b = 1000 * before["p_purchase"] if key is None else before[key]
        n = 1000 * now["p_purchase"] if key is None else now[key]
        if np.isnan(b):
            continue
        out[label] = [b, n, n - b]
    return pd.DataFrame.from_dict(
        out,
        orient="index",
        columns=[message("col_start"), message("col_now"), message("col_change")],
    )
