"""Result tables for a reader: headers, names, numbers and dates in the language.

``localize_frame`` makes a display copy of a small result table (a
``summary()``): it never changes the numbers a researcher computes with.
"""

from __future__ import annotations

import re

import pandas as pd

from cxlab.i18n._dates import format_date
from cxlab.i18n._language import language_info, resolve_language
from cxlab.i18n._messages import display_name, message_keys, t
from cxlab.i18n._numbers import format_number, localize_numbers, to_persian_digits

__all__ = [
    "column_header",
    "localize_frame",
    "localize_text_frame",
    "period_label",
    "reader_cell",
    "reader_label",
    "reader_names",
    "reader_quoted",
    "reader_text",
]

#: columns whose values are names from the catalog, and the kind of name
NAME_COLUMNS = {
    "stage": "stage",
    "from": "stage",
    "to": "stage",
    "source": "stage",
    "target": "stage",
    "channel": "channel",
    "touchpoint": "touchpoint",
    "metric": "metric",
    "nps_category": "nps_category",
}


def _header(name, code: str, keys: frozenset) -> str:
    key = f"column.{name}"
    return t(key, code) if key in keys else str(name)


def known_name(text, language: str, catalog=None) -> str:
    """``text`` in ``language`` when it is a name the catalog knows, else ``text`` as given.

    Tried in order as a stage (and Markov state), a channel, a touchpoint, a
    metric and an NPS category of the default catalog (or the catalog's own
    display names).

    >>> known_name("call_centre", "fa"), known_name("my own stage", "fa")
    ('مرکز تماس', 'my own stage')
    """
    if not isinstance(text, str):
        return text
    for kind in ("stage", "channel", "touchpoint", "metric", "nps_category"):
        shown = display_name(text, catalog, language, kind=kind)
        if shown != text:
            return shown
    return text


_STEP_COLUMN = re.compile(r"^step_(\d+)$")
#: a label with a count or a share in parentheses after it: ``web  (n=298)``
_COUNTED = re.compile(r"^(.*?\S)(\s+\((?:n=)?[\d.,]+%?\))$")
#: a model term of one level of a categorical variable: ``persona[busy professionals]``
#: a feature with its standardised difference: ``share_web +1.7 sd`` (persona cards)
_FEATURE_SCORE = re.compile(r"^([A-Za-z_]\w*) ([+-][\d.]+) sd$")
_TERM = re.compile(r"^([A-Za-z_][\w ]*)\[([^\[\]]+)\]$")
_RETENTION_COLUMN = re.compile(r"^retention_(\d+(?:\.\d+)?)d$")
#: feature names made from a catalog's names: share_web, n_awareness__ads, reached_purchase
_SHARE_COLUMN = re.compile(r"^share_(\w+)$")
_STAGE_CHANNEL_COLUMN = re.compile(r"^n_(\w+?)__(\w+)$")
_REACHED_COLUMN = re.compile(r"^reached_(\w+)$")
#: a feature measured in the hold-out period of a BTYD summary: frequency_holdout
_HOLDOUT_COLUMN = re.compile(r"^(\w+)_holdout$")
#: a summary of a column per customer or per group: nps_first, csat_mean, tenure_days_n
_SUFFIXED_COLUMN = re.compile(r"^(\w+?)_(n|first|last|mean|last_time)$")
#: separators of the parts of a label: stage paths, moves, stage / channel pairs, kinds
_SEPARATORS = (" > ", " -> ", " \u2192 ", " / ", ": ")
#: arrows as a right-to-left reader reads them (the first part is on the right)
_RTL_ARROWS = {" -> ": " \u2190 ", " \u2192 ": " \u2190 "}


def _reader_header(name, code: str, keys: frozenset) -> str:
    key = f"column.{name}"
    if key in keys:
        return t(key, code)
    step = _STEP_COLUMN.match(str(name))
    if step:  # step_1, step_2, ... of a path table
        return t("header.step_n", code, n=int(step.group(1)))
    retention = _RETENTION_COLUMN.match(str(name))
    if retention:  # retention_90d, retention_365d of a survival summary
        return t("header.retention_n_days", code, n=float(retention.group(1)))
    made = _made_header(str(name), code, keys)
    if made is not None:
        return made
    return known_name(localize_numbers(str(name), code), code)


def _made_header(name: str, code: str, keys: frozenset) -> str | None:
    """A feature name made from catalog names or another column (None when it is not one).

    ``share_<channel>`` (share of a customer's events in a channel),
    ``n_<stage>__<channel>`` (events of a stage in a channel),
    ``reached_<stage>`` and ``<column>_holdout`` (a column over the hold-out
    period). Only names whose parts the catalog knows are read so.
    """

    def known(text: str, kind: str) -> str | None:
        shown = display_name(text, None, code, kind=kind)
        return shown if shown != text else None

    share = _SHARE_COLUMN.match(name)
    if share and known(share.group(1), "channel"):
        return t("header.share_of", code, name=known(share.group(1), "channel"))
    counted = _STAGE_CHANNEL_COLUMN.match(name)
    if counted and known(counted.group(1), "stage") and known(counted.group(2), "channel"):
        return t(
            "header.n_stage_channel",
            code,
            stage=known(counted.group(1), "stage"),
            channel=known(counted.group(2), "channel"),
        )
    reached = _REACHED_COLUMN.match(name)
    if reached and known(reached.group(1), "stage"):
        return t("header.reached_stage", code, stage=known(reached.group(1), "stage"))
    for pattern, key in ((_HOLDOUT_COLUMN, "header.holdout"), (_SUFFIXED_COLUMN, "header.suffix")):
        made = pattern.match(name)
        inner = made and _reader_header(made.group(1), code, keys)
        if made and inner != made.group(1):  # a column with a header: frequency, nps
            key = key if len(made.groups()) == 1 else f"{key}.{made.group(2)}"
            return t(key, code, name=inner)
    return None


def column_header(name, language: str | None = None) -> str:
    """A column name as a header in ``language`` (``column.<name>``), else as given.

    >>> column_header("segment", "fa"), column_header("segment", "en")
    ('بخش مشتریان', 'segment')
    """
    code = resolve_language(language)
    return name if code == "en" else _reader_header(name, code, message_keys(code))


def period_label(period, language: str | None = None) -> str:
    """A period (``2025Q1``, ``2025-03``) as a reader of ``language`` names it.

    In English, as given; in a language with another calendar, its first day in
    that calendar (the period's bounds are Gregorian, so it has no name there).

    >>> period_label("2025Q1", "fa"), period_label("2025Q1", "en")
    ('۱۴۰۳/۱۰/۱۲', '2025Q1')
    """
    code = resolve_language(language)
    if code == "en":
        return period
    if language_info(code)["calendar"] == "gregorian":
        return localize_numbers(str(period), code)
    try:
        start = pd.Period(str(period)).start_time
    except ValueError:
        return localize_numbers(str(period), code)
    return format_date(start, language=code)


def reader_names(names, language: str | None = None) -> str:
    """A list of names in running text: as Python shows the list in English, else reader labels.

    >>> reader_names(["awareness", "purchase"], "en")
    "['awareness', 'purchase']"
    >>> reader_names(["awareness", "purchase"], "fa")
    'آگاهی، خرید'

    Parameters
    ----------
    names : iterable of str
        The names as they appear in the data.
    language : str or None, default=None
        Defaults to the current setting.
    """
    code = resolve_language(language)
    names = list(names)
    if code == "en":
        return str(names)
    return t("list.separator", code).join(str(reader_label(n, code)) for n in names)


def reader_quoted(name, language: str | None = None) -> str:
    """One name quoted in running text: ``'purchase'`` in English, «خرید» in Persian.

    >>> reader_quoted("purchase", "en"), reader_quoted("purchase", "fa")
    ("'purchase'", '«خرید»')

    Parameters
    ----------
    name : str
        The name as it appears in the data.
    language : str or None, default=None
        Defaults to the current setting.
    """
    code = resolve_language(language)
    if code == "en":
        return repr(name)
    return f"«{reader_label(name, code)}»"


def reader_label(text, language: str | None = None, *, digits=localize_numbers):
    """A label from a table or a figure as a reader of ``language`` sees it.

    A name the catalog knows (stage, channel, metric, NPS category, or a word
    with a ``value.<text>`` message) is shown in the language; a label made of
    such names (``awareness > purchase``, ``consideration -> purchase / web``,
    ``[purchase]``) has each part shown so, with arrows pointing the reader's
    way; a level of a categorical model term (``persona[busy professionals]``)
    is shown as the column's header and the level's name, a comparison
    ``a vs b`` with the language's word; the rest keeps its words and gets
    the language's digits (``digits``).

    >>> reader_label("consideration -> purchase / call_centre", "fa")
    'بررسی ← خرید / مرکز تماس'
    >>> reader_label("segment[business]", "fa")
    'بخش مشتریان: کسب\u200cوکار'
    """
    code = resolve_language(language)
    if not isinstance(text, str) or not text or code == "en":
        return text
    shown = known_name(text, code)
    if shown != text:
        return shown
    key = f"value.{text}"
    if key in message_keys(code):
        return t(key, code)
    from cxlab.personas._profiles import persona_display_name

    persona = persona_display_name(text, code)
    if persona != text:  # a persona name cxlab made: chat & app customers
        return persona
    if len(text) > 2 and text[0] == "[" and text[-1] == "]":  # an anchor stage
        return "[" + reader_label(text[1:-1], code, digits=digits) + "]"
    counted = _COUNTED.match(text)
    if counted:  # a name with a count or share after it: web  (n=298), social_post (37%)
        head, tail = counted.groups()
        return reader_label(head, code, digits=digits) + digits(tail, code)
    scored = _FEATURE_SCORE.match(text)
    if scored and reader_cell(scored.group(1), code) != scored.group(1):
        name = reader_cell(scored.group(1), code)
        return t("term.feature_score", code, name=name, value=digits(scored.group(2), code))
    term = _TERM.match(text)
    if term:  # a level of a categorical model term: persona[busy professionals]
        name, level = term.groups()
        return t(
            "term.level",
            code,
            name=_reader_header(name, code, message_keys(code)),
            level=reader_label(level, code, digits=digits),
        )
    settings = _settings(text, code)
    if settings is not None:  # column=value filters: group=web buyers, loyalty_member=False
        return t("list.separator", code).join(
            f"{_reader_header(k, code, message_keys(code))}={reader_label(v, code, digits=digits)}"
            for k, v in settings
        )
    if ", " in text:  # a list of names: social_post (37%), search_ad (31%)
        parts = text.split(", ")
        shown = [reader_label(part, code, digits=digits) for part in parts]
        if all(_listed(p, code) for p in parts):
            return t("list.separator", code).join(shown)
    if t("repr.vs", "en") in text:  # a comparison of two groups: a vs b
        parts = [reader_label(part, code, digits=digits) for part in text.split(t("repr.vs", "en"))]
        return t("repr.vs", code).join(parts)
    rtl = language_info(code)["direction"] == "rtl"
    for sep in _SEPARATORS:
        if sep in text:
            parts = [reader_label(part, code, digits=digits) for part in text.split(sep)]
            return (_RTL_ARROWS.get(sep, sep) if rtl else sep).join(parts)
    return digits(text, code)


def _listed(part: str, code: str) -> bool:
    """A part of a comma list the language names: a known name (with a count or share after
    it) or a feature with its standardised difference."""
    name = _COUNTED.sub(r"\1", part)
    if known_name(name, code) != name:
        return True
    scored = _FEATURE_SCORE.match(part)
    return bool(scored) and reader_cell(scored.group(1), code) != scored.group(1)


def _settings(text: str, code: str) -> list | None:
    """``column=value`` pairs (``group=a, loyalty_member=False``) when every column is known."""
    pairs = [part.partition("=") for part in text.split(", ")]
    keys = message_keys(code)
    if all(sep and f"column.{k}" in keys and v for k, sep, v in pairs):
        return [(k, v) for k, _, v in pairs]
    return None


def reader_text(text: str, *keys: str, language: str | None = None) -> str:
    """A one-line English summary (a result's ``repr``) for a reader of ``language``.

    Each message in ``keys`` holds a phrase of the summary (its English text, as
    it appears in ``text``) and is swapped for the language's; numbers get the
    language's digits. English text is returned unchanged.

    >>> text = "NPS +32.5 (95% CI +15.1 to +47.6, n=80)"
    >>> reader_text(text, "repr.ci", "interval.to", language="fa")
    'NPS +۳۲٫۵ (۹۵٪ بازه\\u200cی اطمینان +۱۵٫۱ تا +۴۷٫۶, n=۸۰)'
    """
    code = resolve_language(language)
    if code == "en":
        return text
    for key in keys:
        text = text.replace(t(key, "en"), t(key, code))
    return localize_numbers(text, code)


def reader_cell(text, language: str | None = None, *, digits=localize_numbers):
    """A table cell or a tick label: :func:`reader_label`, else a column's name (a covariate,
    a feature) as its header.

    >>> reader_cell("support_contacts", "fa"), reader_cell("my_column", "fa")
    ('تماس\u200cهای پشتیبانی', 'my_column')
    """
    code = resolve_language(language)
    if code == "en":
        return text
    shown = reader_label(text, code, digits=digits)
    if shown == text and isinstance(text, str):
        keys = message_keys(code)
        if f"column.{text}" in keys:
            return t(f"column.{text}", code)
        made = _made_header(text, code, keys)
        if made is not None:
            return made
    return shown


def _reader_cell(text, code: str) -> str:
    return reader_cell(text, code)


def _reader_dimension(name, code: str, keys: frozenset) -> str:
    """A value of a ``dimension`` column: a column's header, else a word (``(all)``)."""
    shown = _reader_header(name, code, keys)
    return reader_label(name, code) if shown == name else shown


def _reader_id(text, code: str):
    """An identifier: all-digit ids (``1024``) in the language's digits, others as given."""
    return to_persian_digits(text) if isinstance(text, str) and text.isdigit() else text


def _reader_labels(index: pd.Index, code: str, keys: frozenset) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels = [
            _reader_labels(index.get_level_values(i), code, keys) for i in range(index.nlevels)
        ]
        return pd.MultiIndex.from_arrays(levels, names=levels and [lv.name for lv in levels])
    name = None if index.name is None else _reader_header(index.name, code, keys)
    if index.name == "parameter":  # a model's parameters: the symbol with a gloss
        labels = [t(f"parameter.{v}", code) if f"parameter.{v}" in keys else v for v in index]
        return pd.Index(labels, name=name, dtype=object)
    labels = [  # row labels are often column names of a transposed table
        t(f"column.{v}", code) if f"column.{v}" in keys else _reader_cell(v, code) for v in index
    ]
    return pd.Index(labels, name=name, dtype=object)


def _period_starts(values: pd.Series) -> pd.Series | None:
    """First days of a column of periods (``Period`` values or text such as ``2025Q1``)."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.start_time
    if values.name != "period" or values.dtype.kind not in "OUT":
        return None
    try:
        return values.map(lambda v: pd.Period(v).start_time if isinstance(v, str) else pd.NaT)
    except ValueError:
        return None


def _text_header(name, original, source, code: str, keys: frozenset) -> str:
    """A header of a text table; ``p`` holding words (not p-values) is a P of the marketing mix."""
    if str(name) == "p" and original is not None:
        if not pd.api.types.is_numeric_dtype(source[original].dtype):
            return t("header.marketing_p", code)
    return _reader_header(name, code, keys)


def localize_text_frame(
    frame: pd.DataFrame, source: pd.DataFrame, language: str | None = None, *, id_columns=()
) -> pd.DataFrame:
    """A table already formatted as text (English rules) rewritten for ``language``.

    Headers from the catalog (``column.<name>``), else a known stage or channel
    name, else as given; cells that are a name of the default catalog in the
    language; numbers in running text with the language's digits and
    separators (``0.533 (0.490\u20130.570)``); ``yes``/``no`` in the language;
    date columns of ``source`` in the language's calendar. Columns in
    ``id_columns`` (identifiers) are kept as they are.

    Parameters
    ----------
    frame : DataFrame
        Text cells, e.g. from ``cxlab.readable(...).frame()`` in English.
    source : DataFrame
        The numbers it was formatted from (read for date columns; same index).
    language : str or None, default=None
    id_columns : sequence, default=()

    Returns
    -------
    DataFrame
    """
    code = resolve_language(language)
    info = language_info(code)
    if code == "en" or (info["digits"] == "latin" and info["calendar"] == "gregorian"):
        return frame
    keys = message_keys(code)
    by_name = {str(c): c for c in getattr(source, "columns", [])}
    columns = {}
    for name in frame.columns:
        cells = frame[name]
        original = by_name.get(str(name))
        if name in id_columns:
            cells = (
                cells.map(lambda v: _reader_id(v, code)) if info["digits"] == "persian" else cells
            )
        elif original is not None and pd.api.types.is_datetime64_any_dtype(source[original]):
            times = pd.DatetimeIndex(source[original].dropna())
            whole_days = len(times) > 0 and bool((times == times.normalize()).all())
            fmt = None if whole_days else "%Y/%m/%d %H:%M"
            shown = format_date(source[original], fmt, language=code)
            cells = shown.where(source[original].notna().to_numpy(), "")
        elif original is not None and _period_starts(source[original]) is not None:
            starts = _period_starts(source[original])  # a Gregorian period, by its first day
            cells = format_date(starts, language=code).where(starts.notna().to_numpy(), "")
            columns[t("column.period_start", code)] = list(cells)
            continue
        elif str(name) == "dimension":
            cells = cells.map(lambda v: _reader_dimension(v, code, keys) if v else v)
        else:
            cells = cells.map(lambda v: _reader_cell(v, code))
        columns[_text_header(name, original, source, code, keys)] = list(cells)
    out = pd.DataFrame(columns, index=_reader_labels(frame.index, code, keys))
    out.columns.name = frame.columns.name
    return out


def localize_frame(
    frame: pd.DataFrame,
    language: str | None = None,
    *,
    decimals: int = 3,
    catalog=None,
) -> pd.DataFrame:
    """A display copy of a result table in ``language``.

    Headers from the catalog (``column.<name>``) are translated, others kept;
    stage, channel and metric names go through :func:`display_name` (a user's
    own names stay as given); numbers get the language's digits and
    separators, dates its calendar. Other text is left as it is. English
    tables are returned unchanged.

    Parameters
    ----------
    frame : DataFrame
        A small table, e.g. a result's ``summary()``.
    language : str or None, default=None
    decimals : int, default=3
        Digits after the decimal separator for float columns.
    catalog : StageCatalog or None, default=None
        Read for the catalog's own display names.

    Returns
    -------
    DataFrame
        Text cells, same index and row order.

    Examples
    --------
    >>> table = pd.DataFrame({"stage": ["purchase"], "n": [1200], "estimate": [0.25]})
    >>> localize_frame(table, "fa").iloc[0].tolist()
    ['خرید', '۱٬۲۰۰', '۰٫۲۵۰']
    >>> list(localize_frame(table, "fa").columns)
    ['مرحله', 'حجم نمونه', 'برآورد']
    """
    code = resolve_language(language)
    info = language_info(code)
    if code == "en" or (info["digits"] == "latin" and info["calendar"] == "gregorian"):
        return frame
    keys = message_keys(code)
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if name in NAME_COLUMNS:
            names = {
                v: display_name(v, catalog, code, kind=NAME_COLUMNS[name])
                for v in values.dropna().unique()
            }
            cells = values.map(names)
        elif pd.api.types.is_bool_dtype(values):
            cells = values
        elif pd.api.types.is_datetime64_any_dtype(values):
            cells = format_date(values, language=code)
        elif pd.api.types.is_integer_dtype(values):
            cells = values.map(lambda v: format_number(v, language=code))
        elif pd.api.types.is_float_dtype(values):
            cells = values.map(lambda v: format_number(v, decimals, language=code))
        else:
            cells = values
        columns[_header(name, code, keys)] = cells
    out = pd.DataFrame(columns, index=frame.index)
    if frame.index.name is not None:
        out.index.name = _header(frame.index.name, code, keys)
    return out
