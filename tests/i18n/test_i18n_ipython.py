"""Plain pandas outputs in a notebook follow the language; English stays pandas' own."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import cxlab
from cxlab.i18n import _ipython, use_language

IPython = pytest.importorskip("IPython")


@pytest.fixture
def table():
    return pd.DataFrame(
        {
            "stage": ["consideration", "purchase"],
            "n": [1200, 35],
            "estimate": [0.25, 0.5],
            "customer_id": ["C0007", "1024"],
            "date": pd.to_datetime(["2025-03-21", "2025-03-22"]),
        }
    )


def _shown(ip, obj):
    data, _ = ip.display_formatter.format(obj)
    return data


def test_persian_registers_formatters_english_removes_them(shell, table):
    english = _shown(shell, table)
    english_series = _shown(shell, table["n"])

    cxlab.set_language("fa")
    persian = _shown(shell, table)
    assert 'class="dataframe cxlab-table"' in persian["text/html"]
    for text in (persian["text/html"], persian["text/plain"]):
        assert "مرحله" in text and "بررسی" in text and "خرید" in text  # header, stage names
        assert "۱٬۲۰۰" in text and "۰٫۲۵۰" in text  # Persian digits and separators
        assert "۱۴۰۴/۰۱/۰۱" in text  # 21 March 2025 is the first day of 1404 (Jalali)
        assert "C0007" in text  # an identifier the user gave stays as given
        assert "1,200" not in text and "2025" not in text
    series = _shown(shell, table["n"])
    assert "۱٬۲۰۰" in series["text/html"] and "۱٬۲۰۰" in series["text/plain"]

    cxlab.set_language("en")
    assert _shown(shell, table) == english  # byte-identical to pandas' own
    assert _shown(shell, table["n"]) == english_series


def test_data_is_untouched(shell, table):
    before = table.copy()
    cxlab.set_language("fa")
    _shown(shell, table)
    pd.testing.assert_frame_equal(table, before)


def test_english_block_inside_persian_shows_pandas_own(shell, table):
    english = _shown(shell, table)
    cxlab.set_language("fa")
    with use_language("en"):
        assert _shown(shell, table) == english


def test_a_formatter_registered_before_is_put_back(shell, table):
    html = shell.display_formatter.formatters["text/html"]

    def mine(obj):
        return "<p>mine</p>"

    html.for_type(pd.DataFrame, mine)
    try:
        cxlab.set_language("fa")
        assert html.lookup_by_type(pd.DataFrame) is not mine
        cxlab.set_language("fa")  # set twice, removed once
        cxlab.set_language("en")
        assert html.lookup_by_type(pd.DataFrame) is mine
    finally:
        html.pop(pd.DataFrame, None)


def test_long_table_shows_its_first_rows_and_says_so(shell):
    cxlab.set_language("fa")
    long = pd.DataFrame({"n": range(100)})
    shown = _shown(shell, long)
    assert "۱۰۰ ردیف" in shown["text/html"] and "۵۹" in shown["text/html"]
    assert "۶۰</td>" not in shown["text/html"]


def test_describe_reads_in_persian(shell, table):
    cxlab.set_language("fa")
    text = _shown(shell, table[["n", "estimate"]].describe())["text/html"]
    cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", text)
    assert "میانگین" in cells and "۲۵٪" in cells
    assert not [c for c in cells if re.search("[0-9]", c)]


def test_outside_ipython_nothing_is_registered(monkeypatch):
    monkeypatch.setattr(_ipython, "_shell", lambda: None)
    assert _ipython.sync_formatters("fa") is False
    assert cxlab.set_language("fa") == "en"
    cxlab.set_language("en")
