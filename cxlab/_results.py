"""The base of results shown as one table with numbered notes (statsmodels' ``Summary`` idea).

A result keeps its numbers in ``table`` (full precision, for code) and its caveats in
``notes``; the base shows both through :class:`cxlab._display.ReadableTable`, the one
renderer of notes: a readable table, then ``[1] ...`` notes as text, or an HTML table with a
numbered list in a notebook, every label and note escaped.
"""

from __future__ import annotations

from cxlab._display import ReadableTable

__all__ = ["NotedResult"]


class NotedResult:
    """Mixin for a result with a ``table`` and ``notes``: text and escaped HTML display.

    Subclasses hold ``table`` (DataFrame) and ``notes`` (list of str), or override
    :meth:`_readable` to choose the title, columns or rows shown, and :meth:`_head`
    for a first line of the text form (e.g. ``FitCheck(frequency; p=0.4)``). A
    subclass may keep its own ``__repr__``; the notebook view is ``_repr_html_``.
    A dataclass subclass needs ``@dataclass(repr=False)`` to keep this ``__repr__``.
    """

    _title: str | None = None

    def _readable(self) -> ReadableTable:
        return ReadableTable(self.table, title=self._title, notes=self.notes)

    def _head(self) -> str | None:
        """First line of the text form (None: none)."""
        return None

    def __repr__(self) -> str:
        head = self._head()
        text = self._readable().text()
        return f"{head}\n{text}" if head else text

    def _repr_html_(self) -> str:
        return self._readable().html()
