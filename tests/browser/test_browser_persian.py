"""The Persian edition as a reader opens it: right to left, Persian digits, Jalali dates.

Notebooks 01 (journeys: funnel, Sankey, waits) and 05 (feedback: scores, trend, themes)
run with ``-p language=fa`` into a temporary report folder. A notebook that does not
yet switch the language itself gets ``cxlab.set_language(language)`` after its
parameters (what the Persian notebooks do). Screenshots go to
``reports/screenshots/fa-<notebook>.png`` for a reviewer to look at.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from cxlab import _paths as paths

from .browser_support import SCREENSHOTS, VIEWPORT, PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = {"01-journey-map": 8, "05-feedback-nps": 5}  # notebook: figures on its page
LATIN_DIGIT = re.compile(r"[0-9]")
PERSIAN_DIGIT = re.compile(r"[\u06f0-\u06f9]")
JALALI_YEAR = re.compile(r"۱۴[\u06f0-\u06f9]{2}")  # 1400-1499 in the Solar Hijri calendar

#: the result tables cxlab draws (not a notebook's own ``DataFrame`` output)
_TABLES_JS = """() => Array.from(document.querySelectorAll('table.cxlab-table')).map(
    t => Array.from(t.querySelectorAll('th, td')).map(c => c.innerText))"""
_FIGURES_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(
    img => ({w: img.naturalWidth, h: img.naturalHeight, complete: img.complete}))"""
_WIDEST_JS = """() => Math.max(...Array.from(document.body.querySelectorAll('*')).map(
    el => el.getBoundingClientRect().right))"""


def _with_language_switch(source, target) -> None:
    nb = nbformat.read(source, as_version=4)
    code = "".join(c.source for c in nb.cells if c.cell_type == "code")
    if "set_language(language)" not in code:
        at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        nb.cells[at].source += '\nlanguage = "en"'
        nb.cells.insert(
            at + 1, nbformat.v4.new_code_cell("import cxlab\ncxlab.set_language(language)")
        )
    nbformat.write(nb, target)


@pytest.fixture(scope="module")
def persian_report(browser, tmp_path_factory):
    books = tmp_path_factory.mktemp("fa-notebooks")
    out = tmp_path_factory.mktemp("fa-report") / "report"
    for stem in NOTEBOOKS:
        _with_language_switch(paths.NOTEBOOKS_DIR / f"{stem}.ipynb", books / f"{stem}.ipynb")
    command = [
        sys.executable,
        "-c",
        "import sys; from cxlab.cli import main; sys.exit(main())",
        "run",
    ]
    command += [str(books / f"{stem}.ipynb") for stem in NOTEBOOKS]
    command += ["-p", "language=fa", "--out", str(out), "-j", "2"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=paths.PROJECT_DIR)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.mark.parametrize("stem", sorted(NOTEBOOKS))
def test_persian_report_reads_right_to_left_with_persian_digits(stem, persian_report, page):
    html = persian_report / stem / f"{stem}.html"
    watch = PageWatch(page)
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"fa-{stem}.png"), full_page=True)

    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    assert page.evaluate("() => document.documentElement.lang") == "fa"
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    code = page.query_selector(".jp-InputArea pre, .highlight pre")
    assert code is not None and code.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans Arabic\"', 'خرید')")

    tables = page.evaluate(_TABLES_JS)
    assert tables, f"{stem}: no result tables on the page"
    cells = [c for table in tables for c in table]
    assert any(PERSIAN_DIGIT.search(c) for c in cells), f"{stem}: no Persian digits in tables"
    leaks = [c for c in cells if LATIN_DIGIT.search(c)]
    assert not leaks, f"{stem}: Latin digits in Persian result tables: {leaks[:10]}"

    date = page.inner_text(".cxlab-report-date")
    assert JALALI_YEAR.search(date), f"no Jalali year in the report date: {date!r}"

    figures = page.evaluate(_FIGURES_JS)
    assert len(figures) == NOTEBOOKS[stem], figures
    assert all(f["complete"] and f["w"] > 0 and f["h"] > 0 for f in figures), figures
    assert page.evaluate(_WIDEST_JS) <= VIEWPORT["width"] + 1
    assert not watch.console_errors and not watch.failed and not watch.external


def test_persian_index_page(persian_report, page):
    page.goto((persian_report / "index.html").as_uri(), wait_until="load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fa-index.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    text = page.inner_text("body")
    assert "گزارش cxlab" in text and JALALI_YEAR.search(text)
