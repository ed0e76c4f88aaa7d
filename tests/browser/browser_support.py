"""What the browser tests share: where Chromium is, how a page is watched, dev.py as a module."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from cxlab import _paths as paths

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
DEMO_REPORT = paths.REPORTS_DIR / "demo"
SCREENSHOTS = paths.REPORTS_DIR / "screenshots"

#: absolute paths of this machine or any usual one, as they would show in page text
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/])/(?:home|root|tmp|work|usr|var|opt|srv|mnt|Users|private)/|[A-Z]:\\\\"
)


def load_dev():
    """The project's ``dev.py`` as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("cxlab_dev", paths.PROJECT_DIR / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def why_no_browser() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"browser tests need Debian's chromium at {CHROMIUM} "
            "(python3 dev.py test installs it with apt when it runs as root)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (pip install -e .[dev])"
    return None


class PageWatch:
    """Console errors, failed requests and requests that leave the machine, for one page."""

    def __init__(self, page, allowed_prefixes=("file://", "data:")):
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.external: list[str] = []
        self.allowed = allowed_prefixes
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url} ({req.failure})"))
        page.on("request", self._request)

    def _console(self, msg):
        if msg.type == "error":
            self.console_errors.append(msg.text)

    def _request(self, req):
        if not req.url.startswith(self.allowed):
            self.external.append(req.url)
