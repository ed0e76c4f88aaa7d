"""Feedback rows with the context to group them: customers, personas, periods, journeys.

Internal plumbing of :mod:`cxlab.feedback`, plus two public helpers:
:func:`journey_facts`, the per-customer facts of the journey around the
purchase (where the customer bought, how often they needed support while
onboarding) that feedback tables group by, and :func:`driver_table`, one row
per NPS respondent with those facts, ready for :class:`~cxlab.NPSDrivers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab.data._catalog import DEFAULT_CATALOG, UNKNOWN_CHANNEL
from cxlab.engines._study import require_memory
from cxlab.exceptions import DataError, EmptyTableError, MissingColumnError, ParameterError

__all__ = [
    "journey_facts",
    "driver_table",
    "metric_rows",
    "dimension_codes",
    "PERIODS",
    "DEFAULT_ONBOARDING_DAYS",
]


#: Onboarding window used for real data (simulations record theirs in ``truth``).
DEFAULT_ONBOARDING_DAYS = 28.0
PERIODS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y", "day": "D"}
PERIODS.update({v: v for v in ("D", "W", "M", "Q", "Y")})
MISSING = "(missing)"
JOURNEY_DIMENSIONS = ("purchase_channel", "purchase_touchpoint")


@dataclass
class Context:
    """What a feedback table can be grouped by, besides its own columns."""

    customers: pd.DataFrame | None = None
    persona: pd.Series | None = None
    data: object | None = None  # CXData, for journey facts
    notes: list = field(default_factory=list)
    scores: np.ndarray | None = None  # checked int64 scores, aligned with the rows
    _facts: pd.DataFrame | None = None

    def facts(self) -> pd.DataFrame:
        if self.data is None:
            raise ParameterError(
                "purchase_channel / purchase_touchpoint need the events: pass a CXData "
                "(e.g. cxlab.load(...)) instead of a feedback table."
            )
        if self._facts is None:
            self._facts = journey_facts(self.data)
        return self._facts


def metric_rows(data, metric: str, *, customers=None, persona=None) -> tuple[pd.DataFrame, Context]:
    """The feedback rows of one metric and the grouping context (``ctx.scores``: checked scores).

    The rows are the caller's table (not a copy) when every row is of ``metric``;
    never modify them. Everything downstream works by position.
    """
    from cxlab.feedback._core import SCALES, check_scores, require_columns

    ctx = Context()
    if hasattr(data, "feedback") and hasattr(data, "events"):
        fb = data.feedback
        ctx.customers = data.customers if customers is None else customers
        ctx.data = data
        truth = getattr(data, "truth", None)
    elif isinstance(data, pd.DataFrame):
        fb, ctx.customers, truth = data, customers, None
    else:
        raise ParameterError(
            f"data must be a CXData or a feedback DataFrame, not {type(data).__name__}."
        )
    if metric not in SCALES:
        raise ParameterError(f"metric={metric!r}; use one of {sorted(SCALES)}.")
    require_columns(fb, ["score"], "feedback")
    if "metric" in fb.columns:
        col = fb["metric"]
        if isinstance(col.dtype, pd.CategoricalDtype):  # compare codes, not 10M strings
            cats = col.cat.categories
            code = cats.get_loc(metric) if metric in cats else -2
            mask = col.cat.codes.to_numpy() == code
        else:
            mask = (col == metric).fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            found = fb["metric"].astype(str).value_counts().to_dict()
            raise EmptyTableError(
                f"no {metric} answers in the feedback table (it has {found or 'no rows'})",
                table="feedback",
                column="metric",
                n_rows=0,
                fix=f"pick a metric the survey asked ({sorted(found) or 'none'})",
            )
        rows = fb if mask.all() else fb.loc[mask]
    else:
        rows = fb
        ctx.notes.append(f"The feedback table has no 'metric' column: all rows taken as {metric}.")
    if len(rows) == 0:
        raise EmptyTableError(f"there are no {metric} answers", table="feedback", n_rows=0)
    ids = rows["customer_id"].to_numpy() if "customer_id" in rows.columns else None
    ctx.scores = check_scores(rows["score"], metric, ids, table="feedback")
    if persona is not None:
        ctx.persona = persona
    elif ctx.customers is not None and "persona" in ctx.customers.columns:
        ctx.persona = ctx.customers.set_index("customer_id")["persona"]
    elif truth is not None:
        ctx.persona = truth.persona
        ctx.notes.append("persona: the true simulated persona (data.truth), not an estimate.")
    return rows, ctx


def _lookup(ids: pd.Series, table: pd.DataFrame | pd.Series, col: str | None, what: str):
    """Values of ``table[col]`` (or a Series) for each id; NA where the id is unknown."""
    if isinstance(table, pd.Series):
        index, values = table.index, table
    else:
        if not table["customer_id"].is_unique:
            dup = table.loc[table["customer_id"].duplicated(), "customer_id"]
            raise DataError(
                f"customer_id repeats in the {what} table, so {col!r} is ambiguous",
                column="customer_id",
                table=what,
                n_rows=len(dup),
                example_ids=dup.head(5).tolist(),
                fix="keep one row per customer",
            )
        index, values = pd.Index(table["customer_id"]), table[col]
    pos = pd.Index(index).get_indexer(ids)
    out = values.iloc[np.maximum(pos, 0)].reset_index(drop=True)
    if (pos < 0).any():
        out = out.astype(object).where(pos >= 0, None)
    return out


def dimension_values(rows: pd.DataFrame, dim: str, ctx: Context, period: str) -> pd.Series:
    if dim == "period":
        if "timestamp" not in rows.columns:
            raise MissingColumnError(
                "grouping by period needs a timestamp column", column="timestamp", table="feedback"
            )
        freq = PERIODS.get(period)
        if freq is None:
            raise ParameterError(f"period={period!r}; use one of {sorted(PERIODS)}.")
        return pd.to_datetime(rows["timestamp"]).dt.to_period(freq)
    if dim in rows.columns and dim not in ("score", "customer_id"):
        return rows[dim].reset_index(drop=True)
    needs_id = "customer_id" in rows.columns
    if dim == "persona":
        if ctx.persona is None:
            raise ParameterError(
                "no personas known: pass persona= (a Series indexed by customer_id, e.g. "
                "from cxlab's personas module) or add a 'persona' column to customers."
            )
        return _lookup(rows["customer_id"], ctx.persona, None, "persona")
    if dim in JOURNEY_DIMENSIONS and needs_id:
        return _lookup(rows["customer_id"], ctx.facts()[dim], None, "journey facts")
    if ctx.customers is not None and dim in ctx.customers.columns and needs_id:
        return _lookup(rows["customer_id"], ctx.customers, dim, "customers")
    known = [c for c in rows.columns if c not in ("score", "customer_id", "comment")]
    known += ["period", "persona", *JOURNEY_DIMENSIONS]
    if ctx.customers is not None:
        known += [c for c in ctx.customers.columns if c != "customer_id"]
    raise ParameterError(f"cannot group by {dim!r}; available: {sorted(set(known))}.")


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index, int]:
    """Integer codes (categorical order, else sorted), labels, and the number of missing."""
    missing = values.isna().to_numpy()
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        labels = pd.Index(values.cat.categories.astype(str))
    else:
        codes, uniques = pd.factorize(values, sort=True)
        codes = codes.astype(np.int64)
        labels = pd.Index([str(u) for u in uniques])
    n_missing = int(missing.sum())
    if n_missing:
        codes = np.where(missing, len(labels), codes)
        labels = labels.append(pd.Index([MISSING]))
    return codes, labels, n_missing


def dimension_codes(
    rows: pd.DataFrame, spec: tuple, ctx: Context, *, period: str = "M"
) -> tuple[np.ndarray, pd.Index]:
    """Group codes of each row and the group labels for one (possibly crossed) dimension."""
    codes = np.zeros(len(rows), dtype=np.int64)
    labels = pd.Index([""])
    for dim in spec:
        c, lab, n_missing = _codes(dimension_values(rows, dim, ctx, period))
        if n_missing:
            note = f"{n_missing:,} answers have no {dim}: shown as group {MISSING!r}."
            if note not in ctx.notes:
                ctx.notes.append(note)
        codes = codes * len(lab) + c
        labels = pd.Index([f"{a} | {b}" if a else b for a in labels for b in lab])
    return codes, labels


def journey_facts(data, *, onboarding_days: float | None = None) -> pd.DataFrame:
    """Per-customer facts of the journey around the first purchase.

    Parameters
    ----------
    data : CXData or LazyStudy
    onboarding_days : float, optional
        Window after the first purchase in which support contacts are counted.
        Default: ``data.truth.onboarding_days`` for simulated data, else 28.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (every customer of ``data.customers``):
        ``purchased`` (bool), ``purchase_time``, ``purchase_channel``,
        ``purchase_touchpoint`` (NA without a purchase), ``support_contacts``
        (events of the catalog's ``service`` stage in
        ``[purchase, purchase + onboarding_days]``; NaN without a purchase) and
        ``loyalty_member`` when the customers table has it.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=500, random_state=2)
    >>> facts = cxlab.journey_facts(data)
    >>> int(facts["purchased"].sum()) == int(data.truth.customers["purchased"].sum())
    True
    """
    catalog = getattr(data, "catalog", DEFAULT_CATALOG)
    if onboarding_days is None:
        truth = getattr(data, "truth", None)
        onboarding_days = (
            float(truth.onboarding_days) if truth is not None else DEFAULT_ONBOARDING_DAYS
        )
    ids = pd.Index(data.customers["customer_id"])
    from cxlab.engines._study import LazyStudy

    if isinstance(data, LazyStudy):
        first, contacts = _purchase_facts_in_engine(data.frame, catalog, onboarding_days)
        return _facts_table(data, ids, first, contacts, onboarding_days)
    ev = data.events
    stage = ev["stage"].astype(str).to_numpy()
    buy = ev.loc[stage == catalog.purchase_stage, ["customer_id", "timestamp", "channel"]]
    if "touchpoint" in ev.columns:
        buy = buy.assign(touchpoint=ev.loc[buy.index, "touchpoint"])
    if not _sorted(buy):
        buy = buy.sort_values(["customer_id", "timestamp"], kind="stable")
    first = buy.drop_duplicates("customer_id", keep="first").set_index("customer_id")
    contacts = None
    if catalog.support_stage is not None:
        svc = ev.loc[stage == catalog.support_stage, ["customer_id", "timestamp"]]
        pos = ids.get_indexer(svc["customer_id"])
        start = first["timestamp"].reindex(ids).to_numpy()[np.maximum(pos, 0)]
        delta = (svc["timestamp"].to_numpy() - start) / np.timedelta64(1, "D")
        inside = (pos >= 0) & (delta >= 0) & (delta <= onboarding_days)
        contacts = np.bincount(pos[inside], minlength=len(ids)).astype(float)
    return _facts_table(data, ids, first, contacts, onboarding_days)


def _purchase_facts_in_engine(lf, catalog, onboarding_days: float):
    """The first purchase (time, channel, touchpoint) and the support contacts after it,
    per customer, counted in the engine that holds the events.

    At equal times of a customer's first purchases, the engine takes the first channel
    (touchpoint) by name; a study in memory takes the first row of the file.
    """
    import narwhals as nw

    from cxlab.engines._frames import to_pandas

    stage, t = nw.col("stage").cast(nw.String), nw.col("timestamp")
    has_touch = "touchpoint" in lf.collect_schema().names()
    buy = lf.filter(stage == catalog.purchase_stage)
    when = buy.group_by("customer_id").agg(t.min().alias("_tp"))
    what = [nw.col("channel").cast(nw.String).min()]
    if has_touch:
        what.append(nw.col("touchpoint").cast(nw.String).min())
    first = (
        buy.join(when, on="customer_id")
        .filter(t == nw.col("_tp"))
        .group_by("customer_id")
        .agg(nw.col("_tp").min().alias("timestamp"), *what)
    )
    # channels travel dictionary-encoded (not one Python string per customer)
    text = ["channel", "touchpoint"] if has_touch else ["channel"]
    first = to_pandas(first, categorical=text).set_index("customer_id")
    # typed as the loader types the columns of a study in memory
    stamps = pd.to_datetime(first["timestamp"])
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):  # Spark's, through Arrow: in UTC
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    first["timestamp"] = stamps.astype("datetime64[ns]")
    channels = [*catalog.channels, UNKNOWN_CHANNEL]
    used = channels if (first["channel"] == UNKNOWN_CHANNEL).any() else channels[:-1]
    first["channel"] = pd.Categorical(first["channel"], categories=used)
    if has_touch:
        touch = first["touchpoint"].astype("category")  # categories sorted, as in memory
        first["touchpoint"] = touch.cat.set_categories(sorted(touch.cat.categories))
    contacts = None
    if catalog.support_stage is not None:
        window = f"{round(onboarding_days * 86_400e6)}us"  # the engines add whole microseconds
        counted = (
            lf.filter(stage == catalog.support_stage)
            .join(when, on="customer_id")
            .filter((t >= nw.col("_tp")) & (t <= nw.col("_tp").dt.offset_by(window)))
            .group_by("customer_id")
            .agg(nw.len().alias("n"))
        )
        contacts = to_pandas(counted).set_index("customer_id")["n"]
    return first, contacts


def _facts_table(data, ids, first, contacts, onboarding_days) -> pd.DataFrame:
    """The facts table of :func:`journey_facts` from the first purchases and the contacts."""
    facts = pd.DataFrame(index=ids)
    facts["purchased"] = ids.isin(first.index)
    facts["purchase_time"] = first["timestamp"].reindex(ids)
    facts["purchase_channel"] = first["channel"].reindex(ids)
    if "touchpoint" in first.columns:
        facts["purchase_touchpoint"] = first["touchpoint"].reindex(ids)
    support = np.full(len(ids), np.nan)
    if contacts is not None:
        if isinstance(contacts, pd.Series):  # counted in an engine: customers with contacts
            contacts = contacts.reindex(ids).fillna(0).to_numpy(dtype=float)
        support = np.where(facts["purchased"].to_numpy(), contacts, np.nan)
    facts["support_contacts"] = support
    if "loyalty_member" in data.customers.columns:
        facts["loyalty_member"] = data.customers["loyalty_member"].to_numpy()
    facts.index.name = "customer_id"
    facts.attrs["onboarding_days"] = onboarding_days
    return facts


def driver_table(
    data,
    *,
    persona: pd.Series | None = None,
    onboarding_days: float | None = None,
    which: str = "first",
) -> pd.DataFrame:
    """One row per NPS respondent with the journey facts that may drive the answer.

    Parameters
    ----------
    data : CXData
    persona : Series, optional
        Persona per ``customer_id``. Default: a ``persona`` column of
        ``data.customers``, else the true persona of simulated data.
    onboarding_days : float, optional
        Window after the first purchase for ``support_contacts`` (see
        :func:`~cxlab.journey_facts`).
    which : {"first", "last", "all"}, default="first"
        Which NPS answer of a customer with several: one row per customer keeps
        the rows independent; ``"all"`` keeps every answer.

    Returns
    -------
    DataFrame
        ``customer_id``, ``timestamp``, ``nps`` (0-10), ``csat`` (the customer's
        first CSAT answer, NaN if none), ``support_contacts``,
        ``loyalty_member``, ``purchase_channel`` and, when present,
        ``segment``, ``region`` and ``persona``.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=1000, random_state=0)
    >>> table = cxlab.driver_table(data)
    >>> table.columns[:5].tolist()
    ['customer_id', 'timestamp', 'nps', 'csat', 'support_contacts']
    """
    require_memory(data, "cxlab.driver_table")
    if which not in ("first", "last", "all"):
        raise ParameterError(f"which={which!r}; use 'first', 'last' or 'all'.")
    rows, ctx = metric_rows(data, "nps", persona=persona)
    out = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].to_numpy(),
            "timestamp": rows["timestamp"].to_numpy(),
            "nps": ctx.scores,
        }
    ).sort_values(["customer_id", "timestamp"], kind="stable")
    if which != "all":
        out = out.drop_duplicates("customer_id", keep=which)
    out = out.reset_index(drop=True)
    fb = data.feedback
    cs = fb[(fb["metric"].astype(str) == "csat").to_numpy()]
    cs = cs.sort_values(["customer_id", "timestamp"], kind="stable")
    first_csat = cs.drop_duplicates("customer_id").set_index("customer_id")["score"]
    out["csat"] = first_csat.reindex(out["customer_id"]).to_numpy(dtype=float)
    facts = journey_facts(data, onboarding_days=onboarding_days).reindex(out["customer_id"])
    out["support_contacts"] = facts["support_contacts"].to_numpy()
    if "loyalty_member" in facts.columns:
        out["loyalty_member"] = facts["loyalty_member"].to_numpy()
    # .array keeps categoricals (and so their order: the first category is the reference)
    out["purchase_channel"] = facts["purchase_channel"].array
    cust = data.customers.set_index("customer_id")
    for col in ("segment", "region"):
        if col in cust.columns:
            out[col] = cust[col].reindex(out["customer_id"]).array
    if ctx.persona is not None:
        out["persona"] = ctx.persona.reindex(out["customer_id"]).array
    out.attrs["onboarding_days"] = facts.attrs.get("onboarding_days")
    out.attrs["notes"] = ctx.notes
    return out


def _sorted(df: pd.DataFrame) -> bool:
    """Is ``df`` ordered by (customer_id, timestamp)? O(n)."""
    if len(df) < 2:
        return True
    cid = pd.Series(df["customer_id"].to_numpy())
    if not cid.is_monotonic_increasing:
        return False
    t = df["timestamp"].to_numpy()
    same = cid.to_numpy()[1:] == cid.to_numpy()[:-1]
    return bool(np.all(~same | (t[1:] >= t[:-1])))
