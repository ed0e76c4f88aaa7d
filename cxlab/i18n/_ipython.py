"""Plain pandas tables shown in a notebook, in the reader's language.

A notebook that shows a ``DataFrame`` or ``Series`` itself (``df.describe()``,
a pivot of a result's ``summary()``) gets pandas' own display: English
headers, Latin digits. When :func:`cxlab.set_language` sets a language other
than English inside IPython or Jupyter, :func:`sync_formatters` registers an
HTML and a plain-text formatter for pandas objects that show a *display copy*
formatted like cxlab's own tables (:func:`cxlab._display.readable`): headers
from the catalog (``column.<name>``), names of the default catalog in the
language, numbers with the language's digits and separators, dates in its
calendar. The data is never changed. Setting English again removes the
formatters and puts back whatever was registered before, so English output
is exactly pandas' own.

The same goes for what a notebook shows that is not a table: plain numbers
and tuples of numbers (``round(model.concordance_, 3)``) get the language's
digits and separators, and studies, models and score estimates their
summary in the language (:mod:`cxlab.i18n._summaries`).
"""

from __future__ import annotations

import numbers
import sys

import numpy as np
import pandas as pd

__all__ = ["reader_table", "sync_formatters"]

#: rows shown of a long table (pandas' own default ``display.max_rows``)
MAX_ROWS = 60
#: (formatter, type) -> the printer registered before ours (None: none was)
_SAVED: dict = {}


def _shell():
    """The running IPython shell, or None (plain Python; IPython not even imported)."""
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython half-installed
        return None
    return get_ipython()


def _flat_labels(labels: pd.Index) -> pd.Index:
    """Column labels as one level: a MultiIndex joined with `` / ``, the rest as text."""
    if isinstance(labels, pd.MultiIndex):
        return pd.Index([" / ".join(str(part) for part in label) for label in labels])
    return labels


def reader_table(obj):
    """A pandas object as a :class:`~cxlab._display.ReadableTable` for a reader.

    Formatted in the current language (:func:`cxlab.get_language`) when shown.

    Parameters
    ----------
    obj : DataFrame or Series
        The table; an unnamed Series becomes a column with an empty header,
        column labels on several levels are joined with `` / ``.

    Returns
    -------
    ReadableTable
        Its ``.data`` is ``obj`` itself (a Series as a one-column frame).
    """
    from cxlab._display import readable

    frame = obj
    if isinstance(obj, pd.Series):
        frame = obj.to_frame(name="" if obj.name is None else obj.name)
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.set_axis(_flat_labels(frame.columns), axis=1)
    return readable(frame, max_rows=MAX_ROWS)


def _rows_note(obj) -> str:
    """How many rows a long table has beyond those shown (empty when all are shown)."""
    from cxlab._display import rows_shown

    return rows_shown(MAX_ROWS, len(obj)) if len(obj) > MAX_ROWS else ""


def _html(obj):
    import html

    from cxlab._display import table_html
    from cxlab.i18n._language import get_language

    if get_language() == "en":  # inside ``use_language("en")``: pandas' own
        method = getattr(obj, "_repr_html_", None)
        return method() if method is not None else None
    shown = table_html(reader_table(obj.head(MAX_ROWS)).frame(), max_rows=MAX_ROWS)
    note = _rows_note(obj)
    return shown + (f"<p>{html.escape(note)}</p>" if note else "")


def _text(obj, p, cycle):
    from cxlab._display import table_text
    from cxlab.i18n._language import get_language

    if get_language() == "en" or cycle:
        from IPython.lib.pretty import _repr_pprint

        _repr_pprint(obj, p, cycle)
        return
    text = table_text(reader_table(obj.head(MAX_ROWS)).frame(), max_rows=MAX_ROWS)
    note = _rows_note(obj)
    text += f"\n({note})" if note else ""
    for i, line in enumerate(text.splitlines()):
        if i:
            p.break_()
        p.text(line)


_PRINTERS = {"text/html": _html, "text/plain": _text}


#: types shown with the language's digits (numpy's scalars each define their own repr,
#: which IPython would use before looking at a base class)
_NUMBER_TYPES = (
    int,
    float,
    tuple,
    *(getattr(np, name) for name in ("float16", "float32", "float64", "longdouble")),
    *(getattr(np, f"{sign}int{bits}") for sign in ("", "u") for bits in (8, 16, 32, 64)),
)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_)


def _number_text(value, code: str) -> str:
    from cxlab.i18n._numbers import format_number

    if isinstance(value, numbers.Integral):
        return format_number(int(value), language=code)
    if isinstance(value, numbers.Real):
        return format_number(float(value), language=code)
    return repr(value)


def _plain_number(obj, p, cycle):
    """A number (or a tuple of numbers) a notebook shows: digits of the language."""
    from cxlab.i18n._language import get_language
    from cxlab.i18n._messages import t

    code = get_language()
    if code == "en" or cycle or isinstance(obj, bool | np.bool_):
        from IPython.lib.pretty import _repr_pprint

        _repr_pprint(obj, p, cycle)
        return
    if isinstance(obj, tuple):
        if not obj or not all(_is_number(v) for v in obj):
            p.text(repr(obj))  # a tuple of other things: as Python writes it
            return
        p.text("(" + t("list.separator", code).join(_number_text(v, code) for v in obj) + ")")
        return
    p.text(_number_text(obj, code))


def _summary_text(obj, p, cycle):
    from cxlab.i18n._language import get_language
    from cxlab.i18n._summaries import reader_summary

    if get_language() == "en" or cycle:
        from IPython.lib.pretty import _repr_pprint

        _repr_pprint(obj, p, cycle)
        return
    for i, line in enumerate(_summary_lines(obj, reader_summary(obj))):
        if i:
            p.break_()
        p.text(line)


def _summary_lines(obj, line: str) -> list[str]:
    """The summary, then (a fit check) its table and notes as text."""
    table = getattr(obj, "table", None)
    if not isinstance(table, pd.DataFrame) or not hasattr(obj, "kind"):
        return [line]
    from cxlab._display import readable

    return [line, *readable(table, notes=getattr(obj, "notes", ())).text().splitlines()]


def _summary_html(obj):
    from cxlab.i18n._language import get_language
    from cxlab.i18n._summaries import reader_summary, summary_html

    if get_language() == "en":
        method = getattr(obj, "_repr_html_", None)
        return method() if method is not None else None
    body = ""
    table = getattr(obj, "table", None)
    if isinstance(table, pd.DataFrame) and hasattr(obj, "kind"):  # a fit check
        from cxlab._display import readable

        body = readable(table, notes=getattr(obj, "notes", ())).html()
    return summary_html(reader_summary(obj), body)


def _sync_objects(formatters, language: str) -> None:
    """Numbers, tuples and summarized objects: registered or removed as the tables are."""
    from cxlab.i18n._summaries import SUMMARIZED

    plain = formatters["text/plain"]
    for kind in _NUMBER_TYPES:
        key = (id(plain), kind)
        if language != "en" and key not in _SAVED:
            _SAVED[key] = plain.for_type(kind, _plain_number)
        elif language == "en" and key in _SAVED:
            _restore(plain, kind, _SAVED.pop(key))
    for mime, printer in (("text/plain", _summary_text), ("text/html", _summary_html)):
        formatter = formatters[mime]
        for module, name in SUMMARIZED:
            key = (id(formatter), module, name)
            if language != "en" and key not in _SAVED:
                _SAVED[key] = formatter.for_type_by_name(module, name, printer)
            elif language == "en" and key in _SAVED:
                previous = _SAVED.pop(key)
                formatter.deferred_printers.pop((module, name), None)
                for kind in list(formatter.type_printers):
                    if (kind.__module__, kind.__name__) == (module, name):
                        formatter.type_printers.pop(kind)
                if previous is not None:
                    formatter.for_type_by_name(module, name, previous)


def _restore(formatter, kind, previous) -> None:
    formatter.pop(kind, None)
    if previous is not None:
        formatter.for_type(kind, previous)


def sync_formatters(language: str, shell=None) -> bool:
    """Register (language not English) or remove (English) the pandas formatters.

    Called by :func:`cxlab.set_language`; does nothing outside IPython.

    Parameters
    ----------
    language : str
        The language just set (a resolved code such as ``"fa"``).
    shell : InteractiveShell or None, default=None
        The shell to change; None uses the running one.

    Returns
    -------
    bool
        Whether cxlab's formatters are registered afterwards.
    """
    shell = _shell() if shell is None else shell
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    for mime, printer in _PRINTERS.items():
        formatter = formatters[mime]
        for kind in (pd.DataFrame, pd.Series):
            key = (id(formatter), kind)
            if language != "en" and key not in _SAVED:
                _SAVED[key] = formatter.for_type(kind, printer)
            elif language == "en" and key in _SAVED:
                _restore(formatter, kind, _SAVED.pop(key))
    _sync_objects(formatters, language)
    return language != "en"
