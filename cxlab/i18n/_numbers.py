"""Numbers as a reader of each language expects them.

Persian uses its own digits (۰۱۲۳۴۵۶۷۸۹, U+06F0-U+06F9), the Persian decimal
separator ``٫`` (U+066B), the thousands separator ``٬`` (U+066C) and the
percent sign ``٪`` (U+066A). A negative number starts with a left-to-right
mark and the minus sign (U+200E U+2212, as in Unicode CLDR), so the minus
stays on the left of the digits inside right-to-left text.
"""

from __future__ import annotations

import math
import numbers
import re

from cxlab.exceptions import ParameterError
from cxlab.i18n._language import (
    DEFAULT_LANGUAGE,
    language_info,
    load_language_file,
    resolve_language,
)

__all__ = [
    "format_number",
    "format_percent",
    "localize_numeral",
    "localize_numbers",
    "to_latin_digits",
    "to_persian_digits",
]

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DECIMAL = "\u066b"
PERSIAN_THOUSANDS = "\u066c"
PERSIAN_PERCENT = "\u066a"
#: Left-to-right mark + minus sign: keeps the minus left of the digits in RTL text.
PERSIAN_MINUS = "\u200e\u2212"

TO_PERSIAN_DIGITS = str.maketrans("0123456789" + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)
_NUMERAL_SYMBOLS = str.maketrans(
    {",": PERSIAN_THOUSANDS, ".": PERSIAN_DECIMAL, "%": PERSIAN_PERCENT}
)
# a formatted number: sign, digits with separators, optional exponent and percent
_NUMERAL = re.compile(r"^\s*[-\u2212+]?(\d[\d,]*)?(\.\d*)?([eE][-+]?\d+)?%?\s*$")


def _translate(value, table):
    if type(value).__module__.startswith("pandas"):
        import pandas as pd  # only when given pandas data: setting a language stays fast

        if isinstance(value, (pd.Series, pd.Index)):
            return value.astype("string").str.translate(table)
    return str(value).translate(table)


def to_persian_digits(value):
    """Replace Latin (and Arabic-Indic) digits by Persian digits; other characters stay.

    Parameters
    ----------
    value : str, number, pandas Series or Index

    Returns
    -------
    str, or a string Series/Index of the same length

    Examples
    --------
    >>> to_persian_digits("1400/01/01")
    '۱۴۰۰/۰۱/۰۱'
    """
    return _translate(value, TO_PERSIAN_DIGITS)


def to_latin_digits(value):
    """Replace Persian and Arabic-Indic digits by Latin digits (the inverse of
    :func:`to_persian_digits`).

    >>> to_latin_digits("۱۴۰۰/۰۱/۰۱")
    '1400/01/01'

    Parameters
    ----------
    value : str or array-like of str
        Text with Persian or Arabic-Indic digits.
    """
    return _translate(value, _TO_LATIN)


def _uses_persian_digits(language) -> bool:
    return language_info(language)["digits"] == "persian"


def localize_numeral(text: str, language: str | None = None) -> str:
    """Rewrite a number formatted the English way (``"-1,234.5%"``) for ``language``.

    Text that is not a single formatted number only has its digits replaced.

    >>> localize_numeral("-1,234.5%", "fa")
    '\\u200e−۱٬۲۳۴٫۵٪'
    >>> localize_numeral("step 2", "fa")
    'step ۲'

    Parameters
    ----------
    text : str
        A number formatted the English way.
    language : str or None, default=None
        Language code; None uses the current setting (:func:`cxlab.get_language`).
    """
    if not _uses_persian_digits(language):
        return text
    if not _NUMERAL.match(text) or not any(c.isdigit() for c in text):
        return text.translate(TO_PERSIAN_DIGITS)
    body = text.strip()
    sign = ""
    if body[0] in "-\u2212":
        sign, body = PERSIAN_MINUS, body[1:]
    elif body[0] == "+":
        sign, body = "+", body[1:]
    return sign + body.translate(_NUMERAL_SYMBOLS).translate(TO_PERSIAN_DIGITS)


# a number inside running text: not part of a word or identifier (``C0012``, ``x2``)
_NUMBER_IN_TEXT = re.compile(
    r"(?<![\w.])[-\u2212+]?[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?%?(?![\w])"
)


def localize_numbers(text: str, language: str | None = None) -> str:
    """Rewrite every number in running text (``"0.53 (0.49\u20130.57)"``) for ``language``.

    Each number standing on its own gets the language's digits, separators and
    minus sign (as :func:`localize_numeral`); digits inside words and
    identifiers (``C0012``, ``step2``) stay as they are. English text is
    returned unchanged.

    Parameters
    ----------
    text : str
        Running text with numbers in it.
    language : str, optional
        Language code; the current setting (:func:`cxlab.set_language`) by default.

    >>> localize_numbers("1,234 customers (35% of previous)", "fa")
    '۱٬۲۳۴ customers (۳۵٪ of previous)'
    >>> localize_numbers("C0012 in Q3", "fa")
    'C0012 in Q3'
    """
    if not _uses_persian_digits(language) or not text:
        return text
    return _NUMBER_IN_TEXT.sub(lambda m: localize_numeral(m.group(0), language), text)


def _is_missing(value) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas' NA and NaT
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isnan(value)


def _missing_mark(language: str) -> str:
    # read straight from the catalog files: cxlab.i18n._messages formats numbers with this
    # module, so importing it here would close an import cycle
    mark = load_language_file(language)["messages"].get("value.missing")
    return (
        mark
        if mark is not None
        else load_language_file(DEFAULT_LANGUAGE)["messages"]["value.missing"]
    )


def _check_number(value, name: str = "value"):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(
            f"{name} must be a real number, got {type(value).__name__} {value!r}. "
            "Fix: pass an int or float (use to_persian_digits for text)."
        )


def format_number(
    value,
    decimals: int | None = None,
    *,
    language: str | None = None,
    grouping: bool = True,
) -> str:
    """Format a number with the digits and separators of ``language``.

    Parameters
    ----------
    value : int or float
    decimals : int or None, default=None
        Digits after the decimal separator; None shows integers whole and
        floats with up to 15 significant digits.
    language : str or None, default=None
        Defaults to the current setting (:func:`cxlab.get_language`).
    grouping : bool, default=True
        Separate thousands.

    Returns
    -------
    str
        Missing values (None, NaN) give the catalog's ``value.missing`` mark.

    Examples
    --------
    >>> format_number(1234567.891, 2, language="fa")
    '۱٬۲۳۴٬۵۶۷٫۸۹'
    >>> format_number(1234567.891, 2, language="en")
    '1,234,567.89'
    """
    lang = resolve_language(language)
    if _is_missing(value):
        return _missing_mark(lang)
    _check_number(value)
    comma = "," if grouping else ""
    if decimals is None:
        spec = f"{comma}d" if isinstance(value, numbers.Integral) else f"{comma}.15g"
    else:
        if decimals < 0:
            raise ParameterError(f"decimals must be >= 0, got {decimals}.")
        spec = f"{comma}.{int(decimals)}f"
    return localize_numeral(format(value, spec), lang)


def format_percent(value, decimals: int = 0, *, language: str | None = None) -> str:
    """Format a share (0.125) as a percentage (``12.5%``, ``۱۲٫۵٪``).

    >>> format_percent(0.125, 1, language="fa")
    '۱۲٫۵٪'
    >>> format_percent(-0.05, language="en")
    '-5%'

    Parameters
    ----------
    value : float
        A share (0.125 is 12.5%).
    decimals : int, default=0
        Digits after the decimal separator.
    language : str or None, default=None
        Language code; None uses the current setting (:func:`cxlab.get_language`).
    """
    lang = resolve_language(language)
    if _is_missing(value):
        return _missing_mark(lang)
    _check_number(value)
    return localize_numeral(format(value, f",.{int(decimals)}%"), lang)
