"""The errors and warnings of table validation, each written once.

The in-memory checks (:mod:`cxlab.data._schema`) and the checks that run inside an
engine (:mod:`cxlab.engines._validation`) build their problems here, so a study gets
the same error class, text and fix whichever path found the problem. Only where a
problem is differs: in memory the message adds the first row positions; an engine
has no row positions, so it says how many rows.
"""

from __future__ import annotations

from cxlab.exceptions import (
    DataTypeError,
    DuplicateEventError,
    EmptyTableError,
    InvalidValueError,
    MissingColumnError,
    MissingIdError,
    TimestampError,
    UnknownCategoryError,
)

__all__ = [
    "catalog_fix",
    "duplicate_events",
    "empty_table",
    "missing_category",
    "missing_columns",
    "missing_ids",
    "missing_timestamps",
    "negative_revenue",
    "revenue_not_finite",
    "revenue_not_numeric",
    "unknown_category",
]


def _rows(n_rows: int, positions=None) -> str:
    """``in 3 rows``, with the first row positions when they are known."""
    text = f"in {n_rows:,} row{'' if n_rows == 1 else 's'}"
    return text if positions is None else f"{text} (row positions {list(positions)})"


def _in_rows(error, what: str, table, column, n_rows, positions, example_ids, fix):
    """``error("<what> in <n> rows (row positions ...)")`` with its table, column and fix."""
    return error(
        f"{what} {_rows(n_rows, positions)}",
        table=table,
        column=column,
        n_rows=n_rows,
        example_ids=example_ids,
        fix=fix,
    )


def catalog_fix(what: str) -> str:
    """How to fix stages or channels (``what``) outside the catalog."""
    return (
        f"map your {what} names to the catalog's, or pass "
        f"catalog=cxlab.StageCatalog({what}=...) listing yours"
    )


def missing_columns(table: str, missing: list, found: list) -> MissingColumnError:
    """Required columns that are not there.

    Parameters
    ----------
    table : str
        ``"events"``, ``"customers"`` or ``"feedback"``.
    missing, found : list of str
        The required columns missing, the columns present.
    """
    return MissingColumnError(
        f"required column{'s' if len(missing) > 1 else ''} {missing} missing; found {found}",
        table=table,
        column=missing[0],
        fix="rename your columns with columns={'your_name': "
        f"'{missing[0]}'}} when loading (cxlab.load or cxlab.load_{table})",
    )


def empty_table(table: str) -> EmptyTableError:
    """A table without rows.

    Parameters
    ----------
    table : str
        The table's name.
    """
    return EmptyTableError(
        "the table has no rows",
        table=table,
        n_rows=0,
        fix="check the file, the query or the filter that produced it",
    )


def missing_ids(table: str, n_rows: int, positions=None, example_ids=None) -> MissingIdError:
    """Rows without a customer id.

    Parameters
    ----------
    table : str
        The table's name.
    n_rows : int
        Rows without an id.
    positions : list of int, optional
        The first row positions (in memory).
    example_ids : list, optional
        Unused for ids (there are none); kept for a uniform call.
    """
    fix = "every row needs the customer it belongs to; remove or repair those rows"
    return _in_rows(
        MissingIdError,
        "customer_id is missing",
        table,
        "customer_id",
        n_rows,
        positions,
        example_ids,
        fix,
    )


def missing_timestamps(
    table: str, column: str, n_rows: int, positions=None, example_ids=None
) -> TimestampError:
    """Rows without a time.

    Parameters
    ----------
    table, column : str
        Where.
    n_rows : int
        Rows without a time.
    positions : list of int, optional
        The first row positions (in memory).
    example_ids : list, optional
        A few customer ids of those rows.
    """
    fix = "fill in the time of each event or remove those rows"
    return _in_rows(
        TimestampError, f"{column} is missing", table, column, n_rows, positions, example_ids, fix
    )


def missing_category(
    table: str, column: str, n_rows: int, fix: str, positions=None, example_ids=None
) -> UnknownCategoryError:
    """Rows without a stage or channel.

    Parameters
    ----------
    table, column : str
        Where.
    n_rows : int
        Rows without a value.
    fix : str
        :func:`catalog_fix` for the column.
    positions : list of int, optional
        The first row positions (in memory).
    example_ids : list, optional
        A few customer ids of those rows.
    """
    return _in_rows(
        UnknownCategoryError,
        f"{column} is missing",
        table,
        column,
        n_rows,
        positions,
        example_ids,
        fix,
    )


def unknown_category(
    table: str, column: str, counts: dict, allowed, n_rows: int, fix: str, example_ids=None
) -> UnknownCategoryError:
    """Stages or channels outside the catalog.

    Parameters
    ----------
    table, column : str
        Where.
    counts : dict
        The most frequent unknown values and their row counts.
    allowed : sequence of str
        The catalog's values.
    n_rows : int
        Rows with an unknown value.
    fix : str
        :func:`catalog_fix` for the column.
    example_ids : list, optional
        A few customer ids of those rows.
    """
    return UnknownCategoryError(
        f"values not in the catalog: {counts}; the catalog has {list(allowed)}",
        table=table,
        column=column,
        n_rows=n_rows,
        example_ids=example_ids,
        fix=fix,
    )


def revenue_not_numeric(table: str, dtype, n_rows: int) -> DataTypeError:
    """A revenue column that does not hold numbers.

    Parameters
    ----------
    table : str
        The table's name.
    dtype : object
        The column's type, as the engine names it.
    n_rows : int
        Rows of the table.
    """
    return DataTypeError(
        f"revenue must be numeric, found dtype {dtype}",
        table=table,
        column="revenue",
        n_rows=n_rows,
        fix="convert to numbers (e.g. strip currency symbols)",
    )


def revenue_not_finite(
    table: str, kinds: str, n_rows: int, positions=None, example_ids=None
) -> InvalidValueError:
    """Missing or infinite revenue.

    Parameters
    ----------
    table : str
        The table's name.
    kinds : str
        ``"missing"``, ``"infinite"`` or ``"missing or infinite"``.
    n_rows : int
        Rows with such revenue.
    positions : list of int, optional
        The first row positions (in memory).
    example_ids : list, optional
        A few customer ids of those rows.
    """
    fix = (
        "use 0 for events without revenue, and repair or remove infinite "
        "amounts (often a division by zero upstream)"
    )
    return _in_rows(
        InvalidValueError,
        f"revenue is {kinds}",
        table,
        "revenue",
        n_rows,
        positions,
        example_ids,
        fix,
    )


def negative_revenue(table: str, n_rows: int, example_ids) -> str:
    """The warning for refunds (negative revenue).

    Parameters
    ----------
    table : str
        The table's name.
    n_rows : int
        Rows with negative revenue.
    example_ids : list
        A few customer ids of those rows.
    """
    return (
        f"{table}: column 'revenue' has {n_rows:,} negative values "
        f"(e.g. customer_id {example_ids}); treated as refunds"
    )


def duplicate_events(table: str, n_rows: int, example_ids) -> DuplicateEventError:
    """Exact copies of an event.

    Parameters
    ----------
    table : str
        The table's name.
    n_rows : int
        Copies beyond the first.
    example_ids : list
        A few customer ids with copies.
    """
    return DuplicateEventError(
        "the same event (identical in every column, revenue included) appears more than once",
        table=table,
        column="timestamp",
        n_rows=n_rows,
        example_ids=example_ids,
        fix="remove the copies (upstream for a study in DuckDB or Spark, which cxlab does not "
        "rewrite), or load the study in memory with on_duplicates='drop' (keep one) or "
        "on_duplicates='sum' (one event, revenue summed)",
    )
