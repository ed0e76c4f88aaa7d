"""Channel attribution: who gets credit for conversions, and with what uncertainty.

:func:`channel_attribution` credits conversions (and their value) to channels by four methods:

``first_touch`` / ``last_touch``
    All credit to the first / last channel of each converting path.
``linear``
    Equal credit to every touch of a converting path (a channel touched twice
    gets two shares).
``markov``
    Removal effects of an absorbing Markov chain over the touches (Anderl et al.
    2016): states ``(start)``, the channels, absorbing ``(conversion)`` and
    ``(null)``. The removal effect of channel ``c`` is
    ``1 - P(conversion | c removed) / P(conversion)``, where removing ``c``
    sends every journey that would enter ``c`` to ``(null)``. Both
    probabilities are computed **exactly** by absorbing-chain algebra
    (``P = e_start (I - Q)^-1 R``), not by simulating journeys, so the result is
    the same on every run. Credit is ``total conversions * RE_c / sum(RE)``.
    With ``order=m`` the chain's states are histories of ``m`` touches (removing
    ``c`` removes every history that ends in ``c``).

Intervals come from a bootstrap over journeys (``n_bootstrap``): journey counts
are redrawn (multinomial over all journeys for whole-number counts; Poisson
otherwise) and every method is recomputed; the interval is the percentile
interval, the SE the bootstrap standard deviation.

What the Markov removal effect is, and is not, is described in :mod:`cxlab.markov`.

Examples
--------
The three-path example (Anderl et al.; popularised by S. Bryl's blog posts):
C1 > C2 > C3 converts; C1 and C2 > C3 do not.

>>> import pandas as pd, cxlab
>>> paths = pd.DataFrame({"path": ["C1 > C2 > C3", "C1", "C2 > C3"],
...                       "conversions": [1, 0, 0], "nulls": [0, 1, 1]})
>>> res = cxlab.channel_attribution(paths, n_bootstrap=0)
>>> res.removal_effects["removal_effect"].round(3).tolist()
[0.5, 1.0, 1.0]
>>> res.pivot().loc[["C1", "C2", "C3"], "markov"].round(3).tolist()
[0.2, 0.4, 0.4]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cxlab._display import ReadableTable
from cxlab._plots import plot_doc
from cxlab._results import NotedResult
from cxlab.data._catalog import START_STATE, study_catalog
from cxlab.engines._frames import is_lazy_frame
from cxlab.exceptions import DataError, MissingColumnError, ParameterError
from cxlab.i18n._messages import t as _t
from cxlab.markov._attribution_engine import engine_path_table, engine_paths
from cxlab.markov._attribution_paths import Paths, parse_path_table, path_table, paths_from_events
from cxlab.markov._data import ChainData
from cxlab.markov._inference import percentile_summary
from cxlab.markov._transitions import transitions
from cxlab.sequences._layout import EventSequences, collapse_runs

__all__ = ["channel_attribution", "AttributionResult", "removal_effects", "conversion_paths"]

METHODS = ("first_touch", "last_touch", "linear", "markov")
CONV, NULL = "(conversion)", "(null)"


def _is_lazy(frame) -> bool:
    try:
        return is_lazy_frame(frame)
    except ParameterError:
        return False


@dataclass(repr=False)
class AttributionResult(NotedResult):
    """Credit per channel by method, with bootstrap intervals.

    Attributes
    ----------
    table : DataFrame
        Long: ``method``, ``channel``, ``conversions``, ``share``, ``value`` and,
        with a bootstrap, ``*_se``, ``*_ci_low``, ``*_ci_high``.
    removal_effects : DataFrame
        Index channel: ``removal_effect``, ``share`` (and ``se``, ``ci_low``, ``ci_high``).
    conversion_probability : dict
        ``estimate`` (and ``ci_low``, ``ci_high``) of P(conversion) under the chain.
    total_conversions, total_value : float
        Conversions and their value in the data.
    n_paths : int
        Path rows (distinct paths of a path table, or customers of an event log).
    n_journeys : float
        Journeys (conversions + nulls).
    order : int
        Order of the Markov chain.
    confidence : float
        Level of the intervals.
    notes : list of str
        Caveats, numbered under the table when printed.
    """

    table: pd.DataFrame
    removal_effects: pd.DataFrame
    conversion_probability: dict
    total_conversions: float
    total_value: float
    n_paths: int
    n_journeys: float
    order: int
    confidence: float
    notes: list = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """The long table (a copy)."""
        return self.table.copy()

    def pivot(self, what: str = "conversions") -> pd.DataFrame:
        """Channels x methods of one credit column.

        Parameters
        ----------
        what : {"conversions", "share", "value"}, default="conversions"
            The column of :attr:`table` to spread.

        Returns
        -------
        DataFrame
            Index channel, one column per method.
        """
        return self.table.pivot(index="channel", columns="method", values=what)[
            [m for m in METHODS if m in set(self.table["method"])]
        ]

    @plot_doc
    def plot(self, ax=None, *, what: str = "conversions", **kw):
        """Grouped bars: credit per channel by method, with interval whiskers.

        Parameters
        ----------
        %(ax)s
        what : {"conversions", "share", "value"}, default="conversions"
            Which credit to show.
        **kw
            Passed to :func:`cxlab.markov.plot_attribution`.

        Returns
        -------
        matplotlib Axes
        """
        from cxlab.markov._plots import plot_attribution

        return plot_attribution(self, ax=ax, what=what, **kw)

    def compare_truth(self, truth=None) -> pd.DataFrame:
        """Removal effects next to the simulator's causal ones (``data.truth``), when known.

        See :mod:`cxlab.markov` for why the two estimands differ.

        Parameters
        ----------
        truth : Truth or None, default=None
            The simulator's truth (``data.truth``); real data has none.

        Returns
        -------
        DataFrame
            The ``removal_effects`` table, with ``true_removal_effect`` and
            ``true_share`` columns added when ``truth`` is given (unchanged otherwise).
        """
        out = self.removal_effects.copy()
        if truth is None:
            return out
        true = truth.removal_effects.rename(
            columns={"removal_effect": "true_removal_effect", "share": "true_share"}
        )
        return out.join(true, how="left")

    def _head(self) -> str:
        return (
            f"AttributionResult({self.n_paths:,} paths, {self.n_journeys:,.0f} journeys, "
            f"{self.total_conversions:,.0f} conversions, order={self.order})"
        )

    def _readable(self) -> ReadableTable:
        return ReadableTable(self.pivot(), notes=self.notes)


def conversion_paths(events, *, state="channel", catalog=None) -> pd.DataFrame:
    """The path table of an event log: one row per distinct buyer's-journey channel path.

    Columns ``path`` (``"a > b"``), ``conversions``, ``nulls``, ``value``,
    ``journeys``, ``conversion_rate``; most frequent first. It is the input
    format of :func:`channel_attribution`.

    Parameters
    ----------
    events : DataFrame, CXData or LazyStudy
        Event log with ``customer_id``, ``timestamp``, ``stage`` and the state column(s);
        a lazy study's paths are grouped inside its engine.
    state : str or list of str, default="channel"
        Touch states (``["stage", "channel"]``: combined states).
    catalog : StageCatalog, optional
        Purchase stage and buyer stages; default the study's (or the built-in) catalog.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=300, random_state=0)
    >>> cxlab.conversion_paths(data).columns.tolist()[:3]
    ['path', 'conversions', 'nulls']
    """
    frame = events if isinstance(events, pd.DataFrame) else getattr(events, "events", None)
    if frame is not None and not isinstance(frame, pd.DataFrame) and _is_lazy(frame):
        return engine_path_table(frame, state=state, catalog=study_catalog(events, catalog))
    return path_table(paths_from_events(events, state=state, catalog=catalog))


def _as_chain_data(p: Paths) -> ChainData:
    k = len(p.seq.states)
    labels = (START_STATE, *p.seq.states, CONV, NULL)
    seq = EventSequences(
        states=labels,
        codes=(p.seq.codes + 1).astype(np.int32),
        offsets=p.seq.offsets,
        customers=p.seq.customers,
    )
    # ended is a placeholder: ends are counted apart
    return ChainData(seq=seq, n_rows=k + 1, ended=np.full(p.n_paths, k + 1, dtype=np.int64))


class _Design:
    """Linear maps from journey counts per path to chain counts and heuristic credits.

    Built from per-path entries, so that paths coded as sequences (one entry per
    touch, :meth:`from_paths`) and paths counted in an engine (one entry per path
    and cell, :func:`cxlab.markov._attribution_engine.engine_paths`) give the same maps:

    ``ev``
        ``(path, cell, n)``: ``n`` transitions of the path into ``cell`` (``n`` None: 1 each).
    ``lin``
        ``(path, group, n)``: ``n`` touches of the path in ``group`` (None: 1 each).
    ``end_row``
        History row each path ends from; ``lens``, ``first_g``, ``last_g`` per path.
    """

    def __init__(self, p, rows, cols, states, ev, lin, end_row, lens, first_g, last_g):
        self.p = p
        self.rows, self.cols = rows, list(cols)
        self.n_rows, self.n_cols = len(rows), len(self.cols)
        nc = self.n_cols
        self.ev_path, self.ev_cells, self.ev_n = ev
        self.lin_path, self.lin_g, self.lin_n = lin
        self.end_conv = end_row.astype(np.int64) * nc + self.cols.index(CONV)
        self.end_null = end_row.astype(np.int64) * nc + self.cols.index(NULL)
        self.lens, self.first_g, self.last_g = lens, first_g, last_g
        self.n_groups = len(p.groups)
        # rows (histories) whose current touch belongs to each group
        pos = {c: i for i, c in enumerate(states)}
        self.row_group = np.array(
            [p.group_of[pos[h[-1]]] if h[-1] in pos else -1 for h in self.rows]
        )
        row_of = {h: i for i, h in enumerate(self.rows)}
        self.target = np.full((self.n_rows, nc), -1, dtype=np.int64)
        for i, h in enumerate(self.rows):
            for j, c in enumerate(self.cols):
                if c in pos:
                    self.target[i, j] = row_of.get((*h[1:], c), -1)
        self.start = self.rows.index(tuple([START_STATE] * (len(self.rows[0]))))

    @classmethod
    def from_paths(cls, p: Paths, order: int) -> _Design:
        """The maps of paths coded as sequences (one entry per touch)."""
        tr = transitions(_as_chain_data(p), order)
        nc = len(tr.cols)
        dt = np.int32 if len(tr.rows) * nc < 2**31 else np.int64
        cells = tr.ev_row.astype(dt)
        cells *= nc
        cells += tr.ev_col
        rows, cols, end_row = tr.rows, tr.cols, tr.end_row
        del tr
        lens = p.seq.lengths()
        touch_path = np.repeat(np.arange(p.n_paths, dtype=np.int32), lens)
        group_of = p.group_of.astype(np.int32)
        codes, offsets = p.seq.codes, p.seq.offsets
        return cls(
            p,
            rows,
            cols,
            p.seq.states,
            (touch_path, cells, None),
            (touch_path, group_of[codes], None),
            end_row,
            lens,
            group_of[codes[offsets[:-1]]],
            group_of[codes[offsets[1:] - 1]],
        )

    @staticmethod
    def _weights(n, values):
        return values if n is None else values * n

    def counts(self, conv: np.ndarray, null: np.ndarray) -> np.ndarray:
        m = self.n_rows * self.n_cols
        w = self._weights(self.ev_n, (conv + null)[self.ev_path])
        c = np.bincount(self.ev_cells, weights=w, minlength=m)
        c += np.bincount(self.end_conv, weights=conv, minlength=m)
        c += np.bincount(self.end_null, weights=null, minlength=m)
        return c.reshape(self.n_rows, self.n_cols)

    def sparse(self):
        """(paths x cells) matrices for event transitions and the two kinds of ends."""
        n, m = self.p.n_paths, self.n_rows * self.n_cols
        ones = np.ones(len(self.ev_cells)) if self.ev_n is None else self.ev_n
        ev = sp.csr_matrix((ones, (self.ev_path, self.ev_cells)), shape=(n, m))
        ar = np.arange(n)
        conv = sp.csr_matrix((np.ones(n), (ar, self.end_conv)), shape=(n, m))
        null = sp.csr_matrix((np.ones(n), (ar, self.end_null)), shape=(n, m))
        lin = sp.csr_matrix(
            (
                self._weights(self.lin_n, 1.0 / self.lens[self.lin_path]),
                (self.lin_path, self.lin_g),
            ),
            shape=(n, self.n_groups),
        )
        first = sp.csr_matrix((np.ones(n), (ar, self.first_g)), shape=(n, self.n_groups))
        last = sp.csr_matrix((np.ones(n), (ar, self.last_g)), shape=(n, self.n_groups))
        return ev, conv, null, {"first_touch": first, "last_touch": last, "linear": lin}


def removal_effects(counts: np.ndarray, design: _Design) -> tuple[np.ndarray, np.ndarray]:
    """Exact P(conversion) and removal effect per group from (stacked) count matrices.

    Returns ``(p_conv, effects)`` with shapes ``(...)`` and ``(..., n_groups)``.
    """
    counts = np.asarray(counts, float)
    n = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = np.where(n > 0, counts / np.where(n > 0, n, 1), 0.0)
    r_idx, c_idx = np.nonzero(design.target >= 0)
    t_idx = design.target[r_idx, c_idx]
    Q = np.zeros((*P.shape[:-2], design.n_rows, design.n_rows))
    Q[..., r_idx, t_idx] = P[..., r_idx, c_idx]
    r = P[..., :, design.cols.index(CONV)]
    eye = np.eye(design.n_rows)

    def p_conv(Qx):
        x = np.linalg.solve(eye - Qx, r[..., None])[..., 0]
        return x[..., design.start]

    base = p_conv(Q)
    eff = np.empty((*base.shape, design.n_groups))
    for g in range(design.n_groups):
        Qg = Q.copy()
        Qg[..., :, design.row_group == g] = 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            eff[..., g] = 1.0 - p_conv(Qg) / base
    return base, eff


def _credits(design: _Design, conv, value, methods, base_eff=None):
    """Conversions and value credited per group by each method (1-D weights only)."""
    p = design.p
    out = {}
    w_touch = design._weights(design.lin_n, (conv / design.lens)[design.lin_path])
    v_touch = design._weights(design.lin_n, (value / design.lens)[design.lin_path])
    ng = design.n_groups
    for m in methods:
        if m == "first_touch":
            c = np.bincount(design.first_g, weights=conv, minlength=ng)
            v = np.bincount(design.first_g, weights=value, minlength=ng)
        elif m == "last_touch":
            c = np.bincount(design.last_g, weights=conv, minlength=ng)
            v = np.bincount(design.last_g, weights=value, minlength=ng)
        elif m == "linear":
            c = np.bincount(design.lin_g, weights=w_touch, minlength=ng)
            v = np.bincount(design.lin_g, weights=v_touch, minlength=ng)
        else:
            eff = base_eff[1]
            share = eff / eff.sum()
            c, v = conv.sum() * share, value.sum() * share
        out[m] = (c, v)
    del p
    return out


def _bootstrap(design: _Design, conv, null, value, methods, n_bootstrap, rng, batch=20):
    """Bootstrap draws of credited conversions, value and removal effects."""
    ev, e_conv, e_null, heur = design.sparse()
    ev_t, conv_t, null_t = ev.T.tocsr(), e_conv.T.tocsr(), e_null.T.tocsr()
    heur_t = {k: v.T.tocsr() for k, v in heur.items()}
    per_conv = np.divide(value, conv, out=np.zeros_like(value), where=conv > 0)
    whole = np.allclose(conv, np.round(conv)) and np.allclose(null, np.round(null))
    both = np.r_[conv, null]
    total = int(round(both.sum()))
    ng = design.n_groups
    C = {m: np.empty((n_bootstrap, ng)) for m in methods}
    V = {m: np.empty((n_bootstrap, ng)) for m in methods}
    RE = np.empty((n_bootstrap, ng))
    PC = np.empty(n_bootstrap)
    n = design.p.n_paths
    for lo in range(0, n_bootstrap, batch):
        hi = min(lo + batch, n_bootstrap)
        b = hi - lo
        if whole:
            draw = rng.multinomial(total, both / both.sum(), size=b).T.astype(float)
        else:
            draw = rng.poisson(both[:, None], size=(len(both), b)).astype(float)
        cw, nw = draw[:n], draw[n:]
        vw = cw * per_conv[:, None]
        counts = (ev_t @ (cw + nw) + conv_t @ cw + null_t @ nw).T
        counts = counts.reshape(b, design.n_rows, design.n_cols)
        base, eff = removal_effects(counts, design)
        RE[lo:hi], PC[lo:hi] = eff, base
        share = eff / eff.sum(axis=1, keepdims=True)
        for m in methods:
            if m == "markov":
                C[m][lo:hi] = cw.sum(axis=0)[:, None] * share
                V[m][lo:hi] = vw.sum(axis=0)[:, None] * share
            else:
                C[m][lo:hi] = (heur_t[m] @ cw).T
                V[m][lo:hi] = (heur_t[m] @ vw).T
    return C, V, RE, PC


def channel_attribution(
    source,
    *,
    methods=METHODS,
    order: int = 1,
    state="channel",
    path: str = "path",
    conversions: str = "conversions",
    nulls: str | None = "nulls",
    value: str | None = "value",
    separator: str = ">",
    collapse_repeats: bool = False,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    random_state=None,
    catalog=None,
) -> AttributionResult:
    """Credit conversions and their value to channels, with bootstrap intervals.

    Parameters
    ----------
    source : DataFrame, CXData or LazyStudy
        An aggregated path table (a ``path`` column of ``"a > b"`` strings or
        lists, with ``conversions``, ``nulls`` and optionally ``value``) or an
        event log / study (one path per customer's buyer's journey; see
        :func:`conversion_paths`). A lazy study's touches are counted inside its
        engine (DuckDB, Spark, polars), with the same results.
    methods : sequence of str, default=all
        Any of ``"first_touch"``, ``"last_touch"``, ``"linear"``, ``"markov"``.
    order : int, default=1
        Order of the Markov chain (histories of ``order`` touches).
    state : str or list, default="channel"
        For event logs: the touch states; ``["stage", "channel"]`` gives a
        chain over stage:channel states with credit to channels.
    path, conversions, nulls, value : str
        Column names of a path table (``nulls``/``value`` may be None: absent).
    separator : str, default=">"
        Between two channels of a path string (whitespace around names is ignored).
    collapse_repeats : bool, default=False
        Merge consecutive touches of the same state before counting (does not
        change first-order removal effects; changes linear credit and higher orders).
    n_bootstrap : int, default=200
        Bootstrap resamples of journeys for intervals (0: point estimates only).
    confidence : float, default=0.95
        Level of the percentile intervals.
    random_state : int, Generator or None, default=None
        Seeds the bootstrap.
    catalog : StageCatalog, optional
        Purchase stage and buyer stages for event logs.

    Returns
    -------
    AttributionResult

    Raises
    ------
    DataError
        Bad path table (missing columns, negative or non-numeric counts, empty
        paths or channel names: the message names the rows), or no converting journey.
    ParameterError
        Unknown methods or invalid settings.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not len(methods):
        raise ParameterError(f"methods must be among {METHODS}; got {list(methods)}.")
    if int(order) < 1 or int(n_bootstrap) < 0:
        raise ParameterError("order must be >= 1 and n_bootstrap >= 0.")
    frame = source if isinstance(source, pd.DataFrame) else getattr(source, "events", None)
    lazy = frame is not None and not isinstance(frame, pd.DataFrame) and _is_lazy(frame)
    if frame is None:
        raise ParameterError("source must be a path table, an event log or a CXData.")
    if isinstance(source, pd.DataFrame) and path not in source and "customer_id" not in source:
        raise MissingColumnError(
            f"source has neither a {path!r} column (a path table) nor 'customer_id' "
            f"(an event log); found {list(source.columns)}",
            column=path,
            fix="pass path='your path column' for a path table, or an event log",
        )
    if isinstance(source, pd.DataFrame) and path in source.columns:
        p = parse_path_table(
            source,
            path=path,
            conversions=conversions,
            nulls=nulls,
            value=value,
            separator=separator,
        )
    elif lazy:  # the touches are counted in the engine; the same design follows
        found = engine_paths(
            frame,
            state=state,
            catalog=study_catalog(source, catalog),
            order=int(order),
            collapse_repeats=collapse_repeats,
        )
        p = found.paths
    else:
        p = paths_from_events(source, state=state, catalog=catalog)
    if collapse_repeats and not lazy:
        p = replace(p, seq=collapse_runs(p.seq))
    if p.conversions.sum() <= 0:
        raise DataError(
            "no journey converts, so there is nothing to attribute",
            column=conversions,
            n_rows=p.n_paths,
            fix="check the conversions column (or the purchase stage of the catalog)",
        )
    if not lazy and int(order) > 1 and int(order) > int(p.seq.lengths().max()):
        raise ParameterError(
            f"order={order} is higher than the data supports: the longest path has "
            f"{int(p.seq.lengths().max())} touches"
        )
    design = _Design(p, **found.design) if lazy else _Design.from_paths(p, int(order))
    counts = design.counts(p.conversions, p.nulls)
    base, eff = removal_effects(counts, design)
    credits = _credits(design, p.conversions, p.value, methods, (base, eff))
    groups = list(p.groups)
    rows = []
    for m in methods:
        c, v = credits[m]
        rows.append(
            pd.DataFrame(
                {"method": m, "channel": groups, "conversions": c, "share": c / c.sum(), "value": v}
            )
        )
    table = pd.concat(rows, ignore_index=True)
    re = pd.DataFrame(
        {"removal_effect": eff, "share": eff / eff.sum()}, index=pd.Index(groups, name="channel")
    )
    pconv = {"estimate": float(base)}
    notes = [_t("note.markov.attribution_credit"), _t("note.markov.attribution_causal")]
    if int(n_bootstrap) > 0:
        rng = np.random.default_rng(random_state)
        C, V, RE, PC = _bootstrap(
            design, p.conversions, p.nulls, p.value, methods, int(n_bootstrap), rng
        )
        for col, draws in (("conversions", C), ("value", V)):
            parts = [percentile_summary(draws[m], confidence) for m in methods]
            table[f"{col}_se"] = np.concatenate([x[0] for x in parts])
            table[f"{col}_ci_low"] = np.concatenate([x[1] for x in parts])
            table[f"{col}_ci_high"] = np.concatenate([x[2] for x in parts])
        se, lo, hi = percentile_summary(RE, confidence)
        re["se"], re["ci_low"], re["ci_high"] = se, lo, hi
        _, plo, phi = percentile_summary(PC, confidence)
        pconv.update(ci_low=float(plo), ci_high=float(phi))
        notes.append(
            _t("note.markov.attribution_bootstrap", n=int(n_bootstrap), confidence=confidence)
        )
    else:
        notes.append(_t("note.markov.attribution_point"))
    return AttributionResult(
        table=table,
        removal_effects=re,
        conversion_probability=pconv,
        total_conversions=float(p.conversions.sum()),
        total_value=float(p.value.sum()),
        n_paths=p.n_paths,
        n_journeys=float((p.conversions + p.nulls).sum()),
        order=int(order),
        confidence=confidence,
        notes=notes,
    )
