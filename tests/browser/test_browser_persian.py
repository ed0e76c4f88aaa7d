"""The Persian edition as a reader opens it: right to left, Persian digits, Jalali dates.

Every notebook runs as the README's Persian command runs it (``cxlab run --all -p
language=fa``: the Persian notebooks of ``notebooks/fa/``) into a temporary report
folder. Screenshots go to ``reports/screenshots/fa-<notebook>.png`` for a reviewer to
look at.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cxlab import _paths as paths

from .browser_support import SCREENSHOTS, VIEWPORT, PageWatch
from .test_browser_reports import EXPECTED_FIGURES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LATIN_DIGIT = re.compile(r"[0-9]")
PERSIAN_DIGIT = re.compile(r"[\u06f0-\u06f9]")
JALALI_YEAR = re.compile(r"۱۴[\u06f0-\u06f9]{2}")  # 1400-1499 in the Solar Hijri calendar

#: the result tables cxlab draws (``readable``, result objects, and since the language is
#: set, a notebook's own ``DataFrame``/``Series`` outputs)
_TABLES_JS = """() => Array.from(document.querySelectorAll('table.cxlab-table')).map(
    t => Array.from(t.querySelectorAll('th, td')).map(c => c.innerText))"""
#: every table in the outputs (cxlab's, explorers' numbers, anything else), as its last
#: header row and its body rows, so a cell can be matched to its column's header
_ALL_TABLES_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output table')).map(
    t => {
        const heads = t.querySelectorAll('thead tr');
        const head = heads.length ? heads[heads.length - 1] : null;
        const rows = Array.from(t.querySelectorAll('tr')).filter(r => !r.closest('thead'));
        return {
            cls: t.className,
            header: head ? Array.from(head.cells).map(c => c.innerText) : [],
            headerCells: Array.from(t.querySelectorAll('thead th, thead td')).map(c => c.innerText),
            rows: rows.map(r => Array.from(r.cells).map(c => c.innerText)),
        };
    })"""


def _id_headers() -> frozenset:
    """Headers of identifier columns (``id``, ``*_id``) as a Persian table shows them.

    Identifiers are the user's own labels (``C0012``): cxlab shows them as given, so
    their cells may keep Latin digits (all-digit ids get Persian digits).
    """
    from cxlab.i18n import message_keys, t

    keys = [k for k in message_keys("fa") if k == "column.id" or k.endswith("_id")]
    return frozenset(t(k, "fa") for k in keys)


def _latin_digit_cells(tables) -> list:
    """Cells with Latin digits, identifier columns (see :func:`_id_headers`) left out."""
    ids = _id_headers()
    leaks = [c for table in tables for c in table["headerCells"] if LATIN_DIGIT.search(c)]
    for table in tables:
        exempt = {i for i, h in enumerate(table["header"]) if h in ids or h.endswith("_id")}
        for row in table["rows"]:
            offset = len(table["header"]) - len(row)  # a row may lack the index header cell
            leaks += [
                f"{table['cls'] or 'table'}: {c}"
                for i, c in enumerate(row)
                if LATIN_DIGIT.search(c) and i + offset not in exempt
            ]
    return leaks


_FIGURES_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(
    img => ({w: img.naturalWidth, h: img.naturalHeight, complete: img.complete}))"""
_WIDEST_JS = """() => Math.max(...Array.from(document.body.querySelectorAll('*')).map(
    el => el.getBoundingClientRect().right))"""


#: English a Persian reader used to meet in the outputs of a report (now in Persian):
#: model terms, test and distribution names, a raw record, notes, scenario names, touchpoints
ENGLISH_LEAKS = {
    "00-cx-concepts": [
        "interactive in JupyterLab", "explorer:", "starting point", "Adjusted-Wald",
        "Studies are drawn", "Projections are point", "answers per group",
    ],
    "01-journey-map": [
        "funnel over", "Wilson intervals", "distinct variants", "first visits to", "design:",
        "events outside the design", "step_conversion of",
    ],
    "02-journey-markov": [
        "homogeneity test across", "H0:", "BIC prefers", "Row m tests", "Markov credit",
        "Absorption probabilities", "bootstrap resamples", "order test",
    ],
    "03-churn-survival": [
        "persona[", "segment[", "all groups", "weibull", "lognormal", "{'churn'",
        "observation_end", "No covariate shows", "A baseline churn rate", "AssumptionReport(",
    ],
    "04-personas": [
        "CXData(", "PersonaModel(", "Personas were found", "Adjusted Rand index",
        "highly stable", "left as NaN", "no purchase", "share_web", "n_awareness__",
        " sd,", "avg_order_value", "homogeneity test across", "H0:", "max_abs_diff shows",
        "small-basket",
    ],
    "05-feedback-nps": [
        "purchase_channel[", "persona[", "(all)", "busy professionals", "adjusted-wald",
        "CXData(", "nps_first", "csat_last",
    ],
    "06-cx-value": [
        "store_counter", "fewer drop-offs", "less churn after", "better purchase experience",
        "group[", "the horizon (", "new purchasers from", "every experience result",
        "loyalty_member=",
    ],
    "07-customer-value": [
        "mean P(alive)", "share truly alive", "FitCheck(", "Standard errors from",
        "Independence check", "Chi-square", "Hold-out", "holdout", "p_alive_pareto",
        "first_purchase", "alpha", "\\u200c",
    ],
}  # fmt: skip
_OUTPUT_TEXT_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(
    e => e.innerText).join('\\n')"""
#: where the estimate and the two bounds of an interval are drawn in a table cell: a negative
#: one (bounds isolated, LRI ... PDI, joined by "تا") or a positive one (an en dash and a
#: word joiner between the bounds)
_INTERVALS_JS = """() => Array.from(document.querySelectorAll('table.cxlab-table td')).filter(
    td => td.firstChild && /\\u2066|\\u2013\\u2060/.test(td.textContent)).map(td => {
        const node = td.firstChild, s = node.textContent;
        const box = (i, j) => {
            const r = document.createRange(); r.setStart(node, i); r.setEnd(node, j);
            const b = r.getBoundingClientRect(); return [b.top, b.left];
        };
        const open = s.indexOf(' (');
        let lower, upper;
        if (s.includes('\\u2066')) {
            const a = s.indexOf('\\u2066'), a2 = s.indexOf('\\u2069', a);
            const b = s.indexOf('\\u2066', a2), b2 = s.indexOf('\\u2069', b);
            lower = box(a + 1, a2); upper = box(b + 1, b2);
        } else {
            const dash = s.indexOf('\\u2013');
            lower = box(open + 2, dash); upper = box(dash + 2, s.lastIndexOf(')'));
        }
        return {text: s, dash: !s.includes('\\u2066'), estimate: box(0, open), lower, upper};
    })"""


def _read_before(first, second) -> bool:
    """``[top, left]`` boxes: ``first`` comes first for a right-to-left reader (to the right
    on the same line, or on an earlier line when the cell wraps)."""
    if abs(first[0] - second[0]) < 2:
        return first[1] > second[1]
    return first[0] < second[0]


@pytest.fixture(scope="module")
def persian_report(browser, tmp_path_factory):
    """The Persian reports, made once (``CXLAB_PERSIAN_REPORT=<folder>``: check that folder,
    e.g. one made by ``cxlab run --all -p language=fa --out <folder>``, as it is)."""
    given = os.environ.get("CXLAB_PERSIAN_REPORT")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("fa-report") / "report"
    command = [
        sys.executable,
        "-c",
        "import sys; from cxlab.cli import main; sys.exit(main())",
        "run",
    ]
    command += ["--all", "-p", "language=fa", "--out", str(out), "-j", "2"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=paths.PROJECT_DIR)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.mark.parametrize("stem", sorted(EXPECTED_FIGURES))
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
    narrative = page.query_selector_all('.jp-RenderedMarkdown div[dir="rtl"][lang="fa"]')
    assert narrative, f"{stem}: no Persian narrative (the notebooks/fa edition did not run)"

    tables = page.evaluate(_TABLES_JS)
    assert tables, f"{stem}: no result tables on the page"
    cells = [c for table in tables for c in table]
    assert any(PERSIAN_DIGIT.search(c) for c in cells), f"{stem}: no Persian digits in tables"
    every_table = page.evaluate(_ALL_TABLES_JS)
    assert len(every_table) >= len(tables)
    leaks = _latin_digit_cells(every_table)
    assert not leaks, f"{stem}: Latin digits in Persian tables: {leaks[:10]}"

    date = page.inner_text(".cxlab-report-date")
    assert JALALI_YEAR.search(date), f"no Jalali year in the report date: {date!r}"

    figures = page.evaluate(_FIGURES_JS)
    assert len(figures) == EXPECTED_FIGURES[stem], figures
    assert all(f["complete"] and f["w"] > 0 and f["h"] > 0 for f in figures), figures
    assert page.evaluate(_WIDEST_JS) <= VIEWPORT["width"] + 1
    assert not watch.console_errors and not watch.failed and not watch.external

    shown = page.evaluate(_OUTPUT_TEXT_JS)
    leaks = [text for text in ENGLISH_LEAKS.get(stem, []) if text in shown]
    assert not leaks, f"{stem}: English in the Persian outputs: {leaks}"
    for interval in page.evaluate(_INTERVALS_JS):  # read right to left: lower bound first
        assert _read_before(interval["estimate"], interval["lower"]), interval
        assert _read_before(interval["lower"], interval["upper"]), interval
        if interval["dash"]:  # no line break after the dash (it would read as a minus)
            assert abs(interval["lower"][0] - interval["upper"][0]) < 2, interval


def test_persian_index_page(persian_report, page):
    page.goto((persian_report / "index.html").as_uri(), wait_until="load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fa-index.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    text = page.inner_text("body")
    assert "گزارش cxlab" in text and JALALI_YEAR.search(text)
