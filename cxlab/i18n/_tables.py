"""Result tables for a reader: headers, names, numbers and dates in the language.

``localize_frame`` makes a display copy of a small result table (a
``summary()``): it never changes the numbers a researcher computes with.
"""

from __future__ import annotations

import pandas as pd

from cxlab.i18n._dates import format_date
from cxlab.i18n._language import language_info, resolve_language
from cxlab.i18n._messages import display_name, message_keys, t
from cxlab.i18n._numbers import format_number

__all__ = ["localize_frame"]

#: columns whose values are names from the catalog, and the kind of name
NAME_COLUMNS = {
    "stage": "stage",
    "from": "stage",
    "to": "stage",
    "source": "stage",
    "target": "stage",
    "channel": "channel",
    "metric": "metric",
    "nps_category": "nps_category",
}


def _header(name, code: str, keys: frozenset) -> str:
    key = f"column.{name}"
    return t(key, code) if key in keys else str(name)


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
