"""Validation of the three journey tables.

Each ``check_<table>`` function returns the cleaned table (typed, ordered)
together with every problem found: errors (a :class:`~cxlab.exceptions.DataError`
each) and warnings (messages for what is suspicious but usable). Loaders raise
the first error and issue the warnings; :func:`cxlab.data.validate`
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
  channel, ``"unknown"`` (:data:`~cxlab.data._catalog.UNKNOWN_CHANNEL`). Both are said
  in a warning.
- duplicates are judged on all columns: two purchases at the same time with
  different amounts are two events. Exact copies are an error, dropped with
  ``on_duplicates="drop"`` or merged with their revenue summed with
  ``on_duplicates="sum"`` (both warn with the count).
"""

from __future__ import annotations

import datetime
import decimal
import numbers
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab.data import _messages as messages
from cxlab.data._catalog import DEFAULT_CATALOG, UNKNOWN_CHANNEL, StageCatalog
from cxlab.exceptions import (
    AmbiguousDateError,
    DataTypeError,
    DuplicateIdError,
    MixedTimezoneError,
    OrphanRowsError,
    ParameterError,
    ScoreRangeError,
    TimestampError,
)

__all__ = [
    "REQUIRED_COLUMNS",
    "check_events",
    "check_customers",
    "check_feedback",
    "check_relations",
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


def without_signaling_nan(values):
    """``values`` with ``Decimal('sNaN')`` read as a missing value.

    A signalling NaN makes pandas' ``isna`` raise; it is a NaN all the same, so it
    becomes one (and is then reported as missing like any other). Works on a
    Series or a DataFrame; columns that are not ``object`` are returned as is.
    """
    if isinstance(values, pd.DataFrame):
        try:
            values.isna()
            return values
        except ArithmeticError:
            return values.apply(without_signaling_nan)
    if values.dtype != object:
        return values
    try:
        values.isna()
        return values
    except ArithmeticError:
        return values.map(lambda v: np.nan if isinstance(v, decimal.Decimal) and v.is_snan() else v)


def _missing_columns(df, table, probs) -> bool:
    missing = [c for c in REQUIRED_COLUMNS[table] if c not in df.columns]
    if missing:
        probs.errors.append(messages.missing_columns(table, missing, list(df.columns)))
        return True
    if len(df) == 0:
        probs.errors.append(messages.empty_table(table))
        return True
    return False


def _check_ids(df, table, probs):
    missing = df["customer_id"].isna()
    if missing.any():
        rows = np.flatnonzero(missing.to_numpy())[:5].tolist()
        probs.errors.append(messages.missing_ids(table, int(missing.sum()), rows))


def parse_timestamps(
    values: pd.Series,
    table: str,
    df: pd.DataFrame,
    probs,
    *,
    column: str = "timestamp",
    dayfirst: bool | None = None,
    timestamp_format: str | None = None,
) -> pd.Series | None:
    """Parse a timestamp column; append errors to ``probs``; return naive UTC or None.

    Text is read with one format for the whole column, never guessed per value:
    ISO 8601 when every value is ISO, else the format given as
    ``timestamp_format``, else the one format (inferred from the column's values)
    that reads every value. When both a day-first and a month-first format read
    every value differently (``03/04/2025``), that is an
    :class:`~cxlab.exceptions.AmbiguousDateError` unless ``dayfirst`` settles it.
    Numbers are refused (they are not dates; epoch seconds must be converted).
    """
    col = column
    missing = values.isna()
    if missing.any():
        rows = np.flatnonzero(missing.to_numpy())[:5].tolist()
        probs.errors.append(
            messages.missing_timestamps(
                table, col, int(missing.sum()), rows, example_ids(df, missing)
            )
        )
        return None
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.astype("datetime64[ns]")
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # the usual case, vectorised
        text = values.astype(str).str.strip()
    else:
        text = _mixed_to_text(values, table, col, df, probs)
        if text is None or pd.api.types.is_datetime64_dtype(text.dtype):
            return text  # an error was recorded, or zoned date objects are read already
    zones = text.str.contains(_ZONE)
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
    parsed = _parse_text(text, bool(zones.any()), table, col, df, probs, dayfirst, timestamp_format)
    if parsed is None:
        return None
    if zones.any():
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _mixed_to_text(values, table, col, df, probs):
    """Text of a column that is not all strings; date objects may be returned parsed.

    Numbers (and anything else that is neither text nor a date) are an error; a
    column of zoned date objects is returned parsed (naive UTC).
    """
    if values.dtype != object:
        kinds = None
    else:
        kinds = values.map(_value_kind)  # a column that is not plain text: rare, per value
    if kinds is None or kinds.isin(["number", "other"]).any():
        if kinds is None:
            bad = pd.Series(True, index=values.index)
            what = f"holds {values.dtype} values"
        else:
            bad = kinds.isin(["number", "other"])
            what = "holds values that are not dates or text"
        examples = values[bad.to_numpy()].head(3).tolist()
        probs.errors.append(
            TimestampError(
                f"{col} {what}, e.g. {examples}; numbers are not read as dates",
                table=table,
                column=col,
                n_rows=int(bad.sum()),
                example_ids=example_ids(df, bad),
                fix="store dates as text like '2025-03-01 14:05:00' or as datetimes; Unix "
                "epoch seconds convert with pd.to_datetime(df[col], unit='s') before loading",
            )
        )
        return None
    is_obj = (kinds == "datetime").to_numpy()
    zones = values.map(lambda v: getattr(v, "tzinfo", None) is not None)
    if is_obj.all() and zones.all():
        try:
            out = pd.to_datetime(values, utc=True)
        except (ValueError, TypeError, OverflowError) as exc:
            probs.errors.append(
                TimestampError(
                    f"{col} date objects could not be read: {exc}",
                    table=table,
                    column=col,
                    fix="convert the column with pd.to_datetime before loading",
                )
            )
            return None
        return out.dt.tz_localize(None).astype("datetime64[ns]")
    return values.where(~is_obj, values.map(_iso_text)).astype(str).str.strip()


def _value_kind(v) -> str:
    if isinstance(v, str):
        return "text"
    if isinstance(v, datetime.datetime | datetime.date | np.datetime64):
        return "datetime"
    if isinstance(v, numbers.Number | np.number | bool):
        return "number"
    return "other"


def _iso_text(v) -> str:
    try:
        return pd.Timestamp(v).isoformat()
    except (ValueError, TypeError, OverflowError):
        return str(v)


def _to_datetime(values: pd.Series, fmt: str, utc: bool) -> pd.Series:
    """Parse ``values`` with one format; NaT where it does not fit."""
    try:
        out = pd.to_datetime(values, format=fmt, errors="coerce", utc=utc)
    except (ValueError, TypeError, OverflowError):
        out = pd.Series(
            pd.NaT, index=values.index, dtype="datetime64[ns, UTC]" if utc else "datetime64[ns]"
        )
    return out


def _candidate_formats(uniq: pd.Series, dayfirst: bool | None) -> list[str]:
    """Formats pandas guesses for a spread of the column's distinct values."""
    from pandas.tseries.api import guess_datetime_format

    sample = uniq.iloc[np.unique(np.linspace(0, len(uniq) - 1, min(len(uniq), 25)).astype(int))]
    firsts = (False, True) if dayfirst is None else (dayfirst,)
    found = []
    for value in sample:  # a few distinct values, not the events
        for first in firsts:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fmt = guess_datetime_format(value, dayfirst=first)
            if fmt and fmt not in found and (dayfirst is None or _day_first(fmt) in (None, first)):
                found.append(fmt)
    return found


def _day_first(fmt: str) -> bool | None:
    d, m = fmt.find("%d"), fmt.find("%m")
    if d < 0 or m < 0:
        return None
    return d < m


def _parse_text(text, utc, table, col, df, probs, dayfirst, timestamp_format):
    """Read a text column with one format (see :func:`parse_timestamps`).

    Work is on the distinct values; candidate formats are screened on a spread
    sample of them before any is applied to all.
    """
    uniq = pd.Series(text.unique())
    sample = uniq.iloc[np.unique(np.linspace(0, len(uniq) - 1, min(len(uniq), 500)).astype(int))]

    def fits_sample(fmt):
        return not _to_datetime(sample, fmt, utc).isna().any()

    if timestamp_format is not None:
        fits = [timestamp_format]
    elif fits_sample("ISO8601") or uniq.str.match(r"^\d{4}-\d\d-\d\d").all():
        fits = ["ISO8601"]
    else:
        candidates = _candidate_formats(uniq, dayfirst)
        fits = [f for f in candidates if fits_sample(f)] or candidates or ["ISO8601"]
    tried = {f: _to_datetime(uniq, f, utc) for f in fits}
    complete = [f for f in fits if not tried[f].isna().any()]
    distinct = []
    for f in complete:
        if not any(tried[f].equals(tried[g]) for g in distinct):
            distinct.append(f)
    if len(distinct) > 1:
        a, b = tried[distinct[0]], tried[distinct[1]]
        differ = text.isin(uniq[(a != b).to_numpy()]).to_numpy()
        examples = text[differ].drop_duplicates().head(3).tolist()
        probs.errors.append(
            AmbiguousDateError(
                f"{col} can be read day-first or month-first ({distinct[0]!r} or "
                f"{distinct[1]!r}) and the two disagree for {int(differ.sum()):,} "
                f"values, e.g. {examples}",
                table=table,
                column=col,
                n_rows=int(differ.sum()),
                example_ids=example_ids(df, differ),
                fix="say which: dayfirst=True for dd/mm (European), dayfirst=False for "
                f"mm/dd (US), or timestamp_format={distinct[0]!r}",
            )
        )
        return None
    best = distinct[0] if distinct else min(fits, key=lambda f: int(tried[f].isna().sum()))
    parsed = pd.Series(tried[best].to_numpy(), index=uniq.to_numpy())
    parsed = parsed.reindex(text.to_numpy()).set_axis(text.index)
    bad = parsed.isna()
    if bad.any():
        examples = text[bad].drop_duplicates().head(3).tolist()
        rows = np.flatnonzero(bad.to_numpy())[:5].tolist()
        problem = (
            f"{col} values could not be read as dates, e.g. {examples}"
            if bad.all()
            else f"{col} values do not all share one date format: {examples} (row positions "
            f"{rows}) do not match {best!r}, the format the rest of the column uses"
        )
        probs.errors.append(
            TimestampError(
                problem,
                table=table,
                column=col,
                n_rows=int(bad.sum()),
                example_ids=example_ids(df, bad),
                fix="use ISO 8601 like '2025-03-01 14:05:00' (optionally with a zone) for every "
                "value, or pass timestamp_format='%d/%m/%Y %H:%M' (your format)",
            )
        )
        return None
    return parsed


def utc_timestamp(value, name: str) -> pd.Timestamp:
    """A date parameter as a naive UTC timestamp; a :class:`ParameterError` if it is not a date."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"{name}={value!r} is not a date; use ISO 8601 like '2025-03-01'."
        ) from exc
    if ts is pd.NaT:
        raise ParameterError(f"{name}={value!r} is not a date; use ISO 8601 like '2025-03-01'.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _check_future(ts, table, df, probs, observation_end) -> None:
    """Warn about events after ``observation_end`` (default: now, in UTC)."""
    if ts is None or not len(ts):
        return
    stated = observation_end is not None
    end = utc_timestamp(observation_end if stated else pd.Timestamp.now("UTC"), "observation_end")
    late = (ts > end).to_numpy()
    if late.any():
        what = (
            f"the stated observation_end {end}"
            if stated
            else f"the load time {end:%Y-%m-%d %H:%M} UTC"
        )
        probs.warnings.append(
            f"{table}: {int(late.sum()):,} rows are dated after {what} (latest "
            f"{ts.max()}, e.g. customer_id {example_ids(df, late)}); check the clock or "
            "time zone of the export, or pass observation_end= to say when the data end"
        )


def _numbers(values: pd.Series) -> pd.Series:
    """``pd.to_numeric`` that never raises: anything that is not a finite number becomes NaN."""
    try:
        return pd.to_numeric(values, errors="coerce").astype(float)
    except (ValueError, TypeError, ArithmeticError):

        def one(v):
            try:
                return float(v)
            except (ValueError, TypeError, ArithmeticError):
                return np.nan

        return values.map(one).astype(float)


def _categorical(df, col, allowed, table, probs, fix) -> pd.Series | None:
    values = df[col]
    missing = values.isna()
    if missing.any():
        probs.errors.append(
            messages.missing_category(
                table,
                col,
                int(missing.sum()),
                fix,
                np.flatnonzero(missing.to_numpy())[:5].tolist(),
                example_ids(df, missing),
            )
        )
        return None
    text = values.astype(str)
    unknown = ~text.isin(allowed)
    if unknown.any():
        counts = text[unknown].value_counts().head(5).to_dict()
        probs.errors.append(
            messages.unknown_category(
                table, col, counts, allowed, int(unknown.sum()), fix, example_ids(df, unknown)
            )
        )
        return None
    return pd.Categorical(text, categories=list(allowed))




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
    events: pd.DataFrame,
    catalog: StageCatalog = DEFAULT_CATALOG,
    *,
    on_duplicates="raise",
    dayfirst: bool | None = None,
    timestamp_format: str | None = None,
    observation_end=None,
) -> tuple[pd.DataFrame | None, Problems]:
    """Validate and type an events table. See the module docstring.

    ``dayfirst`` and ``timestamp_format`` settle how text timestamps are read
    (:func:`parse_timestamps`); events after ``observation_end`` (default: now)
    are a warning.
    """
    probs = Problems()
    table = "events"
    if _missing_columns(events, table, probs):
        return None, probs
    df = without_signaling_nan(events).copy()
    _check_ids(df, table, probs)
    ts = parse_timestamps(
        df["timestamp"], table, df, probs, dayfirst=dayfirst, timestamp_format=timestamp_format
    )
    _check_future(ts, table, df, probs, observation_end)
    channels = _default_stage_channel(df, catalog, probs)
    stage = _categorical(df, "stage", catalog.stages, table, probs, messages.catalog_fix("stages"))
    channel = _categorical(df, "channel", channels, table, probs, messages.catalog_fix("channels"))
    if "revenue" in df:
        rev = df["revenue"]
        if not pd.api.types.is_numeric_dtype(rev) or pd.api.types.is_bool_dtype(rev):
            probs.errors.append(messages.revenue_not_numeric(table, rev.dtype, len(rev)))
        elif (bad := ~np.isfinite(rev.to_numpy(dtype=float, na_value=np.nan))).any():
            rows = np.flatnonzero(bad)[:5].tolist()
            kinds = "missing" if rev.isna().any() else "infinite"
            if rev.isna().any() and np.isinf(rev.to_numpy(dtype=float, na_value=0.0)).any():
                kinds = "missing or infinite"
            probs.errors.append(
                messages.revenue_not_finite(
                    table, kinds, int(bad.sum()), rows, example_ids(df, bad)
                )
            )
        elif (rev < 0).any():
            m = rev < 0
            probs.warnings.append(
                messages.negative_revenue(table, int(m.sum()), example_ids(df, m))
            )
    else:
        df["revenue"] = 0.0
    if probs.errors:
        return None, probs
    df["timestamp"], df["stage"], df["channel"] = ts, stage, channel
    if "touchpoint" in df and not isinstance(df["touchpoint"].dtype, pd.CategoricalDtype):
        df["touchpoint"] = df["touchpoint"].astype("category")
    df, dup_error = _duplicates(df, on_duplicates, probs)
    if dup_error is not None:
        probs.errors.append(dup_error)
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


def _duplicates(df: pd.DataFrame, on_duplicates: str, probs: Problems):
    """Handle repeated events; return ``(table, error or None)``.

    Two rows are the same event only when every column agrees, revenue included,
    so several purchases on one day with different amounts are all kept.
    ``on_duplicates="sum"`` merges rows that agree on every column except
    ``revenue`` into one event whose revenue is the sum (a warning says how many).
    """
    table = "events"
    if on_duplicates == "sum":
        key = [c for c in df.columns if c != "revenue"]
        dup = df.duplicated(key, keep="first")
        if not dup.any():
            return df, None
        total = df.groupby(key, sort=False, observed=True, dropna=False)["revenue"].transform("sum")
        out = df.assign(revenue=total.to_numpy()).loc[~dup]
        probs.warnings.append(
            f"events: merged {int(dup.sum()):,} events into the event with the same "
            f"{', '.join(key)} (e.g. customer_id {example_ids(df, dup)}), summing their "
            "revenue as on_duplicates='sum' asked",
        )
        return out, None
    dup = df.duplicated(keep="first")
    if not dup.any():
        return df, None
    if on_duplicates == "drop":
        probs.warnings.append(
            f"events: dropped {int(dup.sum()):,} duplicated events (identical in every "
            f"column; e.g. customer_id {example_ids(df, dup)}) as on_duplicates='drop' asked",
        )
        return df.loc[~dup], None
    return df, messages.duplicate_events(table, int(dup.sum()), example_ids(df, dup))


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
    df = without_signaling_nan(customers).copy()
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
    feedback: pd.DataFrame,
    catalog: StageCatalog = DEFAULT_CATALOG,
    *,
    dayfirst: bool | None = None,
    timestamp_format: str | None = None,
    observation_end=None,
) -> tuple[pd.DataFrame | None, Problems]:
    """Validate a feedback table: known metrics, whole scores inside each metric's scale."""
    probs = Problems()
    table = "feedback"
    if _missing_columns(feedback, table, probs):
        return None, probs
    df = without_signaling_nan(feedback).copy()
    _check_ids(df, table, probs)
    ts = parse_timestamps(
        df["timestamp"], table, df, probs, dayfirst=dayfirst, timestamp_format=timestamp_format
    )
    _check_future(ts, table, df, probs, observation_end)
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
            values = _categorical(df, col, allowed, table, probs, messages.catalog_fix(col + "s"))
            if values is not None:
                df[col] = values
    score = _numbers(df["score"])
    bad = score.isna() | np.isinf(score.to_numpy())
    if bad.any():
        probs.errors.append(
            ScoreRangeError(
                "score is missing, infinite or not a number at row positions "
                f"{np.flatnonzero(bad.to_numpy())[:5].tolist()}",
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


def check_relations(events, customers, feedback) -> Problems:
    """Cross-table checks: every event's and answer's customer is in ``customers``."""
    probs = Problems()
    known = pd.Index(customers["customer_id"].unique())
    for name, df in (("events", events), ("feedback", feedback)):
        if df is None:
            continue
        orphan = ~df["customer_id"].isin(known)
        if orphan.any():
            probs.errors.append(
                OrphanRowsError(
                    f"{df.loc[orphan, 'customer_id'].nunique():,} customers are missing from "
                    "the customers table",
                    table=name,
                    column="customer_id",
                    n_rows=int(orphan.sum()),
                    example_ids=example_ids(df, orphan),
                    fix="add those customers to customers, or filter the rows out explicitly",
                )
            )
    if events is not None:
        silent = ~customers["customer_id"].isin(events["customer_id"].unique())
        if silent.any():
            probs.warnings.append(
                f"customers: {int(silent.sum()):,} customers have no events "
                f"(e.g. {example_ids(customers, silent)})"
            )
        if "signup_date" in customers and pd.api.types.is_datetime64_any_dtype(
            customers["signup_date"]
        ):
            first = events.groupby("customer_id", sort=False)["timestamp"].min()
            signup = customers.set_index("customer_id")["signup_date"].reindex(first.index)
            early = (first < signup.dt.floor("D")).to_numpy()
            if early.any():
                probs.warnings.append(
                    f"events: {int(early.sum()):,} customers have events before their "
                    f"signup_date (e.g. {first.index[early][:5].tolist()})"
                )
    return probs
