"""The demo report as a reader opens it: every figure loaded, nothing fetched, nothing too wide.

The report is the one ``python3 dev.py report`` writes (see ``demo_report`` in conftest).
"""

from __future__ import annotations

import re

import pytest

from cxlab import _paths as paths

from .browser_support import ABSOLUTE_PATH, SCREENSHOTS, VIEWPORT, PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Figures each notebook's page shows (the <img> in its output areas). Update this when
#: a notebook gains or loses a figure; the test says what it found.
EXPECTED_FIGURES = {
    "00-cx-concepts": 5,
    "01-journey-map": 8,
    "02-journey-markov": 5,
    "03-churn-survival": 4,
    "04-personas": 6,
    "05-feedback-nps": 5,
    "06-cx-value": 3,
    "07-customer-value": 5,
}

#: text that means something went wrong in a cell
TROUBLE = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*(?:Warning|Error):")

_FIGURES_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(
    img => ({w: img.naturalWidth, h: img.naturalHeight, complete: img.complete}))"""

#: elements wider than the viewport or reaching past its right edge (rounded to a pixel)
_TOO_WIDE_JS = """(limit) => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width > limit + 1 || r.right > limit + 1) {
            const inner = el.querySelector('*') && Array.from(el.children).some(c => {
                const q = c.getBoundingClientRect(); return q.width > limit + 1 || q.right > limit + 1;
            });
            if (!inner) {  // report the innermost offenders only
                out.push(`${el.tagName.toLowerCase()}.${el.className} ` +
                         `${Math.round(r.width)}px wide, right edge ${Math.round(r.right)}px: ` +
                         (el.innerText || '').slice(0, 80).replace(/\\s+/g, ' '));
            }
        }
    }
    return out.slice(0, 10);
}"""


def test_every_notebook_has_a_page_and_an_expected_figure_count():
    stems = {p.stem for p in paths.NOTEBOOKS_DIR.glob("*.ipynb")}
    assert stems == set(EXPECTED_FIGURES), (
        "EXPECTED_FIGURES must name every notebook in notebooks/: "
        f"missing {sorted(stems - set(EXPECTED_FIGURES))}, extra {sorted(set(EXPECTED_FIGURES) - stems)}"
    )


@pytest.mark.parametrize("stem", sorted(EXPECTED_FIGURES))
def test_report_page_as_a_reader_sees_it(stem, demo_report, page):
    html = demo_report / stem / f"{stem}.html"
    assert html.is_file(), f"dev.py report wrote no {html}"
    watch = PageWatch(page)
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"), full_page=True)

    figures = page.evaluate(_FIGURES_JS)
    assert len(figures) == EXPECTED_FIGURES[stem], (
        f"{stem}: {len(figures)} figures on the page, EXPECTED_FIGURES says "
        f"{EXPECTED_FIGURES[stem]}"
    )
    assert all(f["complete"] and f["w"] > 0 and f["h"] > 0 for f in figures), figures

    assert watch.console_errors == [], watch.console_errors
    assert watch.failed == [], f"requests that failed: {watch.failed}"
    assert watch.external == [], f"requests that leave the file: {watch.external}"

    limit = VIEWPORT["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= limit, f"{stem}: the page scrolls sideways ({scroll_width}px)"
    too_wide = page.evaluate(_TOO_WIDE_JS, limit)
    assert too_wide == [], f"{stem}: wider than a {limit}px window: {too_wide}"

    text = page.inner_text("body")
    trouble = sorted({m.group(0) for m in TROUBLE.finditer(text)})
    assert trouble == [], f"{stem}: error or warning text on the page: {trouble}"
    stderr = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    assert stderr.count() == 0, f"{stem}: stderr output: {stderr.first.inner_text()[:300]}"
    paths_shown = sorted({text[m.start() : m.start() + 60] for m in ABSOLUTE_PATH.finditer(text)})
    assert paths_shown == [], f"{stem}: absolute paths in the page text: {paths_shown}"
    assert str(paths.PROJECT_DIR) not in page.content()


def test_index_links_every_report_and_figure(demo_report, page):
    watch = PageWatch(page)
    page.goto((demo_report / "index.html").as_uri(), wait_until="load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
    for stem in EXPECTED_FIGURES:
        assert f"{stem}/{stem}.html" in hrefs, f"index.html has no link to {stem}'s report"
        for png in sorted((demo_report / stem / "figures").glob("*.png")):
            rel = png.relative_to(demo_report).as_posix()
            assert rel in hrefs, f"index.html has no link to {rel}"
    for href in hrefs:
        assert (demo_report / href).exists(), f"index.html links {href}, which does not exist"
    assert watch.console_errors == [] and watch.failed == [] and watch.external == []
    text = page.inner_text("body")
    shown = sorted({text[m.start() : m.start() + 60] for m in ABSOLUTE_PATH.finditer(text)})
    assert shown == [], f"absolute paths in index.html: {shown}"
