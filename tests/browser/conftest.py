"""Browser tests: what a reader sees, rendered by headless Chromium (Debian's ``chromium``).

Every test module here marks its tests ``browser`` and ``slow`` (``pytest -m "not slow"``
leaves them out). Without ``/usr/bin/chromium`` or the ``playwright`` package they all skip with one
reason; ``python3 dev.py test`` and ``.ci/run`` install chromium with apt when they can.

The demo report is made once per test run by the README's command (``dev.py``'s
``report`` job, with the environment ``dev.py`` gives it) into ``reports/demo``, and every
check reads it. Screenshots go to ``reports/screenshots/`` for a reviewer to look at.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from filelock import FileLock

from cxlab import _paths as paths

from .browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_REPORT,
    VIEWPORT,
    load_dev,
    why_no_browser,
)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium; skips every browser test with one reason when there is none."""
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def demo_report(browser) -> Path:
    """``reports/demo`` as ``python3 dev.py report`` writes it, made once per test run.

    Several pytest-xdist workers share it: the first builds it under a file lock, the
    others find it done (marked with the run's id) and reuse it. With
    ``CXLAB_REUSE_DEMO_REPORT=1`` an existing ``reports/demo`` is checked as it is (for
    looking at a report you just made with ``python3 dev.py report``).
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    marker = paths.REPORTS_DIR / "demo.testrun"
    paths.REPORTS_DIR.mkdir(exist_ok=True)
    with FileLock(str(paths.REPORTS_DIR / "demo.testrun.lock")):
        fresh = marker.is_file() and marker.read_text() == run_id
        fresh = fresh or bool(os.environ.get("CXLAB_REUSE_DEMO_REPORT"))
        if not (fresh and (DEMO_REPORT / "manifest.json").is_file()):
            t0 = time.perf_counter()
            load_dev().report([])  # raises CalledProcessError when a notebook fails
            print(f"dev.py report took {time.perf_counter() - t0:.0f} s")
            marker.write_text(run_id)
    return DEMO_REPORT


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()
