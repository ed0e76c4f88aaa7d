"""Helpers for the teaching-lab browser test: JupyterLab as ``dev.py lab`` starts it, and Chromium.

JupyterLab runs with ``dev.py``'s environment (its ``_env()``: the project's ``.venv`` first on
PATH, its matplotlib backend default) and the same ``jupyter lab`` command, on a free port with
a token, serving a temporary folder that holds a copy of notebook 00, so the committed notebook
is never opened (and never autosaved with outputs or widget state).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from cxlab import _paths as paths

from .browser_support import load_dev

#: JupyterLab settings for the test: every cell stays in the page (JupyterLab 4 leaves cells
#: outside the window out of the DOM by default) and no news prompt covers the notebook.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


def _settings(folder: Path) -> None:
    for rel, value in SETTINGS.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab; ``url(path)`` opens a file in it."""

    def __init__(self, folder: Path, log: Path):
        dev = load_dev()
        self.port, self.token = _free_port(), secrets.token_hex(16)
        env = dev._env()
        # keep JupyterLab's own state (workspaces, settings, runtime files) out of the home folder
        for var, sub in (
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ):
            env[var] = str(folder.parent / f"lab-{sub}")
        _settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
        cmd = [
            str(dev.BIN / "jupyter"), "lab", "--notebook-dir", str(folder), "--no-browser",
            f"--port={self.port}", "--port-retries=0", "--ip=127.0.0.1",
            f"--IdentityProvider.token={self.token}", "--ServerApp.disable_check_xsrf=True",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            cmd.append("--allow-root")
        self._log = open(log, "w")  # closed in stop()
        self.proc = subprocess.Popen(cmd, env=env, cwd=dev.ROOT, stdout=self._log, stderr=self._log)
        self._wait()

    def _wait(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}; see its log")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer on port {self.port} in {timeout:g} s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/lab/tree/{path}?token={self.token}&reset"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def notebook_copy(folder: Path, study: Path, n_customers: int = 300) -> Path:
    """Notebook 00 copied into ``folder`` with its parameters set for a small study."""
    import nbformat

    nb = nbformat.read(paths.NOTEBOOKS_DIR / "00-cx-concepts.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = []
    for line in params.source.splitlines():
        if line.startswith("data_path ="):
            line = f"data_path = {str(study)!r}  # small simulated study for the browser test"
        elif line.startswith("n_customers ="):
            line = f"n_customers = {n_customers}  # small worlds: the browser test runs fast"
        lines.append(line)
    params.source = "\n".join(lines)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "00-cx-concepts.ipynb"
    nbformat.write(nb, out)
    return out


def copy_screens(src: Path) -> Path | None:
    """Copy screenshots to ``$CXLAB_SCREENSHOTS`` when set (for a reviewer to look at)."""
    target = os.environ.get("CXLAB_SCREENSHOTS")
    if not target:
        return None
    dst = Path(target)
    dst.mkdir(parents=True, exist_ok=True)
    for png in src.glob("*.png"):
        shutil.copy2(png, dst / png.name)
    return dst
