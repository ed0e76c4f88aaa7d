"""Transition counts of a lazy study, counted inside its engine (DuckDB, Spark, polars).

The same chain as :func:`cxlab.markov._data.prepare` followed by
:func:`cxlab.markov._transitions.transitions`, written once on narwhals
(:mod:`cxlab.engines`): only grouped counts come back, one row per (history,
next state) and flags, at most ``states ** (order + 1)`` rows whatever the
number of events.

One pass of window functions over each customer's events, ordered by time:

- the previous ``order`` states (``shift(i)``, a missing one is ``(start)``),
  the previous timestamp (for the dwell times) and whether a next event exists;
- stopping events seen before this one (a running sum): events after the first
  stop (the first purchase of ``journey="buyer"``, the first ``absorbing=`` state)
  are not counted;
- for ``journey="buyer"``, whether the customer has an owner's-journey event
  before the first purchase (three minima over the customer's events), which
  leaves the customer out as in memory.

``collapse_repeats=True`` keeps the first event of each run of equal states and
runs a second window over the kept events. A customer-level bootstrap needs the
counts per customer and cell (one row per customer and transition seen), asked
for only when ``n_bootstrap > 0``.

Ties: events of one customer at the same time are ordered by catalog stage order
(as :func:`cxlab.load` orders them), then by state code. In memory, events that
tie on time and stage keep their input order; the two agree whenever tied events
of one customer differ in stage, or share the chain's state.
"""

from __future__ import annotations

from dataclasses import dataclass

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab.data import _messages as messages
from cxlab.data._catalog import UNKNOWN_CHANNEL
from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.engines._frames import microseconds_between, to_lazy, to_pandas
from cxlab.exceptions import DataError, DataWarning, ParameterError
from cxlab.markov._data import ChainSpec, chain_states, check_purchase_stage, warn_excluded
from cxlab.markov._transitions import NS_PER_DAY, dwell_table, history_rows

__all__ = ["EngineTransitions", "engine_transitions", "kept_events", "state_names", "add_up"]

_AFTER, _EXCLUDED, _COLLAPSED = 1, 2, 3


@dataclass(frozen=True)
class EngineTransitions:
    """What a chain fit needs, from a lazy study's events.

    Attributes
    ----------
    rows : list of tuple
        Histories (rows of the chain), as :class:`~cxlab.markov._transitions.Transitions`.
    cols : tuple of str
        Next states (columns).
    counts : ndarray of int64, shape (rows, cols)
    labels : tuple of str
        ``(start)``, transient and absorbing states.
    n_rows : int
        ``(start)`` and the transient states.
    n_customers : int
        Journeys counted.
    info : dict
        As ``ChainData.info`` (``was_sorted`` is None: the engine orders the events).
    dwell : DataFrame or None
        Days between an event and the customer's next, by state.
    customer_cells : tuple or None
        ``(customer index, cell, count, n_customers, customer ids)``: transitions per
        customer and cell (for a customer bootstrap; customers in id order).
    """

    rows: list
    cols: tuple
    counts: np.ndarray
    labels: tuple
    n_rows: int
    n_customers: int
    info: dict
    dwell: pd.DataFrame | None
    customer_cells: tuple | None = None


def _flag(condition):
    return nw.when(condition).then(nw.lit(1)).otherwise(nw.lit(0))


def _state_names(lf: nw.LazyFrame, col: str, catalog) -> list:
    """Every value a state column can take, in the order the in-memory study codes them."""
    if col == "stage":
        return list(catalog.stages)
    if col == "channel":
        extra = [] if UNKNOWN_CHANNEL in catalog.channels else [UNKNOWN_CHANNEL]
        return [*catalog.channels, *extra]
    values = to_pandas(lf.select(nw.col(col).cast(nw.String)).unique())[col]
    return sorted(str(v) for v in values.dropna())


def _code(col: str, names: list):
    """Code of each value of ``col`` in ``names`` (-1 for others), as one CASE: about three
    times faster in DuckDB than ``replace_strict``'s map lookup."""
    value = nw.col(col).cast(nw.String)
    expr = nw.when(value == names[0]).then(nw.lit(0, dtype=nw.Int32))
    for i, name in enumerate(names[1:], start=1):
        expr = expr.when(value == name).then(nw.lit(i, dtype=nw.Int32))
    return expr.otherwise(nw.lit(-1, dtype=nw.Int32))


def _check_columns(lf: nw.LazyFrame, cols) -> None:
    names = lf.collect_schema().names()
    missing = [c for c in ("customer_id", "timestamp", *cols) if c not in names]
    if missing:
        raise messages.missing_columns("events", missing, names)


@dataclass(frozen=True)
class _Plan:
    """The lazy frames of a chain's journeys (nothing runs until collected).

    ``step``: every event, with ``_kind`` (0 counted, 1 after the stop, 2 customer left
    out, 3 collapsed) and the window columns; ``kept``: the counted events with the
    previous states ``_p1 .. _p{order}``, ``_last``, ``_absorbed`` (and ``_pos`` for
    ``order > 1``); ``counted``: events per kind (``collapse_repeats`` only; else
    None: ``kept`` has every kind).
    """

    step: object
    kept: object
    counted: object
    names: list
    stages: list


def chain_columns(spec, carry=()) -> list:
    """The event columns a chain reads (kept when the events are split by bucket)."""
    return ["customer_id", "timestamp", spec.stage, *spec.state, *carry]


def state_names(events, spec: ChainSpec) -> list:
    """The values each state column can take (a list per column), from the whole study."""
    lf = to_lazy(events)
    cols = list(spec.state)
    _check_columns(lf, [*cols, spec.stage])
    return [_state_names(lf, c, spec.catalog) for c in cols]


def kept_events(
    events, spec: ChainSpec, order: int, *, carry=(), names: list | None = None
) -> _Plan:
    """The events a chain counts, with their histories, as lazy frames (see :class:`_Plan`).

    Parameters
    ----------
    events : DuckDB relation, PySpark DataFrame, polars LazyFrame or other frame
        The events.
    spec : ChainSpec
        Resolved chain settings.
    order : int
        Previous states to attach (``_p1`` .. ``_p{order}``).
    carry : sequence of str, default=()
        Event columns to keep (e.g. ``"revenue"``).
    names : list, optional
        :func:`state_names` of the whole study (a bucket of customers may not hold
        every value); default: from ``events``.

    Returns
    -------
    _Plan
    """
    lf = to_lazy(events)
    cols = list(spec.state)
    _check_columns(lf, [*cols, spec.stage])
    cat = spec.catalog
    col_names = names if names is not None else [_state_names(lf, c, cat) for c in cols]
    stages = list(cat.stages)
    s_expr = _code(cols[0], col_names[0])
    for c, nm in zip(cols[1:], col_names[1:]):
        s_expr = s_expr * len(nm) + _code(c, nm)
    names = [str(n) for n in col_names[0]]
    for nm in col_names[1:]:
        names = [f"{a}:{b}" for a in names for b in nm]
    same = cols == [spec.stage]  # a stage chain: the state is the stage
    base = lf.select(
        "customer_id",
        "timestamp",
        *carry,
        _code(spec.stage, stages).alias("_r"),
        *([] if same else [s_expr.alias("_s")]),
    )
    # the window sorts and carries every column: keep them few and narrow (a stage
    # chain's state is the stage itself, ``_s`` is added after the window)
    order_by = ["timestamp", "_r"] if same else ["timestamp", "_r", "_s"]

    def _over(expr):  # the customer's events in order: time, stage order, state
        return expr.over("customer_id", order_by=order_by)

    r, t = nw.col("_r"), nw.col("timestamp")
    s = r if same else nw.col("_s")
    if spec.journey == "buyer":
        check_purchase_stage(cat, stages)
        stop = r == stages.index(cat.purchase_stage)
    else:
        stop = s.is_in([names.index(a) for a in spec.absorbing if a in names])
    collapse = spec.collapse_repeats
    lags = 1 if collapse else order
    step = base.with_columns(_stop=_flag(stop))
    window = {
        "_nb": _over(nw.col("_stop").cum_sum()) - nw.col("_stop"),
        "_tie": _flag(t == _over(t.shift(1))),
        "_next": _over(s.shift(-1)),
        "_tp": _over(t.shift(1)),
        **{f"_p{i}": _over(s.shift(i)) for i in range(1, lags + 1)},
    }
    if spec.journey == "buyer":
        window.update(_first_times(r, t, cat))
    if collapse:
        window["_absorbed"] = nw.col("_stop").max().over("customer_id")
    step = step.with_columns(**window)
    if spec.journey == "buyer":
        step = step.with_columns(_excl=_excluded(window))
    kind = nw.when(nw.col("_nb") > 0).then(nw.lit(_AFTER))
    if spec.journey == "buyer":
        kind = kind.when(nw.col("_excl") > 0).then(nw.lit(_EXCLUDED))
    if collapse:
        run_start = nw.col("_p1").is_null() | (s != nw.col("_p1"))
        kind = kind.when(~run_start).then(nw.lit(_COLLAPSED))
    last = (nw.col("_nb") == 0) & ((nw.col("_stop") == 1) | nw.col("_next").is_null())
    step = step.with_columns(_kind=kind.otherwise(nw.lit(0)), _last=_flag(last))
    if same:
        step = step.with_columns(_s=r)
    if collapse:
        kept = step.filter(nw.col("_kind") == 0).select(
            "customer_id", "timestamp", *carry, "_s", "_r", "_stop", "_absorbed"
        )
        kept = kept.with_columns(
            _next=_over(s.shift(-1)),
            _tp=_over(t.shift(1)),
            **{f"_p{i}": _over(s.shift(i)) for i in range(1, order + 1)},
        ).with_columns(_last=_flag(nw.col("_next").is_null()), _kind=nw.lit(0))
        counted = step.group_by("_kind", "_last", "_s").agg(
            nw.len().alias("n"), nw.col("_tie").sum().alias("ties")
        )
    else:
        kept = step.with_columns(_absorbed=nw.col("_stop"))
        counted = None
    if order > 1:
        kept = kept.with_columns(_pos=_over((nw.col("_stop") * 0 + 1).cum_sum()))
    return _Plan(step=step, kept=kept, counted=counted, names=names, stages=stages)


def engine_transitions(events, spec: ChainSpec, order: int, *, per_customer: bool = False):
    """Transition counts (and what else the fit needs) of a lazy event table.

    Parameters
    ----------
    events : DuckDB relation, PySpark DataFrame, polars LazyFrame or other frame
        Events with ``customer_id``, ``timestamp``, ``stage`` and the state column(s).
    spec : ChainSpec
        Resolved chain settings.
    order : int
        Order of the chain.
    per_customer : bool, default=False
        Also count per customer and cell (for a customer bootstrap).

    Returns
    -------
    EngineTransitions

    Raises
    ------
    MissingColumnError
        A needed column is missing.
    DataError
        No journey left to fit.
    ParameterError
        ``order`` below 1 or above the longest journey.
    """
    order = int(order)
    if order < 1:
        raise ParameterError(f"order={order} must be at least 1.")
    col_names = state_names(events, spec)
    parts = customer_buckets(events, bucket_count(events), chain_columns(spec))
    counted = [_bucket_counts(p, spec, order, col_names, per_customer) for p in parts]
    names, stages = counted[0]["names"], counted[0]["stages"]
    cols, cat, collapse = list(spec.state), spec.catalog, spec.collapse_repeats
    keys = ["_kind", *(f"_p{i}" for i in range(1, order + 1)), "_s", "_stop", "_absorbed"]
    table = add_up([c["table"] for c in counted], [*keys, "_last"])
    if collapse:
        info_table = add_up([c["info"] for c in counted], ["_kind", "_last", "_s"])
    else:
        info_table = table
    info = _info(info_table)
    if info["n_customers_excluded"]:
        examples = [_excluded_examples(c["step"], stages, cat) for c in counted if c["excluded"]]
        codes = set().union(*(e[0] for e in examples))
        ids = sorted({i for e in examples for i in e[1]})[:5]
        warn_excluded(info["n_customers_excluded"], {stages[c] for c in codes}, ids, 6)
    if collapse:
        info["n_collapsed"] = int(info_table.loc[info_table["_kind"] == _COLLAPSED, "n"].sum())
    per = None
    if per_customer:
        per = pd.concat([c["per"] for c in counted], ignore_index=True)
    present = np.unique(_ints(info_table, "_s"))
    if len(cols) > 1:  # combined states: the combinations seen (as in memory)
        candidates = [names[i] for i in present if i >= 0]
    else:  # a catalog column: all its values; "(unknown)" channel only when seen
        unknown = names.index(UNKNOWN_CHANNEL) if cols[0] == "channel" else None
        candidates = [nm for i, nm in enumerate(names) if i != unknown or i in present]
    kept_rows = table[table["_kind"] == 0]
    return _assemble(kept_rows, per, names, candidates, spec, order, info)


def _bucket_counts(events, spec, order, col_names, per_customer) -> dict:
    """One bucket of customers: the grouped rows of its events (see :func:`_add_up`)."""
    plan = kept_events(events, spec, order, names=col_names)
    kept, step = plan.kept, plan.step
    out = {"names": plan.names, "stages": plan.stages, "step": step}
    out["info"] = None if plan.counted is None else to_pandas(plan.counted)
    # in microseconds, the precision DuckDB and Spark keep
    gap = microseconds_between(kept, "timestamp", "_tp")
    # only for counted events (most of a log comes after the first purchase)
    gap = nw.when(nw.col("_kind") == 0).then(gap.cast(nw.Float64) / (NS_PER_DAY // 1000))
    kept = kept.with_columns(_gap=gap).with_columns(_gap2=nw.col("_gap") * nw.col("_gap"))
    keys = [*(f"_p{i}" for i in range(1, order + 1)), "_s", "_stop", "_absorbed", "_last"]
    aggs = [
        nw.len().alias("n"),
        nw.col("_gap").count().alias("gn"),
        nw.col("_gap").sum().alias("gs"),
        nw.col("_gap2").sum().alias("gs2"),
    ]
    if out["info"] is None:
        aggs.append(nw.col("_tie").sum().alias("ties"))
    if order > 1:
        aggs.append(nw.col("_pos").max().alias("longest"))
    out["table"] = to_pandas(kept.group_by("_kind", *keys).agg(*aggs))
    info = _info(out["table"] if out["info"] is None else out["info"])
    out["excluded"] = info["n_customers_excluded"] > 0
    if per_customer:
        out["per"] = to_pandas(
            kept.filter(nw.col("_kind") == 0)
            .group_by("customer_id", *keys)
            .agg(nw.len().alias("n"))
        )
    return out


def add_up(tables: list, keys: list, *, other=None) -> pd.DataFrame:
    """The grouped rows of every bucket of customers as one table.

    Parameters
    ----------
    tables : list of DataFrame
        One grouped table per bucket, with the same columns.
    keys : list of str
        The grouping columns (missing values are a group of their own).
    other : dict, optional
        Columns not summed, and how to combine them (e.g. ``{"_first": "min"}``);
        ``longest`` is always the largest.

    Returns
    -------
    DataFrame
        One bucket: its table unchanged; else counts and sums added per group.
    """
    if len(tables) == 1:
        return tables[0]
    both = pd.concat(tables, ignore_index=True)
    combine = {"longest": "max", **(other or {})}
    how = {c: combine.get(c, "sum") for c in both.columns if c not in keys}
    return both.groupby(keys, dropna=False, sort=False).agg(how).reset_index()


def _first_times(r, t, cat) -> dict:
    """The customer's first purchase, and first owner's-journey event before (``_flo``: an
    earlier stage) and after (``_fhi``) the purchase stage in catalog order."""
    p_rank = cat.stages.index(cat.purchase_stage)
    allowed = [cat.stages.index(s) for s in cat.buyer_stages if s in cat.stages]
    out = {"_fp": nw.when(r == p_rank).then(t).min().over("customer_id")}
    for name, ranks in (
        ("_flo", range(p_rank)),
        ("_fhi", range(p_rank + 1, len(cat.stages))),
    ):
        outside = [i for i in ranks if i not in allowed]
        if not outside:  # no such event can exist
            continue
        if len(outside) == len(ranks):  # a range test is cheaper than a list
            side = (r < p_rank) if name == "_flo" else (r > p_rank)
        else:
            side = r.is_in(outside)
        out[name] = nw.when(side).then(t).min().over("customer_id")
    return out


def _excluded(present):
    """1 for every event of a customer with an owner's-journey event before the first purchase.

    Events are ordered by time, then stage order, so an event outside the buyer's
    journey comes before the first purchase when it is earlier, or at the same time
    with an earlier stage.
    """
    fp, flags = nw.col("_fp"), nw.lit(0)
    if "_flo" in present:
        lo = nw.col("_flo")
        flags = flags + _flag(~lo.is_null() & fp.is_null()) + _flag(lo <= fp)
    if "_fhi" in present:
        hi = nw.col("_fhi")
        flags = flags + _flag(~hi.is_null() & fp.is_null()) + _flag(hi < fp)
    return flags


def _excluded_examples(step, stages: list, cat) -> tuple:
    """Codes of the stages that left customers out, and five of those customers' ids."""
    allowed = [stages.index(s) for s in cat.buyer_stages if s in stages]
    left_out = step.filter((nw.col("_kind") == _EXCLUDED) & ~nw.col("_r").is_in(allowed))
    codes = set(to_pandas(left_out.select("_r").unique())["_r"].astype(int))
    ids = left_out.select("customer_id").unique().sort("customer_id").head(5)
    return codes, to_pandas(ids)["customer_id"].tolist()


def _info(table: pd.DataFrame) -> dict:
    kinds = table.groupby("_kind")["n"].sum()
    last = table["_last"] == 1
    return {
        "n_events_in": int(table["n"].sum()),
        "was_sorted": None,
        "n_ties": int(table["ties"].sum()),
        "n_events_after_absorption": int(kinds.get(_AFTER, 0)),
        "n_customers_excluded": int(table.loc[last & (table["_kind"] == _EXCLUDED), "n"].sum()),
    }


def _ints(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A nullable integer column as int64, -1 where missing (a lag before the start)."""
    return frame[col].astype("float64").fillna(-1).to_numpy().astype(np.int64)


def _cells(frame, lookup, code_of, spec, order, n_rows, n_cols):
    """Cell (``row * n_cols + col``) of the event transition and of the end transition
    (-1: none) of each grouped row, and the packed history keys."""
    cur = lookup[_ints(frame, "_s")]
    digits = [
        np.where(p < 0, 0, lookup[np.maximum(p, 0)])
        for p in (_ints(frame, f"_p{i}") for i in range(1, order + 1))
    ]
    key = sum(d * n_rows**i for i, d in enumerate(digits))
    end_key = cur + sum(d * n_rows ** (i + 1) for i, d in enumerate(digits[:-1]))
    absorbed = frame["_absorbed"].to_numpy() == 1
    if spec.journey == "buyer" and not spec.stop_is_state:
        absorbed_to = code_of[spec.catalog.purchase_stage]
    else:
        absorbed_to = -1
    ended = np.where(absorbed, absorbed_to, code_of[spec.end_state])
    ended = np.where(frame["_last"].to_numpy() == 1, ended, -1)
    return key, end_key, cur, ended


def _assemble(table, per, names, candidates, spec, order, info) -> EngineTransitions:
    """From the grouped rows to the chain's rows, columns, counts and dwell times."""
    n = table["n"].to_numpy(np.int64)
    s = _ints(table, "_s")
    if (s < 0).any():
        raise DataError(
            f"{int(n[s < 0].sum()):,} events have a state outside {names[:8]}",
            table="events",
            column=spec.state[0],
            n_rows=int(n[s < 0].sum()),
            fix="load the study with validation (cxlab.load or cxlab.lazy_study validate the "
            "stages and channels against the catalog), or pass catalog= listing yours",
        )
    last = table["_last"].to_numpy() == 1
    is_abs = last & (table["_stop"].to_numpy() == 1) & spec.stop_is_state
    if not n.sum():
        raise DataError(
            "no customer journey is left to fit",
            n_rows=info["n_events_in"],
            fix="check the journey= setting and the stages in your data",
        )
    idx = [names.index(nm) for nm in candidates]
    counts = np.bincount(s, weights=n, minlength=len(names)).astype(np.int64)[idx]
    abs_counts = np.bincount(s[is_abs], weights=n[is_abs], minlength=len(names))[idx]
    labels, n_transient = chain_states(
        candidates, counts, abs_counts.astype(np.int64), spec, info, 6
    )
    n_rows = 1 + n_transient
    code_of = {lab: i for i, lab in enumerate(labels)}
    lookup = np.array([code_of.get(nm, -1) for nm in names], dtype=np.int64)
    longest = int(table["longest"].max()) if order > 1 else 1
    if order > 1 and order > longest:
        raise ParameterError(
            f"order={order} is higher than the data supports: the longest journey has "
            f"{longest} events, so no history of {order} real states exists; "
            "use a lower order (see cxlab.markov_order_test)"
        )
    if order > 1 and n_rows**order >= 2**62:
        raise ParameterError(f"order={order} with {n_rows} states is too large to encode.")
    n_cols = len(labels) - 1
    key, end_key, cur, ended = _cells(table, lookup, code_of, spec, order, n_rows, n_cols)
    has_end = ended >= 0
    if order == 1:
        rows = [(lab,) for lab in labels[:n_rows]]
        uniq = np.arange(n_rows)
    else:
        uniq = np.unique(np.r_[key, end_key[has_end]])
        rows = history_rows(uniq, n_rows, order, labels)
    ev = np.searchsorted(uniq, key) * n_cols + cur - 1
    end = np.where(has_end, np.searchsorted(uniq, end_key) * n_cols + ended - 1, -1)
    m = len(rows) * n_cols
    cells = np.bincount(ev, weights=n, minlength=m)
    cells += np.bincount(end[has_end], weights=n[has_end], minlength=m)
    info["n_single_event"] = int(n[last & (_ints(table, "_p1") < 0)].sum())
    n_customers = int(n[last].sum())
    if info["n_single_event"] == n_customers and n_customers > 1:
        import warnings

        warnings.warn(
            f"every one of the {n_customers:,} customers has a single event, so the chain only "
            "has start and end transitions; check that the customer column identifies "
            "customers (not events or sessions)",
            DataWarning,
            stacklevel=5,
        )
    return EngineTransitions(
        rows=rows,
        cols=tuple(labels[1:]),
        counts=cells.astype(np.int64).reshape(len(rows), n_cols),
        labels=labels,
        n_rows=n_rows,
        n_customers=n_customers,
        info=info,
        dwell=_dwell(table, lookup, labels, n_rows),
        customer_cells=None
        if per is None
        else _customer_cells(per, lookup, code_of, spec, order, uniq, n_rows, n_cols),
    )


def _dwell(table, lookup, labels, n_rows):
    p1 = _ints(table, "_p1")
    gaps = p1 >= 0
    prev = lookup[p1[gaps]]
    sums = [
        np.bincount(prev, weights=table[c].to_numpy(float)[gaps], minlength=n_rows)[1:n_rows]
        for c in ("gn", "gs", "gs2")
    ]
    return dwell_table(sums[0].astype(np.int64), sums[1], sums[2], labels[1:n_rows])


def _customer_cells(per, lookup, code_of, spec, order, uniq, n_rows, n_cols):
    """Per customer (index in id order) and cell: how many transitions."""
    key, end_key, cur, ended = _cells(per, lookup, code_of, spec, order, n_rows, n_cols)
    n = per["n"].to_numpy(np.float64)
    ids, cust = np.unique(per["customer_id"].to_numpy(), return_inverse=True)
    ev = np.searchsorted(uniq, key) * n_cols + cur - 1
    has_end = ended >= 0
    end_cells = np.searchsorted(uniq, end_key[has_end]) * n_cols + ended[has_end] - 1
    cust_all = np.r_[cust, cust[has_end]]
    cells = np.r_[ev, end_cells]
    weights = np.r_[n, n[has_end]]
    return cust_all.astype(np.int64), cells.astype(np.int64), weights, len(ids), ids
