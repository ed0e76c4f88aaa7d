"""Paths: the most common journey variants, paths around an anchor stage, Sankey flows.

A *variant* is one distinct sequence of steps (``awareness > consideration``).
:func:`variants` counts how many journeys follow each, their share and, when
an ``outcome`` stage is given, the share of them that reach it (the variant's
path is then the steps *before* the outcome, so "conversion rate of a path" has
its usual meaning). Variants are grouped by a 128-bit hash of the code sequence
(two independent polynomial hashes plus the length), computed with cumulative
sums over all events at once, and checked for collisions.

Shares and conversion rates carry Wilson score intervals. Many variants are
compared at once: a few intervals will miss by chance (about 1 in 20 at 95%).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._stats import wilson
from cxlab.data._catalog import END_STATE, START_STATE
from cxlab.exceptions import ParameterError
from cxlab.i18n._messages import t as _t
from cxlab.i18n._messages import word
from cxlab.i18n._tables import column_header, reader_quoted
from cxlab.journeys._base import (
    JourneyResult,
    check_confidence,
    check_states,
    event_table,
    lazy_study_of,
)
from cxlab.journeys._plots import plot_sankey, plot_variants
from cxlab.journeys._sequences import journey_sequences
from cxlab.sequences import collapse_runs, keep_events, path_strings
from cxlab.sequences._layout import sequence_index

__all__ = [
    "VariantsResult",
    "PathsResult",
    "SankeyResult",
    "variants",
    "paths_from",
    "sankey_table",
]

_NEVER = np.iinfo(np.int64).max
_P1, _P2 = np.uint64(1_000_003), np.uint64(0x9E3779B97F4A7C15)


def _first_in_unit(mask: np.ndarray, unit: np.ndarray, n_units: int) -> np.ndarray:
    """Position of the first True event of each unit (``_NEVER`` when none)."""
    idx = np.flatnonzero(mask)
    out = np.full(n_units, _NEVER, dtype=np.int64)
    if len(idx):
        u = unit[idx]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = u[1:] != u[:-1]
        out[u[first]] = idx[first]
    return out


def _hash_units(codes: np.ndarray, offsets: np.ndarray, base: np.uint64) -> np.ndarray:
    """Polynomial hash sum((code+1) * base**rank) of each unit, mod 2**64."""
    n = len(codes)
    unit = sequence_index(offsets)
    rank = np.arange(n, dtype=np.int64) - offsets[:-1][unit]
    max_len = int(np.diff(offsets).max()) if len(offsets) > 1 else 0
    powers = np.ones(max(max_len, 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(1, len(powers)):  # loop over positions, not events
            powers[i] = powers[i - 1] * base
        terms = (codes.astype(np.uint64) + np.uint64(1)) * powers[rank]
        cum = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(terms, out=cum[1:])
        return cum[offsets[1:]] - cum[offsets[:-1]]


def _variant_codes(seq) -> tuple[np.ndarray, np.ndarray]:
    """Variant number of each unit and one representative unit per variant."""
    lengths = np.diff(seq.offsets).astype(np.uint64)
    with np.errstate(over="ignore"):
        h1 = _hash_units(seq.codes, seq.offsets, _P1) ^ (lengths * _P2)
    h2 = _hash_units(seq.codes, seq.offsets, _P2)
    vcode, uniq = pd.factorize(h1)
    rep = np.zeros(len(uniq), dtype=np.int64)
    rep[vcode[::-1]] = np.arange(len(vcode) - 1, -1, -1)  # any member works as representative
    if np.any(h2 != h2[rep[vcode]]) or np.any(lengths != lengths[rep[vcode]]):
        # a 64-bit collision (never seen in practice): fall back to exact path strings
        vcode, _ = pd.factorize(path_strings(seq.states, seq.codes, seq.offsets))
        rep = np.zeros(vcode.max() + 1, dtype=np.int64)
        rep[vcode[::-1]] = np.arange(len(vcode) - 1, -1, -1)
    return vcode.astype(np.int64), rep


class VariantsResult(JourneyResult):
    """Result of :func:`variants`: one row per variant, most common first.

    Attributes
    ----------
    table : DataFrame
        ``rank``, ``variant`` (``"a > b > c"``), ``n_steps``, ``journeys``,
        ``share`` with ``share_ci_low/high``, ``cumulative_share`` and, with an
        outcome, ``conversions``, ``conversion_rate`` and its interval.
    n_variants : int
        Distinct variants in the data (the table may show only the top ones).
    variant_of : ndarray
        Variant number (``rank - 1``) of every journey, aligned with ``customers``.
    customers : ndarray
        ``customer_id`` of every journey.
    """

    name = "variants"
    display_columns = (
        "rank",
        "variant",
        "n_steps",
        "journeys",
        "share",
        "conversions",
        "conversion_rate",
    )

    _figure = staticmethod(plot_variants)


def _prepare(data, column, gap, stage_needed):
    extra = ("stage",) if (stage_needed and column != "stage") else ()
    study = lazy_study_of(data)
    if study is not None:  # the sequences are built inside the engine
        return journey_sequences(study, column=column, gap=gap, extra=extra), study.catalog
    events, customers, catalog = event_table(data)
    js = journey_sequences(events, column=column, gap=gap, extra=extra)
    return js, catalog


def variants(
    data,
    *,
    column: str = "stage",
    outcome: str | None = "auto",
    collapse: bool = False,
    gap=None,
    max_steps: int | None = None,
    top: int | None = 20,
    confidence: float = 0.95,
) -> VariantsResult:
    """The most common journey variants, with share and conversion rate.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
    column : str, default="stage"
        Steps are stages, or channels (``"channel"``), or another event column.
    outcome : str or None, default="auto"
        Stage that marks success ("auto": the catalog's purchase stage). Each journey is cut just before its first
        outcome event; ``conversion_rate`` is the share of journeys with that
        path that went on to the outcome. None: whole journeys, no conversion.
    collapse : bool, default=False
        Merge repeated consecutive steps (``a > a > b`` counts as ``a > b``).
    gap : duration or None, default=None
        Split customers into sessions at this inactivity (see :func:`journey_sequences`).
    max_steps : int or None, default=None
        Keep only the first ``max_steps`` steps of each path; longer ones end in ``" > ..."``.
    top : int or None, default=20
        Rows to return (None: all variants).
    confidence : float, default=0.95

    Returns
    -------
    VariantsResult

    Raises
    ------
    UnknownCategoryError
        ``outcome`` is not a stage.
    ParameterError
        ``max_steps`` or ``top`` below 1.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=0)
    >>> v = cxlab.variants(data, top=3)
    >>> v.summary()["variant"].tolist()
    ['awareness > consideration', 'awareness', 'consideration']
    """
    confidence = check_confidence(confidence)
    for name, value in (("max_steps", max_steps), ("top", top)):
        if value is not None and int(value) < 1:
            raise ParameterError(f"{name}={value} must be at least 1 (or None).")
    js, catalog = _prepare(data, column, gap, outcome is not None)
    if outcome == "auto":
        outcome = catalog.purchase_stage
    seq = js.seq
    n_units = len(js)
    converted = None
    if outcome is not None:
        st_codes, st_names = (seq.codes, seq.states) if column == "stage" else seq.extra["stage"]
        oc = check_states([outcome], st_names, "outcome")[0]
        unit = seq.customer_index()
        first_out = _first_in_unit(st_codes == oc, unit, n_units)
        converted = first_out != _NEVER
        seq = keep_events(seq, np.arange(len(seq.codes)) < first_out[unit])
    if collapse:
        seq = collapse_runs(seq)
    lengths = np.diff(seq.offsets)
    truncated = np.zeros(n_units, dtype=bool)
    if max_steps is not None:
        unit = seq.customer_index()
        rank = np.arange(len(seq.codes)) - seq.offsets[:-1][unit]
        truncated = lengths > max_steps
        seq = keep_events(seq, rank < max_steps)
    vcode, rep = _variant_codes(seq)
    if truncated.any():  # a cut path differs from the same path that stopped there
        vcode, _ = pd.factorize(vcode * 2 + truncated)
        rep = np.zeros(vcode.max() + 1, dtype=np.int64)
        rep[vcode[::-1]] = np.arange(len(vcode) - 1, -1, -1)
    n_var = len(rep)
    count = np.bincount(vcode, minlength=n_var)
    order = np.lexsort((np.arange(n_var), -count))
    rank_of = np.empty(n_var, dtype=np.int64)
    rank_of[order] = np.arange(n_var)
    shown = order if top is None else order[: int(top)]
    sub = seq.take(rep[shown])
    labels = path_strings(sub.states, sub.codes, sub.offsets)
    labels = np.where(truncated[rep[shown]], labels + " > ...", labels)
    lo, hi = wilson(count[shown], n_units, confidence)
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(shown) + 1),
            "variant": labels,
            "n_steps": np.diff(sub.offsets),
            "journeys": count[shown],
            "share": count[shown] / n_units,
            "share_ci_low": lo,
            "share_ci_high": hi,
            "cumulative_share": np.cumsum(count[order])[: len(shown)] / n_units,
        }
    )
    notes = [
        _t(
            "note.journeys.variants_" + ("sessions" if gap is not None else "journeys"),
            n=n_units,
            variants=n_var,
            shown=len(shown),
            covered=table["cumulative_share"].iloc[-1],
        ),
        _t("note.journeys.variants_intervals", confidence=confidence),
    ]
    if converted is not None:
        conv = np.bincount(vcode, weights=converted, minlength=n_var)[shown].astype(np.int64)
        clo, chi = wilson(conv, count[shown], confidence)
        table["conversions"] = conv
        table["conversion_rate"] = conv / count[shown]
        table["conversion_ci_low"], table["conversion_ci_high"] = clo, chi
        notes.append(_t("note.journeys.variants_conversion", outcome=reader_quoted(outcome)))
    return VariantsResult(
        table,
        notes=notes,
        params={
            "column": column,
            "outcome": outcome,
            "collapse": collapse,
            "gap": gap,
            "top": top,
            "confidence": confidence,
        },
        n_variants=n_var,
        variant_of=rank_of[vcode],
        customers=js.customers,
    )


class PathsResult(JourneyResult):
    """Result of :func:`paths_from`: the paths after (or before) an anchor, most common first."""

    name = "paths"

    _figure = staticmethod(plot_variants)
    _figure_options = {"label": "path", "count": "occurrences"}


def paths_from(
    data,
    anchor: str,
    *,
    direction: str = "forward",
    steps: int = 3,
    column: str = "stage",
    collapse: bool = False,
    gap=None,
    occurrence: str = "first",
    top: int | None = 20,
    confidence: float = 0.95,
) -> PathsResult:
    """What customers do in the ``steps`` steps after (or before) reaching ``anchor``.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
    anchor : str
        A state of ``column`` (e.g. ``"consideration"``, or ``"store"`` with
        ``column="channel"``).
    direction : {"forward", "backward"}, default="forward"
    steps : int, default=3
        Path length after (before) the anchor. Journeys that end (begin) sooner
        show ``(end)`` (``(start)``).
    column, collapse, gap
        As in :func:`variants`.
    occurrence : {"first", "all"}, default="first"
        Use each journey's first visit to the anchor, or every visit.
    top : int or None, default=20
    confidence : float, default=0.95

    Returns
    -------
    PathsResult
        ``path`` (in time order, anchor in brackets), ``step_1..step_N``
        (nearest first), ``occurrences``, ``share`` with Wilson interval.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=0)
    >>> p = cxlab.paths_from(data, "consideration", steps=1)
    >>> p.summary()["path"].iloc[0]
    '[consideration] > purchase'
    """
    confidence = check_confidence(confidence)
    if direction not in ("forward", "backward"):
        raise ParameterError(f"direction must be 'forward' or 'backward', not {direction!r}.")
    if occurrence not in ("first", "all"):
        raise ParameterError(f"occurrence must be 'first' or 'all', not {occurrence!r}.")
    if int(steps) < 1:
        raise ParameterError(f"steps={steps} must be at least 1.")
    js, _ = _prepare(data, column, gap, False)
    seq = collapse_runs(js.seq) if collapse else js.seq
    ac = check_states([anchor], seq.states, "anchor", column)[0]
    unit = seq.customer_index()
    is_anchor = seq.codes == ac
    if occurrence == "first":
        pos = _first_in_unit(is_anchor, unit, len(js))
        pos = pos[pos != _NEVER]
    else:
        pos = np.flatnonzero(is_anchor)
    if len(pos) == 0:
        raise ParameterError(
            f"no journey reaches the anchor {anchor!r}; pick a {column} that occurs in the data."
        )
    S = len(seq.states)
    edge, pad = S, S + 1  # (end)/(start) and "nothing further"
    lo_b, hi_b = seq.offsets[:-1][unit[pos]], seq.offsets[1:][unit[pos]]
    cols = np.empty((len(pos), int(steps)), dtype=np.int64)
    sign = 1 if direction == "forward" else -1
    for j in range(1, int(steps) + 1):
        p = pos + sign * j
        inside = (p >= lo_b) & (p < hi_b)
        c = np.where(inside, seq.codes[np.clip(p, 0, len(seq.codes) - 1)], pad)
        just_out = ~inside & ((p == hi_b) if sign > 0 else (p == lo_b - 1))
        cols[:, j - 1] = np.where(just_out, edge, c)
    base = S + 2
    if base ** int(steps) >= 2**62:
        raise ParameterError(f"steps={steps} is too long for {S} states; use fewer steps.")
    key = (cols * (base ** np.arange(int(steps)))).sum(axis=1)
    uniq, first_idx, count = np.unique(key, return_index=True, return_counts=True)
    order = np.lexsort((uniq, -count))
    shown = order if top is None else order[: int(top)]
    names = np.array(
        [*map(str, seq.states), END_STATE if sign > 0 else START_STATE, ""], dtype=object
    )
    digits = names[cols[first_idx[shown]]]
    anchor_txt = f"[{anchor}]"
    paths = []
    for row in digits:  # one string per shown path (not per customer)
        parts = [d for d in row if d]
        paths.append(" > ".join([anchor_txt, *parts] if sign > 0 else [*parts[::-1], anchor_txt]))
    lo, hi = wilson(count[shown], len(pos), confidence)
    table = pd.DataFrame({"path": paths})
    for j in range(int(steps)):
        table[f"step_{j + 1}"] = digits[:, j]
    table["occurrences"] = count[shown]
    table["share"] = count[shown] / len(pos)
    table["share_ci_low"], table["share_ci_high"] = lo, hi
    notes = [
        _t(
            "note.journeys.paths_" + ("first" if occurrence == "first" else "all"),
            n=len(pos),
            anchor=reader_quoted(anchor),
            direction=word("note.journeys.direction", direction),
            steps=steps,
            distinct=len(uniq),
            confidence=confidence,
        ),
    ]
    return PathsResult(
        table,
        notes=notes,
        params={
            "anchor": anchor,
            "direction": direction,
            "steps": steps,
            "column": column,
            "confidence": confidence,
        },
    )


class SankeyResult(JourneyResult):
    """Result of :func:`sankey_table`: links ``(step, source) -> (step + 1, target)``."""

    name = "sankey"

    _figure = staticmethod(plot_sankey)


def sankey_table(
    data,
    *,
    steps: int = 4,
    column: str = "stage",
    collapse: bool = True,
    gap=None,
) -> SankeyResult:
    """Flows between the first ``steps`` steps of every journey, for a Sankey diagram.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
    steps : int, default=4
        Number of step columns (at least 2).
    column, gap
        As in :func:`variants`.
    collapse : bool, default=True
        Merge repeats first, so bands show moves between different states.

    Returns
    -------
    SankeyResult
        ``table`` with ``step`` (0-based column of the source), ``source``,
        ``target`` (``(end)`` when the journey stops), ``journeys`` and
        ``share`` (of all journeys).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=500, random_state=0)
    >>> s = cxlab.sankey_table(data, steps=3)
    >>> int(s.summary().query("step == 0")["journeys"].sum())
    500
    """
    if int(steps) < 2:
        raise ParameterError(f"steps={steps} must be at least 2 (a Sankey needs two columns).")
    js, _ = _prepare(data, column, gap, False)
    seq = collapse_runs(js.seq) if collapse else js.seq
    S = len(seq.states)
    lengths = np.diff(seq.offsets)
    starts = seq.offsets[:-1]
    names = np.array([*map(str, seq.states), END_STATE], dtype=object)
    frames = []
    for i in range(int(steps) - 1):  # loop over steps
        has = lengths > i
        src = seq.codes[starts[has] + i].astype(np.int64)
        nxt = lengths[has] > i + 1
        tgt = np.full(len(src), S, dtype=np.int64)
        tgt[nxt] = seq.codes[starts[has][nxt] + i + 1]
        cnt = np.bincount(src * (S + 1) + tgt, minlength=S * (S + 1)).reshape(S, S + 1)
        a, b = np.nonzero(cnt)
        frames.append(
            pd.DataFrame({"step": i, "source": names[a], "target": names[b], "journeys": cnt[a, b]})
        )
    table = pd.concat(frames, ignore_index=True)
    table["share"] = table["journeys"] / len(js)
    table = table.sort_values(["step", "journeys"], ascending=[True, False], ignore_index=True)
    notes = [
        _t(
            "note.journeys.sankey_collapsed" if collapse else "note.journeys.sankey",
            steps=steps,
            n=len(js),
            column=column_header(column),
        )
    ]
    params = {"steps": steps, "column": column, "collapse": collapse, "order": list(names)}
    return SankeyResult(table, notes=notes, params=params)
