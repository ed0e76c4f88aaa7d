"""One row per customer for survival analysis: tenure, churn flag and covariates.

:func:`survival_table` turns the event log (plus customers and feedback) into
the table every churn model in cxlab starts from. What counts as churn:

``churn="event"`` (default)
    An explicit churn event (the catalog's ``churn_stage``, ``"churn"`` by
    default) after the start. Tenure runs from the start (the first purchase)
    to the first such event; customers without one are right-censored at
    ``observation_end``.
``churn="inactivity"``
    A customer has churned when no activity follows for more than
    ``inactivity_days``. The churn time is the *last activity* before the
    silent gap (that is when the customer actually left; the gap only reveals
    it later). A gap is only visible when it ends before the observation
    end, so churn can only be seen up to ``observation_end - inactivity_days``:
    everyone not seen to churn by then is censored at that date, not at their
    last activity (censoring at the last activity would depend on the
    customer's own behaviour and bias the curves). Customers whose start lies
    after that date have no usable follow-up and are left out (with a
    :class:`~cxlab.exceptions.DataWarning`).
``churn="either"``
    The earlier of the two; censored at ``observation_end - inactivity_days``
    as for inactivity (explicit churns after that date are censored there too,
    so the definition does not change over calendar time).

The journey and feedback covariates are measured in the first ``window_days``
after the start (the onboarding window), the same window for every customer,
so none of them peeks at behaviour after it. A customer who churns inside the
window keeps what they did in it (e.g. the CSAT answered an hour after a
purchase that turned out to be their last activity). For a strictly
forward-looking model, start the clock at the end of the window (a landmark):
keep ``table[table.tenure_days > window_days]`` and subtract ``window_days``.

The event reductions (start, first churn, inactivity, support contacts, revenue and
channels in the follow-up) are written on narwhals (:mod:`cxlab.engines`) and run where
the events are: DuckDB out of core, Spark, polars. A pandas event log in memory takes the
same rules written with numpy (:mod:`cxlab.survival._in_memory`, 2.8-5.9x faster there
than narwhals on pandas); the parity tests hold the two to the same table. Events are
ordered by time and, at equal times, by the catalog's stage order (the order
:func:`cxlab.load` sorts them in), so the table does not depend on how rows are stored:
start events of one customer at the same instant count as one start (``first_revenue``
is their sum, ``purchase_channel`` the first of their channels in the catalog's order).
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import narwhals as nw
import numpy as np
import pandas as pd

from cxlab.data._catalog import UNKNOWN_CHANNEL, check_names, study_catalog
from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.engines._codes import MISSING, text_code
from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.engines._output import collect_buckets, output_folder, read_output, write_parquet
from cxlab.exceptions import DataError, DataWarning, ParameterError
from cxlab.survival._covariates import (
    join_customers,
    join_extra,
    join_feedback,
    time_to_resolve,
)
from cxlab.survival._in_memory import NONE as _NONE
from cxlab.survival._in_memory import per_customer_in_memory

__all__ = ["survival_table"]

log = logging.getLogger(__name__)

NS_PER_DAY = 86_400 * 10**9
#: DuckDB working memory of the per-customer reduction per event of a bucket
#: (:func:`cxlab.engines._buckets.bucket_count`): 1e7 events in one bucket took 430 MB
#: over the interpreter, in two buckets 310 MB (24 bytes an event, plus the result)
BYTES_PER_EVENT = 40
#: With ``out=``, at most this many customers of a bucket are in pandas at once
CUSTOMERS_PER_BUCKET = 2_000_000
_CHURN_KINDS = ("event", "inactivity", "either")
#: The feedback columns the table reads (a large feedback file is read for these only)
FEEDBACK_READ = ["customer_id", "timestamp", "stage", "metric", "score"]


def survival_table(
    data,
    *,
    churn: str = "event",
    inactivity_days: float | None = None,
    observation_end=None,
    start_stage: str | None = None,
    window_days: float = 28.0,
    support_stage: str | None = None,
    resolve_stage: str | None = None,
    extra: pd.Series | pd.DataFrame | None = None,
    persona="auto",
    invalid_churn: str = "raise",
    catalog=None,
    out=None,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Build the survival table: one row per customer who reached the start stage.

    Parameters
    ----------
    data : CXData or LazyStudy
        Events, customers and feedback (``cxlab.load`` or ``cxlab.simulate``). On a lazy
        study the event reductions run in its engine (DuckDB, Spark, polars) and one
        row per customer comes back.
    churn : {"event", "inactivity", "either", "auto"}, default="event"
        What counts as churn (see the module docstring): an explicit churn
        event, a silence longer than ``inactivity_days`` (churn dated at the
        last activity), or whichever comes first. ``"auto"``: ``"event"`` when
        the study records churn events (the catalog's ``churn_stage`` occurs),
        else ``"inactivity"``; the choice is in ``table.attrs["survival"]``.
    inactivity_days : float, optional
        Silence that counts as churn; required unless ``churn="event"``.
    observation_end : str or Timestamp, optional
        The end of the observation window. Default: the last event timestamp
        in the log. Events after it are ignored. Customers still active are
        censored here (``churn="event"``) or at ``observation_end -
        inactivity_days`` (the other definitions).
    start_stage : str, optional
        Stage whose first event starts the clock; default the catalog's
        purchase stage. Only customers with such an event get a row.
    window_days : float, default=28
        The covariate window after the start (the onboarding window): support
        contacts and feedback are counted inside it, also for customers who
        churn before it ends.
    support_stage : str, optional
        Stage of support contacts; default the catalog's ``support_stage``
        (``"service"`` in the default catalog). When the catalog has none, the
        table has no ``support_contacts`` column (the study records no support
        contacts, so none can be counted).
    resolve_stage : str, optional
        A stage that marks a resolved support case, if your catalog has one.
        Then ``time_to_resolve_days`` is the mean time from each support
        contact in the window to the next event of this stage (NaN when none
        follows). Without it the time to resolve cannot be derived from the
        log and the column is absent.
    extra : Series or DataFrame, optional
        More covariates indexed by ``customer_id`` (e.g. persona labels from
        clustering), joined as columns.
    persona : "auto", Series or None, default="auto"
        A ``persona`` column: a Series ``customer_id -> persona``; with "auto",
        the customers table's ``persona`` column if it has one, else (simulated
        data) the true persona from ``data.truth``, noted in
        ``table.attrs["survival"]["persona"]``; None for no persona column.
    invalid_churn : {"raise", "warn"}, default="raise"
        What to do with churn events before the customer's first start event
        (or of customers who never started): raise a :class:`DataError`, or
        ignore those events with a :class:`DataWarning`.
    catalog : StageCatalog, optional
        Purchase, churn and support stages; default the study's own catalog
        (``data.catalog``).
    out : str or Path, optional
        A lazy study only: write the table to this folder as Parquet (one
        ``part-NNNNN.parquet`` per bucket of customers, ``customer_id`` a column, times
        in microseconds as Spark reads them, the definition in ``survival.json``) and
        return a lazy frame over it on the study's engine, for tables too large for memory (8.7M rows for 1e8 events). Only one
        bucket of customers (at most :data:`CUSTOMERS_PER_BUCKET`) is in pandas at a
        time; the covariates (customers, feedback, ``extra``, persona) are joined per
        bucket as in memory. :func:`cxlab.kaplan_meier` runs on the frame returned.
    overwrite : bool, default=False
        With ``out=``: replace a folder that already holds files (else an error).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``. Columns: ``start``, ``end`` (timestamps),
        ``tenure_days`` (float, from ``start`` to churn or censoring),
        ``churned`` (bool), ``churn_kind`` ("event", "inactivity" or NA when
        censored), ``first_revenue``, ``revenue_after_start`` (revenue of
        later events up to ``end``), ``purchase_channel`` (channel of the start
        event), ``n_channels`` (distinct channels from start to end),
        ``support_contacts`` (``support_stage`` events in the window; absent
        when the catalog has no support stage),
        ``time_to_resolve_days`` (only with ``resolve_stage``), the customers
        table's columns (``signup_date`` becomes ``days_signup_to_start``),
        feedback in the window (``csat``: the first CSAT answer of the start
        stage; ``csat_mean``, ``nps_last``, ``nps_mean``, ``n_nps``,
        ``ces_mean``; NaN when not answered) and the ``extra`` columns.
        ``table.attrs["survival"]`` records the definition used. With ``out=``: a
        narwhals LazyFrame over the Parquet files, the same columns with
        ``customer_id`` first (``survival.json`` holds the definition).

    Raises
    ------
    ParameterError
        Unknown ``churn`` definition, missing ``inactivity_days``; ``out=`` on a study
        in memory, or a folder that already holds files (without ``overwrite=True``).
    UnknownCategoryError
        ``start_stage``, ``support_stage`` or ``resolve_stage`` is not a stage of
        the catalog; the message lists the stages.
    DataError
        Churn events before the first start event (with ``invalid_churn="raise"``).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=500, random_state=1)
    >>> table = cxlab.survival_table(data)
    >>> table[["tenure_days", "churned", "support_contacts", "csat"]].shape[1]
    4
    """
    if churn == "auto":
        churn = _auto_churn(data, study_catalog(data, catalog))
    if churn not in _CHURN_KINDS:
        raise ParameterError(f"churn={churn!r}; use one of {[*_CHURN_KINDS, 'auto']}.")
    if churn != "event" and (inactivity_days is None or not inactivity_days > 0):
        raise ParameterError(
            f"churn={churn!r} needs inactivity_days > 0 (the silence that counts as churn), "
            f"got {inactivity_days!r}."
        )
    if invalid_churn not in ("raise", "warn"):
        raise ParameterError(f"invalid_churn={invalid_churn!r}; use 'raise' or 'warn'.")
    if not window_days >= 0:
        raise ParameterError(f"window_days={window_days!r} must be >= 0.")
    catalog = study_catalog(data, catalog)
    for param, name in (
        ("start_stage", start_stage),
        ("support_stage", support_stage),
        ("resolve_stage", resolve_stage),
    ):
        if name is not None:
            check_names(name, catalog, argument=param)
    support_stage = support_stage or catalog.support_stage
    start_stage = start_stage or catalog.purchase_stage
    if churn == "event" and catalog.churn_stage is None:
        raise ParameterError(
            "the catalog has no churn stage, so churn='event' cannot work; "
            "use churn='inactivity' with inactivity_days=..."
        )
    # a pandas log in memory takes the numpy reductions (the same rules, 2.8-5.9x faster)
    in_memory = isinstance(data.events, pd.DataFrame)
    if out is not None and in_memory:
        raise ParameterError(
            "out= writes the survival table of a lazy study (DuckDB, Spark, polars) to "
            "Parquet; this study's events are in memory, so the table is returned as a "
            "DataFrame: drop out= (or save it yourself: table.to_parquet(...)), or load the "
            "study with engine='duckdb'."
        )
    if out is not None:
        folder = output_folder(out, overwrite)
        folder.mkdir(parents=True, exist_ok=True)
    lf = None if in_memory and resolve_stage is None else _event_frame(data)
    obs_end = _observation_end(observation_end, data.events if in_memory else lf)
    thr = 0 if churn == "event" else int(round(float(inactivity_days) * NS_PER_DAY))
    spec = _Spec(
        stages=list(catalog.stages),
        channels=_channel_names(data, catalog),
        start=start_stage,
        churn_stage=catalog.churn_stage,
        support=support_stage,
        churn=churn,
        obs_end=obs_end,
        censor_at=obs_end - thr,
        thr=thr,
        win=int(round(window_days * NS_PER_DAY)),
    )
    checks = _Checks(spec, start_stage, invalid_churn)

    def table_of(per, events, *, one_pass):
        """The table of the customers of ``per`` (all of them, or one bucket's)."""
        usable = checks.add(per)
        if one_pass:
            checks.finish(stacklevel=4)
        table = _journey_table(per, spec, usable)
        del per, usable
        if resolve_stage is not None:
            table["time_to_resolve_days"] = _resolve_times(events, table, spec, resolve_stage)
        table = _join_covariates(
            table, data, start_stage, window_days, extra, persona, subset=not one_pass
        )
        checks.persona = table.attrs.pop("persona_note")
        return table

    if out is not None:
        tables = (
            _for_parquet(table_of(to_pandas(_per_customer_frame(b, spec)), b, one_pass=False))
            for b in customer_buckets(lf, _out_buckets(lf, data))
        )
        try:
            write_parquet(tables, folder, overwrite=True)
            checks.finish(stacklevel=3)
        except Exception:
            _empty(folder)
            raise
        note = checks.attrs(churn, inactivity_days, window_days, support_stage)
        (folder / "survival.json").write_text(json.dumps(note, indent=1))
        log.info("survival table: %d customers written to %s", checks.n_rows, folder)
        return read_output(lf, folder)
    table = table_of(
        per_customer_in_memory(data.events, spec) if in_memory else _per_customer(lf, spec),
        lf,
        one_pass=True,
    )
    table.attrs["survival"] = checks.attrs(churn, inactivity_days, window_days, support_stage)
    log.info("survival table: %d customers, %d churned", len(table), checks.n_churned)
    return table


# -- the event reductions of a lazy study (narwhals) -----------------------------------


@dataclass(frozen=True)
class _Spec:
    """What the reductions need: stage names, the churn definition and its dates (ns)."""

    stages: list
    channels: list
    start: str
    churn_stage: str | None
    support: str | None
    churn: str
    obs_end: int
    censor_at: int
    thr: int
    win: int

    def rank(self, stage) -> int:
        """Catalog position of ``stage`` (past the end when the catalog lacks it)."""
        return self.stages.index(stage) if stage in self.stages else len(self.stages)


def _ts(ns: int):
    return nw.lit(pd.Timestamp(ns).to_pydatetime())


def _flag(condition):
    return nw.when(condition).then(nw.lit(1)).otherwise(nw.lit(0))


def _count(condition):
    """A condition as 0/1 (a cast: cheaper than a ``when`` on pandas)."""
    return condition.cast(nw.Int64)


def _stage_is(stage):
    return nw.col("stage") == stage if stage is not None else nw.lit(False)


def _per_customer(lf, spec: _Spec) -> pd.DataFrame:
    """One row per customer (see :func:`_per_customer_frame`), one bucket of customers at a time.

    DuckDB does not hold a grouping by customer over every event to its memory limit;
    over buckets of customers (:mod:`cxlab.engines._buckets`) it does, and the rows of
    the buckets are simply put one after the other.
    """
    n = bucket_count(lf, bytes_per_event=BYTES_PER_EVENT)
    frames = (_per_customer_frame(b, spec) for b in customer_buckets(lf, n))
    return collect_buckets(frames)


def _per_customer_frame(lf, spec: _Spec):
    """One row per customer as a lazy frame: start, churn, follow-up end and the journey counts.

    Event order is time, and at equal times the catalog's stage order (the order
    :func:`cxlab.load` sorts events in): the start is the first ``start`` event
    (start events at that same instant count as one start, events of that instant
    ranked before the start stage come before it); the follow-up runs from it to the
    end, every event of the end instant included.

    As hand-written SQL would: the starts and churns (few events) give each customer's
    follow-up; it is joined to the events once and one grouping by customer gives
    every count (the start's revenue and channel too). Every customer with an event has a row (those without a start too:
    they are counted, and their churn events checked).
    """
    t, stage = nw.col("timestamp"), nw.col("stage")
    start, end = nw.col("start"), nw.col("end")
    obs_end = _ts(spec.obs_end)
    starts = lf.filter(stage == spec.start).group_by("customer_id").agg(t.min().alias("start"))
    churns = (
        lf.filter(_stage_is(spec.churn_stage) & (t <= obs_end))
        .select("customer_id", "timestamp")
        .join(starts, on="customer_id", how="left")
        .with_columns(nw.when(t >= start).then(t).alias("churn_t"))
        .group_by("customer_id")
        .agg(nw.col("churn_t").min())
    )
    spans = starts.join(churns, on="customer_id", how="left")
    if spec.churn != "event":
        spans = spans.join(_inactivity(lf, starts, spec), on="customer_id", how="left")
    spans = spans.with_columns(**_follow_up(spec)).select("customer_id", "start", "end", "kind")
    # stage and channel as small integer codes: every comparison below is on integers
    r_start, r_churn, r_support = (
        spec.rank(x) for x in (spec.start, spec.churn_stage, spec.support)
    )
    r, c = nw.col("_r"), nw.col("_c")
    coded = lf.select(
        "customer_id",
        "timestamp",
        "revenue",
        text_code("stage", spec.stages).alias("_r"),
        text_code("channel", spec.channels).alias("_c"),
    )
    earlier = (r >= 0) & (r < r_start)  # a stage ranked before the start stage
    span = (
        (start < _ts(spec.censor_at)) & ((t > start) | ((t == start) & ~earlier)) & (t <= end)
    ).fill_null(False)
    win_end = start + nw.lit(pd.Timedelta(spec.win, "ns").to_pytimedelta())
    in_span, at_start = nw.col("in_span"), nw.col("at_start")
    ev = (
        coded.join(spans, on="customer_id", how="left")
        .with_columns(
            span.alias("in_span"),
            ((r == r_start) & (t == start)).fill_null(False).alias("at_start"),
        )
        .with_columns(
            # revenue of the follow-up after the start events, and of the start events
            nw.when(in_span & ~at_start)
            .then(nw.col("revenue"))
            .otherwise(nw.lit(0.0))
            .alias("revenue_after_start"),
            nw.when(at_start).then(nw.col("revenue")).alias("first_revenue"),
            # the start's channel as a code (the first in the list)
            nw.when(at_start).then(c).alias("purchase_channel"),
            _count((r == r_support) & (t > start) & (t <= win_end) & (t <= obs_end))
            .fill_null(0)
            .alias("support_contacts"),
            _count((r == r_churn) & (t <= obs_end) & (start.is_null() | (t < start))).alias(
                "bad_churn"
            ),
            # the channels of the follow-up (null outside it; a missing channel is none)
            nw.when(in_span & (c != MISSING)).then(c).alias("span_channel"),
        )
    )
    sums = ["revenue_after_start", "support_contacts", "bad_churn", "first_revenue"]
    return (
        ev.group_by("customer_id")
        .agg(
            nw.col("start", "end", "kind").min(),
            nw.col(*sums).sum(),
            nw.col("purchase_channel").min(),
            # distinct channels of the follow-up: narwhals counts a null as one value,
            # so one less for a customer with an event outside the follow-up
            nw.col("span_channel").n_unique().alias("n_any"),
            nw.col("span_channel").null_count().alias("n_null"),
        )
        .select(
            "customer_id",
            "start",
            "end",
            "kind",
            "revenue_after_start",
            "support_contacts",
            "bad_churn",
            (nw.col("n_any") - _count(nw.col("n_null") > 0)).alias("n_channels"),
            "first_revenue",
            "purchase_channel",
        )
    )


def _inactivity(lf, starts, spec: _Spec):
    """Per customer: the last activity before the first silence longer than the threshold."""
    t = nw.col("timestamp")
    activity = (t >= nw.col("start")) & (t <= _ts(spec.obs_end))
    if spec.churn_stage is not None:
        activity = activity & (nw.col("stage") != spec.churn_stage)
    gap = nw.lit(pd.Timedelta(spec.thr, "ns").to_pytimedelta())
    following = t.shift(-1).over("customer_id", order_by="timestamp").fill_null(_ts(spec.obs_end))
    return (
        lf.select("customer_id", "timestamp", "stage")
        .join(starts, on="customer_id")
        .filter(activity)
        .select("customer_id", "timestamp")
        .with_columns(following.alias("_next"))
        .with_columns(nw.when(nw.col("_next") > t + gap).then(t).alias("inactive_t"))
        .group_by("customer_id")
        .agg(nw.col("inactive_t").min())
    )


def _follow_up(spec: _Spec) -> dict:
    """End of follow-up (``end``), its kind (0 censored, 1 event, 2 inactivity) per customer."""
    churn_t = nw.col("churn_t")
    censor_at = _ts(spec.censor_at)
    if spec.churn == "event":
        first, kind = churn_t, nw.lit(1)
    elif spec.churn == "inactivity":
        first, kind = nw.col("inactive_t"), nw.lit(2)
    else:
        inactive_t = nw.col("inactive_t")
        use_event = ~churn_t.is_null() & (inactive_t.is_null() | (churn_t < inactive_t))
        first = nw.when(use_event).then(churn_t).otherwise(inactive_t)
        kind = nw.when(use_event).then(nw.lit(1)).otherwise(nw.lit(2))
    seen = ~first.is_null() & (first <= censor_at)
    return {
        "end": nw.when(seen).then(first).otherwise(censor_at),
        "kind": nw.when(seen).then(kind).otherwise(nw.lit(0)),
    }


# -- checks on the per-customer rows --------------------------------------------------


class _Checks:
    """The checks on the per-customer rows, counted bucket by bucket and reported once.

    Churn events before the start (an error, or ignored with a warning), customers who
    start too late to be followed (a warning), no usable customer (an error), no churn
    at all (a warning): the counts and the five smallest example ids are added up over
    the buckets of customers, so the messages are those of one pass.
    """

    def __init__(self, spec: _Spec, start_stage, invalid_churn):
        self.spec, self.start_stage, self.invalid_churn = spec, start_stage, invalid_churn
        self.n_bad = self.n_late = self.n_rows = self.n_without_start = self.n_churned = 0
        self.bad_ids, self.late_ids = [], []
        self.persona = None

    @staticmethod
    def _first_ids(ids: list, more: np.ndarray) -> list:
        return sorted([*ids, *np.sort(more)[:5].tolist()])[:5]

    def add(self, per: pd.DataFrame) -> np.ndarray:
        """Count one bucket's problems; the customers with follow-up (a mask of ``per``)."""
        ids = per["customer_id"].to_numpy()
        bad = per["bad_churn"].to_numpy(dtype=float, na_value=0).astype(np.int64)
        self.n_bad += int(bad.sum())
        self.bad_ids = self._first_ids(self.bad_ids, ids[bad > 0])
        start = _ns(per["start"])
        has_start = start != _NONE
        usable = has_start & (start < self.spec.censor_at)
        late = has_start & ~usable
        self.n_late += int(late.sum())
        self.late_ids = self._first_ids(self.late_ids, ids[late])
        self.n_without_start += int((~has_start).sum())
        self.n_rows += int(usable.sum())
        kind = per["kind"].to_numpy(dtype=float, na_value=0)
        self.n_churned += int((kind[usable] > 0).sum())
        return usable

    def finish(self, stacklevel: int) -> None:
        """Raise or warn about what the buckets held (``stacklevel``: the user's call)."""
        spec = self.spec
        if self.n_bad:
            problem = (
                f"{self.n_bad:,} churn events come before the customer's first "
                f"{self.start_stage!r} event (or the customer never had one)"
            )
            if self.invalid_churn == "raise":
                raise DataError(
                    problem,
                    column="stage",
                    table="events",
                    n_rows=self.n_bad,
                    example_ids=self.bad_ids,
                    fix="remove those events, check the customer ids, or pass "
                    "invalid_churn='warn' to ignore them",
                )
            warnings.warn(
                f"{problem}; they are ignored (e.g. customer_id {self.bad_ids}).",
                DataWarning,
                stacklevel=stacklevel,
            )
        if self.n_late:
            warnings.warn(
                f"{self.n_late:,} customers started at or after the last date churn can be "
                f"observed ({pd.Timestamp(spec.censor_at)}); they have no follow-up and are "
                f"left out (e.g. customer_id {self.late_ids}).",
                DataWarning,
                stacklevel=stacklevel,
            )
        if not self.n_rows:
            raise DataError(
                f"no customer has a {spec.start!r} event with follow-up before "
                f"{pd.Timestamp(spec.censor_at)}",
                column="stage",
                table="events",
                fix="check start_stage, observation_end and inactivity_days",
            )
        if not self.n_churned:
            warnings.warn(
                "no churn was observed: every customer is censored. Kaplan-Meier curves stay "
                "at 1 and churn models cannot be fitted; check the churn definition.",
                DataWarning,
                stacklevel=stacklevel,
            )

    def attrs(self, churn, inactivity_days, window_days, support_stage) -> dict:
        """The definition used (``table.attrs["survival"]``)."""
        spec = self.spec
        return {
            "churn": churn,
            "inactivity_days": inactivity_days,
            "observation_end": str(pd.Timestamp(spec.obs_end)),
            "censored_at": str(pd.Timestamp(spec.censor_at)),
            "start_stage": self.start_stage,
            "window_days": window_days,
            "support_stage": support_stage,
            "persona": self.persona,
            "excluded_no_follow_up": self.n_late,
            "customers_without_start": self.n_without_start,
        }


def _journey_table(per: pd.DataFrame, spec: _Spec, usable: np.ndarray) -> pd.DataFrame:
    """Tenure, churn and the journey covariates of the ``usable`` rows of ``per``, indexed by
    customer id in sorted order (taken column by column: no copy of ``per``)."""
    rows = np.flatnonzero(usable)
    ids = per["customer_id"].to_numpy()[rows]
    if len(ids) > 1 and not (ids[1:] >= ids[:-1]).all():
        order = np.argsort(ids, kind="stable")
        rows, ids = rows[order], ids[order]

    def col(name, na_value=0):
        return per[name].to_numpy(dtype=float, na_value=na_value)[rows]

    start, end = _ns(per["start"])[rows], _ns(per["end"])[rows]
    kind = col("kind").astype(np.int8)
    table = pd.DataFrame(
        {
            "start": start.view("datetime64[ns]"),
            "end": end.view("datetime64[ns]"),
            "tenure_days": (end - start) / NS_PER_DAY,
            "churned": kind > 0,
            "churn_kind": pd.Categorical.from_codes(kind - 1, categories=["event", "inactivity"]),
            "first_revenue": col("first_revenue"),
            "revenue_after_start": col("revenue_after_start"),
            "purchase_channel": pd.Categorical.from_codes(
                np.maximum(col("purchase_channel", na_value=-1), -1).astype(np.int64),
                categories=spec.channels,
            ),
            "n_channels": np.maximum(col("n_channels"), 1).astype(np.int64),
            "support_contacts": col("support_contacts").astype(np.int64),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    if spec.support is None:
        table = table.drop(columns="support_contacts")
    return table


def _channel_names(data, catalog) -> list:
    """The study's channels in order: a categorical column's categories, else the catalog's."""
    events = data.events
    if isinstance(events, pd.DataFrame) and isinstance(
        events["channel"].dtype, pd.CategoricalDtype
    ):
        return [str(c) for c in events["channel"].cat.categories]
    return [*catalog.channels, UNKNOWN_CHANNEL]


def _resolve_times(lf, table: pd.DataFrame, spec: _Spec, resolve_stage) -> np.ndarray:
    """Mean days from each support contact in the window to the next ``resolve_stage`` event.

    Reads the support contacts of the window and the resolution events into memory
    (a few per customer).
    """
    stage = nw.col("stage")
    keep = _stage_is(spec.support) | (stage == resolve_stage)
    rows = to_pandas(lf.filter(keep).select("customer_id", "timestamp", "stage"))
    pos = table.index.get_indexer(rows["customer_id"])
    times = _ns(rows["timestamp"])
    stages = rows["stage"].astype(object).to_numpy()
    ok = pos >= 0
    start = _ns(table["start"])
    p = np.where(ok, pos, 0)
    support = (
        ok
        & (stages == spec.support)
        & (times > start[p])
        & (times <= start[p] + spec.win)
        & (times <= spec.obs_end)
    )
    resolved = ok & (stages == resolve_stage)
    return time_to_resolve(
        pos, times, np.flatnonzero(support), np.flatnonzero(resolved), len(table)
    )


# -- customers, feedback, extra columns and persona ---------------------------------


def _join_covariates(
    table, data, start_stage, window_days, extra, persona, *, subset=False
) -> pd.DataFrame:
    """The customers table, feedback in the window, ``extra`` and the persona column.

    The persona's provenance is left in ``table.attrs["persona_note"]``. ``subset``: the
    table holds one bucket of customers; only their customers and feedback rows are
    taken (not a copy of the whole tables per bucket).
    """
    if subset:
        customers = _share(data, "customers", table.index)
        feedback = _share(data, "feedback", table.index, FEEDBACK_READ)
    else:
        customers, feedback = data.customers, data.feedback
    table = join_customers(table, customers)
    table = join_feedback(table, feedback, start_stage, window_days)
    if extra is not None:
        table = join_extra(table, extra)
    persona_note = None
    if isinstance(persona, pd.Series):
        table = join_extra(table, persona.rename("persona"))
        persona_note = "given"
    elif persona == "auto" and "persona" not in table and getattr(data, "truth", None) is not None:
        table = join_extra(table, data.truth.persona.rename("persona"))
        persona_note = "the true simulated persona (data.truth), not an estimate"
    elif persona not in ("auto", None):
        raise ParameterError(f"persona={persona!r}; use 'auto', a Series or None.")
    table.attrs["persona_note"] = persona_note
    return table


def _share(data, name: str, ids: pd.Index, columns=None):
    """The rows of the customers ``ids`` in the study's ``name`` table (customers, feedback).

    A table the study has not read yet (a large file, see
    :class:`~cxlab.engines.LazyStudy`) is read for these customers only (only
    ``columns``, when given).
    """
    given = data.tables_as_given() if hasattr(data, "tables_as_given") else {}
    reader = given.get(name)
    if reader is not None and hasattr(reader, "rows_of"):
        return reader.rows_of(ids, columns)
    frame = getattr(data, name)
    if frame is None or "customer_id" not in frame:
        return None
    return frame[frame["customer_id"].isin(ids)]


def _event_frame(data):
    """The events as a narwhals LazyFrame with the five columns the table needs.

    A pandas study stays in pandas; a lazy study's events stay in their engine
    (DuckDB, Spark, polars): only one row per customer comes back.
    """
    lf = to_lazy(data.events)
    names = lf.collect_schema().names()
    cols = [nw.col(c) for c in ("customer_id", "timestamp", "stage", "channel")]
    revenue = nw.col("revenue").cast(nw.Float64) if "revenue" in names else nw.lit(0.0)
    lf = lf.select(*cols, revenue.alias("revenue"))
    schema = lf.collect_schema()
    if not isinstance(schema["timestamp"], nw.Datetime):
        raise DataError(
            f"timestamps must be datetime64, not {schema['timestamp']}",
            column="timestamp",
            table="events",
            fix="load events with cxlab.load_events, which parses timestamps",
        )
    return lf


# -- helpers ----------------------------------------------------------------------


def _for_parquet(table: pd.DataFrame) -> pd.DataFrame:
    """``customer_id`` as a column; times in microseconds (what Spark reads from Parquet)."""
    table = table.reset_index()
    times = [c for c in table if pd.api.types.is_datetime64_dtype(table[c])]
    return table.astype(dict.fromkeys(times, "datetime64[us]")) if times else table


def _empty(folder: Path) -> None:
    """Remove what was written to ``folder`` (a failed ``out=``)."""
    for path in folder.iterdir():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _out_buckets(lf, data) -> int:
    """Buckets for ``out=``: DuckDB's memory limit, and customers a bucket in pandas."""
    reader = data.tables_as_given().get("customers") if hasattr(data, "tables_as_given") else None
    if reader is not None and getattr(reader, "num_rows", None) is not None:
        n_customers = reader.num_rows  # a large table not read yet: its file's row count
    else:
        customers = getattr(data, "customers", None)
        n_customers = 0 if customers is None else len(customers)
    by_rows = math.ceil(n_customers / CUSTOMERS_PER_BUCKET)
    return max(bucket_count(lf, bytes_per_event=BYTES_PER_EVENT), by_rows, 1)


def _ns(col: pd.Series) -> np.ndarray:
    """int64 nanoseconds (UTC, time zone dropped); ``_NONE`` where missing."""
    stamps = col if pd.api.types.is_datetime64_any_dtype(col) else pd.to_datetime(col)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = stamps.to_numpy().astype("datetime64[ns]").view(np.int64).copy()
    ns[stamps.isna().to_numpy()] = _NONE
    return ns


def _auto_churn(data, catalog) -> str:
    """``"event"`` when the events hold the catalog's churn stage, else ``"inactivity"``."""
    stage = catalog.churn_stage
    if stage is None:
        return "inactivity"
    if isinstance(data.events, pd.DataFrame):
        return "event" if (data.events["stage"] == stage).any() else "inactivity"
    found = to_lazy(data.events).filter(nw.col("stage") == stage).select(nw.len())
    return "event" if int(to_pandas(found).iloc[0, 0]) else "inactivity"


def _observation_end(value, events) -> int:
    """``value`` as int64 nanoseconds (naive UTC); default the last event's time.

    ``events``: a pandas event table or a narwhals LazyFrame of the events.
    """
    if value is None:
        if isinstance(events, pd.DataFrame):
            last = pd.Series([events["timestamp"].max()])
        else:
            last = to_pandas(events.select(nw.col("timestamp").max()))["timestamp"]
        if last.isna().all():
            raise DataError("the events table is empty", table="events", fix="load some events")
        return int(_ns(last)[0])
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int(stamp.as_unit("ns").value)
