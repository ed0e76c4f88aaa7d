"""Dates for readers: Jalali (Solar Hijri) in Persian, Gregorian on request.

Analysis stays on UTC timestamps; only what a reader sees is converted. The
Jalali date of a day comes from jdatetime. A Series is converted one distinct
day at a time (a study spans a few thousand days at most, however many events
it has), and the pieces of the format are then joined column-wise, so the
cost does not grow with a Python loop over rows.
"""

from __future__ import annotations

import re

import jdatetime
import numpy as np
import pandas as pd

from cxlab.exceptions import ParameterError
from cxlab.i18n._language import language_info, resolve_language
from cxlab.i18n._messages import t
from cxlab.i18n._numbers import TO_PERSIAN_DIGITS

__all__ = ["format_date", "from_jalali", "jalali_parts"]

_CALENDARS = ("jalali", "gregorian")
_TOKEN = re.compile(r"%.")
# directives that name the day (calendar-dependent) and those of the time of day
_DATE_TOKENS = ("%Y", "%y", "%m", "%d", "%B", "%A", "%j")
_TIME_TOKENS = ("%H", "%M", "%S", "%I", "%p", "%Z", "%z")


def _as_timestamps(values, tz) -> pd.Series:
    """Values as a datetime Series, converted to ``tz`` when given."""
    try:
        series = pd.Series(pd.to_datetime(values, utc=False))
    except (ValueError, TypeError) as err:
        raise ParameterError(
            f"cannot read dates from {type(values).__name__}: {err}. Fix: pass timestamps, "
            "datetimes or ISO strings such as '2021-03-21'."
        ) from None
    if tz is not None:
        if series.dt.tz is None:
            series = series.dt.tz_localize("UTC")
        series = series.dt.tz_convert(tz)
    return series


def jalali_parts(values, *, tz=None) -> pd.DataFrame:
    """Jalali year, month and day of each date.

    Parameters
    ----------
    values : Series, DatetimeIndex, array of timestamps, or one timestamp
    tz : str or None, default=None
        Time zone whose calendar day counts (e.g. ``"Asia/Tehran"``). None
        uses each timestamp's own zone (UTC for cxlab data); naive values are
        taken as UTC when ``tz`` is given.

    Returns
    -------
    DataFrame
        Columns ``year``, ``month``, ``day`` (nullable integers; missing
        dates give missing parts), one row per value, same index as a Series input.

    Examples
    --------
    >>> jalali_parts(pd.Series(pd.to_datetime(["2021-03-21", "2024-03-20"]))).values.tolist()
    [[1400, 1, 1], [1403, 1, 1]]
    """
    series = _as_timestamps(values if np.ndim(values) else [values], tz)
    days = (
        series.dt.tz_localize(None).dt.normalize()
        if series.dt.tz is not None
        else series.dt.normalize()
    )
    unique = pd.DatetimeIndex(days.dropna().unique())
    jalali = [jdatetime.date.fromgregorian(date=d.date()) for d in unique]
    table = pd.DataFrame(
        [(j.year, j.month, j.day) for j in jalali],
        index=unique,
        columns=["year", "month", "day"],
        dtype="Int64",
    )
    parts = table.reindex(pd.DatetimeIndex(days)).set_axis(series.index)
    if isinstance(values, pd.Series):
        parts.index = values.index
    return parts


def from_jalali(year: int, month: int, day: int) -> pd.Timestamp:
    """The UTC midnight of a Jalali date.

    >>> from_jalali(1400, 1, 1)
    Timestamp('2021-03-21 00:00:00+0000', tz='UTC')

    Parameters
    ----------
    year, month, day : int
        A Jalali (Solar Hijri) date.
    """
    try:
        gregorian = jdatetime.date(int(year), int(month), int(day)).togregorian()
    except ValueError as err:
        raise ParameterError(
            f"{year}/{month}/{day} is not a Jalali date ({err}). Fix: months run 1-12; "
            "days 1-31 in months 1-6, 1-30 in 7-11, 1-29 in 12 (30 in a leap year)."
        ) from None
    return pd.Timestamp(gregorian, tz="UTC")


def _resolve_calendar(calendar, code: str) -> str:
    calendar = calendar or language_info(code)["calendar"]
    if calendar not in _CALENDARS:
        raise ParameterError(f"calendar must be one of {', '.join(_CALENDARS)}; got {calendar!r}.")
    return calendar


def _as_text(values: np.ndarray, width: int, digits: dict) -> np.ndarray:
    """Zero-padded text of whole numbers, made once per distinct value."""
    uniques, codes = np.unique(values, return_inverse=True)
    table = np.array([f"{int(u):0{width}d}".translate(digits) for u in uniques], dtype=object)
    return table[codes.reshape(-1)]


def _token_texts(tokens, series: pd.Series, calendar: str, code: str, digits: dict) -> dict:
    """The text of each directive in ``tokens`` for every row (missing rows hold a dummy day)."""
    needed = set(tokens)
    out = {}
    if needed & {"%Y", "%y", "%m", "%d", "%B", "%j"}:
        if calendar == "jalali":
            parts = jalali_parts(series)
            year, month, day = (parts[c].to_numpy(dtype=np.int64) for c in ("year", "month", "day"))
            doy = (month - 1) * 31 + day - np.clip(month - 7, 0, None)  # months 7-11 have 30 days
        else:
            year, month, day = (getattr(series.dt, c).to_numpy() for c in ("year", "month", "day"))
            doy = series.dt.dayofyear.to_numpy()
        months = np.array([t(f"month.{calendar}.{m}", code) for m in range(1, 13)], dtype=object)
        out.update(
            {
                "%Y": lambda: _as_text(year, 4, digits),
                "%y": lambda: _as_text(year % 100, 2, digits),
                "%m": lambda: _as_text(month, 2, digits),
                "%d": lambda: _as_text(day, 2, digits),
                "%j": lambda: _as_text(doy, 3, digits),
                "%B": lambda: months[month - 1],
            }
        )
    weekdays = np.array([t(f"weekday.{w}", code) for w in range(7)], dtype=object)
    hour = series.dt.hour.to_numpy() if needed & {"%H", "%I"} else None
    out.update(
        {
            "%A": lambda: weekdays[series.dt.weekday.to_numpy()],
            "%H": lambda: _as_text(hour, 2, digits),
            "%I": lambda: _as_text((hour + 11) % 12 + 1, 2, digits),
            "%M": lambda: _as_text(series.dt.minute.to_numpy(), 2, digits),
            "%S": lambda: _as_text(series.dt.second.to_numpy(), 2, digits),
        }
    )
    for token in ("%p", "%Z", "%z"):  # rare: formatted by pandas, row by row
        out[token] = lambda token=token: (
            series.dt.strftime(token).str.translate(digits).to_numpy(dtype=object)
        )
    out["%%"] = lambda: "%"
    return {token: out[token]() for token in needed}


def format_date(
    values,
    fmt: str | None = None,
    *,
    language: str | None = None,
    calendar: str | None = None,
    tz=None,
):
    """Format dates for a reader: Jalali with Persian digits in Persian, Gregorian in English.

    Parameters
    ----------
    values : timestamp, datetime, date, ISO string, or a Series/Index/list of them
    fmt : str or None, default=None
        strftime-style format. Day directives ``%Y %y %m %d %B %A %j`` follow
        the calendar (``%B`` and ``%A`` are month and weekday names in the
        language); time directives ``%H %M %S %I %p %Z %z`` are the clock's.
        None uses the language's date format (``%Y-%m-%d`` English,
        ``%Y/%m/%d`` Persian).
    language : str or None, default=None
        Defaults to the current setting.
    calendar : {"jalali", "gregorian"} or None, default=None
        None uses the language's calendar (Jalali for Persian); pass
        ``"gregorian"`` for the Gregorian date with the language's digits.
    tz : str or None, default=None
        Time zone whose calendar day is shown (e.g. ``"Asia/Tehran"``); None
        keeps each timestamp's zone (UTC for cxlab data).

    Returns
    -------
    str for one value, else a string Series (same index as a Series input).
    Missing dates give the catalog's ``value.missing`` mark.

    Examples
    --------
    >>> format_date("2021-03-21", language="fa")
    '۱۴۰۰/۰۱/۰۱'
    >>> format_date("2021-03-21", "%A %d %B %Y", language="fa")
    'یک\\u200cشنبه ۰۱ فروردین ۱۴۰۰'
    >>> format_date("2021-03-21", language="fa", calendar="gregorian")
    '۲۰۲۱/۰۳/۲۱'
    >>> format_date("2021-03-21", language="en")
    '2021-03-21'
    """
    code = resolve_language(language)
    calendar = _resolve_calendar(calendar, code)
    fmt = fmt or language_info(code)["date_format"]
    scalar = not np.ndim(values) and not isinstance(values, (pd.Series, pd.Index))
    series = _as_timestamps([values] if scalar else values, tz)
    tokens = _TOKEN.findall(fmt)
    unknown = sorted({tok for tok in tokens if tok not in (*_DATE_TOKENS, *_TIME_TOKENS, "%%")})
    if unknown:
        raise ParameterError(
            f"format {fmt!r} uses {', '.join(unknown)}, which cxlab does not format; supported: "
            f"{' '.join(_DATE_TOKENS + _TIME_TOKENS)} and %%."
        )
    digits = TO_PERSIAN_DIGITS if language_info(code)["digits"] == "persian" else {}
    valid = series.notna().to_numpy()
    filled = series.where(valid, pd.Timestamp(0, tz=series.dt.tz))
    texts = _token_texts(tokens, filled, calendar, code, digits)
    out = np.full(len(series), "", dtype=object)
    position = 0
    for match in _TOKEN.finditer(fmt):
        out = out + fmt[position : match.start()].translate(digits) + texts[match.group()]
        position = match.end()
    out = out + fmt[position:].translate(digits)
    out[~valid] = t("value.missing", code)
    if scalar:
        return str(out[0])
    index = values.index if isinstance(values, pd.Series) else series.index
    return pd.Series(out, index=index, dtype="string")
