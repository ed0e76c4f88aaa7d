"""Channel attribution of a lazy study: the journeys' touches counted inside the engine.

What :func:`cxlab.channel_attribution` needs from an event log is linear in each
journey's touches: its transitions between touch states (for the Markov removal
effects), its length, first and last touch, touches per channel (linear credit),
whether it converted, and the revenue of its first purchase. All of them follow from
the buyer's-journey chain counted per customer and cell in the engine
(:func:`cxlab.markov._engine_counts.engine_transitions`, one row per customer and
transition seen) and one grouping of the purchase events; the event rows never leave
the engine. Journeys are in customer-id order, as in memory, so the bootstrap draws
the same journeys and every number equals the in-memory one.
"""

from __future__ import annotations

from dataclasses import dataclass

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab.data._catalog import START_STATE
from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.exceptions import ParameterError
from cxlab.markov._attribution_paths import Paths, buyer_spec, credit_groups
from cxlab.markov._data import ChainSpec
from cxlab.markov._engine_counts import (
    add_up,
    chain_columns,
    engine_transitions,
    kept_events,
    state_names,
)

__all__ = ["EnginePaths", "engine_paths", "engine_path_table"]


@dataclass(frozen=True)
class EnginePaths:
    """Journeys of a lazy study as attribution needs them (see the module docstring).

    Attributes
    ----------
    paths : Paths
        Outcomes per journey (``seq`` is None: the touches stayed in the engine).
    design : dict
        Keyword arguments of the attribution's design: ``rows``, ``cols``,
        ``states``, ``ev``, ``lin``, ``end_row``, ``lens``, ``first_g``, ``last_g``.
    """

    paths: Paths
    design: dict


def _first_purchase_revenue(events, spec: ChainSpec, customers: np.ndarray) -> np.ndarray:
    """Revenue of each customer's first purchase event (0 without one or without revenue)."""
    lf = to_lazy(events)
    if "revenue" not in lf.collect_schema().names():
        return np.zeros(len(customers))
    cat = spec.catalog
    order_by = ["timestamp", *spec.state]
    buys = lf.filter(nw.col(spec.stage).cast(nw.String) == cat.purchase_stage).select(
        "customer_id", "timestamp", *spec.state, nw.col("revenue").cast(nw.Float64)
    )
    first = buys.with_columns(
        _k=(nw.col("revenue") * 0 + 1).cum_sum().over("customer_id", order_by=order_by)
    ).filter(nw.col("_k") == 1)
    rev = to_pandas(first.select("customer_id", "revenue")).set_index("customer_id")["revenue"]
    return rev.reindex(pd.Index(customers)).fillna(0.0).to_numpy()


def engine_paths(events, *, state, catalog, order: int, collapse_repeats: bool) -> EnginePaths:
    """The journeys of a lazy event table for :func:`cxlab.channel_attribution`.

    Parameters
    ----------
    events : DuckDB relation, PySpark DataFrame, polars LazyFrame or other frame
        Events with ``customer_id``, ``timestamp``, ``stage``, the state column(s)
        and optionally ``revenue``.
    state : str or list of str
        Touch states (``"channel"``, or ``["stage", "channel"]``).
    catalog : StageCatalog
        Purchase stage and buyer stages.
    order : int
        Order of the chain.
    collapse_repeats : bool
        Merge consecutive touches of the same state.

    Returns
    -------
    EnginePaths

    Raises
    ------
    ParameterError
        ``state="stage"`` (touches are channels), or ``order`` above the longest journey.
    """
    spec = _buyer_spec(state, catalog, bool(collapse_repeats))
    tr = engine_transitions(events, spec, order, per_customer=True)
    cust, cells, weights, n_customers, customers = tr.customer_cells
    k = tr.n_rows - 1  # touch states; columns k and k + 1: purchase and drop-off
    n_cols = k + 2
    row, col = cells // n_cols, cells % n_cols
    channels = tuple(tr.labels[1 : 1 + k])
    groups, group_of = credit_groups(channels, spec.state)
    touch = col < k
    ends = ~touch
    end_row = np.zeros(n_customers, dtype=np.int64)
    end_row[cust[ends]] = row[ends]
    converted = np.zeros(n_customers, dtype=bool)
    converted[cust[ends]] = col[ends] == k
    lens = np.bincount(cust[touch], weights=weights[touch], minlength=n_customers)
    start = tr.rows.index(tuple([START_STATE] * order))
    first = touch & (row == start)
    first_g = np.zeros(n_customers, dtype=np.int64)
    first_g[cust[first]] = group_of[col[first]]
    pos = {c: i for i, c in enumerate(channels)}
    last_state = np.array([pos.get(h[-1], -1) for h in tr.rows], dtype=np.int64)
    last_g = group_of[last_state[end_row]]
    value = _first_purchase_revenue(events, spec, customers) * converted
    paths = Paths(
        seq=None,
        conversions=converted.astype(float),
        nulls=(~converted).astype(float),
        value=value,
        group_of=group_of,
        groups=groups,
    )
    design = {
        "rows": tr.rows,
        "cols": tr.cols[:k] + ("(conversion)", "(null)"),
        "states": channels,
        "ev": (cust[touch], cells[touch], weights[touch]),
        "lin": (cust[touch], group_of[col[touch]], weights[touch]),
        "end_row": end_row,
        "lens": lens.astype(np.int64),
        "first_g": first_g,
        "last_g": last_g,
    }
    return EnginePaths(paths=paths, design=design)


def _buyer_spec(state, catalog, collapse_repeats: bool = False) -> ChainSpec:
    spec = buyer_spec(state, catalog, collapse_repeats)
    if spec.stop_is_state:
        raise ParameterError(
            "paths are made of touches such as channels, not of the stage itself; pass "
            "state='channel' or state=['stage', 'channel']"
        )
    return spec


def engine_path_table(events, *, state, catalog, separator: str = " > ") -> pd.DataFrame:
    """The path table of a lazy event table, grouped inside the engine.

    Each customer's buyer's journey (touches up to and including the first purchase)
    is read off its last counted event, whose previous states (one window pass with as
    many ``shift`` as the longest journey has touches) are the whole path; the paths
    are then grouped with their conversions, non-conversions, the revenue of the
    conversions and their first customer (for the in-memory row order).

    Parameters
    ----------
    events : DuckDB relation, PySpark DataFrame, polars LazyFrame or other frame
        The events.
    state : str or list of str
        Touch states.
    catalog : StageCatalog
        Purchase stage and buyer stages.
    separator : str, default=" > "
        Between two touches of a path.

    Returns
    -------
    DataFrame
        As :func:`cxlab.conversion_paths`.
    """
    spec = _buyer_spec(state, catalog)
    values = state_names(events, spec)
    has_revenue = "revenue" in to_lazy(events).collect_schema().names()
    carry = ("revenue",) if has_revenue else ()
    parts = customer_buckets(events, bucket_count(events), chain_columns(spec, carry))
    longest = [
        to_pandas(
            kept_events(p, spec, 2, names=values)
            .kept.filter(nw.col("_kind") == 0)
            .select(nw.col("_pos").max())
        ).iloc[0, 0]
        for p in parts
    ]
    n_back = max(int(pd.Series(longest, dtype="float64").max()) - 1, 1)
    lags = [f"_p{i}" for i in range(n_back, 0, -1)]
    revenue = nw.col("revenue").cast(nw.Float64) if has_revenue else nw.lit(0.0)
    tables = []
    for part in parts:
        plan = kept_events(
            part, spec, n_back, carry=("revenue",) if has_revenue else (), names=values
        )
        ends = plan.kept.filter((nw.col("_kind") == 0) & (nw.col("_last") == 1)).with_columns(
            _value=nw.when(nw.col("_absorbed") == 1).then(revenue).otherwise(nw.lit(0.0))
        )
        grouped = ends.group_by(*lags, "_s").agg(
            nw.col("_absorbed").sum().alias("conversions"),
            nw.len().alias("journeys"),
            nw.col("_value").sum().alias("value"),
            nw.col("customer_id").min().alias("_first"),
        )
        tables.append(to_pandas(grouped))
    table = add_up(tables, [*lags, "_s"], other={"_first": "min"})
    names = pd.Series(plan.names, dtype=object)
    path = names.reindex(table["_s"].astype(int).to_numpy()).reset_index(drop=True)
    for col in reversed(lags):  # prepend earlier touches, nearest first
        prev = names.reindex(table[col].astype("float64").fillna(-1).astype(int).to_numpy())
        prev = prev.reset_index(drop=True)
        path = (prev + separator + path).where(prev.notna(), path)
    conversions = table["conversions"].to_numpy(np.float64)
    journeys = table["journeys"].to_numpy(np.float64)
    out = pd.DataFrame(
        {
            "path": path.to_numpy(dtype=object),
            "conversions": conversions,
            "nulls": journeys - conversions,
            "value": table["value"].to_numpy(np.float64),
        }
    )
    out = out.iloc[np.argsort(table["_first"].to_numpy(), kind="stable")]
    out["journeys"] = out["conversions"] + out["nulls"]
    out["conversion_rate"] = out["conversions"] / out["journeys"]
    out = out.sort_values(["journeys", "conversions"], ascending=False, kind="stable")
    return out.reset_index(drop=True)
