"""Persian in figures: shaped text, Persian digits and Jalali dates on axes (cxlab/i18n/_figures.py)."""

from __future__ import annotations

import datetime
import re
import warnings

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pytest
from matplotlib.font_manager import findfont, get_font
from matplotlib.textpath import TextToPath
from matplotlib.ticker import ScalarFormatter

from cxlab.exceptions import CxlabError
from cxlab.i18n import (
    JalaliDateFormatter,
    LocalizedFormatter,
    figure_rc,
    figure_style,
    format_number,
    localize_axes,
    persian_font_path,
)

LATIN_DIGIT = re.compile(r"[0-9]")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _glyphs(font_path: str, text: str) -> list[tuple[str, float]]:
    """(glyph name, x) of each glyph matplotlib draws for ``text``, left to right."""
    font = get_font(font_path)
    font.set_size(12, 72)
    info, _, _ = TextToPath().get_glyphs_with_font(font, text, language="fa")
    glyphs = [(font.get_glyph_name(int(cid.rsplit("-", 1)[1], 16)), x) for cid, x, _, _ in info]
    return sorted(glyphs, key=lambda g: g[1])


# --- shaping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        # سلام: seen initial, lam-alef final ligature, meem alone; drawn right to left
        ("سلام", ["uni0645", "uniFEFC", "uniFEB3"]),
        # پیچک: peh initial, yeh medial, tcheh medial, keheh final (Persian-only letters)
        ("پیچک", ["uniFB8F", "uniFB7D", "uniFBFF", "uniFB58"]),
    ],
)
def test_words_are_drawn_with_joined_forms_in_visual_order(word, forms):
    """DejaVu Sans (the fallback font) names its glyphs after the presentation forms."""
    names = [name for name, _ in _glyphs(findfont("DejaVu Sans"), word)]
    assert names == forms


def test_the_persian_font_joins_and_orders_right_to_left():
    glyphs = _glyphs(str(persian_font_path()), "سلام")
    names = [name for name, _ in glyphs]
    assert names[-1] == "uni0633.init"  # seen, first letter, rightmost, initial form
    assert names[0] == "uni0645"  # meem, last letter, leftmost
    assert any("rlig" in name for name in names)  # lam-alef ligature


def _width(text: str) -> float:
    with figure_style("fa"):
        fig = plt.figure()
        renderer = fig.canvas.get_renderer()
        return fig.text(0, 0, text, fontsize=40).get_window_extent(renderer).width


def test_rendered_width_is_that_of_the_shaped_word_not_isolated_letters():
    shaped = "\ufeb3\ufefc\ufee1"  # سلام as presentation forms: joined
    isolated = "\ufeb1\ufedd\ufe8d\ufee1"  # س ل ا م each alone
    word = _width("سلام")
    assert word == pytest.approx(_width(shaped), rel=0.03)
    assert _width(isolated) > 1.25 * word
    persian = _width("پیچک")
    assert persian == pytest.approx(_width("\ufb58\ufbff\ufb7d\ufb8f"), rel=0.03)
    assert _width("\ufb56\ufbfc\ufb7a\ufb8e") > 1.25 * persian


def test_text_must_not_be_pre_reordered():
    """What arabic-reshaper + python-bidi make (visual order) is drawn backwards by
    matplotlib >= 3.11, which applies the bidi algorithm itself: pass logical text."""
    visual_order = "\ufee1\ufefc\ufeb3"
    names = [name for name, _ in _glyphs(findfont("DejaVu Sans"), visual_order)]
    assert names == ["uniFEB3", "uniFEFC", "uniFEE1"]  # seen on the left: reversed


def test_minus_stays_left_of_the_digits_in_persian_text():
    path = str(persian_font_path())
    font = get_font(path)
    name = {c: font.get_glyph_name(font.get_char_index(ord(c))) for c in "\u2212۳"}
    x = dict(_glyphs(path, "تغییر " + format_number(-3, language="fa")))
    assert x[name["\u2212"]] < x[name["۳"]]
    x = dict(_glyphs(path, "تغییر \u2212۳"))  # without the left-to-right mark: reads 3-
    assert x[name["\u2212"]] > x[name["۳"]]


def test_no_missing_glyph_warnings_for_persian_text_digits_and_marks():
    text = "نرخ تبدیل " + format_number(-1234.5, 1, language="fa") + " ۱۲٫۵٪ می\u200cگوید ژ"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with figure_style("fa"):
            fig, ax = plt.subplots()
            ax.set_title(text)
            fig.canvas.draw()


def test_figure_rc():
    assert figure_rc("en") == {}
    rc = figure_rc("fa")
    assert rc["font.family"] == ["Noto Sans Arabic", "DejaVu Sans"]
    assert rc["text.language"] == "fa"
    assert findfont("Noto Sans Arabic") == str(persian_font_path())


def test_old_matplotlib_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(matplotlib, "__version__", "3.10.3")
    with pytest.raises(CxlabError, match=r"matplotlib >= 3.11.*found matplotlib 3.10.3"):
        figure_rc("fa")
    assert figure_rc("en") == {}


# --- numbers and dates on axes ---------------------------------------------------------------


def _labels(axis) -> list[str]:
    return [label.get_text() for label in axis.get_ticklabels() if label.get_text()]


def test_tick_labels_in_persian_digits():
    fig, ax = plt.subplots()
    ax.plot([-1, 1], [0, 1000])
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    localize_axes(fig, "fa")
    fig.canvas.draw()
    assert _labels(ax.xaxis) == ["\u200e\u2212۱٫۰", "\u200e\u2212۰٫۵", "۰٫۰", "۰٫۵", "۱٫۰"]
    assert all(not LATIN_DIGIT.search(text) for text in _labels(ax.yaxis))
    assert "۱۰۰۰" in _labels(ax.yaxis)


def test_date_axis_in_jalali():
    fig, ax = plt.subplots()
    days = [datetime.datetime(2021, 3, 1) + datetime.timedelta(days=d) for d in range(60)]
    ax.plot(days, range(60))
    localize_axes(ax, "fa")
    fig.canvas.draw()
    labels = _labels(ax.xaxis)
    assert labels and all(not LATIN_DIGIT.search(text) for text in labels)
    assert any("فروردین" in text for text in labels)
    assert isinstance(ax.xaxis.get_major_formatter(), JalaliDateFormatter)


def test_jalali_formatter_with_a_fixed_format():
    formatter = JalaliDateFormatter("%Y/%m/%d", "fa")
    assert formatter(mdates.date2num(datetime.date(2021, 3, 21))) == "۱۴۰۰/۰۱/۰۱"
    assert formatter.format_ticks(
        [mdates.date2num(datetime.date(2024, 3, 20)), mdates.date2num(datetime.date(2025, 3, 21))]
    ) == ["۱۴۰۳/۰۱/۰۱", "۱۴۰۴/۰۱/۰۱"]


def test_titles_labels_legends_and_annotations_get_persian_digits_mathtext_stays():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="n = 25")
    ax.set_title("95% intervals")
    ax.set_xlabel("$x^2$")
    ax.annotate("12.5", (0.5, 0.5))
    ax.legend()
    fig.suptitle("2021")
    localize_axes(fig, "fa")
    assert ax.get_title() == "۹۵٪ intervals"  # a number in running text: digits and sign
    assert ax.get_legend().get_texts()[0].get_text() == "n = ۲۵"
    assert ax.texts[0].get_text() == "۱۲٫۵"
    assert ax.get_xlabel() == "$x^2$"
    assert fig.get_suptitle() == "۲۰۲۱"


def test_english_figures_are_untouched_and_wrapping_is_idempotent():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    before = ax.xaxis.get_major_formatter()
    localize_axes(fig, "en")
    assert ax.xaxis.get_major_formatter() is before
    localize_axes(fig, "fa")
    localize_axes(fig, "fa")
    wrapped = ax.xaxis.get_major_formatter()
    assert isinstance(wrapped, LocalizedFormatter)
    assert isinstance(wrapped.inner, ScalarFormatter)


@pytest.mark.parametrize(
    ("periods", "freq"), [(20, "h"), (14, "D"), (45, "D"), (120, "D"), (400, "D"), (2000, "D")]
)
def test_jalali_date_axes_keep_few_labels(periods, freq):
    """Jalali labels are wider than matplotlib's own, so the axis gets at most 7 ticks."""
    import pandas as pd

    fig, ax = plt.subplots(figsize=(6.4, 4))
    days = pd.date_range("2021-02-01", periods=periods, freq=freq)
    ax.plot(days, range(periods))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        localize_axes(ax, "fa")
        fig.canvas.draw()
    labels = _labels(ax.xaxis)
    assert 3 <= len(labels) <= 7
    assert len(set(labels)) == len(labels)  # no label repeated


def test_date_ticks_on_jalali_month_starts():
    import pandas as pd

    from cxlab.i18n import JalaliMonthLocator, from_jalali

    fig, ax = plt.subplots()
    days = pd.date_range("2021-02-01", periods=120, freq="D")
    ax.plot(days, range(120))
    localize_axes(ax, "fa")
    fig.canvas.draw()
    assert isinstance(ax.xaxis.get_major_locator(), JalaliMonthLocator)
    assert _labels(ax.xaxis) == ["۱۳۹۹/۱۲", "۱۴۰۰/۰۱", "۱۴۰۰/۰۲", "۱۴۰۰/۰۳"]
    expected = [from_jalali(1399, 12, 1), *(from_jalali(1400, m, 1) for m in (1, 2, 3))]
    assert list(ax.get_xticks()) == [mdates.date2num(d) for d in expected]
    # 2021-02-19, -03-21, -04-21, -05-22: Esfand 1399 has 30 days, Farvardin 31
    assert [d.date().isoformat() for d in expected] == [
        "2021-02-19", "2021-03-21", "2021-04-21", "2021-05-22",
    ]  # fmt: skip


def test_yearly_jalali_ticks_show_the_year():
    import pandas as pd

    fig, ax = plt.subplots()
    days = pd.date_range("2021-02-01", periods=3000, freq="D")
    ax.plot(days, range(3000))
    localize_axes(ax, "fa")
    fig.canvas.draw()
    labels = _labels(ax.xaxis)
    assert labels and all(re.fullmatch(r"۱۴[۰-۹]{2}", text) for text in labels)
