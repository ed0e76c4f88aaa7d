"""Validation of the three journey tables.

Each ``check_<table>`` function returns the cleaned table (typed, ordered)
together with every problem found: errors (a :class:`~cxlab.exceptions.DataError`
each) and warnings (messages for what is suspicious but usable). Loaders raise
the first error and issue the warnings; :func:`cxlab.validation.validate`
collects them all for ``cxlab validate``.

What cleaning does, and nothing more:

- ``timestamp`` is parsed; zoned values are converted to UTC and stored naive
  (the loader logs it); naive and zoned values in one column are an error.
- ``stage``, ``channel`` and ``metric`` become categoricals in catalog order;
  values outside the catalog are an error.
- events are sorted by ``customer_id``, ``timestamp`` and catalog stage order
  (the order is checked first, so an ordered log is not sorted again).
- a missing ``revenue`` column means no revenue (0); missing values in an
  existing ``revenue`` column are an error.
- a missing ``stage`` column (a purchase log) means every event is a purchase
  (the catalog's ``purchase_stage``); a missing ``channel`` column means one
  channel, ``"unknown"`` (:data:`~cxlab.catalog.UNKNOWN_CHANNEL`). Both are said
  in a warning.
- duplicates are judged on all columns: two purchases at the same time with
  different amounts are two events. Exact copies are an error, dropped with
  ``on_duplicates="drop"`` or merged with their revenue summed with
  ``on_duplicates="sum"`` (both warn with the count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab.catalog import DEFAULT_CATALOG, UNKNOWN_CHANNEL, StageCatalog
from cxlab.exceptions import (
    DataError,
    DataTypeError,
    DuplicateEventError,
    DuplicateIdError,
    EmptyTableError,
    MissingColumnError,
    MissingIdError,
    MixedTimezoneError,
    ScoreRangeError,
    TimestampError,
    UnknownCategoryError,
)

__all__ = [
    "REQUIRED_COLUMNS",
    "check_events",
    "check_customers",
    "check_feedback",
]

REQUIRED_COLUMNS = {
    "events": ("customer_id", "timestamp"),
    "customers": ("customer_id",),
    "feedback": ("customer_id", "timestamp", "metric", "score"),
}
_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


@dataclass
class Problems:
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def example_ids(df: pd.DataFrame, mask) -> list:
    """Up to five distinct ``customer_id`` values of the rows selected by ``mask``."""
    return df.loc[mask, "customer_id"].drop_duplicates().head(5).tolist()


def _missing_columns(df, table, probs) -> bool:
    missing = [c for c in REQUIRED_COLUMNS[table] if c not in df.columns]
    if missing:
        probs.errors.append(
            MissingColumnError(
                f"required column{'s' if len(missing) > 1 else ''} {missing} missing; "
                f"found {list(df.columns)}",
                table=table,
                column=missing[0],
                fix="rename your columns with columns={'your_name': "
                f"'{missing[0]}'}}}} when loading (cxlab.load_{table})",
            )
        )
        return True
    if len(df) == 0:
        probs.errors.append(
            EmptyTableError(
                "the table has no rows",
                table=table,
                n_rows=0,
                fix="check the file, the query or the filter that produced it",
            )
        )
        return True
    return False


def _check_ids(df, table, probs):
    missing = df["customer_id"].isna()
    if missing.any():
        rows = np.flatnonzero(missing.to_numpy())[:5].tolist()
        probs.errors.append(
            MissingIdError(
                f"customer_id is missing at row positions {rows}",
                table=table,
                column="customer_id",
                n_rows=int(missing.sum()),
                fix="every row needs the customer it belongs to; remove or repair those rows",
            )
        )


def parse_timestamps(values: pd.Series, table: str, df: pd.DataFrame, probs) -> pd.Series | None:
    """Parse a timestamp column; append errors to ``probs``; return naive UTC or None."""
    col = "timestamp"
    missing = values.isna()
    if missing.any():
        probs.errors.append(
            TimestampError(
                "timestamp is missing",
                table=table,
                column=col,
                n_rows=int(missing.sum()),
                example_ids=example_ids(df, missing),
                fix="fill in the time of each event or remove those rows",
            )
        )
        return None
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.astype("datetime64[ns]")
    if values.dtype == object and len(values) and not isinstance(values.iloc[0], str):
        zones = values.map(lambda v: getattr(v, "tzinfo", None) is not None)
    else:
        text = values.astype(str).str.strip()
        zones = text.str.contains(_ZONE)
        values = text
    if zones.any() and not zones.all():
        probs.errors.append(
            MixedTimezoneError(
                f"{int(zones.sum()):,} timestamps carry a time zone and "
                f"{int((~zones).sum()):,} do not, so their order is ambiguous",
                table=table,
                column=col,
                n_rows=int((~zones).sum()),
                example_ids=example_ids(df, ~zones),
                fix="give every timestamp a zone (e.g. '+03:30' or 'Z') or none, "
                "e.g. convert them all to UTC before loading",
            )
        )
        return None
    try:
        parsed = pd.to_datetime(values, errors="coerce", utc=bool(zones.any()), format="mixed")
    except (ValueError, TypeError) as exc:  # pragma: no cover - pandas edge cases
        probs.errors.append(
            TimestampError(f"timestamps could not be parsed: {exc}", table=table, column=col)
        )
        return None
    bad = parsed.isna()
    if bad.any():
        examples = values[bad].astype(str).head(3).tolist()
        probs.errors.append(
            TimestampError(
                f"timestamps could not be parsed, e.g. {examples}",
                table=table,
                column=col,
                n_rows=int(bad.sum()),
                example_ids=example_ids(df, bad),
                fix="use ISO 8601 like '2025-03-01 14:05:00' (optionally with a zone)",
            )
        )
        return None
    if zones.any():
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _categorical(df, col, allowed, table, probs, fix) -> pd.Series | None:
    values = df[col]
    missing = values.isna()
    if missing.any():
        probs.errors.append(
            UnknownCategoryError(
                f"{col} is missing",
                table=table,
                column=col,
                n_rows=int(missing.sum()),
                example_ids=example_ids(df, missing),
                fix=fix,
            )
        )
        return None
    text = values.astype(str)
    unknown = ~text.isin(allowed)
    if unknown.any():
        counts = text[unknown].value_counts().head(5).to_dict()
        probs.errors.append(
            UnknownCategoryError(
                f"values not in the catalog: {counts}; the catalog has {list(allowed)}",
                table=table,
                column=col,
                n_rows=int(unknown.sum()),
                example_ids=example_ids(df, unknown),
                fix=fix,
            )
        )
        return None
    return pd.Categorical(text, categories=list(allowed))


def _catalog_fix(what: str) -> str:
    return (
        f"map your {what} names to the catalog's, or pass "
        f"catalog=cxlab.StageCatalog({what}=...) listing yours"
    )


def _default_stage_channel(df, catalog: StageCatalog, probs) -> tuple:
    """Fill a missing ``stage`` or ``channel`` column (a purchase log); the channels to accept."""
    channels = tuple(catalog.channels)
    if "stage" not in df:
        df["stage"] = catalog.purchase_stage
        probs.warnings.append(
            f"events: no 'stage' column; every event is taken as a {catalog.purchase_stage!r} "
            "(a purchase log). Add a stage column if some events are not purchases"
        )
    if "channel" not in df:
        df["channel"] = UNKNOWN_CHANNEL
        channels = channels if UNKNOWN_CHANNEL in channels else (*channels, UNKNOWN_CHANNEL)
        probs.warnings.append(
            f"events: no 'channel' column; every event gets the channel {UNKNOWN_CHANNEL!r}, "
            "so channel analyses have nothing to compare"
        )
    return channels


def check_events(
    events: pd.DataFrame, catalog: StageCatalog = DEFAULT_CATALOG, *, on_duplicates="raise"
) -> tuple[pd.DataFrame | None, Problems]:
    """Validate and type an events table. See the module docstring."""
    probs = Problems()
    table = "events"
    if _missing_columns(events, table, probs):
        return None, probs
    df = events.copy()
    _check_ids(df, table, probs)
    ts = parse_timestamps(df["timestamp"], table, df, probs)
    channels = _default_stage_channel(df, catalog, probs)
    stage = _categorical(df, "stage", catalog.stages, table, probs, _catalog_fix("stages"))
    channel = _categorical(df, "channel", channels, table, probs, _catalog_fix("channels"))
    if "revenue" in df:
        rev = df["revenue"]
        if not pd.api.types.is_numeric_dtype(rev) or pd.api.types.is_bool_dtype(rev):
            probs.errors.append(
                DataTypeError(
                    f"revenue must be numeric, found dtype {rev.dtype}",
                    table=table,
                    column="revenue",
                    n_rows=len(rev),
                    fix="convert to numbers (e.g. strip currency symbols)",
                )
            )
        elif rev.isna().any():
            m = rev.isna()
            probs.errors.append(
                DataError(
                    "revenue is missing",
                    table=table,
                    column="revenue",
                    n_rows=int(m.sum()),
                    example_ids=example_ids(df, m),
                    fix="use 0 for events without revenue",
                )
            )
        elif (rev < 0).any():
            m = rev < 0
            probs.warnings.append(
                f"events: column 'revenue' has {int(m.sum()):,} negative values "
                f"(e.g. customer_id {example_ids(df, m)}); treated as refunds"
            )
    else:
        df["revenue"] = 0.0
    if probs.errors:
        return None, probs
    df["timestamp"], df["stage"], df["channel"] = ts, stage, channel
    if "touchpoint" in df and not isinstance(df["touchpoint"].dtype, pd.CategoricalDtype):
        df["touchpoint"] = df["touchpoint"].astype("category")
    key = list(df.columns)  # all columns: same-time purchases of other amounts are kept
    dup = df.duplicated(key, keep="first")
    if dup.any():
        if on_duplicates == "sum":
            same = [c for c in key if c != "revenue"]
            merged = df.duplicated(same, keep="first")
            probs.warnings.append(
                f"events: merged {int(merged.sum()):,} events into an earlier one with the same "
                f"{', '.join(same)} (e.g. customer_id {example_ids(df, merged)}), revenue "
                "summed, as on_duplicates='sum' asked"
            )
            total = df.groupby(same, sort=False, observed=True, dropna=False)["revenue"]
            df = df.assign(revenue=total.transform("sum")).loc[~merged]
        elif on_duplicates == "drop":
            probs.warnings.append(
                f"events: dropped {int(dup.sum()):,} duplicated events "
                f"(e.g. customer_id {example_ids(df, dup)}) as on_duplicates='drop' asked"
            )
            df = df.loc[~dup]
        else:
            probs.errors.append(
                DuplicateEventError(
                    f"the same event (same {', '.join(key)}) appears more than once",
                    table=table,
                    column="timestamp",
                    n_rows=int(dup.sum()),
                    example_ids=example_ids(df, dup),
                    fix="remove the copies, or load with on_duplicates='drop' (keep one) "
                    "or on_duplicates='sum' (one event, revenue summed)",
                )
            )
            return None, probs
    df = sort_events(df)
    same = (df["customer_id"].to_numpy()[1:] == df["customer_id"].to_numpy()[:-1]) & (
        df["timestamp"].to_numpy()[1:] == df["timestamp"].to_numpy()[:-1]
    )
    if same.any():
        probs.warnings.append(
            f"events: {int(same.sum()):,} events share their timestamp with the customer's "
            f"previous event (e.g. customer_id {df['customer_id'].to_numpy()[1:][same][:5].tolist()}); "
            "they are ordered by catalog stage order"
        )
    return df.reset_index(drop=True), probs


def sort_events(df: pd.DataFrame) -> pd.DataFrame:
    """Sort by customer, time and stage order, unless the table is already in that order."""
    cid = df["customer_id"].to_numpy()
    codes = pd.factorize(cid, sort=True)[0] if cid.dtype == object else cid
    ts = df["timestamp"].to_numpy().view("int64")
    st = df["stage"].cat.codes.to_numpy()
    if len(df) < 2:
        return df
    dc, dt, ds = np.diff(codes), np.diff(ts), np.diff(st)
    ordered = np.all((dc > 0) | ((dc == 0) & ((dt > 0) | ((dt == 0) & (ds >= 0)))))
    if ordered:
        return df
    return df.iloc[np.lexsort((st, ts, codes))]


def check_customers(customers: pd.DataFrame) -> tuple[pd.DataFrame | None, Problems]:
    """Validate a customers table: ids present and unique, flags boolean."""
    probs = Problems()
    if _missing_columns(customers, "customers", probs):
        return None, probs
    df = customers.copy()
    _check_ids(df, "customers", probs)
    dup = df["customer_id"].duplicated(keep=False)
    if dup.any():
        probs.errors.append(
            DuplicateIdError(
                "customer_id appears on more than one row",
                table="customers",
                column="customer_id",
                n_rows=int(dup.sum()),
                example_ids=example_ids(df, dup),
                fix="keep one row per customer (e.g. the latest attributes)",
            )
        )
    if "loyalty_member" in df:
        col = df["loyalty_member"]
        if not pd.api.types.is_bool_dtype(col):
            ok = col.isin([0, 1]) & col.notna()
            if not ok.all():
                probs.errors.append(
                    DataTypeError(
                        "loyalty_member must be true/false (or 0/1)",
                        table="customers",
                        column="loyalty_member",
                        n_rows=int((~ok).sum()),
                        example_ids=example_ids(df, ~ok),
                        fix="map it to booleans, e.g. df.loyalty_member.eq('yes')",
                    )
                )
            else:
                df["loyalty_member"] = col.astype(bool)
    if "signup_date" in df and not pd.api.types.is_datetime64_any_dtype(df["signup_date"]):
        parsed = pd.to_datetime(df["signup_date"], errors="coerce", format="mixed")
        bad = parsed.isna() & df["signup_date"].notna()
        if bad.any():
            probs.errors.append(
                TimestampError(
                    "signup_date could not be parsed",
                    table="customers",
                    column="signup_date",
                    n_rows=int(bad.sum()),
                    example_ids=example_ids(df, bad),
                    fix="use ISO dates like 2025-03-01",
                )
            )
        else:
            df["signup_date"] = parsed
    return (None if probs.errors else df), probs


def check_feedback(
    feedback: pd.DataFrame, catalog: StageCatalog = DEFAULT_CATALOG
) -> tuple[pd.DataFrame | None, Problems]:
    """Validate a feedback table: known metrics, whole scores inside each metric's scale."""
    probs = Problems()
    table = "feedback"
    if _missing_columns(feedback, table, probs):
        return None, probs
    df = feedback.copy()
    _check_ids(df, table, probs)
    ts = parse_timestamps(df["timestamp"], table, df, probs)
    metric = _categorical(
        df,
        "metric",
        tuple(catalog.metrics),
        table,
        probs,
        "use one of the catalog's metrics or add yours to StageCatalog(metrics={name: (min, max)})",
    )
    for col, allowed in (("stage", catalog.stages), ("channel", catalog.channels)):
        if col in df:
            values = _categorical(df, col, allowed, table, probs, _catalog_fix(col + "s"))
            if values is not None:
                df[col] = values
    score = pd.to_numeric(df["score"], errors="coerce")
    bad = score.isna()
    if bad.any():
        probs.errors.append(
            ScoreRangeError(
                "score is missing or not a number",
                table=table,
                column="score",
                n_rows=int(bad.sum()),
                example_ids=example_ids(df, bad),
                fix="remove unanswered surveys or fill in the score",
            )
        )
    elif metric is not None:
        frac = score != np.round(score)
        if frac.any():
            probs.errors.append(
                ScoreRangeError(
                    "scores must be whole numbers",
                    table=table,
                    column="score",
                    n_rows=int(frac.sum()),
                    example_ids=example_ids(df, frac),
                    fix="round or re-export the raw answers; averages are not answers",
                )
            )
        lo = pd.Series(metric).map({m: r[0] for m, r in catalog.metrics.items()}).to_numpy()
        hi = pd.Series(metric).map({m: r[1] for m, r in catalog.metrics.items()}).to_numpy()
        out = (score.to_numpy() < lo.astype(float)) | (score.to_numpy() > hi.astype(float))
        if out.any():
            bad_metrics = pd.Series(metric)[out].value_counts()
            detail = ", ".join(
                f"{m} (scale {catalog.metrics[m][0]}-{catalog.metrics[m][1]}): {k}"
                for m, k in bad_metrics[bad_metrics > 0].items()
            )
            probs.errors.append(
                ScoreRangeError(
                    f"scores outside their metric's scale: {detail}",
                    table=table,
                    column="score",
                    n_rows=int(out.sum()),
                    example_ids=example_ids(df, out),
                    fix="check the survey's scale (e.g. NPS is 0-10, CSAT 1-5)",
                )
            )
    if probs.errors:
        return None, probs
    df["timestamp"], df["metric"], df["score"] = ts, metric, score.astype(np.int64)
    for col in ("comment", "language"):
        if col in df:
            df[col] = df[col].astype("string")
    return df.sort_values(["customer_id", "timestamp"], kind="stable", ignore_index=True), probs
