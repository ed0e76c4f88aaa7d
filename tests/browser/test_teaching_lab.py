"""The teaching explorers in a real JupyterLab, driven by headless Chromium (Playwright).

JupyterLab starts as ``python3 dev.py lab`` starts it (same command and environment), on a copy
of notebook 00 pointed at a small simulated study. The test runs every cell, then moves a
slider of the NPS explorer and of the journey explorer and checks that the displayed numbers
and the figure (the image's bytes) change. Screenshots are saved in the test's folder (and
copied to ``$CXLAB_SCREENSHOTS`` when set). Without Chromium or playwright it skips with one
line saying why.
"""

from __future__ import annotations

import hashlib
import json
import time

import pytest

try:  # a fixture module beside this file (imported as a package module or from its folder)
    from .teaching_lab_browser import (
        Lab,
        copy_screens,
        notebook_copy,
    )
except ImportError:
    from teaching_lab_browser import (
        Lab,
        copy_screens,
        notebook_copy,
    )

from cxlab import _paths as paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUN_ALL_TIMEOUT_S = 400
UPDATE_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def teaching_lab_page(tmp_path_factory, browser):
    """Notebook 00 (a copy) open in JupyterLab in headless Chromium, every cell run.

    It uses the session's one browser (``conftest.browser``): a second Playwright
    session in the same worker would run inside the first one's event loop.
    """
    import cxlab

    base = tmp_path_factory.mktemp("teaching_lab")
    study = base / "study"
    cxlab.simulate(n_customers=400, random_state=1).save(study)
    nb = notebook_copy(base / "lab", study)
    lab = Lab(base / "lab", base / "jupyter.log")
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(lab.url(nb.name))
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        _run_all(page, base)
        yield page, base
        page.close()
    finally:
        lab.stop()


def _dismiss_kernel_dialog(page) -> None:
    """Accept JupyterLab's "Select Kernel" dialog (the notebook's own kernel) when it shows."""
    select = page.locator(".jp-Dialog button:has-text('Select')")
    if select.count():
        select.first.click()


def _run_all(page, base) -> None:
    """Run > Run All Cells, then wait until the four explorers show their figures."""
    deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
    clicked = False
    while time.monotonic() < deadline:
        _dismiss_kernel_dialog(page)
        idle = page.get_by_text("Python (cxlab) | Idle").count() > 0  # kernel ready
        if not clicked and idle and page.locator(".jp-Dialog").count() == 0:
            page.click(".lm-MenuBar-item:has-text('Run')")
            page.click(".lm-Menu-item:has-text('Run All Cells')")
            clicked = True
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
        )
        if errors.count():
            page.screenshot(path=str(base / "run_all_error.png"))
            pytest.fail(f"a notebook cell failed: {errors.first.inner_text()[:500]}")
        if page.locator(".cxlab-explorer .widget-image").count() >= 4:
            return
        time.sleep(2)
    page.screenshot(path=str(base / "run_all_timeout.png"))
    pytest.fail(
        f"the explorers did not appear within {RUN_ALL_TIMEOUT_S} s (see run_all_timeout.png)"
    )


def _state(explorer) -> tuple[str, str]:
    """The explorer's numbers (text) and a hash of its figure's bytes."""
    text = explorer.locator(".cxlab-explorer-numbers").inner_text()
    data = explorer.locator(".widget-image").evaluate(
        """async img => {
            const buf = await (await fetch(img.src)).arrayBuffer();
            return Array.from(new Uint8Array(buf));
        }"""
    )
    return text, hashlib.sha256(bytes(data)).hexdigest()


def _wait_for_change(explorer, before: tuple[str, str]) -> tuple[str, str]:
    deadline = time.monotonic() + UPDATE_TIMEOUT_S
    while time.monotonic() < deadline:
        now = _state(explorer)
        if now[0] != before[0] and now[1] != before[1]:
            return now
        time.sleep(0.3)
    return _state(explorer)


def _move(explorer, nth: int, key: str) -> None:
    handle = explorer.locator(".widget-slider .noUi-handle").nth(nth)
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press(key)


def _explorer(page, title: str):
    return page.locator(".cxlab-explorer", has_text=title).first


def test_nps_explorer_answers_slider_moves_the_numbers_and_the_figure(teaching_lab_page):
    page, base = teaching_lab_page
    ex = _explorer(page, "NPS explorer")
    ex.scroll_into_view_if_needed()
    ex.screenshot(path=str(base / "nps_explorer_before.png"))
    before = _state(ex)
    _move(ex, 2, "End")  # answers -> 5,000
    after = _wait_for_change(ex, before)
    ex.screenshot(path=str(base / "nps_explorer_after.png"))
    copy_screens(base)
    assert after[0] != before[0], "the NPS explorer's numbers did not change"
    assert after[1] != before[1], "the NPS explorer's figure did not change"
    assert ex.locator(".widget-slider .widget-readout").nth(2).inner_text().strip() == "5000"


def test_journey_explorer_slider_moves_conversion_and_the_graph(teaching_lab_page):
    page, base = teaching_lab_page
    ex = _explorer(page, "Journey explorer")
    ex.scroll_into_view_if_needed()
    ex.screenshot(path=str(base / "journey_explorer_before.png"))
    before = _state(ex)
    row = "P(a new lead buys)"
    _move(ex, 0, "End")  # consideration -> purchase: the largest boost
    after = _wait_for_change(ex, before)
    ex.screenshot(path=str(base / "journey_explorer_after.png"))
    copy_screens(base)
    assert after[1] != before[1], "the journey explorer's figure did not change"

    def buy_row(text):
        return next(line for line in text.splitlines() if line.startswith(row))

    assert buy_row(after[0]) != buy_row(before[0]), "P(purchase) did not change on screen"
    # now > starting point after a boost of P(consideration -> purchase)
    start, now = (float(v.replace(",", "")) for v in buy_row(after[0]).split("\t")[1:3])
    assert now > start


def test_the_committed_notebook_is_untouched_and_stored_clean(teaching_lab_page):
    nb = json.loads((paths.NOTEBOOKS_DIR / "00-cx-concepts.ipynb").read_text())
    assert "widgets" not in nb["metadata"]
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
