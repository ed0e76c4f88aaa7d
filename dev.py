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
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".cxlab-env-stamp"
INPUTS = ("pyproject.toml", "constraints.txt")


def _say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def _run(*cmd, **kw) -> None:
    _say(" ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def _fingerprint() -> str:
    h = hashlib.sha256()
    for name in INPUTS:
        h.update((ROOT / name).read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()


def ensure_env() -> None:
    """Create or refresh .venv so that it matches pyproject.toml + constraints.txt."""
    want = _fingerprint()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        return
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"cxlab needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if VENV.exists() and not PY.exists():
        shutil.rmtree(VENV)
    if not PY.exists():
        _run(sys.executable, "-m", "venv", VENV)
    _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PY, "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "-e", ".[dev]")
    _run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "cxlab",
         "--display-name", "Python (cxlab)")
    STAMP.write_text(want + "\n")
    _say("environment ready")


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def report(extra: list[str]) -> None:
    demo = ROOT / "data" / "demo"
    if not (demo / "events.parquet").exists():
        _run(BIN / "cxlab", "simulate", "--customers", "5000", "--seed", "0", "--out", demo,
             env=_env())
    _run(BIN / "cxlab", "validate", demo, env=_env())
    _run(BIN / "cxlab", "run", "--all", "-p", f"data_path={demo}", "--out",
         ROOT / "reports" / "demo", *extra, env=_env())


def test(extra: list[str]) -> None:
    _run(BIN / "ruff", "check", ".", env=_env())
    workers = ["-n", "2"] if not any(a.startswith("-n") for a in extra) else []
    _run(PY, "-m", "pytest", *workers, *extra, env=_env())


def lab(extra: list[str]) -> None:
    _run(BIN / "jupyter", "lab", "--notebook-dir", ROOT, *extra, env=_env())


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
