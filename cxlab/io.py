"""Loading journey data from CSV, Parquet or DuckDB, with column mapping and validation.

Readers form a registry keyed by file suffix (add one with :func:`register_reader`).
Every loader validates what it reads (:mod:`cxlab.schema`) and raises the first
error it finds; warnings are issued as :class:`~cxlab.exceptions.DataWarning`.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from cxlab import paths
from cxlab.catalog import DEFAULT_CATALOG, UNKNOWN_CHANNEL, StageCatalog
from cxlab.data import TABLES, CXData
from cxlab.exceptions import DataError, DataWarning, MissingColumnError
from cxlab.schema import check_customers, check_events, check_feedback
from cxlab.validation import check_relations

__all__ = [
    "load",
    "load_events",
    "load_customers",
    "load_feedback",
    "read_table",
    "register_reader",
    "read_folder",
    "empty_feedback",
]

log = logging.getLogger(__name__)


def _read_duckdb(path: Path, table: str | None = None, query: str | None = None) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        if query is None:
            names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
            if table not in names:
                raise DataError(
                    f"the DuckDB file has no table {table!r}; it has {sorted(names)}",
                    fix="pass table='name' or query='SELECT ...'",
                )
            query = f'SELECT * FROM "{table}"'
        return con.execute(query).df()
    finally:
        con.close()


_READERS: dict[str, Callable[..., pd.DataFrame]] = {
    ".csv": lambda p, **kw: pd.read_csv(p, **kw),
    ".parquet": lambda p, **kw: pd.read_parquet(p, **kw),
    ".pq": lambda p, **kw: pd.read_parquet(p, **kw),
    ".duckdb": _read_duckdb,
    ".db": _read_duckdb,
}


def register_reader(suffix: str, reader: Callable[..., pd.DataFrame]) -> None:
    """Teach the loaders a new file type, e.g. ``register_reader(".feather", pd.read_feather)``."""
    _READERS[suffix.lower()] = reader


def read_table(source, *, table: str | None = None, query: str | None = None, **kw):
    """Read one table from a DataFrame, a CSV/Parquet file or a DuckDB database."""
    if isinstance(source, pd.DataFrame):
        return source
    path = paths.resolve(source)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise DataError(
            f"cannot read {path.name}: unknown file type {suffix!r}",
            fix=f"use one of {sorted(_READERS)} or cxlab.io.register_reader",
        )
    if reader is _read_duckdb:
        return reader(path, table=table, query=query)
    return reader(path, **kw)


def _map_columns(df: pd.DataFrame, columns: Mapping[str, str] | None, table: str):
    if not columns:
        return df
    missing = [src for src in columns if src not in df.columns]
    if missing:
        raise MissingColumnError(
            f"columns {missing} named in columns= are not in the file; it has {list(df.columns)}",
            table=table,
            column=missing[0],
            fix="columns maps names in your file to cxlab's: {'your_name': 'customer_id'}",
        )
    return df.rename(columns=dict(columns))


def _finish(df, probs, what):
    if probs.errors:
        raise probs.errors[0]
    for message in probs.warnings:
        warnings.warn(message, DataWarning, stacklevel=3)
    return df


def load_events(
    source,
    *,
    columns: Mapping[str, str] | None = None,
    catalog: StageCatalog | None = None,
    table: str = "events",
    query: str | None = None,
    on_duplicates: str = "raise",
) -> pd.DataFrame:
    """Load and validate an events table.

    Parameters
    ----------
    source : str, Path or DataFrame
        CSV, Parquet or DuckDB file (relative paths resolve against the project
        folder when not found in the working directory), or a DataFrame.
    columns : dict, optional
        Your column names -> cxlab's, e.g. ``{"user": "customer_id", "ts": "timestamp"}``.
    catalog : StageCatalog, optional
        Stages and channels to accept; default :data:`~cxlab.catalog.DEFAULT_CATALOG`.
    table, query : str, optional
        For DuckDB files: the table name or a SQL query.
    on_duplicates : {"raise", "drop", "sum"}, default="raise"
        What to do with exact copies of an event (same values in every column):
        ``"drop"`` keeps the first and warns; ``"sum"`` keeps one event per
        customer, time, stage, channel (and touchpoint) with the revenue summed,
        and warns.

    Returns
    -------
    DataFrame
        Typed and sorted by customer and time.

    Raises
    ------
    DataError
        A subclass naming the column, the number of rows, example ids and the fix.

    Examples
    --------
    >>> import cxlab, pandas as pd
    >>> raw = pd.DataFrame({"user": [1, 1], "ts": ["2025-01-01", "2025-01-03"],
    ...                     "stage": ["awareness", "purchase"], "channel": ["ads", "web"]})
    >>> cxlab.load_events(raw, columns={"user": "customer_id", "ts": "timestamp"}).shape
    (2, 5)
    """
    if on_duplicates not in ("raise", "drop", "sum"):
        raise ValueError(f"on_duplicates must be 'raise', 'drop' or 'sum', not {on_duplicates!r}")
    df = _map_columns(read_table(source, table=table, query=query), columns, "events")
    clean, probs = check_events(df, catalog or DEFAULT_CATALOG, on_duplicates=on_duplicates)
    return _finish(clean, probs, "events")


def load_customers(
    source,
    *,
    columns: Mapping[str, str] | None = None,
    table: str = "customers",
    query: str | None = None,
) -> pd.DataFrame:
    """Load and validate a customers table (one row per ``customer_id``)."""
    df = _map_columns(read_table(source, table=table, query=query), columns, "customers")
    clean, probs = check_customers(df)
    return _finish(clean, probs, "customers")


def load_feedback(
    source,
    *,
    columns: Mapping[str, str] | None = None,
    catalog: StageCatalog | None = None,
    table: str = "feedback",
    query: str | None = None,
) -> pd.DataFrame:
    """Load and validate a feedback table (NPS, CSAT, CES answers)."""
    df = _map_columns(read_table(source, table=table, query=query), columns, "feedback")
    clean, probs = check_feedback(df, catalog or DEFAULT_CATALOG)
    return _finish(clean, probs, "feedback")


def empty_feedback() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.Series(dtype="int64"),
            "timestamp": pd.Series(dtype="datetime64[ns]"),
            "metric": pd.Series(dtype="object"),
            "score": pd.Series(dtype="int64"),
        }
    )


def _find(folder: Path, name: str) -> Path | None:
    for suffix in (".parquet", ".pq", ".csv"):
        if (folder / f"{name}{suffix}").exists():
            return folder / f"{name}{suffix}"
    return None


def read_folder(source) -> tuple[dict, StageCatalog]:
    """Read the raw tables of a data folder or DuckDB file, without validation."""
    path = paths.resolve(source)
    if not path.exists():
        raise FileNotFoundError(
            f"no data at {path}; create demo data with "
            "`cxlab simulate --customers 5000 --seed 0 --out data/demo`"
        )
    catalog = DEFAULT_CATALOG
    raw = {}
    if path.is_file():
        import duckdb

        con = duckdb.connect(str(path), read_only=True)
        try:
            names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        finally:
            con.close()
        for name in TABLES:
            raw[name] = _read_duckdb(path, table=name) if name in names else None
        return raw, catalog
    if (path / "catalog.json").exists():
        catalog = StageCatalog.from_dict(json.loads((path / "catalog.json").read_text()))
    for name in TABLES:
        f = _find(path, name)
        raw[name] = read_table(f) if f is not None else None
    return raw, catalog


def load(source, *, catalog: StageCatalog | None = None, on_duplicates: str = "raise") -> CXData:
    """Load a study: a folder with ``events``, ``customers`` and ``feedback`` files.

    Files may be Parquet or CSV; a ``catalog.json`` sets the stages and
    channels, and a ``truth/`` folder (simulated data) is loaded as ``truth``.
    A DuckDB file with tables ``events``, ``customers``, ``feedback`` also works.
    Without a customers table, one is built from the events (``customer_id``
    and ``signup_date`` = first event day) and a :class:`DataWarning` says so.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.load("data/demo")
    >>> sorted(data.events.columns)[:3]
    ['channel', 'customer_id', 'revenue']
    """
    raw, stored = read_folder(source)
    catalog = catalog or stored
    if raw["events"] is None:
        raise DataError(
            f"no events table in {source}", fix="add events.parquet or events.csv to the folder"
        )
    events = load_events(raw["events"], catalog=catalog, on_duplicates=on_duplicates)
    if (
        UNKNOWN_CHANNEL in events["channel"].cat.categories
        and UNKNOWN_CHANNEL not in catalog.channels
    ):
        catalog = replace(catalog, channels=(*catalog.channels, UNKNOWN_CHANNEL))
    if raw["customers"] is None:
        warnings.warn(
            f"{source}: no customers table; built one from the events "
            "(customer_id, signup_date = first event day)",
            DataWarning,
            stacklevel=2,
        )
        first = events.groupby("customer_id", sort=True)["timestamp"].min()
        customers = pd.DataFrame(
            {"customer_id": first.index, "signup_date": first.dt.floor("D").to_numpy()}
        )
    else:
        customers = load_customers(raw["customers"])
    feedback = (
        load_feedback(raw["feedback"], catalog=catalog)
        if raw["feedback"] is not None
        else empty_feedback()
    )
    probs = check_relations(events, customers, feedback)
    _finish(None, probs, "relations")
    truth = None
    path = paths.resolve(source)
    if path.is_dir() and (path / "truth" / "truth.json").exists():
        from cxlab.truth import Truth

        truth = Truth.load(path / "truth")
    return CXData(
        events=events, customers=customers, feedback=feedback, catalog=catalog, truth=truth
    )
