"""What every figure module shares. Figures live in each topic's ``_plots.py``; each plot
function takes ``ax=None`` and returns the Axes, never calling ``plt.show()``."""

from __future__ import annotations

__all__ = ["get_axes"]


def get_axes(ax=None, figsize=(7, 4.5), *, layout: str | None = None):
    """Return ``ax``, or the Axes of a new figure of ``figsize`` inches when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout=layout)
    return ax
