"""What a report page needs to read in its language: ``lang``/``dir`` and a style sheet.

A right-to-left page (Persian) gets ``<html lang="fa" dir="rtl">`` and a style
sheet that embeds the Persian font, sets text and tables right to left and
keeps code, outputs printed as code, and tracebacks left to right. English
pages get no extra style (they stay as they are).
"""

from __future__ import annotations

from cxlab.i18n._fonts import FONT_FAMILY, font_face_css
from cxlab.i18n._language import language_info

__all__ = ["page_attributes", "page_css"]

_RTL_RULES = """
:root[dir="rtl"] body{direction:rtl;text-align:right;
font-family:"%(family)s","DejaVu Sans",Tahoma,sans-serif;line-height:1.7}
:root[dir="rtl"] h1,:root[dir="rtl"] h2,:root[dir="rtl"] h3,:root[dir="rtl"] h4,
:root[dir="rtl"] p,:root[dir="rtl"] li,:root[dir="rtl"] dl,:root[dir="rtl"] caption{direction:rtl;text-align:right}
:root[dir="rtl"] ul,:root[dir="rtl"] ol{padding-right:2em;padding-left:0}
:root[dir="rtl"] h1,:root[dir="rtl"] h2,:root[dir="rtl"] h3,:root[dir="rtl"] h4,
:root[dir="rtl"] p,:root[dir="rtl"] li{unicode-bidi:plaintext;text-align:start}
:root[dir="rtl"] table{direction:rtl;margin-right:0;margin-left:auto}
:root[dir="rtl"] th,:root[dir="rtl"] td{text-align:right}
:root[dir="rtl"] pre,:root[dir="rtl"] code,:root[dir="rtl"] kbd,:root[dir="rtl"] samp,
:root[dir="rtl"] .highlight,:root[dir="rtl"] .jp-InputArea,:root[dir="rtl"] .jp-CodeMirrorEditor,
:root[dir="rtl"] .jp-OutputArea-output pre,:root[dir="rtl"] .jp-RenderedText,
:root[dir="rtl"] .jp-InputPrompt,:root[dir="rtl"] .jp-OutputPrompt{direction:ltr;text-align:left;unicode-bidi:isolate}
:root[dir="rtl"] pre,:root[dir="rtl"] code,:root[dir="rtl"] kbd,:root[dir="rtl"] samp{
font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
"""


def page_attributes(language: str | None = None) -> dict[str, str]:
    """The ``lang`` and ``dir`` attributes of the page's ``<html>`` element.

    >>> page_attributes("fa")
    {'lang': 'fa', 'dir': 'rtl'}
    >>> page_attributes("en")
    {'lang': 'en', 'dir': 'ltr'}

    Parameters
    ----------
    language : str or None, default=None
        Language code; None uses the current setting (:func:`cxlab.get_language`).
    """
    info = language_info(language)
    return {"lang": info["code"], "dir": info["direction"]}


def page_css(language: str | None = None) -> str:
    """Style sheet a report page in ``language`` adds to its own.

    For a right-to-left language: the Persian font embedded as ``data:`` URIs
    (nothing fetched when the page is viewed), body and tables right to left
    and right-aligned, code and code output left to right. For English: ``""``.

    Parameters
    ----------
    language : str or None, default=None
        Defaults to the current setting.

    Returns
    -------
    str
        CSS text for a ``<style>`` element.
    """
    if language_info(language)["direction"] != "rtl":
        return ""
    return font_face_css() + "\n" + (_RTL_RULES % {"family": FONT_FAMILY}).strip() + "\n"
