"""Funnels: how many customers reach each chosen stage, and how fast.

Two definitions, because practitioners use both and they answer different
questions:

- **open** funnel: a customer counts at a step if they *ever* reached it,
  whatever came before. The base (``entered``) is every customer with at least
  one event at a funnel step. The step conversion of step ``k`` is the share of
  customers at step ``k-1`` who also reached step ``k`` (at any time).
- **closed** funnel: a customer must *enter at the first step* (their first
  event at any funnel step is step 0) and then reach the steps *in order*
  (other events in between are allowed). Customers who enter at a later step
  are left out (the notes say how many).

Every proportion carries a **Wilson score interval** (good coverage even for
small counts and rates near 0 or 1; statsmodels' ``proportion_confint``).
Times to reach a step are measured from entering the funnel, in days: quartiles
and a distribution-free order-statistic interval for the median.
"""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab._stats import wilson
from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.exceptions import ParameterError
from cxlab.i18n._messages import t as _t
from cxlab.i18n._tables import reader_names
from cxlab.journeys._base import (
    NS_PER_DAY,
    JourneyResult,
    check_confidence,
    check_states,
    customer_groups,
    encode,
    event_table,
    grouped_quantiles,
    lazy_study_of,
    parse_gap,
    warn,
    warn_unseen,
)
from cxlab.journeys._plots import plot_funnel

__all__ = ["FunnelResult", "funnel"]

_NEVER = np.iinfo(np.int64).max

#: Working memory of the per-customer grouping per event of a bucket: DuckDB's hash table
#: of first times, about 60 bytes per customer, at 11.5 events per customer. At 1e8
#: events and a 2 GB limit that is one bucket: measured peaks 1.66 GB in one bucket and
#: 1.55 GB in two, which took 1.5x the time (each bucket reads the events again).
_BYTES_PER_EVENT = 6


def _first_per_customer(idx: np.ndarray, ci: np.ndarray, n_cust: int, fill=_NEVER) -> np.ndarray:
    """Smallest event position in ``idx`` (sorted) for each customer, else ``fill``."""
    out = np.full(n_cust, fill, dtype=np.int64)
    if len(idx):
        c = ci[idx]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = c[1:] != c[:-1]
        out[c[first]] = idx[first]
    return out


def _times_in_memory(events: pd.DataFrame, steps, kind: str):
    """Per customer (in sequence order): times, entered, reached, late.

    ``times`` holds the entry time and the time at each step (columns), int64
    nanoseconds (0 where there is none); ``late`` counts customers left out of a closed
    funnel because they entered at a later step.
    """
    seq = encode(events, "stage")
    codes = check_states(steps, seq.states, "steps")
    steps = [seq.states[c] for c in codes]
    warn_unseen(seq, codes, "steps")
    n_cust, K = seq.n_customers, len(codes)
    ci = seq.customer_index()
    t = seq.timestamps.view(np.int64)
    lut = np.zeros(seq.n_states, dtype=bool)
    lut[codes] = True
    in_funnel = lut[seq.codes]
    first_pos = _first_per_customer(np.flatnonzero(in_funnel), ci, n_cust)
    entered = first_pos != _NEVER
    pos = np.full((n_cust, K), _NEVER, dtype=np.int64)
    if kind == "open":
        for k, c in enumerate(codes):
            pos[:, k] = _first_per_customer(np.flatnonzero(seq.codes == c), ci, n_cust)
        late = 0
    else:
        entry_code = np.full(n_cust, -1, dtype=np.int64)
        entry_code[entered] = seq.codes[first_pos[entered]]
        late = int((entered & (entry_code != codes[0])).sum())
        entered &= entry_code == codes[0]
        pos[entered, 0] = first_pos[entered]
        for k in range(1, K):
            prev = pos[:, k - 1]
            idx = np.flatnonzero(seq.codes == codes[k])
            idx = idx[idx > prev[ci[idx]]]
            pos[:, k] = _first_per_customer(idx, ci, n_cust)
    reached = pos != _NEVER
    t_entry = np.where(entered, t[np.minimum(first_pos, len(t) - 1)], 0)
    t_step = np.where(reached, t[np.minimum(pos, len(t) - 1)], 0)
    times = np.asfortranarray(np.column_stack([t_entry, t_step]))
    return seq.customers, times, entered, np.asfortranarray(reached), late, steps


def _after(prev: str, prev_rank: int, rank: int):
    """Events later than the customer's ``prev`` event in the study's order.

    The order of :func:`cxlab.load`: by time, and at equal times by catalog stage order.
    """
    t = nw.col("timestamp")
    return t >= nw.col(prev) if rank > prev_rank else t > nw.col(prev)


def _collect_times(lf: nw.LazyFrame, columns: list) -> tuple:
    """Customer ids and int64 ``columns`` of a per-customer result, through Arrow.

    Times become nanoseconds since the epoch (UTC); ``valid`` says where a value is
    (0 in the values elsewhere). Rows in the engine's order; no pandas on the way.
    """
    import pyarrow as pa

    table = lf.collect(backend="pyarrow").to_native()
    ids = table.column("customer_id").to_numpy()
    values, valid = {}, {}
    for name in columns:
        col = table.column(name)
        table = table.drop_columns([name])  # its buffers go once converted
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.timestamp("ns", col.type.tz))
        col = col.cast(pa.int64()).combine_chunks()
        ok = col.is_valid().to_numpy(zero_copy_only=False)
        # the values buffer as is (pyarrow's fill_null took 2 s a column at 8.7e6 rows)
        data = col.buffers()[1]
        if data is None or not ok.any():  # nothing there (an empty bucket, a step unseen)
            raw = 0
        else:
            raw = np.frombuffer(data, dtype=np.int64, count=len(col), offset=8 * col.offset)
        valid[name], values[name] = ok, np.where(ok, raw, 0)
    return ids, values, valid


def _per_customer_plan(lf: nw.LazyFrame, steps: list, rank: list, kind: str) -> tuple:
    """The lazy per-customer frame of :func:`_bucket_times` and its time columns.

    One grouping by customer gives each customer's first time at every step (``_t{k}``);
    a closed funnel adds ``_closed`` (1 when the first funnel event is the first step)
    and each next step after the previous one (``_s{k}``), one join per step.
    """
    stage, t = nw.col("stage").cast(nw.String), nw.col("timestamp")
    K = len(steps)
    firsts = (
        lf.select(
            "customer_id",
            *[nw.when(stage == s).then(t).alias(f"_t{k}") for k, s in enumerate(steps)],
        )
        .group_by("customer_id")
        .agg(*[nw.col(f"_t{k}").min() for k in range(K)])
    )
    out = firsts
    if kind == "closed":
        # the first funnel event is the first step: no other step earlier (or tied and
        # earlier in catalog order)
        first = ~nw.col("_t0").is_null()
        for k in range(1, K):
            other = nw.col(f"_t{k}")
            first &= other.is_null() | (
                other > nw.col("_t0") if rank[k] < rank[0] else other >= nw.col("_t0")
            )
        out = firsts.with_columns(_closed=nw.when(first).then(nw.lit(1)).otherwise(nw.lit(0)))
        prev = out.filter(nw.col("_closed") == 1).select("customer_id", _p=nw.col("_t0"))
        for k in range(1, K):
            reached = (
                lf.filter(stage == steps[k])
                .select("customer_id", "timestamp")
                .join(prev, on="customer_id")
                .filter(_after("_p", rank[k - 1], rank[k]))
                .group_by("customer_id")
                .agg(nw.col("timestamp").min().alias(f"_s{k}"))
            )
            out = out.join(reached, on="customer_id", how="left")
            prev = reached.select("customer_id", _p=nw.col(f"_s{k}"))
    cols = [f"_t{k}" for k in range(K)]
    if kind == "closed":
        cols += ["_closed", *[f"_s{k}" for k in range(1, K)]]
    return out.select("customer_id", *cols), cols


def _bucket_times(lf: nw.LazyFrame, steps: list, rank: list, kind: str) -> dict:
    """One bucket of customers as numpy arrays, in the engine's row order: ids, times
    (see :func:`_times_in_memory`), entered, reached, customers left out (``late``) and
    the steps seen."""
    K = len(steps)
    plan, cols = _per_customer_plan(lf, steps, rank, kind)
    ids, values, valid = _collect_times(plan, cols)
    seen = np.asfortranarray(np.column_stack([valid.pop(f"_t{k}") for k in range(K)]))
    any_step = seen.any(axis=1)
    # column-major: every step below reads or writes whole columns
    times = np.zeros((len(ids), K + 1), dtype=np.int64, order="F")
    if kind == "open":
        times[:, 0] = _NEVER
        for k in range(K):
            t_k = values.pop(f"_t{k}")
            times[:, k + 1] = t_k
            np.minimum(times[:, 0], np.where(seen[:, k], t_k, _NEVER), out=times[:, 0])
        times[~any_step, 0] = 0
        entered, reached, late = any_step, seen, 0
    else:
        entered = values["_closed"] == 1
        late = int((any_step & ~entered).sum())
        times[entered, 0] = values["_t0"][entered]
        times[:, 1] = times[:, 0]
        reached = np.asfortranarray(
            np.column_stack([entered, *[valid[f"_s{k}"] for k in range(1, K)]])
        )
        reached &= entered[:, None]
        for k in range(1, K):
            times[:, k + 1] = np.where(reached[:, k], values[f"_s{k}"], 0)
    return {
        "ids": ids,
        "times": times,
        "entered": entered,
        "reached": reached,
        "late": late,
        "seen": seen.any(axis=0),
    }


def _times_in_engine(lf: nw.LazyFrame, steps: list, catalog, kind: str):
    """:func:`_times_in_memory` inside the engine that holds the events.

    The customers run in buckets (:mod:`cxlab.engines._buckets`: as many as keep one
    bucket's grouping within half of DuckDB's memory limit; one on other engines); each
    bucket returns one row per customer of integer times (nanoseconds) and flags, kept
    as numpy arrays; the buckets' arrays are joined and put in customer id order (one
    column at a time, so the reordering needs one column's copy).
    """
    rank = [catalog.stages.index(s) for s in steps]
    parts = [
        _bucket_times(bucket, steps, rank, kind)
        for bucket in customer_buckets(
            lf, bucket_count(lf, _BYTES_PER_EVENT), ["customer_id", "timestamp", "stage"]
        )
    ]
    seen = np.any([p["seen"] for p in parts], axis=0)
    unseen = [s for k, s in enumerate(steps) if not seen[k]]
    if unseen:
        warn(
            f"steps {unseen} never occur in the data, so every count there is 0 "
            "(check the stage names, the filters and the date window)."
        )
    late = sum(p["late"] for p in parts)

    def joined(name):
        arrays = [p.pop(name) for p in parts]
        if len(arrays) == 1:
            return arrays[0]
        shape = (sum(len(a) for a in arrays), *arrays[0].shape[1:])
        out = np.empty(shape, dtype=arrays[0].dtype, order="F")
        return np.concatenate(arrays, out=out)

    ids = joined("ids")
    order = np.argsort(ids, kind="stable")
    out = [ids[order]]
    del ids
    for name in ("times", "entered", "reached"):
        column = joined(name)
        for j in range(column.shape[1] if column.ndim == 2 else 0):
            column[:, j] = column[order, j]
        out.append(column if column.ndim == 2 else column[order])
    return (*out, late)


class FunnelResult(JourneyResult):
    """Result of :func:`funnel`.

    Attributes
    ----------
    table : DataFrame
        One row per (group, step): ``entered``, ``customers`` (reached the step),
        ``conversion`` (customers / entered) with ``conversion_ci_low/high``,
        ``step_conversion`` (from the previous step) with its interval,
        ``dropped`` (lost since the previous step), and the days from entering
        to reaching the step: ``n_timed``, ``days_q25``, ``days_median``,
        ``days_q75``, ``days_median_ci_low/high``.
    steps : list of str
    kind : {"open", "closed"}
    """

    name = "funnel"

    @property
    def display_columns(self) -> tuple:
        """The group column (if any), the step, counts, conversions and median days."""
        cols = list(self.table.columns)
        group = cols[: cols.index("step_index")] if "step_index" in cols else []
        shown = ("step", "entered", "customers", "conversion", "step_conversion", "dropped")
        return (*group, *shown, "days_median")

    def per_customer(self) -> pd.DataFrame:
        """Entry time and the time each customer reached each step (NaT if never)."""
        cols = {"customer_id": self._customers}
        if self.params.get("by") is not None:
            cols[self._group_name] = self._group_labels
        cols["entered"] = self._times[:, 0]
        for k, s in enumerate(self.steps):
            cols[s] = self._times[:, k + 1]
        return pd.DataFrame(cols)

    _figure = staticmethod(plot_funnel)


def funnel(
    data,
    steps=None,
    *,
    kind: str = "open",
    by=None,
    within=None,
    confidence: float = 0.95,
) -> FunnelResult:
    """Customers reaching each step of a funnel, with conversion rates and times.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
        A study, or an events table (``customer_id``, ``timestamp``, ``stage``). A
        :class:`~cxlab.LazyStudy` (DuckDB, Spark, polars) is reduced inside its engine
        (``docs/scale.md``); at equal times events are taken in catalog stage order.
    steps : list of str, optional
        Stages in funnel order; default the catalog's buyer's journey
        (awareness, consideration, purchase).
    kind : {"open", "closed"}, default="open"
        See the module docstring.
    by : str, Series or None, default=None
        Split by a customer attribute: a column of ``data.customers`` (e.g.
        ``"segment"``) or a Series ``customer_id -> group`` (e.g.
        ``data.truth.persona``).
    within : str, Timedelta, number of days or None, default=None
        Count a step only if reached within this time of entering the funnel
        (e.g. ``"30D"``): a conversion window.
    confidence : float, default=0.95
        Level of every interval.

    Returns
    -------
    FunnelResult
        ``.summary()`` is the tidy table; ``.plot()`` the funnel chart;
        ``.per_customer()`` the times behind it.

    Raises
    ------
    UnknownCategoryError
        A step is not a stage the data knows.
    ParameterError
        Unknown ``kind``, repeated steps, bad ``within`` or ``confidence``.
    DataError
        ``by`` leaves customers without a group.

    Warns
    -----
    DataWarning
        A step never occurs in the data; tied timestamps.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=0)
    >>> f = cxlab.funnel(data, ["awareness", "consideration", "purchase"])
    >>> row = f.summary().iloc[2]
    >>> row["step"], int(row["customers"]), round(float(row["conversion"]), 3)
    ('purchase', 1002, 0.501)
    """
    if kind not in ("open", "closed"):
        raise ParameterError(f"kind must be 'open' or 'closed', not {kind!r}.")
    confidence = check_confidence(confidence)
    by = None if isinstance(by, str) and by == "" else by
    study = lazy_study_of(data)
    if study is not None:
        catalog = study.catalog
        customers = None if by is None else study.customers
        steps = list(catalog.buyer_stages) if steps is None else steps
        codes = check_states(steps, catalog.stages, "steps")
        steps = [catalog.stages[c] for c in codes]
        win = parse_gap(within)
        ids, times, entered, reached, late = _times_in_engine(study.frame, steps, catalog, kind)
    else:
        events, customers, catalog = event_table(data)
        steps = list(catalog.buyer_stages) if steps is None else steps
        win = parse_gap(within)
        ids, times, entered, reached, late, steps = _times_in_memory(events, steps, kind)
    K = len(steps)
    t_entry = times[:, 0]
    for k in range(K):  # one step at a time: no (customers x steps) temporaries
        if win is not None:
            reached[:, k] &= (times[:, k + 1] - t_entry) <= win
        reached[:, k] &= entered

    group, labels, group_name = customer_groups(by, customers, ids)
    G = len(labels)
    n_entered = np.bincount(group[entered], minlength=G)
    rows = []
    for k, step in enumerate(steps):
        at_k = reached[:, k]
        n_k = np.bincount(group[at_k], minlength=G)
        if k == 0:
            base = n_entered
            both = n_k
        else:
            at_prev = reached[:, k - 1]
            base = np.bincount(group[at_prev], minlength=G)
            both = np.bincount(group[at_prev & at_k], minlength=G)
        lo, hi = wilson(n_k, n_entered, confidence)
        slo, shi = wilson(both, base, confidence)
        wait_ns = times[at_k, k + 1] - t_entry[at_k]
        q = grouped_quantiles(group[at_k], wait_ns, G, confidence, scale=1 / NS_PER_DAY)
        del wait_ns
        rows.append(
            pd.DataFrame(
                {
                    "group": labels,
                    "_g": np.arange(G),
                    "step_index": k,
                    "step": step,
                    "entered": n_entered,
                    "customers": n_k,
                    "conversion": n_k / np.maximum(n_entered, 1),
                    "conversion_ci_low": lo,
                    "conversion_ci_high": hi,
                    "step_conversion": both / np.maximum(base, 1),
                    "step_conversion_ci_low": slo,
                    "step_conversion_ci_high": shi,
                    "dropped": base - both,
                    "n_timed": q["n"].to_numpy(),
                    "days_q25": q["q25"].to_numpy(),
                    "days_median": q["median"].to_numpy(),
                    "days_q75": q["q75"].to_numpy(),
                    "days_median_ci_low": q["median_ci_low"].to_numpy(),
                    "days_median_ci_high": q["median_ci_high"].to_numpy(),
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    table.loc[table["entered"] == 0, ["conversion", "step_conversion"]] = np.nan
    table = table.sort_values(["_g", "step_index"], kind="stable", ignore_index=True)
    table = table.drop(columns="_g")
    if by is None:
        table = table.drop(columns="group")
    else:
        table = table.rename(columns={"group": group_name})
    notes = [
        _t(f"note.journeys.funnel_{kind}", steps=reader_names(steps), confidence=confidence),
        _t("note.journeys.funnel_first_step")
        if kind == "open"
        else _t("note.journeys.funnel_closed_first"),
        _t("note.journeys.funnel_days"),
    ]
    if late:
        notes.append(_t("note.journeys.funnel_late", late=late))
    if win is not None:
        notes.append(_t("note.journeys.funnel_within", window=str(pd.Timedelta(win))))
    notes.append(_t("note.journeys.funnel_open_ends"))
    # the times become the per-customer table in place: NaT where there is none
    nat = np.datetime64("NaT").astype("datetime64[ns]").view(np.int64)
    times[~entered, 0] = nat
    for k in range(K):
        times[~reached[:, k], k + 1] = nat
    all_times = times.view("datetime64[ns]")
    return FunnelResult(
        table,
        notes=notes,
        params={
            "steps": steps,
            "kind": kind,
            "by": by,
            "within": within,
            "confidence": confidence,
        },
        steps=steps,
        kind=kind,
        _customers=ids,
        _group_labels=np.asarray(labels, dtype=object)[group],
        _group_name=group_name,
        _times=all_times,
    )
