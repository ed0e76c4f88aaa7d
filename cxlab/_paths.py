"""Where things live. Every path in cxlab resolves from here, never from the
current working directory alone."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PROJECT_DIR / "data"
DEMO_DATA_DIR = DATA_DIR / "demo"
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
REPORTS_DIR = PROJECT_DIR / "reports"


def resolve(path: str | Path) -> Path:
    """Resolve a user path.

    Absolute paths and paths that exist relative to the working directory are
    used as given; otherwise a relative path is taken relative to the project
    folder, so ``"data/demo"`` works from a notebook in ``notebooks/`` and from
    a papermill run in a temporary folder alike.
    """
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p.resolve()
    candidate = PROJECT_DIR / p
    return candidate.resolve() if candidate.exists() else p.resolve()
