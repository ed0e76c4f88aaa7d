"""Errors and warnings raised by cxlab.

Every error has one base class, :class:`CxlabError`, so a caller can catch
everything cxlab raises with one ``except``. Data problems carry structured
fields (``column``, ``n_rows``, ``example_ids``, ``fix``) as well as a message
that reads well on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "CxlabError",
    "DataError",
    "MissingColumnError",
    "TimestampError",
    "MixedTimezoneError",
    "AmbiguousDateError",
    "InvalidValueError",
    "ReadError",
    "EncodingError",
    "MissingFileError",
    "MissingIdError",
    "UnknownCategoryError",
    "ScoreRangeError",
    "DuplicateEventError",
    "DuplicateIdError",
    "EmptyTableError",
    "OrphanRowsError",
    "DataTypeError",
    "NotFittedError",
    "ConvergenceError",
    "ParameterError",
    "InMemoryOnlyError",
    "GroupColumnError",
    "CxlabWarning",
    "DataWarning",
    "SmallSampleWarning",
    "StatisticalWarning",
    "format_examples",
]

MAX_EXAMPLES = 5


def format_examples(values: Iterable, limit: int = MAX_EXAMPLES) -> str:
    """Render up to ``limit`` example values as ``a, b, c`` for an error message."""
    out = []
    for v in values:
        out.append(repr(v) if isinstance(v, str) else str(v))
        if len(out) >= limit:
            break
    return ", ".join(out)


class CxlabError(Exception):
    """Base class of every error cxlab raises."""


class DataError(CxlabError, ValueError):
    """Input data is wrong in a way cxlab will not guess around.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    column : str or None
        The column at fault.
    n_rows : int or None
        How many rows are affected.
    example_ids : sequence, optional
        Up to five ``customer_id`` values (or row labels) of affected rows.
    fix : str or None
        How to fix it.
    table : str or None
        ``"events"``, ``"customers"`` or ``"feedback"``.
    """

    def __init__(
        self,
        problem: str,
        *,
        column: str | None = None,
        n_rows: int | None = None,
        example_ids: Sequence | None = None,
        fix: str | None = None,
        table: str | None = None,
    ):
        self.problem = problem
        self.column = column
        self.n_rows = None if n_rows is None else int(n_rows)
        self.example_ids = list(example_ids)[:MAX_EXAMPLES] if example_ids is not None else []
        self.fix = fix
        self.table = table
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.table:
            where.append(f"table {self.table!r}")
        if self.column:
            where.append(f"column {self.column!r}")
        head = f"{', '.join(where)}: " if where else ""
        msg = head + self.problem
        if self.n_rows is not None:
            msg += f" ({self.n_rows:,} row{'s' if self.n_rows != 1 else ''}"
            if self.example_ids:
                msg += f"; e.g. customer_id {format_examples(self.example_ids)}"
            msg += ")"
        elif self.example_ids:
            msg += f" (e.g. {format_examples(self.example_ids)})"
        if self.fix:
            msg += f". Fix: {self.fix}"
        return msg


class MissingColumnError(DataError):
    """A required column is absent."""


class TimestampError(DataError):
    """Timestamps that cannot be parsed."""


class MixedTimezoneError(TimestampError):
    """Timestamps mix time zones, or mix zoned and naive values."""


class AmbiguousDateError(TimestampError):
    """Dates that read both day-first and month-first, with different results."""


class InvalidValueError(DataError):
    """Values a column cannot hold: missing where required, or infinite."""


class ReadError(DataError):
    """A file or folder cannot be read as a study table (empty, malformed, wrong kind)."""


class EncodingError(ReadError):
    """A text file is not UTF-8; the message names the encoding to pass."""


class MissingFileError(ReadError, FileNotFoundError):
    """A file or folder that does not exist."""


class MissingIdError(DataError):
    """Rows without a ``customer_id``."""


class UnknownCategoryError(DataError):
    """A stage, channel or metric not in the catalog."""


class ScoreRangeError(DataError):
    """Feedback scores outside the scale of their metric, or not whole numbers."""


class DuplicateEventError(DataError):
    """The same event appears more than once."""


class DuplicateIdError(DataError):
    """The same ``customer_id`` appears on more than one row of a one-row-per-customer table."""


class EmptyTableError(DataError):
    """A table has no rows."""


class OrphanRowsError(DataError):
    """Rows refer to customers missing from the ``customers`` table."""


class DataTypeError(DataError, TypeError):
    """A column has a type cxlab cannot use (e.g. text where numbers are needed)."""


class NotFittedError(CxlabError, AttributeError):
    """A method that needs a fitted model was called before ``fit``."""


class ConvergenceError(CxlabError, RuntimeError):
    """A model failed to converge; the message says which inputs are to blame."""


class ParameterError(CxlabError, ValueError):
    """An argument or notebook parameter is invalid."""


class InMemoryOnlyError(ParameterError):
    """An analysis that needs the events in memory was given a lazy study.

    Its events stay in DuckDB, Spark or polars (:class:`cxlab.LazyStudy`) and the
    analysis does not run in an engine yet; the message names it and the fix
    (``study.to_memory()`` when the events fit in memory, or ``engine="pandas"``).
    """


class GroupColumnError(MissingColumnError, ParameterError):
    """``by=`` names a column the tables do not have.

    Both a missing column and a wrong argument: ``except MissingColumnError``
    and ``except ParameterError`` each catch it.
    """


class CxlabWarning(UserWarning):
    """Base class of every warning cxlab issues."""


class DataWarning(CxlabWarning):
    """Data is suspicious but usable (e.g. events before a customer's signup)."""


class SmallSampleWarning(CxlabWarning):
    """An estimate rests on few observations; its interval may be unreliable."""


class StatisticalWarning(CxlabWarning):
    """A model assumption looks violated; the result needs care."""
