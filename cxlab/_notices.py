"""Sections of a report that a study cannot fill: one sentence instead of a failure.

A notebook runs on any study, and not every study has every kind of data (no
feedback, no churn events, no customer attributes, too few journeys for a
minimum sample). :func:`attempt` runs one analysis step; when the study lacks
what the step needs (the step raises a :class:`~cxlab.exceptions.DataError`,
:class:`~cxlab.exceptions.ParameterError` or, for a model these data cannot
identify, a :class:`~cxlab.exceptions.ConvergenceError`, or its result has no rows), it returns
a :class:`Skipped` instead. A ``Skipped`` shows as one sentence in the notebook
and the report ("Not shown for this study: ..."), and every later use of it
(``.summary()``, ``.plot()``, indexing, rounding, :func:`cxlab.export_table`)
gives the same ``Skipped`` back, so the rest of the section says nothing and the
notebook moves on.

Examples
--------
>>> import cxlab, pandas as pd
>>> data = cxlab.simulate(n_customers=300, random_state=1)
>>> data.feedback = data.feedback.iloc[:0]
>>> drivers = cxlab.attempt(cxlab.driver_table, data)
>>> bool(drivers)
False
>>> drivers.summary().round(2) is drivers
True
>>> print(cxlab.notice("No feedback table: the survey sections are left out."))
Not shown for this study: No feedback table: the survey sections are left out.
"""

from __future__ import annotations

import contextlib
import html
import logging
import warnings

import pandas as pd

from cxlab.exceptions import ConvergenceError, DataError, ParameterError, StatisticalWarning

__all__ = ["Skipped", "attempt", "notice", "available", "caveats", "MARKER"]

log = logging.getLogger(__name__)

#: The words every notice starts with (tests look for them in reports).
MARKER = "Not shown for this study:"


def _marker() -> str:
    """:data:`MARKER` in the reader's language."""
    from cxlab.i18n._language import get_language

    code = get_language()
    if code == "en":
        return MARKER
    from cxlab.i18n._messages import t

    return t("notice.marker", code)


class Skipped:
    """A notebook step that cannot run on this study, with the reason in one sentence.

    It is falsy, shows as that sentence (text, Markdown and HTML), and returns
    itself from any attribute, call, index or arithmetic, so the cells after the
    step need no special handling.
    """

    def __init__(self, reason: str, step: str | None = None):
        self.reason = " ".join(str(reason).split())
        self.step = step

    def __bool__(self) -> bool:
        return False

    def text(self) -> str:
        where = f"{self.step}: " if self.step else ""
        return f"{_marker()} {where}{self.reason}"

    def __repr__(self) -> str:
        return self.text()

    __str__ = __repr__

    def _repr_markdown_(self) -> str:
        where = f"`{self.step}`: " if self.step else ""
        return f"> **{_marker()}** {where}{self.reason}"

    def _repr_html_(self) -> str:
        where = f"<code>{html.escape(self.step)}</code>: " if self.step else ""
        return (
            f'<p class="cxlab-notice"><strong>{html.escape(_marker())}</strong> '
            f"{where}{html.escape(self.reason)}</p>"
        )

    # every later use of a skipped step is the same notice
    def __getattr__(self, name):
        if name.startswith("_"):  # display hooks and private names: not a result
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __setitem__(self, key, value):  # adding a column to a skipped table: nothing to add
        pass

    def __iter__(self):  # nothing to iterate (and no endless old-style iteration via __getitem__)
        return iter(())

    def __round__(self, ndigits=None):
        return self

    def _same(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __invert__ = __neg__ = _same
    __and__ = __rand__ = __or__ = __ror__ = _same
    __lt__ = __le__ = __gt__ = __ge__ = _same


def notice(reason: str) -> Skipped:
    """A one-sentence notice for a notebook section this study cannot fill.

    Parameters
    ----------
    reason : str
        Why the step was skipped, shown to the reader.
    """
    return Skipped(reason)


def attempt(step, /, *args, min_n=None, **kwargs):
    """Run ``step(*args, **kwargs)``; a :class:`Skipped` when the study lacks what it needs.

    Parameters
    ----------
    step : callable
        A cxlab function or a fitted model's method, e.g. ``cxlab.funnel``.
    *args, **kwargs
        Passed to ``step`` (``step`` itself is positional-only, so a keyword
        named ``step``, e.g. a discounting grid, reaches the function).
    min_n : int, optional
        Passed to ``step`` as ``min_n=`` when given; if the result's
        ``summary()`` is then empty, the notice says that no group reached this
        minimum sample.

    Returns
    -------
    The step's result, or a :class:`Skipped` saying in one sentence why not:
    the message of the :class:`~cxlab.exceptions.DataError`,
    :class:`~cxlab.exceptions.ParameterError` or
    :class:`~cxlab.exceptions.ConvergenceError` (a model these data cannot
    identify) it raised, or that the result is
    empty. A step whose input (or whose model) was skipped is skipped with the
    same notice, without running. Other errors (bugs) are not caught.
    """
    for value in (step, *args, *kwargs.values()):
        if isinstance(value, Skipped):
            return value
    name = getattr(step, "__qualname__", getattr(step, "__name__", "step"))
    if min_n is not None:
        kwargs["min_n"] = min_n
    try:
        result = step(*args, **kwargs)
    except (DataError, ParameterError, ConvergenceError) as err:
        log.info("%s skipped: %s", name, err)
        return Skipped(str(err), name)
    if _empty(result):
        minimum = f" (each needs at least min_n={min_n} journeys or answers)" if min_n else ""
        return Skipped(f"the result has no rows{minimum}; nothing to show.", name)
    return result


def _empty(result) -> bool:
    if isinstance(result, pd.DataFrame | pd.Series):
        return len(result) == 0
    summary = getattr(type(result), "summary", None)
    if callable(summary):
        try:
            table = result.summary()
        except Exception:  # a result without a plain summary is judged by its own methods
            return False
        return isinstance(table, pd.DataFrame) and len(table) == 0
    return False


def available(table, names, *, what: str = "drivers") -> list:
    """The ``names`` that are columns of ``table``; the others are named in a warning.

    For notebook parameters that list columns a study may not have (e.g. the
    ``persona`` driver on data without personas): the analysis runs on the rest,
    and the report says what was left out.

    Parameters
    ----------
    table : DataFrame
        The table the names should be columns of.
    names : sequence of str
        Wanted column names.
    what : str, default="drivers"
        What the names are, for the warning.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     available(pd.DataFrame({"csat": [1]}), ["csat", "persona"])
    ['csat']
    >>> str(w[0].message)
    "this study has no 'persona' column, so the drivers leave it out"
    """
    names = [names] if isinstance(names, str) else list(names)
    if isinstance(table, Skipped) or not hasattr(table, "columns"):
        return names
    absent = [n for n in names if n not in table.columns]
    if absent:
        import warnings

        from cxlab.exceptions import DataWarning

        listed = ", ".join(repr(n) for n in absent)
        plural = "s" if len(absent) > 1 else ""
        warnings.warn(
            f"this study has no {listed} column{plural}, so the {what} leave "
            f"{'them' if plural else 'it'} out",
            DataWarning,
            stacklevel=2,
        )
    return [n for n in names if n in table.columns]


@contextlib.contextmanager
def caveats(category=StatisticalWarning):
    """Collect the statistical caveats warned inside the block, to show as a table's notes.

    In a report a warning prints as error-coloured stderr under the cell; a caveat
    about an interval belongs under the table it qualifies. The distinct messages of
    ``category`` warnings raised in the block end up in the list this yields; every
    other warning is passed on as it was.

    Parameters
    ----------
    category : Warning subclass, default=StatisticalWarning

    Examples
    --------
    >>> import warnings
    >>> from cxlab.exceptions import StatisticalWarning
    >>> with caveats() as notes:
    ...     warnings.warn("3 of 100 draws left out", StatisticalWarning)
    >>> notes
    ['3 of 100 draws left out']
    """
    notes: list = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category)
        yield notes
    for w in caught:
        if not issubclass(w.category, category):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes.extend(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, category)))
