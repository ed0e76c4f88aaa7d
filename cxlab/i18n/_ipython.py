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
"""

from __future__ import annotations

import sys

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
                previous = _SAVED.pop(key)
                formatter.pop(kind, None)
                if previous is not None:
                    formatter.for_type(kind, previous)
    return language != "en"
