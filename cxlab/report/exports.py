"""Write the tables and figures a notebook exports into its report folder.

Notebooks take an ``out_dir`` parameter. When it is empty (the default in an
interactive session) nothing is written; when ``cxlab run`` sets it, each
exported table becomes ``<out_dir>/tables/<name>.csv`` and each figure
``<out_dir>/figures/<name>.png``. Output is deterministic: fixed float
format, no timestamps in PNG metadata.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cxlab._notices import Skipped

__all__ = ["export_table", "export_figure"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _target(out_dir, sub: str, name: str, suffix: str) -> Path | None:
    if not out_dir:
        return None
    if not _NAME.match(name):
        raise ValueError(
            f"export name {name!r} must be letters, digits, '_', '-' or '.', "
            "so it makes a safe file name; e.g. 'funnel_by_segment'."
        )
    folder = Path(out_dir) / sub
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}{suffix}"


def export_table(table: pd.DataFrame | pd.Series, name: str, out_dir=None) -> Path | None:
    """Write ``table`` to ``<out_dir>/tables/<name>.csv``.

    Parameters
    ----------
    table : DataFrame or Series
    name : str
        File stem, e.g. ``"nps_by_stage"``.
    out_dir : str, Path or None, default=None
        Report folder. ``None`` or ``""`` writes nothing.

    Returns
    -------
    Path or None
        The file written, or None when ``out_dir`` is empty.
    """
    path = _target(out_dir, "tables", name, ".csv")
    if path is None or isinstance(table, Skipped):
        return None
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    frame.to_csv(path, float_format="%.10g", lineterminator="\n")
    return path


def export_figure(figure, name: str, out_dir=None, *, dpi: int = 100) -> Path | None:
    """Write a matplotlib Figure (or the figure of an Axes) to ``<out_dir>/figures/<name>.png``.

    The PNG carries no software or date metadata, so the same figure gives the
    same bytes on every run.

    Parameters
    ----------
    figure : matplotlib Figure or Axes
        The figure to save (an Axes' figure is used).
    name : str
        File name without suffix.
    out_dir : str or Path, optional
        Folder to write into; None saves nothing.
    dpi : int, default=100
        Resolution of the PNG.
    """
    path = _target(out_dir, "figures", name, ".png")
    if path is None or isinstance(figure, Skipped):
        return None
    fig = getattr(figure, "figure", figure)
    if hasattr(figure, "get_figure"):
        fig = figure.get_figure()
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path
