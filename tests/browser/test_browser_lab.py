"""JupyterLab, started the way ``python3 dev.py lab`` starts it, shows a cxlab figure inline.

The test process has ``MPLBACKEND=Agg`` (tests/conftest.py sets it, as CI and cron
often do); the lab server inherits it, so this also checks that the ``cxlab`` kernel
does not (its kernel spec sets the inline backend).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from cxlab import _paths as paths

from .browser_support import SCREENSHOTS, load_dev

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "lab_figure.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab_server(tmp_path):
    dev = load_dev()
    # a copy under reports/ (inside the server's root, ignored by git), so running it
    # never touches the committed notebook
    folder = paths.REPORTS_DIR / f"lab-check-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(paths.PROJECT_DIR / "tests" / "browser" / NOTEBOOK, folder / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    env = dev._env()
    env["MPLBACKEND"] = "Agg"
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    cmd = dev.lab_command(
        [
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.open_browser=False",
        ]
    )
    log = open(tmp_path / "lab.log", "wb")
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.5)
        rel = folder.relative_to(paths.PROJECT_DIR).as_posix()
        yield f"{base}/lab/tree/{rel}/{NOTEBOOK}?token={token}", tmp_path / "lab.log"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_jupyterlab_shows_a_cxlab_figure_inline(lab_server, page):
    url, log = lab_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_default_timeout(120_000)
    page.goto(url)
    try:
        page.locator(".jp-NotebookPanel").first.wait_for()
        # the cxlab kernel is connected and idle (status bar), then Run > Run All Cells
        page.get_by_text("Python (cxlab) | Idle").first.wait_for()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.locator(".jp-OutputArea-output img").first.wait_for(state="visible", timeout=240_000)
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab-failed.png"), full_page=True)
        print(log.read_text()[-3000:])
        raise
    assert page.evaluate(
        "() => Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
        ".some(i => i.complete && i.naturalWidth > 0)"
    ), "an <img> output that did not load"
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "jupyterlab.png"), full_page=True)
