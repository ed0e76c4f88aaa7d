"""Languages: the message catalog, Persian digits, Jalali dates, Persian figures and pages.

English is the default; ``set_language("fa")`` (or ``language="fa"`` on any
helper here) gives the Persian edition: right to left, Persian digits and
separators, Jalali (Solar Hijri) dates, Persian text shaped in figures.

>>> import cxlab.i18n as i18n
>>> i18n.t("stage.purchase", language="fa"), i18n.format_percent(0.125, 1, language="fa")
('خرید', '۱۲٫۵٪')

Figure and page helpers (which import matplotlib and fontTools) and the
notebook editions (``notebooks/fa/``, ``cxlab edition fa``) load on first use.
"""

from __future__ import annotations

import importlib

from cxlab.i18n._language import (
    DEFAULT_LANGUAGE,
    available_languages,
    get_language,
    language_info,
    resolve_language,
    set_language,
    use_language,
)
from cxlab.i18n._messages import display_name, message_keys, phrase, t
from cxlab.i18n._numbers import (
    format_number,
    format_percent,
    localize_numbers,
    localize_numeral,
    to_latin_digits,
    to_persian_digits,
)

_LAZY = {
    "format_date": "cxlab.i18n._dates",
    "from_jalali": "cxlab.i18n._dates",
    "jalali_parts": "cxlab.i18n._dates",
    "persian_font_path": "cxlab.i18n._fonts",
    "font_face_css": "cxlab.i18n._fonts",
    "figure_rc": "cxlab.i18n._figures",
    "figure_style": "cxlab.i18n._figures",
    "localize_axes": "cxlab.i18n._figures",
    "localize_figure": "cxlab.i18n._figures",
    "LocalizedFormatter": "cxlab.i18n._figures",
    "JalaliDateFormatter": "cxlab.i18n._figures",
    "JalaliMonthLocator": "cxlab.i18n._figures",
    "page_attributes": "cxlab.i18n._html",
    "page_css": "cxlab.i18n._html",
    "localize_frame": "cxlab.i18n._tables",
    "EditionError": "cxlab.i18n._notebooks",
    "build_edition_notebook": "cxlab.i18n._notebooks",
    "stale_edition_files": "cxlab.i18n._notebooks",
    "write_edition": "cxlab.i18n._notebooks",
}

__all__ = [
    "DEFAULT_LANGUAGE",
    "EditionError",
    "JalaliDateFormatter",
    "JalaliMonthLocator",
    "LocalizedFormatter",
    "available_languages",
    "build_edition_notebook",
    "display_name",
    "phrase",
    "figure_rc",
    "figure_style",
    "font_face_css",
    "format_date",
    "format_number",
    "format_percent",
    "from_jalali",
    "get_language",
    "jalali_parts",
    "language_info",
    "localize_axes",
    "localize_figure",
    "localize_frame",
    "localize_numeral",
    "localize_numbers",
    "message_keys",
    "page_attributes",
    "page_css",
    "persian_font_path",
    "resolve_language",
    "set_language",
    "stale_edition_files",
    "t",
    "to_latin_digits",
    "to_persian_digits",
    "use_language",
    "write_edition",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cxlab.i18n' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
