"""Figures in the reader's language: Persian text shaped, Persian digits, Jalali dates.

Since 3.11, matplotlib lays text out with libraqm (HarfBuzz shaping and the
Unicode bidirectional algorithm), so Persian is drawn with its letters joined
and in right-to-left order when the text is passed as it is typed, in logical
order. Text must NOT be pre-shaped (arabic-reshaper) or reordered
(python-bidi) for it: raqm would reorder the reordered text a second time and
draw it backwards. What a figure still needs is a font with the glyphs
(Noto Sans Arabic, a dependency; DejaVu Sans, shipped with matplotlib, as the
fallback) and numbers and dates written the Persian way, which the tick
formatters here do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import matplotlib
import matplotlib.dates as mdates
from matplotlib import font_manager
from matplotlib.ticker import Formatter, Locator, NullFormatter

from cxlab.exceptions import CxlabError
from cxlab.i18n._dates import format_date, from_jalali, jalali_parts
from cxlab.i18n._fonts import FONT_FAMILY, persian_font_path
from cxlab.i18n._language import language_info, resolve_language
from cxlab.i18n._messages import message_keys, phrasebook, t
from cxlab.i18n._numbers import localize_numbers, localize_numeral
from cxlab.i18n._tables import reader_cell

__all__ = [
    "JalaliDateFormatter",
    "JalaliMonthLocator",
    "LocalizedFormatter",
    "figure_rc",
    "figure_style",
    "localize_axes",
    "localize_figure",
]

#: The first matplotlib that shapes Arabic-script text itself (libraqm).
SHAPING_MATPLOTLIB = (3, 11)
_DATE_FORMATTERS = (mdates.AutoDateFormatter, mdates.ConciseDateFormatter, mdates.DateFormatter)


def _check_matplotlib() -> None:
    version = tuple(int(p) for p in matplotlib.__version__.split(".")[:2])
    if version < SHAPING_MATPLOTLIB:
        raise CxlabError(
            f"Persian figures need matplotlib >= 3.11, which joins Persian letters and orders "
            f"them right to left; found matplotlib {matplotlib.__version__}, which would draw "
            "isolated letters left to right. Fix: pip install 'matplotlib>=3.11'."
        )


@cache
def _register_font() -> str:
    path = str(persian_font_path())
    if not any(entry.fname == path for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return path


def figure_rc(language: str | None = None) -> dict:
    """matplotlib settings for figures in ``language`` (``{}`` for English).

    For a right-to-left language: the Persian font first and DejaVu Sans as
    the fallback for other glyphs, and ``text.language`` so the shaper uses
    the language's letter forms. Use with ``matplotlib.rc_context`` or
    ``matplotlib.rcParams.update`` (a whole notebook).

    >>> figure_rc("en")
    {}
    >>> figure_rc("fa")["font.family"]
    ['Noto Sans Arabic', 'DejaVu Sans']

    Parameters
    ----------
    language : str or None, default=None
        Language code; None uses the current setting (:func:`cxlab.get_language`).
    """
    info = language_info(language)
    if info["direction"] != "rtl":
        return {}
    _check_matplotlib()
    _register_font()
    return {
        "font.family": [FONT_FAMILY, "DejaVu Sans"],
        "text.language": info["code"],
        "axes.unicode_minus": True,
    }


def _load_backend() -> None:
    """Set the plotting backend up now, outside any ``rc_context``.

    The backend is loaded with the first figure. In Jupyter, loading the inline
    backend turns interactive mode on and applies its settings; inside an
    ``rc_context`` that would be undone when the block ends, and later figures
    of the notebook would no longer be shown.
    """
    import matplotlib.pyplot as plt

    load = getattr(plt, "_get_backend_mod", None)
    if load is not None:
        load()


@contextmanager
def figure_style(language: str | None = None) -> Iterator[dict]:
    """Draw figures made inside the block in ``language``'s font and letter forms.

    >>> import matplotlib.pyplot as plt
    >>> with figure_style("fa"):
    ...     fig, ax = plt.subplots()
    ...     _ = ax.set_title("سفر مشتری")
    >>> ax.title.get_fontfamily()
    ['Noto Sans Arabic', 'DejaVu Sans']
    >>> plt.close(fig)

    Parameters
    ----------
    language : str or None, default=None
        Language code; None uses the current setting (:func:`cxlab.get_language`).
    """
    rc = figure_rc(language)
    _load_backend()
    with matplotlib.rc_context(rc):
        yield rc


class LocalizedFormatter(Formatter):
    """Wrap a tick formatter so its labels read in a language: digits, separators, names.

    Parameters
    ----------
    inner : matplotlib.ticker.Formatter
        The formatter whose labels are rewritten (e.g. ``ScalarFormatter``,
        ``PercentFormatter``).
    language : str or None, default=None
        Fixed when the formatter is made; defaults to the current setting.

    Examples
    --------
    >>> from matplotlib.ticker import StrMethodFormatter
    >>> LocalizedFormatter(StrMethodFormatter("{x:,.1%}"), "fa")(12.5)
    '۱٬۲۵۰٫۰٪'
    """

    def __init__(self, inner: Formatter, language: str | None = None):
        self.inner = inner
        self.language = resolve_language(language)

    def _localize(self, text: str) -> str:
        if not text or "$" in text:
            return text
        # stage and channel names (and labels made of them), covariates as tick labels; digits
        return _rtl_base(reader_cell(text, self.language, digits=localize_numeral))

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs):
        self.locs = locs
        self.inner.set_locs(locs)

    def __call__(self, x, pos=None):
        return self._localize(self.inner(x, pos))

    def format_ticks(self, values):
        return [self._localize(text) for text in self.inner.format_ticks(values)]

    def get_offset(self):
        return self._localize(self.inner.get_offset())

    def format_data(self, value):
        return self._localize(self.inner.format_data(value))

    def format_data_short(self, value):
        return self._localize(self.inner.format_data_short(value))


class JalaliDateFormatter(Formatter):
    """Label a date axis with Jalali dates in Persian digits (or the language's calendar).

    Tick positions stay where matplotlib's date locator puts them; only the
    labels change.

    Parameters
    ----------
    fmt : str or None, default=None
        A :func:`cxlab.i18n.format_date` format. None picks one from the
        ticks: ``%H:%M`` within a day; ``%Y`` when every tick is on 1 Farvardin,
        ``%Y/%m`` when every tick is on the first of a month (as
        :class:`JalaliMonthLocator` puts them); else ``%d %B`` (day and month
        name) up to a year and ``%Y/%m/%d`` beyond.
    language : str or None, default=None
    calendar : {"jalali", "gregorian"} or None, default=None
        None uses the language's calendar.
    tz : str or None, default=None
        Time zone whose calendar day is shown; None keeps UTC.

    Examples
    --------
    >>> import datetime
    >>> JalaliDateFormatter("%Y/%m/%d", "fa")(mdates.date2num(datetime.date(2021, 3, 21)))
    '۱۴۰۰/۰۱/۰۱'
    """

    def __init__(self, fmt=None, language=None, *, calendar=None, tz=None):
        self.fmt = fmt
        self.language = resolve_language(language)
        self.calendar = calendar
        self.tz = tz

    def _format(self, values) -> list[str]:
        if len(values) == 0:
            return []
        dates = [mdates.num2date(v) for v in values]
        fmt = self.fmt or self._auto_format(values, dates)
        out = format_date(dates, fmt, language=self.language, calendar=self.calendar, tz=self.tz)
        return out.tolist()

    def _auto_format(self, values, dates) -> str:
        span = (max(values) - min(values)) if len(values) > 1 else 0.0
        if span <= 1:
            return "%H:%M"
        if (
            self.calendar in (None, "jalali")
            and language_info(self.language)["calendar"] == "jalali"
        ):
            parts = jalali_parts(dates, tz=self.tz)
            if len(values) > 1 and (parts["day"] == 1).all():  # ticks on month starts
                if (parts["month"] == 1).all():
                    return "%Y"
                return "%Y/%m"
        return "%d %B" if span <= 366 else "%Y/%m/%d"

    def __call__(self, x, pos=None):
        return self._format([x])[0]

    def format_ticks(self, values):
        return self._format(list(values))


class JalaliMonthLocator(Locator):
    """Date ticks on the first days of Jalali months (every 1, 2, 3, 6 or 12 months).

    Spans shorter than about two months fall back to matplotlib's
    ``AutoDateLocator``. At most ``maxticks`` ticks.

    Parameters
    ----------
    maxticks : int, default=7
        Most ticks on an axis.

    Examples
    --------
    >>> import datetime
    >>> locator = JalaliMonthLocator()
    >>> ticks = locator.tick_values(mdates.date2num(datetime.date(2021, 3, 1)),
    ...                             mdates.date2num(datetime.date(2021, 6, 30)))
    >>> [d.date().isoformat() for d in mdates.num2date(ticks)]
    ['2021-03-21', '2021-04-21', '2021-05-22', '2021-06-22']
    """

    def __init__(self, maxticks: int = 7):
        self.maxticks = maxticks

    def __call__(self):
        vmin, vmax = self.axis.get_view_interval()
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin, vmax):
        vmin, vmax = sorted((vmin, vmax))
        first, last = jalali_parts([mdates.num2date(vmin), mdates.num2date(vmax)]).to_numpy(int)
        start, stop = first[0] * 12 + first[1] - 1, last[0] * 12 + last[1] - 1
        if stop - start < 3:  # fewer than three month starts: ticks by day
            return mdates.AutoDateLocator(minticks=3, maxticks=self.maxticks).tick_values(
                mdates.num2date(vmin), mdates.num2date(vmax)
            )
        step = next(
            k for k in (1, 2, 3, 6, 12, 24, 60, 120, 600) if (stop - start) / k < self.maxticks
        )
        months = [m for m in range(start, stop + 1) if m % step == 0]
        ticks = [mdates.date2num(from_jalali(m // 12, m % 12 + 1, 1)) for m in months]
        return [x for x in ticks if vmin <= x <= vmax]


def _axes_of(target) -> list:
    if hasattr(target, "axes") and isinstance(target.axes, list):  # a Figure
        return list(target.axes)
    if hasattr(target, "xaxis"):  # an Axes
        return [target]
    return [ax for item in target for ax in _axes_of(item)]


def _localize_axis(axis, language: str, calendar: str) -> None:
    for which in ("major", "minor"):
        current = getattr(axis, f"get_{which}_formatter")()
        if isinstance(current, (LocalizedFormatter, JalaliDateFormatter, NullFormatter)):
            continue
        if isinstance(current, _DATE_FORMATTERS) and calendar == "jalali":
            replacement = JalaliDateFormatter(language=language)
            locator = getattr(axis, f"get_{which}_locator")()
            if which == "major" and isinstance(locator, mdates.AutoDateLocator):
                # ticks on Jalali month starts, and fewer: Jalali labels are wider
                axis.set_major_locator(JalaliMonthLocator())
        else:
            replacement = LocalizedFormatter(current, language)
        getattr(axis, f"set_{which}_formatter")(replacement)


#: an interval written as a pair in brackets, ``[0.80, 0.82]``
_PAIR = re.compile(r"\[([^\[\],]*\d[^\[\],]*), ([^\[\],]*\d[^\[\],]*)\]")


def _localize_text(text, language: str) -> None:
    content = text.get_text()
    if content and "$" not in content:
        shown = localize_numbers(content, language)
        sep = t("list.separator", language)
        if sep != ", ":  # the pair's comma as the language writes lists: [۰٫۸۰، ۰٫۸۲]
            shown = _PAIR.sub(lambda m: f"[{m.group(1)}{sep}{m.group(2)}]", shown)
        text.set_text(shown)


def localize_axes(target, language: str | None = None, *, texts: bool = True):
    """Write a figure's numbers and dates the way a reader of ``language`` expects.

    Tick labels get the language's digits and separators (through
    :class:`LocalizedFormatter`), date axes Jalali dates in Persian (through
    :class:`JalaliDateFormatter`); with ``texts=True``, digits in titles,
    axis labels, legends, annotations and table cells too. English figures
    are left untouched. Text containing ``$`` (mathtext) is left as it is.

    Parameters
    ----------
    target : Figure, Axes or a list of Axes
    language : str or None, default=None
    texts : bool, default=True

    Returns
    -------
    The ``target``, for chaining.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1000], [0.5, 1.5])
    >>> _ = localize_axes(ax, "fa")
    >>> fig.canvas.draw()
    >>> ax.get_yticklabels()[1].get_text()
    '۰٫۶'
    >>> plt.close(fig)
    """
    info = language_info(language)
    if info["digits"] == "latin" and info["calendar"] == "gregorian":
        return target
    code = info["code"]
    for ax in _axes_of(target):
        _localize_axis(ax.xaxis, code, info["calendar"])
        _localize_axis(ax.yaxis, code, info["calendar"])
        if not texts:
            continue
        items = [
            ax.title,
            ax._left_title,
            ax._right_title,
            ax.xaxis.label,
            ax.yaxis.label,
            *ax.texts,
        ]
        legend = ax.get_legend()
        if legend is not None:
            items += [*legend.get_texts(), legend.get_title()]
        for table in ax.tables:
            items += [cell.get_text() for cell in table.get_celld().values()]
        for item in items:
            _localize_text(item, code)
    if texts and hasattr(target, "texts") and hasattr(target, "axes"):
        figure_texts = list(target.texts)
        if getattr(target, "_suptitle", None) is not None:
            figure_texts.append(target._suptitle)
        for item in figure_texts:
            _localize_text(item, code)
    return target


RLM = "\u200f"


def _rtl_base(text):
    """Text with right-to-left letters starts with a right-to-left mark.

    The shaper takes a line's direction from its first strong letter, so a
    Persian title starting with a Latin word ("NPS با بازه‌های ۹۵٪") would be
    laid out left to right, its words and percent sign out of order. The mark
    (invisible) makes the line right to left.
    """
    if not isinstance(text, str) or not text or text.startswith(RLM):
        return text
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):  # a right-to-left letter
        return RLM + text
    return text


def _figure_texts(figure) -> list:
    items = list(figure.texts)
    if getattr(figure, "_suptitle", None) is not None:
        items.append(figure._suptitle)
    for ax in figure.axes:
        items += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        items += ax.texts
        legend = ax.get_legend()
        if legend is not None:
            items += [*legend.get_texts(), legend.get_title()]
    return items


def _localize_names(ax, language: str) -> None:
    legend = ax.get_legend()
    texts = [*ax.texts, *(legend.get_texts() if legend is not None else [])]
    for item in texts:
        if "$" not in item.get_text():
            item.set_text(reader_cell(item.get_text(), language))
    if legend is not None:  # a legend titled by a column (``segment``): its header
        title = legend.get_title()
        key = f"column.{title.get_text()}"
        if title.get_text() and key in message_keys(language):
            title.set_text(t(key, language))


def localize_figure(target, language: str | None = None):
    """Make a finished figure read right for ``language``: fonts, names, numbers, dates.

    Tick labels get the language's font (also those matplotlib makes when it
    draws), names of the default catalog's stages, channels and metrics on
    ticks, legends and annotations are shown in the language (a user's own
    names stay as given), and numbers and dates are rewritten as
    :func:`localize_axes` does. English figures are returned untouched. Draw
    the figure inside :func:`figure_style` so its titles and labels get the
    font too (``cxlab`` plot functions do both).

    Parameters
    ----------
    target : Axes, Figure, a list of Axes, or anything else (returned as is)
    language : str or None, default=None

    Returns
    -------
    The ``target``.
    """
    info = language_info(language)
    if info["code"] == "en":
        return target
    try:
        axes = _axes_of(target)
    except TypeError:  # not a figure (e.g. a skipped step)
        return target
    rc = figure_rc(info["code"])
    code = info["code"]
    for ax in axes:
        if rc:
            ax.tick_params(which="both", labelfontfamily=rc["font.family"])
        _localize_names(ax, code)
    phrases = phrasebook(code)  # titles and labels written in English in the plot code
    figures = {id(ax.figure): ax.figure for ax in axes}
    for figure in figures.values():
        localize_axes(figure, code)
        for item in _figure_texts(figure):
            text = phrases.get(item.get_text(), item.get_text())
            item.set_text(_rtl_base(text) if info["direction"] == "rtl" else text)
    return target
