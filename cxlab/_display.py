"""Numbers and tables for people: rounding, separators, p-values, intervals and escaped HTML.

Result objects keep full precision in their data (``.summary()``, ``.table``);
what a person sees (``__repr__``, ``_repr_html_``) goes through this module, so
every table in a report reads the same way:

- probabilities, shares and other small numbers to 3 decimals (a column keeps
  one number of decimals, chosen from its largest value);
- counts as integers with thousands separators (``4,064``, not ``4064.0``);
- money and big numbers with thousands separators;
- p-values as ``<0.001`` below one in a thousand, else to 3 decimals;
- an interval next to its estimate: ``0.533 (0.490–0.570)``; the bound columns
  (``lower``/``upper``, ``ci_low``/``ci_high``, ``x_lower``/``x_upper``,
  ``x_low``/``x_high``) fold into the estimate's column;
- missing values and booleans without a value shown empty, booleans as yes/no;
- every label and cell escaped in HTML (names from the data may hold markup).

Examples
--------
>>> import pandas as pd
>>> from cxlab._display import format_p, readable
>>> format_p(0.0001)
'<0.001'
>>> t = readable(pd.DataFrame({"n": [4064.0], "estimate": [0.5333],
...                            "lower": [0.49], "upper": [0.57]}))
>>> t.text().splitlines()[1].split()
['0', '4,064', '0.533', '(0.490–0.570)']
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "ReadableNotes",
    "ReadableTable",
    "format_count",
    "format_interval",
    "format_number",
    "format_p",
    "group_label",
    "notes_html",
    "notes_text",
    "p_text",
    "readable",
]

#: Column names read as p-values.
P_VALUE_COLUMNS = frozenset({"p", "p_value", "pvalue", "p_adj", "p_adjusted", "p_holm", "p_bh"})
#: Column names (or ``_``-separated words of them) read as money.
MONEY_WORDS = frozenset({"revenue", "value", "clv", "spend", "cost", "money", "aov"})
#: Words of column names read as counts (integers even when all are 0 or 1).
COUNT_WORDS = frozenset(
    {"n", "count", "customers", "events", "journeys", "conversions", "answers", "entered"}
    | {"dropped", "purchasers", "leads", "nulls", "contacts", "orders", "churned"}
)
#: Columns never taken as the estimate of the bounds after them (spreads, not estimates).
SPREAD_COLUMNS = ("se", "sd", "std", "std_err", "se_coef")
#: (lower, upper) suffixes of interval bounds.
BOUND_SUFFIXES = (
    ("ci_low", "ci_high"),
    ("ci_lower", "ci_upper"),
    ("lower", "upper"),
    ("low", "high"),
)
DASH = "\u2013"  # en dash between the bounds of an interval
LRI, PDI = "\u2066", "\u2069"  # left-to-right isolate and its end (Unicode bidi)
WORD_JOINER = "\u2060"  # no line break here
RLM = "\u200f"  # right-to-left mark: a right-to-left paragraph even if it starts with Latin


# -- single numbers ---------------------------------------------------------------
def _missing(x) -> bool:
    try:
        return x is None or x is pd.NA or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_p(p) -> str:
    """A p-value for reading: ``<0.001`` below 0.001, else 3 decimals; empty when missing.

    >>> format_p(0.0001), format_p(0.04321), format_p(float("nan"))
    ('<0.001', '0.043', '')
    """
    if _missing(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def p_text(p) -> str:
    """``p<0.001`` or ``p=0.043`` for a sentence."""
    text = format_p(p)
    return f"p{text}" if text.startswith("<") else f"p={text}"


def format_count(x) -> str:
    """An integer with thousands separators: ``4064.0`` -> ``4,064``; empty when missing."""
    if _missing(x):
        return ""
    return f"{int(round(float(x))):,}"


def format_number(x, decimals: int | None = 3) -> str:
    """A number with ``decimals`` decimals and thousands separators.

    ``decimals=None`` gives three significant digits (for very small numbers).
    Empty when missing; ``inf`` as ``∞``.
    """
    if _missing(x):
        return ""
    x = float(x)
    if math.isinf(x):
        return "\u221e" if x > 0 else "-\u221e"
    if decimals is None:
        return f"{x:.3g}"
    text = f"{x:,.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text


def _interval_to() -> str:
    """The word between interval bounds when one is negative (" to " in English)."""
    code = _language()
    if code == "en":
        return " to "
    from cxlab.i18n._messages import t

    return t("interval.to", code)


def _isolated(text: str) -> str:
    """``text`` as a left-to-right island in a right-to-left line (Unicode LRI ... PDI)."""
    return f"{LRI}{text}{PDI}"


def right_to_left() -> bool:
    code = _language()
    if code == "en":
        return False
    from cxlab.i18n._language import language_info

    return language_info(code)["direction"] == "rtl"


def format_interval(estimate, lower, upper, decimals: int | None = 3) -> str:
    """An estimate with its interval: ``0.533 (0.490–0.570)``; bounds left out when missing.

    With a negative bound the bounds are joined by "to": ``-1.9 (-2.1 to -1.7)``.
    In a right-to-left language each bound of such an interval is a
    left-to-right island (LRI ... PDI): the minus sign of a bound is a
    strong left-to-right mark there, and without the islands the estimate
    and the lower bound would be drawn as one left-to-right run, the lower
    bound on the wrong side. Isolated, the bounds read in the line's order,
    lower bound first (on the right). Between positive bounds the dash is
    followed by a word joiner there (no line break after it: at the end of
    a right-to-left line it would stand to the left of the lower bound, like
    a minus sign).
    """
    est = format_number(estimate, decimals)
    if _missing(lower) and _missing(upper):
        return est
    lo, hi = format_number(lower, decimals), format_number(upper, decimals)
    sep = DASH
    if lo.startswith("-") or hi.startswith("-"):
        sep = _interval_to()
        if right_to_left():
            lo, hi = _isolated(lo), _isolated(hi)
    elif right_to_left():  # no line break after the dash: at a line's end, on the left of
        sep = DASH + WORD_JOINER  # the lower bound, it would read as its minus sign
    return f"{est} ({lo}{sep}{hi})".strip()


def group_label(value, by=None) -> str:
    """A readable label of a group value: booleans of column ``by`` as words.

    ``by`` may be the column's name or a list holding only it. In another
    language than English, the column's header in that language with yes/no.

    >>> group_label(True, "loyalty_member"), group_label("False", ["loyalty_member"])
    ('loyalty member', 'not loyalty member')

    Parameters
    ----------
    value : object
        The group's value.
    by : str or list of str, optional
        The column the groups come from.
    """
    text = str(value)
    if isinstance(by, list | tuple) and len(by) == 1:
        by = by[0]
    if text in ("True", "False") and isinstance(by, str):
        from cxlab.i18n._language import get_language

        if get_language() == "en":
            words = by.replace("_", " ")
            return words if text == "True" else f"not {words}"
        from cxlab.i18n._messages import t
        from cxlab.i18n._tables import column_header

        key = "legend.group_yes" if text == "True" else "legend.group_no"
        return t(key, name=column_header(by))
    return text


# -- columns ----------------------------------------------------------------------
def _decimals(values: np.ndarray) -> int | None:
    """Decimals for a float column, from its largest absolute value."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return 3
    top = float(finite.max())
    if 0 < top < 0.01:
        return None
    if top >= 1000:
        return 0
    if top >= 100:
        return 1
    if top >= 10:
        return 2
    return 3


def _is_money(name) -> bool:
    words = re.split(r"[_\s]+", str(name).lower())
    return bool(MONEY_WORDS.intersection(words))


def _is_count(name) -> bool:
    return bool(COUNT_WORDS.intersection(re.split(r"[_\s]+", str(name).lower())))


def _is_days(name) -> bool:
    return "days" in re.split(r"[_\s]+", str(name).lower())


def _floats(s: pd.Series) -> np.ndarray | None:
    """The column as floats, or None when it is not numeric (or is boolean)."""
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        return None
    return s.astype("float64").to_numpy()


def _share(values: np.ndarray) -> bool:
    """All values within [0, 1]: a probability or share (0 and 1 are not counts)."""
    finite = values[np.isfinite(values)]
    return finite.size > 0 and bool(np.all((finite >= 0) & (finite <= 1)))


def _integral(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and bool(np.all(finite == np.round(finite)))


def _is_id(name) -> bool:
    """Identifiers (``customer_id``, ``id``): shown as given, never with separators."""
    name = str(name).lower()
    return name == "id" or name.endswith("_id")


def _column_format(name, s: pd.Series):
    """A function value -> text for one column."""
    if _is_id(name):
        return lambda x: "" if _missing(x) else str(x)
    values = _floats(s)
    if values is None:
        if pd.api.types.is_bool_dtype(s.dtype) or _all_bool(s):
            return _format_bool
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return _format_time(s)
        return _format_text
    if str(name).lower() in P_VALUE_COLUMNS:
        return format_p
    if pd.api.types.is_integer_dtype(s.dtype) or (
        _integral(values) and (_is_count(name) or not _share(values))
    ):
        return format_count
    decimals = _decimals(values)
    if decimals is not None and _is_money(name):
        decimals = 0 if decimals <= 1 else 2
    elif decimals is not None and _is_days(name):
        decimals = min(decimals, 1)
    return lambda x: format_number(x, decimals)


def _all_bool(s: pd.Series) -> bool:
    """Booleans, or the text "True"/"False" (group labels made from a boolean column)."""
    present = pd.unique(s.dropna())
    return len(present) > 0 and all(
        isinstance(v, bool | np.bool_) or v in ("True", "False") for v in present
    )


def _format_bool(x) -> str:
    if _missing(x):
        return ""
    return "yes" if (x == "True" if isinstance(x, str) else bool(x)) else "no"


def _format_text(x) -> str:
    """Text as is; a number in a mixed column by its own size; booleans as yes/no."""
    if _missing(x):
        return ""
    if isinstance(x, bool | np.bool_):
        return _format_bool(x)
    if isinstance(x, int | np.integer):
        return format_count(x)
    if isinstance(x, float | np.floating):
        value = np.array([float(x)])
        return (
            format_count(x)
            if _integral(value) and abs(x) > 1
            else format_number(x, _decimals(value))
        )
    return str(x)


def _format_time(s: pd.Series):
    times = pd.DatetimeIndex(s.dropna())
    dates_only = len(times) > 0 and bool((times == times.normalize()).all())
    fmt = "%Y-%m-%d" if dates_only else "%Y-%m-%d %H:%M"
    return lambda x: "" if _missing(x) else pd.Timestamp(x).strftime(fmt)


def _bound_pairs(columns: list) -> list[tuple]:
    """(estimate, lower, upper) column triples found in ``columns``."""
    names = [str(c) for c in columns]
    by_name = dict(zip(names, columns))
    triples, used = [], set()
    for i, name in enumerate(names):
        for lo_suffix, hi_suffix in BOUND_SUFFIXES:
            if name == lo_suffix:
                prefix = ""
            elif name.endswith("_" + lo_suffix):
                prefix = name[: -len(lo_suffix) - 1]
            else:
                continue
            hi = f"{prefix}_{hi_suffix}" if prefix else hi_suffix
            if hi not in by_name or name in used:
                continue
            if prefix and prefix in by_name:
                est = prefix
            elif not prefix and "estimate" in by_name:
                est = "estimate"
            else:
                before = [
                    n for n in names[:i] if n not in used and n not in (name, hi, *SPREAD_COLUMNS)
                ]
                est = before[-1] if before else None
            if est is None or est in used:
                continue
            used.update({est, name, hi})
            triples.append((by_name[est], by_name[name], by_name[hi]))
    return triples


def _fold_interval(df: pd.DataFrame, est, lo, hi) -> pd.Series:
    values = [_floats(df[c]) for c in (est, lo, hi)]
    if any(v is None for v in values):
        return None
    decimals = _decimals(np.concatenate(values))
    if decimals is not None and _is_days(est):
        decimals = min(decimals, 1)
    return pd.Series(
        [format_interval(e, a, b, decimals) for e, a, b in zip(*values)],
        index=df.index,
        dtype=object,
    )


def _format_labels(index: pd.Index) -> pd.Index:
    """Readable row labels: booleans as yes/no, floats rounded, the rest as text."""
    if isinstance(index, pd.MultiIndex):
        levels = [_format_labels(index.get_level_values(i)) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    fmt = _column_format(index.name, pd.Series(index))
    return pd.Index([fmt(v) for v in index], name=index.name, dtype=object)


def readable_frame(
    table: pd.DataFrame, *, columns=None, intervals: bool = True, formats=None, by_row=False
) -> pd.DataFrame:
    """The table as text, formatted for reading (see the module docstring).

    Parameters
    ----------
    table : DataFrame or Series
    columns : list, optional
        Columns to show, in order (bound columns of a shown estimate come along).
    intervals : bool, default=True
        Fold interval bounds into their estimate's column.
    formats : dict, optional
        Column -> ``"p"``, ``"count"``, ``"money"``, ``"percent"`` or a function
        value -> str, overriding the rules.
    by_row : bool, default=False
        Choose decimals per row instead of per column (for tables whose rows
        hold different quantities, e.g. a rate, a count and money).

    Returns
    -------
    DataFrame
        Same index (formatted), one text column per shown column.
    """
    df = table.to_frame() if isinstance(table, pd.Series) else table
    if by_row and len(df) > 1:
        parts = [
            readable_frame(df.iloc[[i]], columns=columns, intervals=intervals, formats=formats)
            for i in range(len(df))
        ]
        return pd.concat(parts)
    formats = dict(formats or {})
    triples = _bound_pairs(list(df.columns)) if intervals else []
    triples = [t for t in triples if t[0] not in formats]
    folded = {}
    for est, lo, hi in triples:
        text = _fold_interval(df, est, lo, hi)
        if text is not None:
            folded[est] = text
            folded[lo] = folded[hi] = None
    keep = list(df.columns) if columns is None else [c for c in columns if c in df.columns]
    out = {}
    for c in keep:
        if c in folded:
            if folded[c] is not None:
                out[c] = folded[c]
            continue
        fmt = _explicit(formats[c], df[c]) if c in formats else _column_format(c, df[c])
        out[c] = df[c].map(fmt).astype(object)
    frame = pd.DataFrame(out, index=df.index)
    frame.columns = pd.Index([str(c) for c in frame.columns], name=df.columns.name)
    frame.index = _format_labels(df.index)
    return frame


def _explicit(kind, s: pd.Series):
    if callable(kind):
        return kind
    rules = {
        "p": format_p,
        "count": format_count,
        "money": lambda x: format_number(x, 0 if _decimals(_floats(s)) <= 1 else 2),
        "percent": lambda x: "" if _missing(x) else f"{100 * float(x):.1f}%",
        "text": _format_text,
    }
    return rules[kind]


# -- notes and HTML ---------------------------------------------------------------
def _language() -> str:
    from cxlab.i18n._language import get_language

    return get_language()


def _reader_text(text, language: str) -> str:
    """Running text (a title, a note) with the numbers written for ``language``."""
    if language == "en":
        return text
    from cxlab.i18n._numbers import localize_numbers

    return localize_numbers(str(text), language)


def _notes_heading(language: str) -> str:
    if language == "en":
        return "Notes:"
    from cxlab.i18n._messages import t

    return t("note.heading", language)


def notes_text(notes) -> str:
    """Numbered caveats, one a line: ``[1] ...``."""
    code = _language()
    return "\n".join(_reader_text(f"[{i}] {n}", code) for i, n in enumerate(notes, 1))


def _title_html(title, code: str) -> str:
    """A table's title in bold (right to left in such a language, even starting with Latin)."""
    if not title:
        return ""
    mark = RLM if right_to_left() else ""
    return f"<p><b>{mark}{html.escape(_reader_text(title, code))}</b></p>"


def notes_html(notes) -> str:
    """Numbered caveats as an escaped HTML list (empty when there are none)."""
    notes = [n for n in notes if n]
    if not notes:
        return ""
    code = _language()
    mark = RLM if right_to_left() else ""  # a note starting with a Latin name: still RTL
    items = "".join(f"<li>{mark}{html.escape(_reader_text(n, code))}</li>" for n in notes)
    return f"<p>{html.escape(_notes_heading(code))}</p><ol>{items}</ol>"


def localize_readable(frame: pd.DataFrame, source: pd.DataFrame, language: str) -> pd.DataFrame:
    """A formatted text table (from :func:`readable_frame`) as a reader of ``language`` sees it.

    Headers from the message catalog (``column.<name>``), names of the default
    catalog's stages, channels, metrics and NPS categories in the language (a
    user's own names stay as given), numbers with the language's digits and
    separators, dates in its calendar, yes/no in its words. Identifier columns
    (``id``, ``*_id``) stay as they are. English tables are returned unchanged.

    Parameters
    ----------
    frame : DataFrame
        The text table.
    source : DataFrame
        The data it was formatted from (read for date columns).
    language : str

    Returns
    -------
    DataFrame
    """
    if language == "en":
        return frame
    from cxlab.i18n._tables import localize_text_frame

    return localize_text_frame(
        frame, source, language, id_columns=[c for c in frame.columns if _is_id(c)]
    )


def rows_shown(shown: int, total: int) -> str:
    code = _language()
    if code == "en":
        return f"first {shown:,} of {total:,} rows"
    from cxlab.i18n._messages import t

    return t("table.first_rows", code, shown=shown, total=total)


def table_html(frame: pd.DataFrame, *, max_rows: int = 60) -> str:
    """An already formatted text frame as an HTML table, every label and cell escaped."""
    shown = frame if len(frame) <= max_rows else frame.head(max_rows)
    body = shown.to_html(escape=True, na_rep="", border=0, classes="cxlab-table")
    if len(frame) > max_rows:
        body += f"<p>{html.escape(rows_shown(max_rows, len(frame)))}</p>"
    return body


def table_text(frame: pd.DataFrame, *, max_rows: int = 30) -> str:
    shown = frame if len(frame) <= max_rows else frame.head(max_rows)
    with pd.option_context("display.width", 120, "display.max_columns", 12):
        text = shown.to_string()
    if len(frame) > max_rows:
        text += f"\n({rows_shown(max_rows, len(frame))})"
    return text


class ReadableTable:
    """A table shown for reading; the full-precision data stays in ``.data``.

    Parameters
    ----------
    data : DataFrame or Series
    title : str, optional
    columns : list, optional
        Columns to show (all by default).
    notes : sequence of str
        Caveats, numbered under the table.
    max_rows : int, default=60
    formats : dict, optional
        Per-column format overrides (see :func:`readable_frame`).
    intervals : bool, default=True
        Fold interval bounds into their estimate's column.
    by_row : bool, default=False
        Decimals chosen per row (rows of different quantities).
    transpose : bool, default=False
        Show columns as rows (formatted per column first), e.g. for a few
        wide records such as persona cards.
    """

    def __init__(
        self,
        data,
        *,
        title: str | None = None,
        columns=None,
        notes=(),
        max_rows: int = 60,
        formats=None,
        intervals: bool = True,
        by_row: bool = False,
        transpose: bool = False,
    ):
        self.data = data.to_frame() if isinstance(data, pd.Series) else data
        self.title = title
        self.columns = columns
        self.notes = [n for n in notes if n]
        self.max_rows = max_rows
        self.formats = formats
        self.intervals = intervals
        self.by_row = by_row
        self.transpose = transpose

    def frame(self) -> pd.DataFrame:
        """The shown table, as text (transposed after formatting with ``transpose``)."""
        frame = readable_frame(
            self.data,
            columns=self.columns,
            intervals=self.intervals,
            formats=self.formats,
            by_row=self.by_row,
        )
        frame = localize_readable(frame, self.data, _language())
        return frame.T if self.transpose else frame

    def summary(self) -> pd.DataFrame:
        """The full-precision data (a copy)."""
        return self.data.copy()

    def text(self) -> str:
        code = _language()
        parts = [_reader_text(self.title, code)] if self.title else []
        parts.append(table_text(self.frame(), max_rows=self.max_rows))
        if self.notes:
            parts += [_notes_heading(code), notes_text(self.notes)]
        return "\n".join(parts)

    def html(self) -> str:
        code = _language()
        title = _title_html(self.title, code)
        table = table_html(self.frame(), max_rows=self.max_rows)
        return title + table + notes_html(self.notes)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()


class ReadableNotes:
    """Caveats shown for reading: numbered, one a line, in the reader's language's digits.

    Parameters
    ----------
    notes : sequence of str
    title : str, optional
    """

    def __init__(self, notes, *, title: str | None = None):
        self.notes = [n for n in notes if n]
        self.title = title

    def text(self) -> str:
        code = _language()
        parts = [_reader_text(self.title, code)] if self.title else []
        return "\n".join([*parts, _notes_heading(code), notes_text(self.notes)])

    def html(self) -> str:
        code = _language()
        title = _title_html(self.title, code)
        return title + notes_html(self.notes)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _record_value(value):
    """A value of a record (dict) for :func:`readable`: ISO date texts as timestamps."""
    if isinstance(value, str) and _ISO_TIME.match(value):
        return pd.Timestamp(value)
    return value


def readable(
    data,
    *,
    title=None,
    columns=None,
    notes=(),
    max_rows=60,
    formats=None,
    by_row=False,
    transpose=False,
):
    """Show a table for reading (rounded, separators, intervals folded, escaped).

    The numbers underneath are untouched: ``readable(df).data is df``.

    Parameters
    ----------
    data : DataFrame, Series, dict or list of str
        A list of texts (a model's ``notes_``) is shown as numbered notes.
        A dict (settings, a record such as ``table.attrs["survival"]``) is
        shown one entry a row, each value formatted by its own type (a
        number with separators, an ISO date text as a date).
    title : str, optional
    columns : list, optional
        The columns a reader needs, in order (all by default).
    notes : sequence of str
    max_rows : int, default=60
    formats : dict, optional
        Column -> ``"p"``, ``"count"``, ``"money"``, ``"percent"``, ``"text"`` or a function.
    by_row : bool, default=False
        Decimals chosen per row (rows of different quantities).
    transpose : bool, default=False
        Columns shown as rows, after formatting (e.g. persona cards).

    Returns
    -------
    ReadableTable
        Or :class:`ReadableNotes` for a list of texts, or ``data`` itself when it is a :class:`cxlab._notices.Skipped` step (the
        notice shows instead of a table).
    """
    from cxlab._notices import Skipped

    if isinstance(data, Skipped):
        return data
    if isinstance(data, list | tuple) and all(isinstance(n, str) for n in data):
        return ReadableNotes(data, title=title)  # notes (a result's ``notes_``), numbered
    if isinstance(data, Mapping):  # a record: one column per entry, shown as rows
        data = pd.DataFrame([{k: _record_value(v) for k, v in data.items()}], index=[""])
        transpose = True
    return ReadableTable(
        data,
        title=title,
        columns=columns,
        notes=notes,
        max_rows=max_rows,
        formats=formats,
        by_row=by_row,
        transpose=transpose,
    )
