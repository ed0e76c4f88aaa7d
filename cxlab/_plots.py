"""What every figure module shares. Figures live in each topic's ``_plots.py``; each plot
function takes ``ax=None`` and returns the Axes, never calling ``plt.show()``.

Every public plot function is wrapped in :func:`localized`: in English it is
called as it is (the figure does not change); in another language
(:func:`cxlab.set_language`) it is drawn with the language's font and letter
forms, and then its numbers, dates and catalog names are rewritten for the
reader (:func:`cxlab.i18n.localize_figure`).
"""

from __future__ import annotations

import functools

__all__ = ["get_axes", "localized"]


def get_axes(ax=None, figsize=(7, 4.5), *, layout: str | None = None):
    """Return ``ax``, or the Axes of a new figure of ``figsize`` inches when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout=layout)
    return ax


def localized(plot):
    """Draw the figure of ``plot`` in the reader's language.

    Parameters
    ----------
    plot : callable
        A plot function returning an Axes, a Figure or a list of Axes.

    Returns
    -------
    callable
        The same function; in English it runs untouched.
    """

    @functools.wraps(plot)
    def draw(*args, **kwargs):
        from cxlab.i18n._language import get_language

        code = get_language()
        if code == "en":
            return plot(*args, **kwargs)
        from cxlab.i18n._figures import figure_style, localize_figure

        with figure_style(code):
            out = plot(*args, **kwargs)
            return localize_figure(out, code)

    return draw
