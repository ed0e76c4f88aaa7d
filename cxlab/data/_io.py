"""Loading journey data from CSV, Parquet or DuckDB, with column mapping and validation.

Readers form a registry keyed by file suffix (add one with :func:`register_reader`).
Every loader validates what it reads (:mod:`cxlab.data`) and raises the first
error it finds; warnings are issued as :class:`~cxlab.exceptions.DataWarning`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from cxlab import _paths as paths
from cxlab.data._catalog import DEFAULT_CATALOG, UNKNOWN_CHANNEL, StageCatalog
from cxlab.data._model import TABLES, CXData
from cxlab.data._schema import check_customers, check_events, check_feedback, check_relations
from cxlab.exceptions import (
    CxlabError,
    DataWarning,
    EncodingError,
    MissingColumnError,
    MissingFileError,
    ParameterError,
    ReadError,
)

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


def _read_duckdb(path: Path, table: str | None = None, query: str | None = None) -> pd.DataFrame:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ReadError(
            f"{path.name} is not a DuckDB database ({exc})",
            fix="pass a .duckdb file written by DuckDB, or a folder with events.csv/.parquet",
        ) from None
    try:
        if query is None:
            names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
            if table not in names:
                raise ReadError(
                    f"the DuckDB file {path.name} has no table {table!r}; it has {sorted(names)}",
                    fix="pass table='name' or query='SELECT ...' (cxlab.load_events), or "
                    "create views named events, customers and feedback",
                )
            query = f'SELECT * FROM "{table}"'
        return con.execute(query).df()
    except duckdb.Error as exc:
        raise ReadError(
            f"DuckDB could not run the query on {path.name}: {exc}",
            fix="check the table name or the SQL of query=",
        ) from None
    finally:
        con.close()


def _read_csv(path: Path, encoding: str | None = None, **kw) -> pd.DataFrame:
    """``pd.read_csv`` that refuses lines longer than the header instead of shifting columns."""
    kw.setdefault("index_col", False)
    kw["encoding"] = encoding or "utf-8"
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(path, **kw)
        except pd.errors.ParserWarning:
            # a data line longer than the header: read without header to learn which line
            pd.read_csv(path, header=None, dtype=str, encoding=kw["encoding"])
            raise


_READERS: dict[str, Callable[..., pd.DataFrame]] = {
    ".csv": _read_csv,
    ".parquet": lambda p, **kw: pd.read_parquet(p, **kw),
    ".pq": lambda p, **kw: pd.read_parquet(p, **kw),
    ".duckdb": _read_duckdb,
    ".db": _read_duckdb,
}
_TEXT_SUFFIXES = (".csv",)


def register_reader(suffix: str, reader: Callable[..., pd.DataFrame]) -> None:
    """Teach the loaders a new file type, e.g. ``register_reader(".feather", pd.read_feather)``.

    Parameters
    ----------
    suffix : str
        File suffix the reader handles, e.g. ``".feather"``.
    reader : callable
        ``reader(path, **kw) -> DataFrame``.
    """
    _READERS[suffix.lower()] = reader


def _guess_encoding(path: Path) -> str:
    """The encoding to suggest for a file that is not UTF-8."""
    head = path.read_bytes()[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1:2] == b"\x00" or head[:1] == b"\x00":
        return "utf-16"
    return "latin-1"


def read_table(source, *, table: str | None = None, query: str | None = None, encoding=None, **kw):
    """Read one table from a DataFrame, a CSV/Parquet file or a DuckDB database.

    Any failure of the reader is a :class:`~cxlab.exceptions.ReadError` naming the
    file and a fix (an :class:`~cxlab.exceptions.EncodingError` for text that is
    not UTF-8: it names the ``encoding=`` to pass).
    """
    if isinstance(source, pd.DataFrame):
        return source
    path = paths.resolve(source)
    if not path.exists():
        raise MissingFileError(
            f"no such file: {path}", fix="check the path (relative paths start at the project)"
        )
    if path.is_dir():
        raise ReadError(
            f"{path} is a folder; this reads one table",
            fix="pass the file (e.g. events.csv), or load the whole folder with cxlab.load",
        )
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise ReadError(
            f"cannot read {path.name}: unknown file type {suffix!r}",
            fix=f"use one of {sorted(_READERS)} or cxlab.data.register_reader",
        )
    if reader is _read_duckdb:
        return reader(path, table=table, query=query)
    if encoding is not None and suffix in _TEXT_SUFFIXES:
        kw["encoding"] = encoding
    try:
        return reader(path, **kw)
    except CxlabError:
        raise
    except UnicodeError:
        guess = _guess_encoding(path)
        raise EncodingError(
            f"{path.name} is not UTF-8 text{f' (tried {encoding!r})' if encoding else ''}; "
            f"it looks like {guess}",
            fix=f"pass encoding={guess!r} (e.g. cxlab.load(folder, encoding={guess!r})), or "
            "save the file as UTF-8",
        ) from None
    except pd.errors.EmptyDataError:
        raise ReadError(
            f"{path.name} is empty (not even a header line)",
            fix="export the table again with a header line: customer_id,timestamp,stage,channel",
        ) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise ReadError(
            f"{path.name} has a malformed line: {str(exc).strip()}",
            fix="a line has more fields than the header: quote fields that contain the "
            "separator, or repair that line",
        ) from None
    except Exception as exc:  # a reader (pandas, pyarrow, a registered one) failed
        raise ReadError(
            f"cannot read {path.name} as {suffix}: {type(exc).__name__}: {exc}",
            fix=f"check that the file is a valid {suffix} file (re-export it), "
            "or convert it to CSV or Parquet",
        ) from None


def map_columns(df: pd.DataFrame | None, columns: Mapping[str, str] | None, table: str):
    """Rename ``df``'s columns by ``columns`` (yours -> cxlab's); each source must exist."""
    if not columns or df is None:
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
    encoding: str | None = None,
    dayfirst: bool | None = None,
    timestamp_format: str | None = None,
    observation_end=None,
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
        Stages and channels to accept; default :data:`~cxlab.data.DEFAULT_CATALOG`.
    table, query : str, optional
        For DuckDB files: the table name or a SQL query.
    on_duplicates : {"raise", "drop", "sum"}, default="raise"
        What to do with repeated events. Rows are duplicates only when every
        column agrees (revenue included), so several purchases on one day with
        different amounts are kept. ``"raise"``: error; ``"drop"``: keep the
        first copy and warn; ``"sum"``: merge rows that agree on every column
        except ``revenue`` into one event with the summed revenue, and warn.
    encoding : str, optional
        Text encoding of a CSV file (default UTF-8), e.g. ``"latin-1"`` or ``"utf-16"``.
    dayfirst : bool, optional
        How to read dates such as ``03/04/2025`` when the column allows both
        orders: ``True`` for day first (dd/mm, European), ``False`` for month
        first (mm/dd, US). Without it such a column is an
        :class:`~cxlab.exceptions.AmbiguousDateError`.
    timestamp_format : str, optional
        The one ``strftime`` format of the timestamp column, e.g. ``"%d/%m/%Y %H:%M"``.
        Default: ISO 8601, or the one format that reads every value.
    observation_end : date-like, optional
        When the data end; rows dated later are a :class:`~cxlab.exceptions.DataWarning`
        (default: the time of loading).

    Returns
    -------
    DataFrame
        Typed and sorted by customer and time.

    Raises
    ------
    DataError
        A subclass naming the column, the number of rows, example ids and the fix;
        :class:`~cxlab.exceptions.ReadError` when the file cannot be read.

    Examples
    --------
    >>> import cxlab, pandas as pd
    >>> raw = pd.DataFrame({"user": [1, 1], "ts": ["2025-01-01", "2025-01-03"],
    ...                     "stage": ["awareness", "purchase"], "channel": ["ads", "web"]})
    >>> cxlab.load_events(raw, columns={"user": "customer_id", "ts": "timestamp"}).shape
    (2, 5)
    """
    if on_duplicates not in ("raise", "drop", "sum"):
        raise ParameterError(
            f"on_duplicates must be 'raise', 'drop' or 'sum', not {on_duplicates!r}"
        )
    raw = read_table(source, table=table, query=query, encoding=encoding)
    df = map_columns(raw, columns, "events")
    clean, probs = check_events(
        df,
        catalog or DEFAULT_CATALOG,
        on_duplicates=on_duplicates,
        dayfirst=dayfirst,
        timestamp_format=timestamp_format,
        observation_end=observation_end,
    )
    return _finish(clean, probs, "events")


def load_customers(
    source,
    *,
    columns: Mapping[str, str] | None = None,
    table: str = "customers",
    query: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Load and validate a customers table (one row per ``customer_id``).

    Parameters
    ----------
    source : str, Path or DataFrame
        CSV, Parquet or DuckDB file (relative paths resolve against the project
        folder when not found in the working directory), or a DataFrame.
    columns : dict, optional
        Your column names -> cxlab's, e.g. ``{"user": "customer_id"}``.
    table : str, default="customers"
        Table name inside a DuckDB database.
    query : str, optional
        SQL to run instead of reading ``table`` (DuckDB sources).
    encoding : str, optional
        Text encoding of a CSV file (default UTF-8).
    """
    raw = read_table(source, table=table, query=query, encoding=encoding)
    clean, probs = check_customers(map_columns(raw, columns, "customers"))
    return _finish(clean, probs, "customers")


def load_feedback(
    source,
    *,
    columns: Mapping[str, str] | None = None,
    catalog: StageCatalog | None = None,
    table: str = "feedback",
    query: str | None = None,
    encoding: str | None = None,
    dayfirst: bool | None = None,
    timestamp_format: str | None = None,
    observation_end=None,
) -> pd.DataFrame:
    """Load and validate a feedback table (NPS, CSAT, CES answers).

    Parameters as :func:`load_events` (without ``on_duplicates``).

    Parameters
    ----------
    source : str, Path or DataFrame
        CSV, Parquet or DuckDB file (relative paths resolve against the project
        folder when not found in the working directory), or a DataFrame.
    columns : dict, optional
        Your column names -> cxlab's.
    catalog : StageCatalog, optional
        Stages and channels (default :data:`DEFAULT_CATALOG`).
    table : str, default="feedback"
        Table name inside a DuckDB database.
    query : str, optional
        SQL to run instead of reading ``table`` (DuckDB sources).
    encoding : str, optional
        Text encoding of a CSV file (default UTF-8).
    dayfirst, timestamp_format, observation_end
        How to read and check the timestamps, as in :func:`load_events`.
    """
    raw = read_table(source, table=table, query=query, encoding=encoding)
    clean, probs = check_feedback(
        map_columns(raw, columns, "feedback"),
        catalog or DEFAULT_CATALOG,
        dayfirst=dayfirst,
        timestamp_format=timestamp_format,
        observation_end=observation_end,
    )
    return _finish(clean, probs, "feedback")


def empty_feedback() -> pd.DataFrame:
    """A feedback table with no answers, for a study without surveys.

    ``cxlab.load`` uses it when a folder has no feedback file; pass it to
    :class:`~cxlab.data.CXData` when you build a study from your own frames.

    Examples
    --------
    >>> import cxlab
    >>> cxlab.empty_feedback().columns.tolist()
    ['customer_id', 'timestamp', 'metric', 'score']
    """
    return pd.DataFrame(
        {
            "customer_id": pd.Series(dtype="int64"),
            "timestamp": pd.Series(dtype="datetime64[ns]"),
            "metric": pd.Series(dtype="object"),
            "score": pd.Series(dtype="int64"),
        }
    )


_SUFFIXES = (".parquet", ".pq", ".csv")
_DUCKDB_SUFFIXES = (".duckdb", ".db")


def _find(folder: Path, name: str) -> Path | None:
    found = [
        folder / f"{name}{suffix}" for suffix in _SUFFIXES if (folder / f"{name}{suffix}").exists()
    ]
    if len(found) > 1:
        raise ReadError(
            f"the folder {folder} holds {len(found)} files for the {name} table: "
            f"{[f.name for f in found]}; cxlab will not guess which is current",
            table=name,
            fix="remove (or move away) the stale copy so one file per table remains",
        )
    return found[0] if found else None


def read_catalog(file: Path) -> StageCatalog:
    try:
        spec = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(spec, dict):
            raise ValueError(f"expected an object with 'stages' and 'channels', found {spec!r:.80}")
        return StageCatalog.from_dict(spec)
    except CxlabError:
        raise
    except Exception as exc:  # JSON syntax, wrong keys or types
        raise ReadError(
            f"{file} is not a valid stage catalog: {type(exc).__name__}: {exc}",
            fix="repair the JSON (it needs at least 'stages' and 'channels' lists), write it "
            "with cxlab.StageCatalog(...).to_dict(), or remove it to use the default catalog",
        ) from None


def read_folder(source, *, encoding: str | None = None, errors: list | None = None):
    """Read the raw tables of a data folder or DuckDB file, without validation.

    Returns ``(tables, catalog)``; ``tables`` maps each of ``events``,
    ``customers``, ``feedback`` to a DataFrame or ``None`` (no such table).
    With ``errors`` (a list), a table that cannot be read is ``None`` and its
    :class:`~cxlab.exceptions.ReadError` is appended instead of raised.
    """
    path = paths.resolve(source)
    if not path.exists():
        raise MissingFileError(
            f"no data at {path}",
            fix="check the path, or create demo data with "
            "`cxlab simulate --customers 5000 --seed 0 --out data/demo`",
        )
    raw = {}
    if path.is_file():
        if path.suffix.lower() not in _DUCKDB_SUFFIXES:
            raise ReadError(
                f"{path.name} is a file; cxlab.load takes a study folder (events, customers "
                "and feedback files, optional catalog.json) or a DuckDB database",
                fix=f"load one table with cxlab.load_events({str(path)!r}), or pass the folder "
                "that holds it (named events.csv)",
            )
        import duckdb

        try:
            con = duckdb.connect(str(path), read_only=True)
            names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
            con.close()
        except duckdb.Error as exc:
            raise ReadError(
                f"{path.name} is not a DuckDB database ({exc})",
                fix="pass a DuckDB file, or a folder with events.csv/.parquet",
            ) from None
        for name in TABLES:
            raw[name] = _read_duckdb(path, table=name) if name in names else None
        if raw["events"] is None:
            raise ReadError(
                f"the DuckDB file {path.name} has no events table; it has {sorted(names)}",
                table="events",
                fix="create a table or view named events (CREATE VIEW events AS SELECT ...), "
                "or load one table with cxlab.load_events(path, table=...)",
            )
        return raw, DEFAULT_CATALOG
    catalog = DEFAULT_CATALOG
    if (path / "catalog.json").exists():
        catalog = read_catalog(path / "catalog.json")
    for name in TABLES:
        try:
            f = _find(path, name)
            if f is None and (path / name).is_dir():  # a folder of Parquet partitions
                raw[name] = _read_partitions(path / name)
            else:
                raw[name] = read_table(f, encoding=encoding) if f is not None else None
        except ReadError as exc:
            if errors is None:
                raise
            errors.append(exc)
            raw[name] = None
    return raw, catalog


def _read_partitions(folder: Path) -> pd.DataFrame:
    """All Parquet files under ``folder`` (in path order) as one table."""
    files = sorted(folder.rglob("*.parquet"))
    if not files:
        raise ReadError(
            f"the folder {folder} holds no Parquet files",
            table=folder.name,
            fix=f"write the {folder.name} table as Parquet files there, or remove the folder",
        )
    return pd.concat([read_table(f) for f in files], ignore_index=True)


def customers_from_events(events: pd.DataFrame) -> pd.DataFrame:
    """A customers table of ids only: ``signup_date`` = the day of the first event."""
    first = events.groupby("customer_id", sort=True)["timestamp"].min()
    return pd.DataFrame({"customer_id": first.index, "signup_date": first.dt.floor("D").to_numpy()})


def split_columns(columns, tables) -> dict:
    """``columns=`` of :func:`load` as one mapping per table.

    Either ``{"events": {...}, "customers": {...}}`` (per table) or one mapping
    shared by every table (each table renames the columns it has).
    """
    if not columns:
        return {}
    if not isinstance(columns, Mapping):
        raise ParameterError(
            f"columns must be a dict, not {type(columns).__name__}; e.g. "
            "columns={'user': 'customer_id'} or columns={'events': {'user': 'customer_id'}}"
        )
    if all(k in TABLES and isinstance(v, Mapping) for k, v in columns.items()):
        return {k: dict(v) for k, v in columns.items()}
    if any(isinstance(v, Mapping) for v in columns.values()):
        raise ParameterError(
            f"columns mixes table names and column names: {dict(columns)!r}; use either "
            f"{{table: {{your_name: cxlab_name}}}} with tables among {list(TABLES)}, or one "
            "{your_name: cxlab_name} mapping shared by every table"
        )
    present = {n: df for n, df in tables.items() if df is not None}
    unused = [c for c in columns if not any(c in df.columns for df in present.values())]
    if unused:
        raise MissingColumnError(
            f"columns {unused} named in columns= are in none of the tables "
            f"({ {n: list(df.columns) for n, df in present.items()} })",
            column=unused[0],
            fix="columns maps names in your files to cxlab's: {'your_name': 'customer_id'}",
        )
    return {n: {k: v for k, v in columns.items() if k in df.columns} for n, df in present.items()}


def load(
    source,
    *,
    catalog: StageCatalog | None = None,
    columns: Mapping | None = None,
    on_duplicates: str = "raise",
    encoding: str | None = None,
    dayfirst: bool | None = None,
    timestamp_format: str | None = None,
    observation_end=None,
    engine: str = "auto",
    memory_limit: str = "auto",
    temp_directory=None,
    progress: bool | None = None,
):
    """Load a study: a folder with ``events``, ``customers`` and ``feedback`` files.

    Files may be Parquet or CSV (one file per table); a ``catalog.json`` sets the
    stages and channels, and a ``truth/`` folder (simulated data) is loaded as
    ``truth``. A DuckDB file with tables ``events``, ``customers``, ``feedback``
    also works. Only ``events`` is required: without a customers table one is
    built from the events (``customer_id`` and ``signup_date`` = first event
    day), without a feedback table the study has no answers
    (:func:`empty_feedback`); a :class:`DataWarning` says so in each case.

    With ``engine="duckdb"`` (or ``"auto"`` on large files) the events stay in DuckDB:
    the result is a :class:`~cxlab.engines.LazyStudy`, validated by counts inside
    DuckDB, on which the engine-aware analyses run out of core (``docs/scale.md``).

    Parameters
    ----------
    source : str, Path or frame
        The folder, or a DuckDB file. With ``engine="duckdb"`` also Parquet file(s), a
        glob (``"big/events/*.parquet"``) or a folder of Parquet partitions. A PySpark
        DataFrame, polars LazyFrame or DuckDB relation is taken as the events table of a
        lazy study (:func:`cxlab.engines.lazy_study`).
    catalog : StageCatalog, optional
        Overrides the folder's ``catalog.json`` (default catalog without one).
    columns : dict, optional
        Your column names -> cxlab's: per table, e.g.
        ``{"events": {"user": "customer_id", "ts": "timestamp"}, "feedback": {...}}``,
        or one mapping shared by every table (``{"user": "customer_id"}``).
    on_duplicates : {"raise", "drop", "sum"}, default="raise"
        See :func:`load_events`.
    encoding, dayfirst, timestamp_format, observation_end
        How to read the files and their timestamps; see :func:`load_events`.
    engine : {"auto", "pandas", "duckdb"}, default="auto"
        Where the events live: in memory (``"pandas"``, a :class:`CXData`) or in DuckDB
        (a :class:`~cxlab.engines.LazyStudy`). ``"auto"`` picks DuckDB when the event
        files (Parquet or a DuckDB database) are larger than
        :data:`cxlab.engines.AUTO_DUCKDB_BYTES` (256 MiB, about 2e7 events) on disk;
        CSV studies always load into pandas.
    memory_limit : str, default="auto"
        DuckDB's memory limit (e.g. ``"2GB"``); ``"auto"``: half the machine's memory, at
        most 4 GB. DuckDB spills to ``temp_directory`` past it.
    temp_directory : str or Path, optional
        DuckDB's spill folder; default ``cxlab-duckdb`` in the system's temporary folder.
    progress : bool, optional
        DuckDB's progress bar on queries longer than two seconds; default on in a
        terminal, off in report runs.

    Returns
    -------
    CXData or LazyStudy

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.load("data/demo")
    >>> sorted(data.events.columns)[:3]
    ['channel', 'customer_id', 'revenue']
    """
    if engine not in ("auto", "pandas", "duckdb"):
        raise ParameterError(f"engine={engine!r}; use 'auto', 'pandas' or 'duckdb'.")
    if not isinstance(source, str | Path):
        from cxlab.engines._load import lazy_study

        return lazy_study(source, catalog=catalog, columns=columns)
    if engine == "duckdb" or engine == "auto":
        from cxlab.engines._load import load_lazy, use_duckdb

        if engine == "duckdb" or use_duckdb(source):
            return load_lazy(
                source,
                catalog=catalog,
                columns=columns,
                memory_limit=memory_limit,
                temp_directory=temp_directory,
                progress=progress,
            )
    raw, stored = read_folder(source, encoding=encoding)
    catalog = catalog or stored
    if raw["events"] is None:
        raise ReadError(
            f"no events table in {source}",
            table="events",
            fix="add events.parquet or events.csv to the folder",
        )
    mapping = split_columns(columns, raw)
    time_opts = dict(
        dayfirst=dayfirst, timestamp_format=timestamp_format, observation_end=observation_end
    )
    events = load_events(
        raw["events"],
        columns=mapping.get("events"),
        catalog=catalog,
        on_duplicates=on_duplicates,
        **time_opts,
    )
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
        customers = customers_from_events(events)
    else:
        customers = load_customers(raw["customers"], columns=mapping.get("customers"))
    if raw["feedback"] is None:
        warnings.warn(
            f"{source}: no feedback table (feedback.csv or .parquet); the study has no survey "
            "answers and feedback analyses will have nothing to show",
            DataWarning,
            stacklevel=2,
        )
        feedback = empty_feedback()
    else:
        feedback = load_feedback(
            raw["feedback"], columns=mapping.get("feedback"), catalog=catalog, **time_opts
        )
    probs = check_relations(events, customers, feedback)
    _finish(None, probs, "relations")
    truth = None
    path = paths.resolve(source)
    if path.is_dir() and (path / "truth" / "truth.json").exists():
        from cxlab.simulation._truth import Truth

        truth = Truth.load(path / "truth")
    return CXData(
        events=events, customers=customers, feedback=feedback, catalog=catalog, truth=truth
    )
