#!/usr/bin/env python3
"""Build the project environment when needed, then run a job.

    python3 dev.py report   # build .venv if missing/stale, run every notebook on the demo data
    python3 dev.py test     # build .venv if missing/stale, run ruff and the whole test suite
    python3 dev.py lab      # build .venv if missing/stale, start JupyterLab
    python3 dev.py env      # only build the environment

Only the Python standard library is used here, so this works on a machine that has
nothing but Python 3.11. The environment is ``.venv`` in this folder; it is rebuilt
when ``pyproject.toml`` or ``constraints.txt`` change (their hash is stamped inside it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".cxlab-env-stamp"
INPUTS = ("pyproject.toml", "constraints.txt")
# The project's Jupyter kernel. Its kernel spec sets the inline matplotlib backend, so
# figures show in JupyterLab even when the environment says MPLBACKEND=Agg (as CI,
# cron and many shells do): a kernel that inherits Agg shows no figure at all.
KERNEL_INSTALL = ("-m", "ipykernel", "install", "--sys-prefix", "--name", "cxlab",
                  "--display-name", "Python (cxlab)",
                  "--env", "MPLBACKEND", "module://matplotlib_inline.backend_inline")
CHROMIUM = Path("/usr/bin/chromium")


def _say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def _run(*cmd, filter_lines: tuple[str, ...] | None = None, **kw) -> None:
    """Run a command in the project folder; with ``filter_lines``, show only its output
    lines that start with one of them (pip's progress without its warnings)."""
    _say(" ".join(str(c) for c in cmd))
    if filter_lines is None:
        subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)
        return
    with subprocess.Popen([str(c) for c in cmd], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw) as proc:
        for line in proc.stdout:
            if line.lstrip().startswith(filter_lines):
                print(f"      {line.strip()[:160]}", flush=True)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)


def _fingerprint() -> str:
    h = hashlib.sha256()
    for name in INPUTS:
        h.update((ROOT / name).read_bytes())
    h.update(sys.version.encode())
    h.update(repr(KERNEL_INSTALL).encode())
    return h.hexdigest()


def ensure_env() -> None:
    """Create or refresh .venv so that it matches pyproject.toml + constraints.txt."""
    want = _fingerprint()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        return
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"cxlab needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    t0 = time.monotonic()
    why = "stale (pyproject.toml or constraints.txt changed)" if PY.exists() else "missing"
    _say(f"the environment {VENV} is {why}: building it (about 2 minutes, 4 steps)")
    if VENV.exists() and not PY.exists():
        shutil.rmtree(VENV)
    if not PY.exists():
        _say("1/4 creating the virtual environment")
        _run(sys.executable, "-m", "venv", VENV)
    _say("2/4 updating pip")
    _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _say("3/4 installing cxlab and its pinned dependencies (constraints.txt); pip lists them")
    quiet = [] if sys.stdout.isatty() else ["--progress-bar", "off"]
    _run(PY, "-m", "pip", "install", *quiet, "-c", "constraints.txt", "-e", ".[dev]",
         filter_lines=("Collecting", "Installing", "Successfully", "ERROR", "error"))
    _say("4/4 installing the Jupyter kernel 'cxlab'")
    _run(PY, *KERNEL_INSTALL)
    STAMP.write_text(want + "\n")
    _say(f"environment ready in {time.monotonic() - t0:.0f} s")


def _env() -> dict:
    """The environment of every job: the project's .venv first on PATH.

    MPLBACKEND is left as the caller has it: tests choose Agg themselves,
    ``cxlab run`` gives its kernels the inline backend, and the kernel spec does
    the same for JupyterLab.
    """
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def ensure_chromium() -> bool:
    """Install Debian's chromium for the browser tests when it is missing and we can.

    Needs root and a reachable apt; otherwise the browser tests skip and say why.
    """
    if CHROMIUM.exists():
        return True
    if os.environ.get("CXLAB_NO_BROWSER_INSTALL"):
        return False
    if not shutil.which("apt-get") or getattr(os, "geteuid", lambda: 1)() != 0:
        _say(f"{CHROMIUM} missing and apt-get unavailable (or not root): browser tests will skip")
        return False
    _say(f"{CHROMIUM} missing: installing Debian's chromium for the browser tests (apt-get)")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt_env, timeout=600, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=apt_env,
                       timeout=900, **quiet)
    except (OSError, subprocess.SubprocessError) as exc:
        _say(f"could not install chromium ({exc}): browser tests will skip")
        return False
    _say("chromium installed")
    return CHROMIUM.exists()


def report(extra: list[str], out: Path | None = None) -> None:
    """Run every notebook on the demo data into ``out`` (the browser tests call this too).

    The default is ``reports/demo``; with ``-p language=fa`` among ``extra`` it is
    ``reports/demo-fa``, so the Persian edition never replaces the English reports.
    """
    if out is None:
        language = next((a.split("=", 1)[1] for a in extra if a.startswith("language=")), "en")
        out = ROOT / "reports" / ("demo" if language == "en" else f"demo-{language}")
    demo = ROOT / "data" / "demo"
    if not (demo / "events.parquet").exists():
        _say("simulating the demo study (5,000 customers) into data/demo")
        _run(BIN / "cxlab", "simulate", "--customers", "5000", "--seed", "0", "--out", demo,
             env=_env())
    _run(BIN / "cxlab", "validate", demo, env=_env())
    _say("running every notebook (a few minutes); each notebook's start and end is shown")
    _run(BIN / "cxlab", "run", "--all", "-p", f"data_path={demo}", "--out", out, *extra,
         env=_env())


def test(extra: list[str]) -> None:
    ensure_chromium()
    _run(BIN / "ruff", "check", ".", env=_env())
    workers = ["-n", "2"] if not any(a.startswith("-n") for a in extra) else []
    _say("pytest: collecting the tests (imports every cxlab module, ~10-20 s), then running them")
    _run(PY, "-m", "pytest", *workers, *extra, env=_env())


def lab_command(extra: list[str]) -> list[str]:
    """The JupyterLab command of ``dev.py lab`` (the browser tests start the same).

    As root (containers, CI machines) JupyterLab refuses to start without --allow-root.
    """
    root = ["--allow-root"] if getattr(os, "geteuid", lambda: 1)() == 0 else []
    return [str(BIN / "jupyter"), "lab", "--notebook-dir", str(ROOT), *root, *extra]


def lab(extra: list[str]) -> None:
    _run(*lab_command(extra), env=_env())


def main(argv: list[str]) -> int:
    jobs = {"report": report, "test": test, "lab": lab, "env": lambda _: None}
    if not argv or argv[0] not in jobs:
        print(__doc__)
        return 2
    ensure_env()
    try:
        jobs[argv[0]](argv[1:])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
