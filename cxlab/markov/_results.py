"""Result objects of Markov-chain analyses: tidy tables, notes and plots."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._display import ReadableTable, format_number, p_text
from cxlab._plots import plot_doc
from cxlab.i18n._messages import phrase

__all__ = ["AbsorptionResult", "ChainResult"]


@dataclass
class ChainResult:
    """A derived quantity with intervals: ``table`` (tidy), ``estimate`` (wide) and notes.

    Attributes
    ----------
    name : str
        What was computed, e.g. ``"stationary distribution"``.
    estimate : DataFrame or Series
        Point estimates in their natural (wide) layout.
    table : DataFrame
        One row per number: identifying columns, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``.
    method : str
        Where the intervals come from (``"dirichlet"``, ``"bootstrap"``, ``"exact"``).
    confidence : float
        Level of the intervals.
    notes : list of str
        Caveats, numbered under the table when printed.
    title : str or None
        What was computed as the reader sees it (in the reader's language);
        None shows ``name`` (translated when the catalog has it).
    """

    name: str
    estimate: object
    table: pd.DataFrame
    method: str
    confidence: float
    notes: list = field(default_factory=list)
    title: str | None = None

    def summary(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def _how(self) -> str:
        method = phrase(self.method)
        if "ci_low" in self.table.columns:
            return phrase(
                "{confidence:.0%} intervals, {method}", confidence=self.confidence, method=method
            )
        return method

    def _readable(self) -> ReadableTable:
        title = f"{self.title or phrase(self.name)} ({self._how()})"
        if isinstance(self.estimate, float | int | np.floating) and not isinstance(
            self.estimate, bool
        ):
            # a single number (a test's p-value, an index): shown in the title
            value = (
                p_text(self.estimate) if "test" in self.name else format_number(self.estimate, 3)
            )
            title += f": {value}"
        return ReadableTable(self.table, title=title, notes=self.notes, max_rows=30)

    def __repr__(self) -> str:
        return self._readable().text()

    def _repr_html_(self) -> str:
        return self._readable().html()

    @plot_doc
    def plot(self, ax=None, **kw):
        """Line chart of the estimate over steps (forecasts) or bars with intervals.

        Parameters
        ----------
        %(ax)s
        **kw
            See :func:`cxlab.markov.plot_chain_result`.

        Returns
        -------
        matplotlib Axes
        """
        from cxlab.markov._plots import plot_chain_result

        return plot_chain_result(self, ax=ax, **kw)


@dataclass
class AbsorptionResult(ChainResult):
    """Absorbing-chain analysis: where journeys end, how long they take.

    Attributes
    ----------
    probabilities : DataFrame
        Rows = transient states (from), columns = absorbing states: probability
        of ending in each absorbing state. The ``(start)`` row is the
        probability for a new journey (e.g. the overall conversion rate).
    expected_steps : Series
        Expected number of events in transient states before absorption,
        counting the current one (Grinstead & Snell's ``t = N 1``). From
        ``(start)``: the expected number of events of a journey before it is absorbed.
    expected_time : Series or None
        Expected days until absorption (``N d`` with ``d`` the mean observed
        days from an event to the next); None without timestamps.
    time_given : DataFrame or None
        Expected days until absorption given absorption in each state (columns).
    fundamental : DataFrame
        ``N = (I - Q)^-1``: expected visits to each transient state (columns)
        starting from each (rows).
    """

    probabilities: pd.DataFrame = None
    expected_steps: pd.Series = None
    expected_time: pd.Series | None = None
    time_given: pd.DataFrame | None = None
    fundamental: pd.DataFrame = None

    @plot_doc
    def plot(self, ax=None, **kw):
        """Stacked bars of absorption probabilities from each state, with intervals.

        Parameters
        ----------
        %(ax)s
        **kw
            See :func:`cxlab.markov.plot_absorption`.

        Returns
        -------
        matplotlib Axes
        """
        from cxlab.markov._plots import plot_absorption

        return plot_absorption(self, ax=ax, **kw)
