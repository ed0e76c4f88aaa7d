"""From a purchase log to the customer summary of the "buy till you die" models.

The BG/NBD, Pareto/NBD and Gamma-Gamma models need four numbers per customer,
all measured in a calibration period that ends at ``calibration_end``:

``frequency`` (x)
    Number of *repeat* purchases: purchase days after the first one.
``recency`` (t_x)
    Time from the first purchase to the last one (0 when x = 0).
``T``
    Time from the first purchase to ``calibration_end`` (the customer's age).
``monetary_value``
    Mean spend of the repeat purchases (NaN when x = 0; the first purchase is
    left out, as in Fader, Hardie & Lee 2005, because it often differs).

All purchases of one customer on one calendar day (UTC) count as one
transaction with their amounts summed, as in the CDNOW data and in lifetimes'
``summary_data_from_transaction_data``. Times are whole days divided by the
length of ``time_unit`` (1 for days, 7 for weeks), so ``T`` in weeks can be
``38.86``.

With ``observation_end`` after ``calibration_end`` the summary also has the
hold-out columns ``frequency_holdout`` (purchase days in the hold-out
period), ``monetary_value_holdout`` and ``duration_holdout``: what the models'
predictions are checked against.

The work is one sort of integer keys (skipped when the log is already in
customer and time order) and ``np.bincount``/``reduceat`` passes; no loop over
customers or events.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab.exceptions import (
    DataError,
    DataTypeError,
    EmptyTableError,
    MissingColumnError,
    MissingIdError,
    ParameterError,
    TimestampError,
)

__all__ = ["purchase_summary", "repeat_purchases_by_day", "TIME_UNITS"]

#: days per time unit
TIME_UNITS = {"days": 1, "weeks": 7}

SUMMARY_COLUMNS = ("frequency", "recency", "T")


def purchase_summary(
    data,
    *,
    calibration_end=None,
    observation_end=None,
    time_unit: str = "weeks",
    stages=None,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "revenue",
) -> pd.DataFrame:
    """Frequency, recency, age and mean spend per customer, with an optional hold-out.

    Parameters
    ----------
    data : CXData or DataFrame
        A study (its ``events`` are used) or a plain purchase log with one row
        per purchase (customer, time, amount).
    calibration_end : date-like, optional
        Last day of the calibration period (inclusive). Default
        ``observation_end`` (no hold-out).
    observation_end : date-like, optional
        Last day of observation (inclusive). Default: the day of the last
        purchase. Purchases after it are ignored (counted in ``attrs``).
    time_unit : {"weeks", "days"}, default="weeks"
    stages : list of str, optional
        Only events at these stages count as purchases (when the log has a
        ``stage`` column). Default: every row with a positive amount (or every
        row, when there is no amount column).
    customer_col, time_col : str, default="customer_id", "timestamp"
    amount_col : str or None, default="revenue"
        Spend per purchase; None (or a log without the column) gives
        ``monetary_value`` NaN.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (customers whose first purchase lies in the
        calibration period); columns ``frequency``, ``recency``, ``T``,
        ``monetary_value``, ``first_purchase`` and, with a hold-out,
        ``frequency_holdout``, ``monetary_value_holdout``, ``duration_holdout``.
        ``attrs["purchase_summary"]`` records the settings, the counts and
        the number of repeat purchases on each day (read it with
        :func:`repeat_purchases_by_day`, for tracking plots).

    Raises
    ------
    MissingColumnError, MissingIdError, TimestampError, DataTypeError, DataError
        Missing columns, ids or times; non-numeric or negative amounts.
    EmptyTableError
        No purchase in the log (or none before ``calibration_end``).
    ParameterError
        Unknown ``time_unit``; ``calibration_end`` after ``observation_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlab.btyd._summary import purchase_summary
    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08",
    ...                                                  "2024-01-15", "2024-01-10"]),
    ...                     "revenue": [10.0, 20.0, 40.0, 5.0]})
    >>> s = purchase_summary(log, observation_end="2024-01-29")
    >>> s.round(3).to_dict("list")["T"], s["frequency"].tolist(), s["monetary_value"].tolist()
    ([4.0, 2.714], [2, 0], [30.0, nan])
    """
    if time_unit not in TIME_UNITS:
        raise ParameterError(f"time_unit={time_unit!r} must be one of {sorted(TIME_UNITS)}.")
    unit = TIME_UNITS[time_unit]
    events = getattr(data, "events", data)
    if not isinstance(events, pd.DataFrame):
        raise ParameterError(
            f"data is a {type(data).__name__}; pass a CXData (cxlab.load) or a DataFrame "
            "with one row per purchase."
        )
    table = "events" if hasattr(data, "events") else None
    missing = [c for c in (customer_col, time_col) if c not in events]
    if missing:
        raise MissingColumnError(
            f"the purchase log has no column {missing[0]!r} (columns: {list(events.columns)})",
            column=missing[0],
            table=table,
            fix=f"pass customer_col=/time_col= naming your columns, or rename to {missing[0]!r}",
        )
    keep = np.ones(len(events), dtype=bool)
    if stages is not None:
        if "stage" not in events:
            raise MissingColumnError(
                "stages= was given but the log has no 'stage' column",
                column="stage",
                table=table,
                fix="drop stages= for a plain purchase log",
            )
        keep &= events["stage"].isin(list(stages)).to_numpy()
    amount = None
    if amount_col is not None and amount_col in events:
        amount = _amounts(events, amount_col, customer_col, table)
        if stages is None:
            keep &= amount > 0
    ids = events[customer_col]
    bad = ids.isna().to_numpy() & keep
    if bad.any():
        raise MissingIdError(
            "purchases without a customer id",
            column=customer_col,
            n_rows=int(bad.sum()),
            example_ids=np.flatnonzero(bad)[:5].tolist(),
            table=table,
            fix="drop or fill those rows; the ids shown are row positions",
        )
    day = _days(events[time_col], keep, time_col, customer_col, events, table)
    if not keep.any():
        raise EmptyTableError(
            "no purchases: no row has a positive amount"
            + (f" at stages {list(stages)}" if stages is not None else ""),
            column=amount_col,
            table=table,
            fix="check amount_col= and stages=",
        )
    rows = np.flatnonzero(keep) if not keep.all() else None
    sel = (lambda a: a) if rows is None else (lambda a: a[rows])
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes = sel(ids.cat.codes.to_numpy()).astype(np.int64)
        uniques = ids.cat.categories
    else:
        codes, uniques = pd.factorize(sel(ids.to_numpy()))
        codes = codes.astype(np.int64)
    day = sel(day)
    amt = sel(amount) if amount is not None else np.zeros(len(day))

    obs_day = (
        int(day.max()) if observation_end is None else _day_of(observation_end, "observation_end")
    )
    cal_day = obs_day if calibration_end is None else _day_of(calibration_end, "calibration_end")
    if cal_day > obs_day:
        raise ParameterError(
            f"calibration_end ({_date(cal_day)}) is after observation_end ({_date(obs_day)}); "
            "the hold-out period must follow the calibration period."
        )
    late = day > obs_day
    n_late = int(late.sum())
    if n_late:
        codes, day, amt = codes[~late], day[~late], amt[~late]

    # one integer key per (customer, day); sort only when the log is out of order
    d0 = int(day.min())
    span = obs_day - d0 + 1
    key = codes * span + (day - d0)
    if len(key) > 1 and not bool(np.all(key[1:] >= key[:-1])):
        order = np.argsort(key, kind="stable")
        key, amt = key[order], amt[order]
    first = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(first)
    ukey = key[starts]
    uamt = np.add.reduceat(amt, starts) if len(amt) else amt
    cust = ukey // span
    uday = ukey % span + d0
    new_cust = np.r_[True, cust[1:] != cust[:-1]]
    cstart = np.flatnonzero(new_cust)
    first_day = uday[cstart]
    first_amt = uamt[cstart]
    cid = cust[cstart]
    slot = np.cumsum(new_cust) - 1  # customer slot of each transaction day

    in_cal = uday <= cal_day
    n_cal = np.bincount(slot, weights=in_cal, minlength=len(cid))
    spend_cal = np.bincount(slot, weights=uamt * in_cal, minlength=len(cid))
    # last calibration day: cal days are a prefix of each customer's sorted days
    last_cal = uday[np.maximum(cstart + n_cal.astype(np.int64) - 1, cstart)]
    active = first_day <= cal_day
    freq = n_cal - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(freq > 0, (spend_cal - first_amt) / np.maximum(freq, 1), np.nan)
    out = pd.DataFrame(
        {
            "frequency": freq.astype(np.int64),
            "recency": (last_cal - first_day) / unit,
            "T": (cal_day - first_day) / unit,
            "monetary_value": monetary if amount is not None else np.nan,
            "first_purchase": first_day.astype("datetime64[D]").astype("datetime64[ns]"),
        },
        index=pd.Index(np.asarray(uniques)[cid], name="customer_id"),
    )
    if cal_day < obs_day:
        hold = ~in_cal
        n_hold = np.bincount(slot, weights=hold, minlength=len(cid))
        spend_hold = np.bincount(slot, weights=uamt * hold, minlength=len(cid))
        out["frequency_holdout"] = n_hold.astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value_holdout"] = (
                np.where(n_hold > 0, spend_hold / n_hold, np.nan) if amount is not None else np.nan
            )
        out["duration_holdout"] = (obs_day - cal_day) / unit
    out = out[active]
    if out.empty:
        raise EmptyTableError(
            f"no customer made a first purchase by calibration_end ({_date(cal_day)})",
            table=table,
            fix="choose a later calibration_end",
        )
    # repeat purchases of the customers in the summary (first purchase by calibration_end)
    repeat = ~new_cust & active[slot]
    by_day = np.bincount(uday[repeat] - d0, minlength=span)
    out.attrs["purchase_summary"] = {
        "time_unit": time_unit,
        "calibration_end": str(_date(cal_day)),
        "observation_end": str(_date(obs_day)),
        "n_purchase_rows": int(len(day) + n_late),
        "n_transaction_days": int(len(ukey)),
        "n_after_observation_end": n_late,
        "n_customers_first_purchase_in_holdout": int((~active).sum()),
        "first_day": str(_date(d0)),
        "repeat_by_day": tuple(int(v) for v in by_day),
    }
    return out


def repeat_purchases_by_day(summary: pd.DataFrame) -> pd.Series:
    """Repeat purchases of all customers per calendar day, from a :func:`purchase_summary`."""
    info = summary.attrs.get("purchase_summary")
    if not info:
        raise ParameterError(
            "this table carries no purchase log information; build it with purchase_summary()."
        )
    counts = np.asarray(info["repeat_by_day"], dtype=np.int64)
    index = pd.date_range(info["first_day"], periods=len(counts), freq="D", name="day")
    return pd.Series(counts, index=index, name="repeat_purchases")


def _amounts(events, amount_col, customer_col, table) -> np.ndarray:
    col = events[amount_col]
    if not (pd.api.types.is_numeric_dtype(col) or col.isna().all()):
        raise DataTypeError(
            f"the amounts are not numbers (dtype {col.dtype})",
            column=amount_col,
            table=table,
            fix="convert them with pd.to_numeric, or pass amount_col=None to count purchases only",
        )
    amount = col.to_numpy(dtype=float, na_value=0.0)
    neg = amount < 0
    if neg.any():
        raise DataError(
            "negative amounts (refunds?): a purchase model needs what each purchase was worth",
            column=amount_col,
            n_rows=int(neg.sum()),
            example_ids=events[customer_col].to_numpy()[neg][:5].tolist(),
            table=table,
            fix="net refunds into the purchases they undo, or drop them before the summary",
        )
    return amount


def _days(times, keep, time_col, customer_col, events, table) -> np.ndarray:
    """Whole UTC days since the epoch, int64."""
    t = times
    if not pd.api.types.is_datetime64_any_dtype(t):
        try:
            with warnings.catch_warnings():  # pandas' "could not infer format" note
                warnings.simplefilter("ignore", UserWarning)
                t = pd.to_datetime(t, utc=True)
        except (ValueError, TypeError) as exc:
            raise TimestampError(
                f"times that cannot be read as dates ({exc})",
                column=time_col,
                table=table,
                fix="parse them with pd.to_datetime and a format= first",
            ) from exc
    if getattr(t.dtype, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = t.isna().to_numpy() & keep
    if bad.any():
        raise TimestampError(
            "purchases without a time",
            column=time_col,
            n_rows=int(bad.sum()),
            example_ids=events[customer_col].to_numpy()[bad][:5].tolist(),
            table=table,
            fix="drop or fill those rows",
        )
    vals = t.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64(0, "ns"))
    return vals.astype("datetime64[D]").astype(np.int64)


def _day_of(value, name) -> int:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"{name}={value!r} is not a date.") from exc
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int(np.datetime64(stamp.normalize(), "D").astype(np.int64))


def _date(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))
