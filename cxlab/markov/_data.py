"""From an event log (or sequences) to the transitions a Markov chain counts.

The conventions (start and end states, ``journey="all"`` and ``"buyer"``,
combined states, higher orders) are described in :mod:`cxlab.markov`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cxlab.data._catalog import (
    DEFAULT_CATALOG,
    DROP_STATE,
    END_STATE,
    START_STATE,
    StageCatalog,
    check_names,
)
from cxlab.exceptions import (
    DataError,
    DataWarning,
    ParameterError,
    UnknownCategoryError,
    format_examples,
)
from cxlab.sequences._encode import encode_events, encode_sequences
from cxlab.sequences._layout import EventSequences, run_starts, shrink_offsets

__all__ = ["ChainSpec", "ChainData", "prepare", "compact"]

_RESERVED = (START_STATE, END_STATE, DROP_STATE)


@dataclass(frozen=True)
class ChainSpec:
    """Resolved settings of a chain: which column(s) are states and how journeys end."""

    state: tuple = ("stage",)
    journey: str = "all"
    states: tuple | None = None
    absorbing: tuple = ()
    end_state: str = END_STATE
    collapse_repeats: bool = False
    catalog: StageCatalog = DEFAULT_CATALOG
    stage: str = "stage"
    states_given: bool = False

    @classmethod
    def resolve(
        cls,
        *,
        state,
        journey,
        states,
        absorbing,
        end_state,
        collapse_repeats,
        catalog,
        check_stages=False,
    ):
        if journey not in ("all", "buyer"):
            raise ParameterError(f"journey must be 'all' or 'buyer', not {journey!r}.")
        cols = (state,) if isinstance(state, str) else tuple(state)
        if not cols:
            raise ParameterError("state must name at least one column, e.g. state='stage'.")
        catalog = catalog or DEFAULT_CATALOG
        states_given = states is not None
        if check_stages and cols == ("stage",):  # a study's stages: the message lists them
            for argument, names in (("states", states), ("absorbing", absorbing)):
                if names:
                    check_names(
                        [s for s in names if s not in _RESERVED], catalog, argument=argument
                    )
        if journey == "buyer":
            if absorbing:
                raise ParameterError(
                    "journey='buyer' absorbs in the purchase stage; do not pass absorbing= "
                    "(use journey='all', absorbing=[...] for other stopping states)."
                )
            end = DROP_STATE if end_state is None else end_state
            if states is not None:  # the purchase is the absorbing state, never transient
                states = tuple(s for s in states if s != catalog.purchase_stage)
            if states is None and cols == ("stage",):
                states = tuple(s for s in catalog.buyer_stages if s != catalog.purchase_stage)
        else:
            end = END_STATE if end_state is None else end_state
        return cls(
            state=cols,
            journey=journey,
            states=None if states is None else tuple(states),
            absorbing=tuple(absorbing or ()),
            end_state=end,
            collapse_repeats=bool(collapse_repeats),
            catalog=catalog,
            states_given=states_given,
        )

    @property
    def stop_is_state(self) -> bool:
        """True when the event that stops a journey is itself the absorbing state."""
        return self.journey == "all" or self.state == (self.stage,)


@dataclass(frozen=True)
class ChainData:
    """Journeys coded as chain states, cut where they are absorbed.

    The journeys are one :class:`~cxlab.sequences.EventSequences` (the package's
    encoded layout) whose states are the chain's labels: ``labels[0]`` is
    ``(start)``, ``labels[1:n_rows]`` the transient states, the rest absorbing.
    ``codes`` holds the chain code of every kept event (``>= 1``);
    ``ended[i]`` is the code of the absorbing state customer ``i`` moves to after
    their last event, or -1 when that event is itself absorbing.

    Attributes
    ----------
    seq : EventSequences
        Chain codes, offsets, customers and timestamps of the kept events.
    n_rows : int
        ``(start)`` and the transient states (the rows of a first-order chain).
    ended : ndarray of int64, shape (n_customers,)
        Absorbing state entered after each journey's last event (-1: none).
    info : dict
        What the preparation did (events in, ties, events after absorption, ...).
    """

    seq: EventSequences
    n_rows: int
    ended: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def labels(self) -> tuple:
        """All chain states: ``(start)``, transient, absorbing."""
        return self.seq.states

    @property
    def codes(self) -> np.ndarray:
        """Chain code of every kept event."""
        return self.seq.codes

    @property
    def offsets(self) -> np.ndarray:
        """Journey boundaries."""
        return self.seq.offsets

    @property
    def customers(self) -> np.ndarray:
        """``customer_id`` of each journey."""
        return self.seq.customers

    @property
    def times(self) -> np.ndarray | None:
        """Event times as int64 nanoseconds (None without timestamps)."""
        t = self.seq.timestamps
        return None if t is None else t.view(np.int64)

    @property
    def n_customers(self) -> int:
        """Number of journeys."""
        return self.seq.n_customers

    def lengths(self) -> np.ndarray:
        """Number of events of each journey."""
        return self.seq.lengths()

    def customer_index(self) -> np.ndarray:
        """Journey number of every event."""
        return self.seq.customer_index()

    def take(self, idx) -> ChainData:
        """Journeys of the customers at positions ``idx``.

        Parameters
        ----------
        idx : array-like of int
            Journey positions (repeats allowed).

        Returns
        -------
        ChainData
        """
        idx = np.asarray(idx, dtype=np.int64)
        return replace(self, seq=self.seq.take(idx), ended=self.ended[idx])


def compact(data: ChainData) -> ChainData:
    """Drop transient states no journey of ``data`` visits (e.g. after :meth:`ChainData.take`).

    Parameters
    ----------
    data : ChainData
        Coded journeys.

    Returns
    -------
    ChainData
        Same journeys, states recoded without the unvisited ones.
    """
    present = np.bincount(data.codes, minlength=len(data.labels)) > 0
    keep = [0] + [i for i in range(1, data.n_rows) if present[i]]
    if len(keep) == data.n_rows:
        return data
    keep += list(range(data.n_rows, len(data.labels)))
    lookup = np.full(len(data.labels), -1, dtype=np.int64)
    lookup[keep] = np.arange(len(keep))
    n_rows = 1 + sum(1 for i in keep[1:] if i < data.n_rows)
    ended = np.where(data.ended >= 0, lookup[np.maximum(data.ended, 0)], -1)
    seq = replace(
        data.seq,
        states=tuple(data.labels[i] for i in keep),
        codes=lookup[data.codes].astype(np.int32),
    )
    return replace(data, seq=seq, n_rows=n_rows, ended=ended)


def _combine(seq, cols):
    """Codes and names of (possibly combined) state labels, observed combinations only."""
    codes = seq.codes.astype(np.int32 if len(cols) == 1 else np.int64)
    names = list(seq.states)
    for col in cols[1:]:
        c, cats = seq.extra[col]
        codes = codes * len(cats) + c
        names = [f"{a}:{b}" for a in names for b in cats]
    if len(cols) > 1:
        present = np.flatnonzero(np.bincount(codes, minlength=len(names)))
        lookup = np.full(len(names), -1, dtype=np.int32)
        lookup[present] = np.arange(len(present))
        codes = lookup[codes]
        names = [names[i] for i in present]
    return codes, names


def prepare(X, spec: ChainSpec) -> ChainData:
    """Code an event log or an iterable of sequences as chain journeys (see the module docstring).

    Parameters
    ----------
    X : DataFrame or iterable of sequences
        Event log with ``customer_id``, ``timestamp`` and the state column(s),
        or sequences of state names (one per customer, in time order).
    spec : ChainSpec
        Resolved chain settings.

    Returns
    -------
    ChainData

    Raises
    ------
    DataError
        Reserved state names, unknown states, or no journey left.
    ParameterError
        Several state columns with sequences, or no purchase stage for ``journey="buyer"``.
    """
    if isinstance(X, pd.DataFrame):
        cols = list(spec.state)
        need_stage = spec.journey == "buyer" and spec.stage not in cols
        extra = cols[1:] + ([spec.stage] if need_stage else [])
        seq = encode_events(X, cols[0], extra=extra)
        lab, names = _combine(seq, cols)
        if spec.journey == "buyer":
            if cols[0] == spec.stage:
                stage_codes, stage_names = seq.codes, seq.states
            else:
                stage_codes, stage_names = seq.extra[spec.stage]
        else:
            stage_codes, stage_names = None, None
        times = seq.timestamps
    else:
        if isinstance(X, str | bytes):
            raise ParameterError("X must be an event DataFrame or an iterable of sequences.")
        seq = encode_sequences(X)
        lab, names = seq.codes.astype(np.int64), list(seq.states)
        stage_codes, stage_names, times = seq.codes, seq.states, None
        if len(spec.state) > 1:
            raise ParameterError("several state columns need an event DataFrame, not sequences.")
        spec = replace(spec, state=(spec.stage,))
    info = {"n_events_in": int(seq.n_events), "was_sorted": seq.was_sorted}
    info["n_ties"] = int(seq.n_ties)
    bad = [n for n in names if n in _RESERVED]
    if bad:
        raise DataError(
            f"state names {bad} are reserved for the chain's start and end states",
            column=spec.state[0],
            fix="rename those states in your data",
        )
    return _cut_and_code(seq, lab, names, stage_codes, stage_names, times, spec, info)


def _cut_and_code(seq, lab, names, stage_codes, stage_names, times, spec, info):
    n = len(lab)
    offsets = seq.offsets
    cat = spec.catalog
    # -- where each journey stops -------------------------------------------
    if spec.journey == "buyer":
        check_purchase_stage(cat, stage_names)
        stop = stage_codes == stage_names.index(cat.purchase_stage)
    else:
        abs_idx = [names.index(a) for a in spec.absorbing if a in names]
        stop = np.isin(lab, abs_idx)
    n_cust = len(offsets) - 1
    # first stopping event of each customer, from the (usually few) stopping events
    stop_pos = np.flatnonzero(stop)
    del stop
    owner = np.searchsorted(offsets, stop_pos, side="right") - 1
    absorbed = np.zeros(n_cust, dtype=bool)
    first_stop = np.full(n_cust, -1, dtype=np.int64)
    if len(stop_pos):
        firsts = np.r_[True, owner[1:] != owner[:-1]]
        absorbed[owner[firsts]] = True
        first_stop[owner[firsts]] = stop_pos[firsts]
    # drop the events after a customer's first stop: mark [first_stop + 1, end) ranges
    keep = np.ones(n, dtype=bool)
    a = np.flatnonzero(absorbed)
    tail_start, tail_end = first_stop[a] + 1, offsets[a + 1]
    has_tail = tail_start < tail_end
    if has_tail.any():
        mark = np.zeros(n + 1, dtype=np.int8)
        np.add.at(mark, tail_start[has_tail], 1)
        np.add.at(mark, tail_end[has_tail], -1)
        keep &= np.cumsum(mark[:-1], dtype=np.int8) == 0
        del mark
    info["n_events_after_absorption"] = int(n - np.count_nonzero(keep))
    # -- customers outside the buyer's journey -------------------------------
    drop_cust = np.zeros(n_cust, dtype=bool)
    if spec.journey == "buyer":
        allowed = [stage_names.index(s) for s in cat.buyer_stages if s in stage_names]
        outside = keep & ~np.isin(stage_codes, allowed)
        if outside.any():
            out_pos = np.flatnonzero(outside)
            drop_cust[np.searchsorted(offsets, out_pos, side="right") - 1] = True
            stages = set(np.asarray(stage_names, dtype=object)[stage_codes[out_pos]])
            warn_excluded(int(drop_cust.sum()), stages, seq.customers[drop_cust], stacklevel=5)
        del outside
    info["n_customers_excluded"] = int(drop_cust.sum())
    if drop_cust.any():
        keep &= np.repeat(~drop_cust, np.diff(offsets))
    kept_cust = ~drop_cust
    new_off = shrink_offsets(offsets, keep)[np.r_[kept_cust, True]]
    lab, cust_abs = lab[keep], absorbed[kept_cust]
    times = None if times is None else times[keep]
    customers = seq.customers[kept_cust]
    if len(customers) == 0:
        raise DataError(
            "no customer journey is left to fit",
            n_rows=info["n_events_in"],
            fix="check the journey= setting and the stages in your data",
        )
    if spec.collapse_repeats:
        r = run_starts(lab, new_off)
        info["n_collapsed"] = int(len(r) - np.count_nonzero(r))
        new_off = shrink_offsets(new_off, r)
        lab = lab[r]
        times = None if times is None else times[r]
    # -- chain states ---------------------------------------------------------
    last = new_off[1:] - 1
    is_abs_event = np.zeros(len(lab), dtype=bool)
    if spec.stop_is_state:
        is_abs_event[last[cust_abs]] = True
    labels, n_transient = chain_states(
        names,
        np.bincount(lab, minlength=len(names)),
        np.bincount(lab[is_abs_event], minlength=len(names)),
        spec,
        info,
    )
    code_of = {s: i for i, s in enumerate(labels)}
    lookup = np.array([code_of.get(s, -1) for s in names], dtype=np.int32)
    codes = lookup[lab]
    if spec.stop_is_state and spec.journey == "buyer":
        codes[is_abs_event] = code_of[spec.catalog.purchase_stage]
    ended = np.full(len(customers), code_of[spec.end_state], dtype=np.int64)
    ended[cust_abs] = -1 if spec.stop_is_state else code_of[spec.catalog.purchase_stage]
    lens = np.diff(new_off)
    info["n_single_event"] = int(np.count_nonzero(lens == 1))
    if info["n_single_event"] == len(lens) and len(lens) > 1:
        warnings.warn(
            f"every one of the {len(lens):,} customers has a single event, so the chain only "
            "has start and end transitions; check that the customer column identifies "
            "customers (not events or sessions)",
            DataWarning,
            stacklevel=4,
        )
    journeys = EventSequences(
        states=labels,
        codes=codes.astype(np.int32),
        offsets=new_off,
        customers=customers,
        timestamps=times,
        was_sorted=seq.was_sorted,
        n_ties=seq.n_ties,
    )
    return ChainData(seq=journeys, n_rows=1 + n_transient, ended=ended, info=info)


def warn_excluded(n: int, stages, ids, stacklevel: int) -> None:
    """The warning about customers left out of a buyer's-journey chain."""
    warnings.warn(
        f"{n:,} customers have owner's-journey events ({sorted(stages)}) "
        "before any purchase (they probably bought before the log starts); they are "
        f"left out of the buyer's-journey chain (e.g. customer_id {format_examples(ids)}). "
        "Fit journey='all' to keep them",
        DataWarning,
        stacklevel=stacklevel,
    )


def chain_states(names, counts, abs_counts, spec: ChainSpec, info: dict, stacklevel: int = 5):
    """The chain's labels from the states the kept events visit.

    Parameters
    ----------
    names : list of str
        Every state name an event can have (codes index it).
    counts, abs_counts : ndarray of int, shape (len(names),)
        Kept events per state, and those of them that are absorbing events.
    spec : ChainSpec
        Resolved settings.
    info : dict
        Gets ``unseen_states``.
    stacklevel : int, default=5
        Of the warning about states asked for but never seen.

    Returns
    -------
    labels : tuple of str
        ``(start)``, transient states, absorbing states.
    n_transient : int
    """
    seen = (np.asarray(counts) - np.asarray(abs_counts)) > 0
    if spec.states is not None:
        missing = [s for s in spec.states if s not in names or not seen[names.index(s)]]
        extra = [names[i] for i in np.flatnonzero(seen) if names[i] not in spec.states]
        if extra:
            raise UnknownCategoryError(
                f"states {extra} occur in the journeys but are not in states={list(spec.states)}",
                column=spec.state[0],
                n_rows=int(sum(counts[names.index(e)] for e in extra)),
                fix="add them to states=, or filter those events first (cxlab.select_stages)",
            )
        if missing and spec.states_given:
            warnings.warn(
                f"states {missing} were asked for but never seen in the journeys; they are "
                "left out of the chain (no transition out of them can be estimated)",
                DataWarning,
                stacklevel=stacklevel,
            )
        transient = [s for s in spec.states if s not in missing]
    else:
        transient = [names[i] for i in np.flatnonzero(seen)]
    if spec.journey == "buyer":
        absorbing = [spec.catalog.purchase_stage, spec.end_state]
    else:
        absorbing = [*spec.absorbing, spec.end_state]
    candidates = spec.states if spec.states is not None else names
    info["unseen_states"] = [s for s in candidates if s not in transient and s not in absorbing]
    return (START_STATE, *transient, *absorbing), len(transient)


def check_purchase_stage(catalog, stages) -> None:
    """A buyer's journey needs the catalog's purchase stage among the stages."""
    if catalog.purchase_stage not in stages:
        raise ParameterError(
            f"journey='buyer' needs the purchase stage {catalog.purchase_stage!r} among the "
            f"stages {list(stages)}; pass catalog= with your purchase_stage"
        )
