"""What every figure module shares. Figures live in each topic's ``_plots.py``; each plot
function takes ``ax=None`` and returns the Axes, never calling ``plt.show()``.

Every public plot function is wrapped in :func:`localized`: in English it is
called as it is (the figure does not change); in another language
(:func:`cxlab.set_language`) it is drawn with the language's font and letter
forms, and then its numbers, dates and catalog names are rewritten for the
reader (:func:`cxlab.i18n.localize_figure`).

The Parameters entries every plot function shares (``ax``, ``title``, ``**kw``) are
written once, in :data:`PLOT_PARAMETERS`; a docstring names them by a line
``%(ax)s`` and :func:`plot_doc` fills them in.
"""

from __future__ import annotations

import functools
import re

__all__ = ["PLOT_PARAMETERS", "get_axes", "localized", "plot_doc"]

#: Parameters entries shared by plot functions and ``plot`` methods (see :func:`plot_doc`).
PLOT_PARAMETERS = {
    "ax": """ax : matplotlib Axes, optional
    Axes to draw on; a new figure by default.""",
    "title": """title : str, optional
    Replaces the default title.""",
    "kw": """**kw
    Passed on to the plotting function.""",
}

_PLACEHOLDER = re.compile(r"^(\s*)%\((\w+)\)s\s*$")


def plot_doc(func):
    """Fill the shared Parameters entries into ``func``'s docstring.

    A line holding only ``%(name)s`` becomes the entry ``PLOT_PARAMETERS[name]``,
    indented like the line (numpydoc style, as scipy's ``doccer``).

    Parameters
    ----------
    func : callable
        A plot function or method.

    Returns
    -------
    callable
        ``func``, its ``__doc__`` filled in.

    Raises
    ------
    KeyError
        A placeholder names no shared entry (a typo fails at import).
    """
    if func.__doc__:
        lines = []
        for line in func.__doc__.splitlines():
            match = _PLACEHOLDER.match(line)
            if match is None:
                lines.append(line)
                continue
            indent, name = match.groups()
            lines += [indent + part for part in PLOT_PARAMETERS[name].splitlines()]
        func.__doc__ = "\n".join(lines)
    return func


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
