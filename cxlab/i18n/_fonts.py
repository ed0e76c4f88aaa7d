"""The Persian font: Noto Sans Arabic, installed from PyPI as a dependency.

Noto Sans Arabic (SIL Open Font License) covers every Persian letter
(پ چ ژ گ ک ی), their joined forms, Persian digits, the Persian decimal and
thousands separators, the zero-width non-joiner and Latin. Figures use the
installed file; report pages embed a subset of it (Arabic script, Latin,
common punctuation) as WOFF in ``data:`` URIs, so a page opens offline and
nothing is fetched when it is viewed. The subset is made with fontTools and
is the same bytes on every run (no timestamps).
"""

from __future__ import annotations

import base64
import io
from functools import cache
from importlib import resources
from pathlib import Path

from cxlab.exceptions import CxlabError

__all__ = ["FONT_FAMILY", "font_face_css", "persian_font_path"]

#: Family name of the Persian font, in matplotlib and in report pages.
FONT_FAMILY = "Noto Sans Arabic"
_PACKAGE = "fontpkg_noto_sans_arabic"

# what a report page writes: Latin; Arabic punctuation, letters, marks and the
# Persian letters (پ چ ژ ک گ ی ۀ); Arabic-Indic and Persian digits; the percent
# sign and separators; joiners and direction marks; dashes, quotes and the minus sign
_WEB_UNICODES = (
    [*range(0x20, 0x7F), 0xA0, 0xAB, 0xBB, 0xD7]
    + [0x060C, 0x061B, 0x061F, *range(0x0621, 0x063B), *range(0x0640, 0x0656)]
    + [*range(0x0660, 0x066D), 0x0670, 0x067E, 0x0686, 0x0698, 0x06A9, 0x06AF, 0x06C0, 0x06CC]
    + list(range(0x06F0, 0x06FA))
    + list(range(0x200C, 0x2010))
    + [0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2212]
)
_WEB_WEIGHTS = (400, 700)


def persian_font_path() -> Path:
    """Path of the Noto Sans Arabic font file installed with cxlab.

    Raises
    ------
    CxlabError
        The font package is missing; the message says how to install it.

    Examples
    --------
    >>> persian_font_path().suffix
    '.ttf'
    """
    try:
        folder = resources.files(_PACKAGE) / "files"
        files = sorted(p for p in folder.iterdir() if p.name.endswith(".ttf"))
    except (ModuleNotFoundError, FileNotFoundError):
        files = []
    if not files:
        raise CxlabError(
            "the Persian font (Noto Sans Arabic) is not installed. Fix: "
            "pip install fontpkg-noto-sans-arabic (it is a cxlab dependency; "
            "reinstalling cxlab with its constraints installs it)."
        )
    return Path(str(files[0]))


@cache
def _web_fonts() -> tuple[tuple[int, bytes], ...]:
    """(weight, WOFF bytes) of the page font: a subset, one static instance per weight."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(persian_font_path(), recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]  # keep every shaping feature (init, medi, fina, rlig, ...)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_WEB_UNICODES)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    out = []
    for weight in _WEB_WEIGHTS:
        instance = TTFont(io.BytesIO(buffer.getvalue()), recalcTimestamp=False)
        if "fvar" in instance:
            axes = {a.axisTag: a.defaultValue for a in instance["fvar"].axes}
            axes["wght"] = weight
            instance = instancer.instantiateVariableFont(instance, axes)
        instance.flavor = "woff"
        woff = io.BytesIO()
        instance.save(woff)
        out.append((weight, woff.getvalue()))
    return tuple(out)


def font_face_css() -> str:
    """``@font-face`` rules that embed the Persian font (regular and bold) as data URIs.

    Returns
    -------
    str
        CSS declaring the family ``"Noto Sans Arabic"``; about 60 kB.
    """
    rules = []
    for weight, data in _web_fonts():
        encoded = base64.b64encode(data).decode("ascii")
        rules.append(
            f'@font-face{{font-family:"{FONT_FAMILY}";font-style:normal;font-weight:{weight};'
            f'font-display:block;src:url(data:font/woff;base64,{encoded}) format("woff")}}'
        )
    return "\n".join(rules)
