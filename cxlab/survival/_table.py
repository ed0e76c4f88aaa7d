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
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab.data._catalog import check_names, study_catalog
from cxlab.exceptions import DataError, DataWarning, ParameterError
from cxlab.survival._covariates import (
    _distinct_in_ranges,
    _join_customers,
    _join_extra,
    _join_feedback,
    _time_to_resolve,
)

__all__ = ["survival_table"]

log = logging.getLogger(__name__)

NS_PER_DAY = 86_400 * 10**9
_CHURN_KINDS = ("event", "inactivity", "either")
_NONE = np.iinfo(np.int64).max


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
) -> pd.DataFrame:
    """Build the survival table: one row per customer who reached the start stage.

    Parameters
    ----------
    data : CXData or LazyStudy
        Events, customers and feedback (``cxlab.load`` or ``cxlab.simulate``). A lazy
        study's event columns are read into memory (not engine-aware yet).
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
        ``table.attrs["survival"]`` records the definition used.

    Raises
    ------
    ParameterError
        Unknown ``churn`` definition, missing ``inactivity_days``.
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
    events = _events_in_memory(data)
    if len(events) == 0:
        raise DataError("the events table is empty", table="events", fix="load some events")

    log_ = _event_log(events)
    start_stage = start_stage or catalog.purchase_stage
    s_start = _stage_code(log_.stage_names, start_stage, "start_stage")
    churn_stage = catalog.churn_stage
    if churn == "event" and churn_stage is None:
        raise ParameterError(
            "the catalog has no churn stage, so churn='event' cannot work; "
            "use churn='inactivity' with inactivity_days=..."
        )
    obs_end = _observation_end(observation_end, log_.t)
    start_t, start_row = _first_start(log_, s_start)
    churn_t, churn_row = _explicit_churn(
        log_, churn_stage, start_t, obs_end, start_stage, invalid_churn
    )
    ends = _follow_up(
        log_, churn, inactivity_days, obs_end, start_t, churn_t, churn_row, churn_stage
    )
    usable = _usable(log_, start_t, ends, start_stage)
    table = _journey_table(
        log_,
        events,
        usable,
        start_t,
        start_row,
        ends,
        obs_end,
        window_days,
        support_stage,
        resolve_stage,
    )
    table = _join_covariates(table, data, start_stage, window_days, extra, persona)
    persona_note = table.attrs.pop("persona_note")
    if not table["churned"].any():
        warnings.warn(
            "no churn was observed: every customer is censored. Kaplan-Meier curves stay at 1 "
            "and churn models cannot be fitted; check the churn definition.",
            DataWarning,
            stacklevel=2,
        )
    table.attrs["survival"] = {
        "churn": churn,
        "inactivity_days": inactivity_days,
        "observation_end": str(pd.Timestamp(obs_end)),
        "censored_at": str(pd.Timestamp(ends.censor_at)),
        "start_stage": start_stage,
        "window_days": window_days,
        "support_stage": support_stage,
        "persona": persona_note,
        "excluded_no_follow_up": int((ends.has_start & ~usable).sum()),
        "customers_without_start": int(log_.n_cust - ends.has_start.sum()),
    }
    log.info("survival table: %d customers, %d churned", len(table), int(table["churned"].sum()))
    return table


# -- the event log in (customer, time) order -------------------------------------


@dataclass
class _Log:
    """Per-event arrays in (customer, time) order and the customers' row ranges."""

    cust: np.ndarray  # customer ids, sorted
    codes: np.ndarray  # customer code of each event
    t: np.ndarray  # int64 nanoseconds
    order: np.ndarray | None  # None when the log was in order already
    stage_codes: np.ndarray
    stage_names: list
    block_start: np.ndarray  # first row of each customer
    block_end: np.ndarray  # last row of each customer

    @property
    def n_cust(self) -> int:
        return len(self.cust)


def _event_log(events: pd.DataFrame) -> _Log:
    cust, codes, t, order = _ordered_codes(events)
    stage_codes, stage_names = _category_codes(events["stage"], order)
    block_start = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    block_end = np.r_[block_start[1:], len(codes)] - 1
    return _Log(cust, codes, t, order, stage_codes, stage_names, block_start, block_end)


# -- start: first start-stage event per customer ----------------------------------


def _first_start(log_: _Log, s_start: int):
    """Time and row of each customer's first start-stage event (``_NONE``/-1 without one)."""
    # (work on row subsets and per-customer row ranges; few passes over all events)
    codes = log_.codes
    start_rows = _first_of(np.flatnonzero(log_.stage_codes == s_start), codes)
    start_t = np.full(log_.n_cust, _NONE, dtype=np.int64)
    start_t[codes[start_rows]] = log_.t[start_rows]
    start_row = np.full(log_.n_cust, -1, dtype=np.int64)
    start_row[codes[start_rows]] = start_rows
    return start_t, start_row


# -- explicit churn events ------------------------------------------------------


def _explicit_churn(log_: _Log, churn_stage, start_t, obs_end, start_stage, invalid_churn):
    """Time and row of each customer's first churn event after the start."""
    codes, t = log_.codes, log_.t
    s_churn = _churn_code(log_, churn_stage)
    cr = np.flatnonzero(log_.stage_codes == s_churn) if s_churn >= 0 else np.empty(0, np.int64)
    cr = cr[t[cr] <= obs_end]
    bad = t[cr] < start_t[codes[cr]]
    if bad.any():
        ids = log_.cust[np.unique(codes[cr[bad]])]
        problem = (
            f"{int(bad.sum()):,} churn events come before the customer's first "
            f"{start_stage!r} event (or the customer never had one)"
        )
        fix = (
            "remove those events, check the customer ids, or pass invalid_churn='warn' "
            "to ignore them"
        )
        if invalid_churn == "raise":
            raise DataError(
                problem,
                column="stage",
                table="events",
                n_rows=int(bad.sum()),
                example_ids=ids[:5].tolist(),
                fix=fix,
            )
        warnings.warn(
            f"{problem}; they are ignored (e.g. customer_id {ids[:5].tolist()}).",
            DataWarning,
            stacklevel=3,
        )
    churn_rows = _first_of(cr[~bad], codes)
    churn_t = np.full(log_.n_cust, _NONE, dtype=np.int64)
    churn_t[codes[churn_rows]] = t[churn_rows]
    churn_row = np.full(log_.n_cust, -1, dtype=np.int64)
    churn_row[codes[churn_rows]] = churn_rows
    return churn_t, churn_row


def _churn_code(log_: _Log, churn_stage) -> int:
    names = log_.stage_names
    return names.index(churn_stage) if churn_stage in names else -1


# -- churn definition and censoring ---------------------------------------------


@dataclass
class _Ends:
    """Each customer's end of follow-up: time, row, kind (0 censored, 1 event, 2 inactivity)."""

    end_t: np.ndarray
    end_row: np.ndarray
    kind: np.ndarray
    censor_at: int
    has_start: np.ndarray


def _follow_up(log_, churn, inactivity_days, obs_end, start_t, churn_t, churn_row, churn_stage):
    codes, t, n_cust = log_.codes, log_.t, log_.n_cust
    has_start = start_t != _NONE
    censor_at = obs_end
    first, first_row = churn_t, churn_row
    first_kind = np.ones(n_cust, dtype=np.int8)  # 1 event, 2 inactivity
    if churn != "event":
        thr = int(round(float(inactivity_days) * NS_PER_DAY))
        censor_at = obs_end - thr
        s_churn = _churn_code(log_, churn_stage)
        activity = (t >= start_t[codes]) & (t <= obs_end) & (log_.stage_codes != s_churn)
        inact_t, inact_row = _inactivity_churn(codes, t, activity, obs_end, thr, n_cust)
        if churn == "inactivity":
            first, first_row = inact_t, inact_row
            first_kind = np.full(n_cust, 2, np.int8)
        else:
            use_event = churn_t < inact_t
            first = np.where(use_event, churn_t, inact_t)
            first_row = np.where(use_event, churn_row, inact_row)
            first_kind = np.where(use_event, 1, 2).astype(np.int8)
    seen = first <= censor_at
    end_t = np.where(seen, first, censor_at)
    kind = np.where(seen, first_kind, 0).astype(np.int8)
    # last row inside each customer's follow-up (rows are in time order per customer)
    if censor_at >= t.max():
        censor_row = log_.block_end
    else:
        censor_row = log_.block_start + np.bincount(codes[t <= censor_at], minlength=n_cust) - 1
    end_row = np.where(seen, first_row, censor_row)
    return _Ends(end_t, end_row, kind, censor_at, has_start)


def _usable(log_: _Log, start_t, ends: _Ends, start_stage) -> np.ndarray:
    """Customers with follow-up: started before the censoring date (warn about the rest)."""
    usable = ends.has_start & (start_t < ends.censor_at)
    late = ends.has_start & ~usable
    if late.any():
        warnings.warn(
            f"{int(late.sum()):,} customers started at or after the last date churn can be "
            f"observed ({pd.Timestamp(ends.censor_at)}); they have no follow-up and are left "
            f"out (e.g. customer_id {log_.cust[late][:5].tolist()}).",
            DataWarning,
            stacklevel=3,
        )
    if not usable.any():
        raise DataError(
            f"no customer has a {start_stage!r} event with follow-up before "
            f"{pd.Timestamp(ends.censor_at)}",
            column="stage",
            table="events",
            fix="check start_stage, observation_end and inactivity_days",
        )
    return usable


# -- journey covariates ----------------------------------------------------------


def _journey_table(
    log_,
    events,
    usable,
    start_t,
    start_row,
    ends,
    obs_end,
    window_days,
    support_stage,
    resolve_stage,
) -> pd.DataFrame:
    """Tenure, churn and the covariates measured on the events, one row per usable customer."""
    codes, t, n_cust, order = log_.codes, log_.t, log_.n_cust, log_.order
    names = log_.stage_names
    s_support = names.index(support_stage) if support_stage in names else -1
    win = int(round(window_days * NS_PER_DAY))
    sup = np.flatnonzero(log_.stage_codes == s_support) if s_support >= 0 else np.empty(0, np.int64)
    c = codes[sup]
    sup = sup[(t[sup] > start_t[c]) & (t[sup] <= start_t[c] + win) & (t[sup] <= obs_end)]
    n_support = np.bincount(codes[sup], minlength=n_cust)
    revenue = _column(events, "revenue", order, float)
    rr = np.flatnonzero(revenue != 0)
    c = codes[rr]
    rr = rr[(rr > start_row[c]) & (rr <= ends.end_row[c])]
    rev_after = np.bincount(codes[rr], weights=revenue[rr], minlength=n_cust)
    chan_codes, chan_names = _category_codes(events["channel"], order)

    idx = np.flatnonzero(usable)
    sr = start_row[idx]
    end_row = np.maximum(ends.end_row[idx], sr)
    n_channels = _distinct_in_ranges(chan_codes, sr, end_row, len(chan_names))
    end_t, kind = ends.end_t, ends.kind
    table = pd.DataFrame(
        {
            "start": start_t[idx].view("datetime64[ns]"),
            "end": end_t[idx].view("datetime64[ns]"),
            "tenure_days": (end_t[idx] - start_t[idx]) / NS_PER_DAY,
            "churned": kind[idx] > 0,
            "churn_kind": pd.Categorical.from_codes(
                kind[idx].astype(np.int64) - 1, categories=["event", "inactivity"]
            ),
            "first_revenue": revenue[sr],
            "revenue_after_start": rev_after[idx],
            "purchase_channel": pd.Categorical.from_codes(chan_codes[sr], categories=chan_names),
            "n_channels": n_channels,
            "support_contacts": n_support[idx],
        },
        index=pd.Index(log_.cust[idx], name="customer_id"),
    )
    if support_stage is None:
        table = table.drop(columns="support_contacts")
    if resolve_stage is not None:
        s_res = _stage_code(names, resolve_stage, "resolve_stage")
        resolved = np.flatnonzero(log_.stage_codes == s_res)
        table["time_to_resolve_days"] = _time_to_resolve(codes, t, sup, resolved, n_cust)[idx]
    return table


# -- customers, feedback, extra columns and persona ---------------------------------


def _join_covariates(table, data, start_stage, window_days, extra, persona) -> pd.DataFrame:
    """The customers table, feedback in the window, ``extra`` and the persona column.

    The persona's provenance is left in ``table.attrs["persona_note"]``.
    """
    table = _join_customers(table, data.customers)
    table = _join_feedback(table, data.feedback, start_stage, window_days)
    if extra is not None:
        table = _join_extra(table, extra)
    persona_note = None
    if isinstance(persona, pd.Series):
        table = _join_extra(table, persona.rename("persona"))
        persona_note = "given"
    elif persona == "auto" and "persona" not in table and getattr(data, "truth", None) is not None:
        table = _join_extra(table, data.truth.persona.rename("persona"))
        persona_note = "the true simulated persona (data.truth), not an estimate"
    elif persona not in ("auto", None):
        raise ParameterError(f"persona={persona!r}; use 'auto', a Series or None.")
    table.attrs["persona_note"] = persona_note
    return table


def _events_in_memory(data) -> pd.DataFrame:
    """The events as pandas; a lazy study's columns this table needs are read into memory.

    The survival table is not engine-aware yet: on a :class:`~cxlab.engines.LazyStudy`
    it reads ``customer_id``, ``timestamp``, ``stage``, ``channel`` and ``revenue``
    (about 30 bytes per event) and runs in pandas.
    """
    if isinstance(data.events, pd.DataFrame):
        return data.events
    from cxlab.data._schema import sort_events
    from cxlab.engines._frames import to_lazy, to_pandas

    lf = to_lazy(data.events)
    names = lf.collect_schema().names()
    keep = [c for c in ("customer_id", "timestamp", "stage", "channel", "revenue") if c in names]
    events = to_pandas(lf.select(keep))
    events["timestamp"] = pd.to_datetime(events["timestamp"]).astype("datetime64[ns]")
    catalog = data.catalog
    events["stage"] = pd.Categorical(events["stage"].astype(object), categories=catalog.stages)
    channels = sorted(set(events["channel"].dropna().astype(str)) - set(catalog.channels))
    events["channel"] = pd.Categorical(
        events["channel"].astype(object), categories=[*catalog.channels, *channels]
    )
    log.info("survival table: %d events of a %s study read into memory", len(events), "lazy")
    return sort_events(events).reset_index(drop=True)


# -- helpers ----------------------------------------------------------------------


def _ordered_codes(events: pd.DataFrame):
    """Customer ids, per-event customer codes and int64 times, in (customer, time) order.

    Returns ``(unique_ids, codes, times, order)``; ``order`` is None when the log
    was already grouped by customer and sorted by time (checked in O(n)).
    """
    ts = events["timestamp"]
    if not pd.api.types.is_datetime64_dtype(ts.dtype):
        raise DataError(
            f"timestamps must be datetime64, not {ts.dtype}",
            column="timestamp",
            table="events",
            fix="load events with cxlab.load_events, which parses timestamps",
        )
    t = ts.to_numpy().astype("datetime64[ns]", copy=False).view(np.int64)
    ids = events["customer_id"].to_numpy()
    if ids.dtype.kind in "iu":
        sorted_ids = len(ids) < 2 or bool(np.all(ids[1:] >= ids[:-1]))
        if sorted_ids:
            change = np.empty(len(ids), dtype=bool)
            change[:1] = True
            change[1:] = ids[1:] != ids[:-1]
            codes = np.cumsum(change) - 1
            uniq = ids[change]
        else:
            codes, uniq = _factorize_sorted(ids)
    else:
        codes, uniq = _factorize_sorted(ids)
    same = codes[1:] == codes[:-1]
    grouped = len(codes) < 2 or bool(np.all(codes[1:] >= codes[:-1]))
    ordered = grouped and not np.any(same & (t[1:] < t[:-1]))
    if ordered:
        return uniq, codes, t, None
    order = np.lexsort((t, codes))
    return uniq, codes[order], t[order], order


def _factorize_sorted(ids):
    """Codes that follow the sort order of the ids (so the table comes out sorted)."""
    codes, uniq = pd.factorize(ids, sort=True)
    return codes.astype(np.int64), np.asarray(uniq)


def _category_codes(col: pd.Series, order):
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()  # int8/int16: cheap to compare
        names = [str(c) for c in col.cat.categories]
    else:
        codes, uniq = pd.factorize(col, sort=True)
        names = [str(c) for c in uniq]
    return (codes if order is None else codes[order]), names


def _column(events, name, order, dtype):
    if name not in events:
        return np.zeros(len(events), dtype=dtype)
    values = events[name].to_numpy(dtype=dtype, na_value=0)
    return values if order is None else values[order]


def _auto_churn(data, catalog) -> str:
    """``"event"`` when the events hold the catalog's churn stage, else ``"inactivity"``."""
    stage = catalog.churn_stage
    if stage is None:
        return "inactivity"
    if isinstance(data.events, pd.DataFrame):
        return "event" if (data.events["stage"] == stage).any() else "inactivity"
    import narwhals as nw

    from cxlab.engines._frames import to_lazy, to_pandas

    found = to_lazy(data.events).filter(nw.col("stage") == stage).select(nw.len())
    return "event" if int(to_pandas(found).iloc[0, 0]) else "inactivity"


def _stage_code(names: list, stage: str, param: str) -> int:
    if stage not in names:
        raise ParameterError(f"{param}={stage!r} is not a stage in the events; stages: {names}.")
    return names.index(stage)


def _observation_end(value, t) -> int:
    if value is None:
        return int(t.max())
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int(stamp.as_unit("ns").value)


def _first_of(rows, codes):
    """The first of ``rows`` (ascending row numbers) of each customer."""
    if len(rows) == 0:
        return rows
    c = codes[rows]
    return rows[np.r_[True, c[1:] != c[:-1]]]


def _first_rows(codes, mask):
    """Row of the first True of ``mask`` in each customer (rows are in customer order)."""
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return rows
    c = codes[rows]
    keep = np.empty(len(rows), dtype=bool)
    keep[0] = True
    keep[1:] = c[1:] != c[:-1]
    return rows[keep]


def _inactivity_churn(codes, t, activity, obs_end, thr, n_cust):
    """Time of the last activity before the first silence longer than ``thr`` (else none)."""
    rows = np.flatnonzero(activity)
    out = np.full(n_cust, _NONE, dtype=np.int64)
    out_row = np.full(n_cust, -1, dtype=np.int64)
    if len(rows) == 0:
        return out, out_row
    c, ta = codes[rows], t[rows]
    nxt = np.empty(len(rows), dtype=np.int64)
    nxt[:-1] = ta[1:]
    nxt[-1] = obs_end
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = c[1:] != c[:-1]
    nxt[last] = obs_end
    gap = nxt - ta
    hit = _first_rows(c, gap > thr)
    out[c[hit]] = ta[hit]
    out_row[c[hit]] = rows[hit]
    return out, out_row
