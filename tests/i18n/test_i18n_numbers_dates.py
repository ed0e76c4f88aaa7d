"""Persian digits and separators, Jalali dates (cxlab/i18n/_numbers.py, _dates.py)."""

from __future__ import annotations

import jdatetime
import numpy as np
import pandas as pd
import pytest

from cxlab.exceptions import ParameterError
from cxlab.i18n import (
    format_date,
    format_number,
    format_percent,
    from_jalali,
    jalali_parts,
    localize_numeral,
    t,
    to_latin_digits,
    to_persian_digits,
)

LRM_MINUS = "\u200e\u2212"
ZWNJ = "\u200c"

# --- digits and numbers ---------------------------------------------------------------


def test_digit_tables():
    assert to_persian_digits("0123456789") == "۰۱۲۳۴۵۶۷۸۹"
    assert [hex(ord(c)) for c in to_persian_digits("09")] == ["0x6f0", "0x6f9"]
    assert to_persian_digits("٠١٢٣") == "۰۱۲۳"  # Arabic-Indic digits too
    assert to_latin_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert to_latin_digits("٠١٢") == "012"
    assert to_persian_digits("NPS 42, step 3") == "NPS ۴۲, step ۳"  # other text stays


def test_digits_of_pandas_data_keep_index_and_name():
    s = pd.Series([10, 25], index=["a", "b"])
    assert to_persian_digits(s).to_dict() == {"a": "۱۰", "b": "۲۵"}
    idx = to_persian_digits(pd.Index(["w1", "w2"], name="week"))
    assert list(idx) == ["w۱", "w۲"] and idx.name == "week"


@pytest.mark.parametrize(
    ("value", "decimals", "fa", "en"),
    [
        (1234567.891, 2, "۱٬۲۳۴٬۵۶۷٫۸۹", "1,234,567.89"),
        (0, None, "۰", "0"),
        (1000, None, "۱٬۰۰۰", "1,000"),
        (0.5, None, "۰٫۵", "0.5"),
        (-1234.5, 1, LRM_MINUS + "۱٬۲۳۴٫۵", "-1,234.5"),
        (np.int64(42), None, "۴۲", "42"),
        (np.float64(2.25), 1, "۲٫۲", "2.2"),  # round half to even, as Python does
        (float("nan"), 2, "–", "–"),
        (None, None, "–", "–"),
    ],
)
def test_format_number(value, decimals, fa, en):
    assert format_number(value, decimals, language="fa") == fa
    assert format_number(value, decimals, language="en") == en


def test_persian_separators_are_the_persian_code_points():
    text = format_number(1234.5, 1, language="fa")
    assert "\u066c" in text and "\u066b" in text  # ٬ thousands, ٫ decimal
    assert "," not in text and "." not in text


def test_format_number_without_grouping():
    assert format_number(1234.5, 1, language="fa", grouping=False) == "۱۲۳۴٫۵"


@pytest.mark.parametrize(
    ("value", "decimals", "fa", "en"),
    [
        (0.125, 1, "۱۲٫۵٪", "12.5%"),
        (0.5, 0, "۵۰٪", "50%"),
        (-0.05, 0, LRM_MINUS + "۵٪", "-5%"),
        (12.5, 0, "۱٬۲۵۰٪", "1,250%"),
    ],
)
def test_format_percent(value, decimals, fa, en):
    assert format_percent(value, decimals, language="fa") == fa
    assert format_percent(value, decimals, language="en") == en


@pytest.mark.parametrize("bad", ["12", True, [1]])
def test_format_number_rejects_non_numbers(bad):
    with pytest.raises(ParameterError, match="must be a real number"):
        format_number(bad, language="fa")


def test_negative_decimals():
    with pytest.raises(ParameterError, match="decimals must be >= 0"):
        format_number(1.5, -1)


def test_localize_numeral_rewrites_numbers_only():
    assert localize_numeral("\u22120.5", "fa") == LRM_MINUS + "۰٫۵"  # matplotlib's minus
    assert localize_numeral("1,234.5%", "fa") == "۱٬۲۳۴٫۵٪"
    assert localize_numeral("v1.2 beta", "fa") == "v۱.۲ beta"  # not a number: digits only
    assert localize_numeral("1,234.5", "en") == "1,234.5"


# --- Jalali dates ------------------------------------------------------------------------

# Nowruz (1 Farvardin) and the last day of the year before, from the Iranian calendar
NOWRUZ = {
    "2020-03-20": (1399, 1, 1),
    "2021-03-21": (1400, 1, 1),
    "2022-03-21": (1401, 1, 1),
    "2023-03-21": (1402, 1, 1),
    "2024-03-20": (1403, 1, 1),
    "2025-03-21": (1404, 1, 1),
    "2021-03-20": (1399, 12, 30),  # 1399 is a leap year
    "2022-03-20": (1400, 12, 29),
    "2025-03-20": (1403, 12, 30),  # 1403 is a leap year
    "1979-02-11": (1357, 11, 22),  # 22 Bahman 1357
    "2021-10-23": (1400, 8, 1),
}


def test_jalali_parts_known_dates():
    dates = pd.Series(pd.to_datetime(list(NOWRUZ)), index=range(10, 10 + len(NOWRUZ)))
    parts = jalali_parts(dates)
    assert list(parts.index) == list(dates.index)
    assert [tuple(row) for row in parts.itertuples(index=False)] == list(NOWRUZ.values())


@pytest.mark.parametrize(("gregorian", "jalali"), list(NOWRUZ.items()))
def test_from_jalali_round_trip(gregorian, jalali):
    assert from_jalali(*jalali) == pd.Timestamp(gregorian, tz="UTC")


def test_from_jalali_rejects_a_day_that_does_not_exist():
    with pytest.raises(ParameterError, match="1400/12/30 is not a Jalali date"):
        from_jalali(1400, 12, 30)  # 1400 is not a leap year


def test_format_date_persian_defaults_to_jalali_with_persian_digits():
    assert format_date("2021-03-21", language="fa") == "۱۴۰۰/۰۱/۰۱"
    assert format_date(pd.Timestamp("2024-03-20", tz="UTC"), language="fa") == "۱۴۰۳/۰۱/۰۱"


def test_format_date_names_and_day_of_year():
    assert (
        format_date("2021-03-21", "%A %d %B %Y", language="fa") == f"یک{ZWNJ}شنبه ۰۱ فروردین ۱۴۰۰"
    )
    assert format_date("2021-10-23", "%j", language="fa") == "۲۱۷"  # 6 x 31 + 30 + 1
    assert format_date("2022-03-20", "%j", language="fa") == "۳۶۵"
    assert format_date("2021-03-20", "%j", language="fa") == "۳۶۶"  # leap year 1399
    assert format_date("2021-03-21", "%d %B %Y", language="en", calendar="jalali") == (
        "01 Farvardin 1400"
    )


def test_gregorian_on_request():
    assert format_date("2021-03-21", language="fa", calendar="gregorian") == "۲۰۲۱/۰۳/۲۱"
    assert format_date("2021-03-21", "%d %B %Y", language="fa", calendar="gregorian") == (
        "۲۱ مارس ۲۰۲۱"
    )
    assert format_date("2021-03-21", language="en") == "2021-03-21"
    assert format_date("2021-03-21", "%A %d %B %Y", language="en") == "Sunday 21 March 2021"


def test_month_and_weekday_names_agree_with_jdatetime():
    for month in range(1, 13):
        assert t(f"month.jalali.{month}", "fa") == jdatetime.date.j_months_fa[month - 1]
    # jdatetime counts weekdays from Saturday, Python from Monday
    for weekday in range(7):
        assert t(f"weekday.{weekday}", "fa") == jdatetime.date.j_weekdays_fa[(weekday + 2) % 7]


def test_time_zone_decides_the_day():
    utc = pd.Series(pd.to_datetime(["2021-03-20 22:00", "2021-03-21 10:00"], utc=True))
    # 22:00 UTC on 20 March is 01:30 on 21 March (Nowruz) in Tehran
    assert format_date(utc, "%Y/%m/%d %H:%M", language="fa").tolist() == [
        "۱۳۹۹/۱۲/۳۰ ۲۲:۰۰",
        "۱۴۰۰/۰۱/۰۱ ۱۰:۰۰",
    ]
    assert format_date(utc, "%Y/%m/%d %H:%M", language="fa", tz="Asia/Tehran").tolist() == [
        "۱۴۰۰/۰۱/۰۱ ۰۱:۳۰",
        "۱۴۰۰/۰۱/۰۱ ۱۳:۳۰",
    ]


def test_series_keeps_index_and_marks_missing_dates():
    s = pd.Series(pd.to_datetime(["2021-03-21", None]), index=["x", "y"])
    out = format_date(s, language="fa")
    assert out.to_dict() == {"x": "۱۴۰۰/۰۱/۰۱", "y": "–"}
    assert format_date(pd.DatetimeIndex(["2021-03-21"]), language="fa").tolist() == ["۱۴۰۰/۰۱/۰۱"]


def test_one_conversion_per_distinct_day(monkeypatch):
    """A long Series is converted day by day, not row by row."""
    calls = []
    real = jdatetime.date.fromgregorian

    def counting(**kw):
        calls.append(kw["date"])
        return real(**kw)

    monkeypatch.setattr(jdatetime.date, "fromgregorian", counting)
    stamps = pd.Series(
        pd.Timestamp("2021-03-15", tz="UTC") + pd.to_timedelta(np.arange(50_000) * 17, unit="s")
    )  # ten days of timestamps every 17 seconds
    out = format_date(stamps, "%Y/%m/%d %H:%M:%S", language="fa")
    assert len(calls) == stamps.dt.normalize().nunique() == 10
    assert out.iloc[-1] == format_date(stamps.iloc[-1], "%Y/%m/%d %H:%M:%S", language="fa")
    assert not out.str.contains(r"[0-9]").any()


def test_unsupported_directive_and_unreadable_dates():
    with pytest.raises(ParameterError, match="uses %U"):
        format_date("2021-03-21", "%U", language="fa")
    with pytest.raises(ParameterError, match="cannot read dates"):
        format_date("not a date", language="fa")
    with pytest.raises(ParameterError, match="calendar must be one of"):
        format_date("2021-03-21", language="fa", calendar="lunar")


# --- result tables ---------------------------------------------------------------------------


def test_localize_frame_translates_headers_names_numbers_and_dates():
    from cxlab.i18n import localize_frame

    table = pd.DataFrame(
        {
            "stage": ["purchase", "renewal"],
            "channel": ["call_centre", "kiosk"],
            "n": [1200, 35],
            "estimate": [0.25, -0.125],
            "method": ["wilson", "wilson"],
            "small_sample": [False, True],
            "date": pd.to_datetime(["2021-03-21", "2024-03-20"]),
            "my_column": [1.5, float("nan")],
        },
        index=pd.Index(["a", "b"], name="group"),
    )
    out = localize_frame(table, "fa", decimals=2)
    assert list(out.columns) == [
        "مرحله",
        "کانال",
        "حجم نمونه",
        "برآورد",
        "روش",
        f"نمونه{ZWNJ}ی کوچک",
        "تاریخ",
        "my_column",
    ]
    assert out.index.name == "گروه" and list(out.index) == ["a", "b"]
    assert out.iloc[0].tolist() == [
        "خرید", "مرکز تماس", "۱٬۲۰۰", "۰٫۲۵", "wilson", False, "۱۴۰۰/۰۱/۰۱", "۱٫۵۰",
    ]  # fmt: skip
    assert out.iloc[1].tolist() == [
        "renewal", "kiosk", "۳۵", LRM_MINUS + "۰٫۱۲", "wilson", True, "۱۴۰۳/۰۱/۰۱", "–",
    ]  # fmt: skip
    assert table["n"].tolist() == [1200, 35]  # the input is not changed
    assert localize_frame(table, "en") is table


def test_persian_column_headers_are_distinct():
    headers = [t(key, "fa") for key in sorted(message_keys_of("column."))]
    assert len(headers) == len(set(headers))


def message_keys_of(prefix):
    from cxlab.i18n import message_keys

    return {key for key in message_keys("fa") if key.startswith(prefix)}
