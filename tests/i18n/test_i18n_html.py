"""Right-to-left pages with the Persian font embedded (cxlab/i18n/_html.py, _fonts.py)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from fontTools.ttLib import TTFont

from cxlab.exceptions import CxlabError
from cxlab.i18n import _fonts as fonts_module
from cxlab.i18n import page_attributes, page_css

PERSIAN_LETTERS = "پچژگکی"
ZWNJ = 0x200C


def _embedded_fonts(css: str) -> list[bytes]:
    return [
        base64.b64decode(data)
        for data in re.findall(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", css)
    ]


def test_attributes():
    assert page_attributes("fa") == {"lang": "fa", "dir": "rtl"}
    assert page_attributes("en") == {"lang": "en", "dir": "ltr"}


def test_english_pages_get_no_extra_style():
    assert page_css("en") == ""


def test_persian_css_fetches_nothing():
    css = page_css("fa")
    urls = re.findall(r"url\(\s*['\"]?([^)'\"]*)", css)
    assert len(urls) == 2  # regular and bold
    assert all(url.startswith("data:font/woff;base64,") for url in urls)
    assert "@import" not in css
    without_data = re.sub(r"url\(data:[^)]*\)", "", css)
    assert not re.search(r"https?:|//|url\(", without_data)


def test_persian_css_directions():
    css = page_css("fa").split("\n", 2)[2]  # the rules after the two @font-face lines
    assert ':root[dir="rtl"] body{direction:rtl;text-align:right' in css
    assert ':root[dir="rtl"] th,:root[dir="rtl"] td{text-align:right}' in css
    code_rule = re.search(r"[^}]*\.jp-InputArea[^{]*\{([^}]*)\}", css).group(1)
    assert "direction:ltr" in code_rule and "text-align:left" in code_rule
    assert re.search(r"pre,[^{]*code[^{]*\{direction:ltr", css)
    assert 'font-family:"Noto Sans Arabic"' in css


def test_embedded_font_has_persian_glyphs_and_shaping_rules():
    for data in _embedded_fonts(page_css("fa")):
        assert data[:4] == b"wOFF"
        font = TTFont(io.BytesIO(data))
        cmap = font.getBestCmap()
        needed = [ord(c) for c in PERSIAN_LETTERS] + list(range(0x06F0, 0x06FA))
        needed += [0x066B, 0x066C, 0x066A, ZWNJ, ord("A"), ord("0")]
        assert [hex(c) for c in needed if c not in cmap] == []
        features = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
        assert {"init", "medi", "fina", "rlig"} <= features
        assert "fvar" not in font  # static instances: smaller


def test_weights_and_size():
    weights = [int(w) for w in re.findall(r"font-weight:(\d+)", page_css("fa"))]
    assert weights == [400, 700]
    assert sum(len(d) for d in _embedded_fonts(page_css("fa"))) < 60_000


def test_font_bytes_are_reproducible():
    first = fonts_module._web_fonts()
    fonts_module._web_fonts.cache_clear()
    assert fonts_module._web_fonts() == first


def test_missing_font_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(fonts_module, "_PACKAGE", "no_such_font_package")
    with pytest.raises(CxlabError, match="pip install fontpkg-noto-sans-arabic"):
        fonts_module.persian_font_path()
