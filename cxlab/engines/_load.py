"""Lazy studies: events that stay in DuckDB (Parquet, globs, partition folders, a database)
or in the user's own engine (a PySpark DataFrame, a polars LazyFrame, a DuckDB relation).

The events are validated where they live (:mod:`cxlab.engines._validation`: counts and a
few example ids come back); the customers and feedback tables, one row per customer or
answer, are read into pandas and checked as in memory.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from pathlib import Path

import narwhals as nw
import pandas as pd

from cxlab import _paths as paths
from cxlab.data._catalog import DEFAULT_CATALOG, StageCatalog
from cxlab.data._io import (
    empty_feedback,
    load_customers,
    load_feedback,
    read_catalog,
    read_table,
)
from cxlab.engines._duckdb import duckdb_connection, parquet_files, scan_parquet
from cxlab.engines._frames import to_lazy, to_pandas
from cxlab.engines._study import LazyStudy
from cxlab.engines._validation import check_events_in_engine
from cxlab.exceptions import DataWarning, ParameterError, ReadError

__all__ = ["AUTO_DUCKDB_BYTES", "load_lazy", "lazy_study", "use_duckdb"]

#: ``engine="auto"`` keeps the events in DuckDB when the event files (Parquet or a DuckDB
#: database) are larger than this on disk: 256 MiB, about 2e7 events of a cxlab study in
#: Parquet, which take about 1.5 GB in pandas. CSV studies always load into pandas.
AUTO_DUCKDB_BYTES = 256 * 1024**2

_DUCKDB_SUFFIXES = (".duckdb", ".db")


def _events_source(path: Path):
    """What holds the events of ``path``: ("folder", events path) / ("parquet", ...) / ("duckdb", file)."""
    text = str(path)
    if any(ch in text for ch in "*?["):
        return "parquet", text
    if path.is_file():
        if path.suffix.lower() in _DUCKDB_SUFFIXES:
            return "duckdb", path
        return "parquet", path
    for candidate in (path / "events.parquet", path / "events.pq", path / "events"):
        if candidate.exists():
            return "folder", candidate
    return "parquet", path


def use_duckdb(source) -> bool:
    """Whether ``engine="auto"`` keeps ``source``'s events in DuckDB (see :data:`AUTO_DUCKDB_BYTES`)."""
    if not isinstance(source, str | Path):
        return False
    path = paths.resolve(source) if not any(ch in str(source) for ch in "*?[") else source
    kind, where = _events_source(Path(path))
    if kind == "duckdb":
        return Path(where).stat().st_size > AUTO_DUCKDB_BYTES
    try:
        files = parquet_files(where)
    except Exception:  # no Parquet here: a CSV study, read in memory
        return False
    return sum(Path(f).stat().st_size for f in files) > AUTO_DUCKDB_BYTES


def _rename(lf: nw.LazyFrame, columns) -> nw.LazyFrame:
    if not columns:
        return lf
    if not isinstance(columns, Mapping):
        raise ParameterError(
            f"columns must be a dict, not {type(columns).__name__}; e.g. "
            "columns={'user': 'customer_id'} or columns={'events': {'user': 'customer_id'}}"
        )
    mapping = columns.get("events", {}) if "events" in columns else columns
    names = lf.collect_schema().names()
    return lf.rename({k: v for k, v in mapping.items() if k in names})


def _table_columns(columns, table):
    """The mapping of one table from a per-table ``columns=`` (events use :func:`_rename`)."""
    if columns and isinstance(columns.get(table), Mapping):
        return columns[table]
    return None


def _customers_from_events(lf: nw.LazyFrame) -> pd.DataFrame:
    """customer_id and signup_date (day of the first event), computed in the engine."""
    first = lf.group_by("customer_id").agg(nw.col("timestamp").min().alias("first"))
    table = to_pandas(first).sort_values("customer_id", kind="stable").reset_index(drop=True)
    first = pd.to_datetime(table["first"]).astype("datetime64[ns]")
    return pd.DataFrame({"customer_id": table["customer_id"], "signup_date": first.dt.floor("D")})


def _spark_table(name: str, spark):
    """The Spark table ``name`` of the session ``spark`` (a clear error when there is none)."""
    if spark is None or not hasattr(spark, "table"):
        raise ParameterError(
            f"events={name!r} is a table name; pass the SparkSession that holds it: "
            "lazy_study('db.events', spark=spark), or pass a DataFrame or relation instead"
        )
    try:
        return spark.table(name)
    except Exception as exc:  # pyspark's AnalysisException: no such table
        raise ReadError(
            f"the Spark session has no table {name!r} ({str(exc).splitlines()[0]})",
            table="events",
            fix="check the name (database.table) with spark.catalog.listTables(), or "
            "register a DataFrame with df.createOrReplaceTempView('events')",
        ) from None


def lazy_study(
    events,
    *,
    customers: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    catalog: StageCatalog | None = None,
    columns: Mapping | None = None,
    validate: bool = True,
    truth=None,
    connection=None,
    spark=None,
) -> LazyStudy:
    """A study from an event table that stays in its engine.

    Parameters
    ----------
    events : PySpark DataFrame, polars LazyFrame/DataFrame, DuckDB relation, PyArrow table or str
        The events, with cxlab's columns (``customer_id``, ``timestamp`` as a timestamp
        in UTC, ``stage``, ``channel``, optional ``revenue``) or yours mapped by ``columns``.
        A string is the name of a table (or view) on the SparkSession ``spark``, e.g.
        ``"lakehouse.cx.events"``.
    customers : DataFrame, optional
        One row per customer; default built in the engine from the events
        (``customer_id``, ``signup_date`` = first event day), with a :class:`DataWarning`.
    feedback : DataFrame, optional
        Survey answers; default none.
    catalog : StageCatalog, optional
        Stages and channels; default :data:`~cxlab.data.DEFAULT_CATALOG`.
    columns : dict, optional
        Your event column names -> cxlab's, e.g. ``{"user": "customer_id"}``.
    validate : bool, default=True
        Count the events' problems in the engine and raise the first (as
        :func:`cxlab.load_events` does); ``False`` skips the pass over the events.
    truth : Truth, optional
        Known answers of a simulated study.
    connection : duckdb.DuckDBPyConnection, optional
        The connection that holds ``events``, kept open with the study.
    spark : pyspark.sql.SparkSession, optional
        The session whose catalog holds the table named by ``events`` (a string).

    Returns
    -------
    LazyStudy

    Raises
    ------
    DataError
        The first problem the validation counts find (missing columns, ids or
        timestamps, stages or channels outside the catalog, bad revenue, duplicates).
    """
    catalog = catalog or DEFAULT_CATALOG
    if isinstance(events, str):
        events = _spark_table(events, spark)
    lf = _rename(to_lazy(events), columns)
    if validate:
        probs = check_events_in_engine(lf, catalog)
        if probs.errors:
            raise probs.errors[0]
        for message in probs.warnings:
            warnings.warn(message, DataWarning, stacklevel=2)
    if customers is None:
        warnings.warn(
            "no customers table; built one from the events (customer_id, signup_date = "
            "first event day)",
            DataWarning,
            stacklevel=2,
        )
        customers = functools.partial(_customers_from_events, lf)  # read when first used
    if feedback is None:
        feedback = empty_feedback()
    return LazyStudy(
        events=lf.to_native(),
        customers=customers,
        feedback=feedback,
        catalog=catalog,
        truth=truth,
        connection=connection,
    )


#: Customers and feedback tables with more rows than this (Parquet: counted from the file's
#: metadata) or CSV files larger than :data:`READ_LATER_BYTES` are read when an analysis
#: first uses them, not when the study is opened (a chain fit on 1e9 events never needs its
#: 1e8 customers).
READ_LATER_ROWS = 1_000_000
READ_LATER_BYTES = 64 * 1024**2


def _is_large(file: Path) -> bool:
    if file.suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(file).metadata.num_rows > READ_LATER_ROWS
        except Exception:  # not readable as Parquet: read now, and say why
            return False
    return file.stat().st_size > READ_LATER_BYTES


class TableReader:
    """A large customers or feedback file: read whole on first use, or a share of customers.

    What :class:`~cxlab.engines.LazyStudy` holds for a table it has not read yet (see
    :data:`READ_LATER_ROWS`). Called, it reads the whole table through ``load`` (the
    loader's checks and types). :meth:`rows_of` reads only the rows of some customers: an
    analysis that works on one bucket of customers at a time (the survival table with
    ``out=``) never holds the whole table.

    Parameters
    ----------
    file : Path
        The table's file.
    load : callable
        The loader (a DataFrame in, the checked table out).
    columns : dict, optional
        The ``columns=`` mapping of the table (your names -> cxlab's).
    """

    def __init__(self, file: Path, load, columns=None):
        self.file, self.load = Path(file), load
        self.names = {ours: mine for mine, ours in (columns or {}).items()}

    def __call__(self) -> pd.DataFrame:
        return self.load(read_table(self.file))

    def __repr__(self) -> str:
        return f"TableReader({self.file.name!r})"

    @property
    def num_rows(self) -> int | None:
        """Rows in the file (Parquet: from its metadata; None for other files)."""
        if self.file.suffix not in (".parquet", ".pq"):
            return None
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.file).metadata.num_rows

    def rows_of(self, ids, columns=None) -> pd.DataFrame:
        """The rows whose customer id is in ``ids``, loaded (checked) as the whole table is.

        Parameters
        ----------
        ids : array-like
            Customer ids.
        columns : list of str, optional
            Read only these columns (cxlab's names) of those the file has; default all.

        Returns
        -------
        DataFrame
            Checked by the loader; no rows (and not checked) when no row matches.
            Parquet is filtered while it is read; other files are read whole and filtered.
        """
        ids = pd.Index(ids).unique()
        key = self.names.get("customer_id", "customer_id")
        wanted = None if columns is None else [self.names.get(c, c) for c in columns]
        raw = None
        if self.file.suffix in (".parquet", ".pq"):
            import pyarrow as pa
            import pyarrow.dataset as ds

            try:
                dataset = ds.dataset(self.file, format="parquet")
                kept = None if wanted is None else [c for c in wanted if c in dataset.schema.names]
                values = pa.array(ids.to_numpy(), type=dataset.schema.field(key).type)
                raw = dataset.to_table(columns=kept, filter=ds.field(key).isin(values)).to_pandas()
            except (pa.ArrowException, KeyError, TypeError, ValueError):
                raw = None  # an unexpected file: the whole read names the problem
        if raw is None:
            raw = read_table(self.file)
            if key in raw:
                raw = raw[raw[key].isin(ids)]
            if wanted is not None:
                raw = raw[[c for c in raw.columns if c in wanted]]
        if len(raw) == 0:
            return raw.rename(columns={mine: ours for ours, mine in self.names.items()})
        return self.load(raw)


def _reader(file: Path, load, columns=None):
    """The table in ``file`` through ``load``: read now when small, else a
    :class:`TableReader` that reads it on first use (see :class:`~cxlab.engines.LazyStudy`)."""
    if not _is_large(file):
        return load(read_table(file))
    return TableReader(file, load, columns)


def load_lazy(
    source,
    *,
    catalog: StageCatalog | None = None,
    columns: Mapping | None = None,
    memory_limit: str = "auto",
    temp_directory=None,
    threads: int | None = None,
    validate: bool = True,
    progress: bool | None = None,
) -> LazyStudy:
    """Open a study on disk with its events in DuckDB (see :func:`cxlab.load`, ``engine=``).

    Parameters
    ----------
    source : str or Path
        A study folder (``events.parquet`` or an ``events/`` folder of Parquet
        partitions, optional ``customers``/``feedback`` files, ``catalog.json``,
        ``truth/``), Parquet file(s) or a glob of the events alone, or a DuckDB database
        with an ``events`` table (and optional ``customers``, ``feedback``).
    catalog, columns
        As for :func:`cxlab.load`.
    memory_limit, temp_directory, threads
        DuckDB's memory limit, spill folder and threads
        (:func:`~cxlab.engines.duckdb_connection`).
    validate : bool, default=True
        Count the events' problems in DuckDB and raise the first.
    progress : bool, optional
        DuckDB's progress bar on long queries (:func:`~cxlab.engines.duckdb_connection`).

    Returns
    -------
    LazyStudy
    """
    con = duckdb_connection(
        memory_limit=memory_limit,
        temp_directory=temp_directory,
        threads=threads,
        progress=progress,
    )
    text = str(source)
    path = Path(text) if any(ch in text for ch in "*?[") else paths.resolve(source)
    kind, where = _events_source(path)
    customers = feedback = truth = raw_feedback = None
    stored = DEFAULT_CATALOG
    if kind == "duckdb":
        con.execute("ATTACH ? AS study (READ_ONLY)", [str(where)])
        names = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'study' "
                "UNION SELECT view_name FROM duckdb_views() WHERE database_name = 'study'"
            ).fetchall()
        }
        if "events" not in names:
            raise ReadError(
                f"the DuckDB file {Path(where).name} has no events table; it has {sorted(names)}",
                table="events",
                fix="create a table or view named events (CREATE VIEW events AS SELECT ...)",
            )
        events = con.table("study.events")
        if "customers" in names:
            customers = load_customers(
                con.table("study.customers").df(), columns=_table_columns(columns, "customers")
            )
        if "feedback" in names:
            raw_feedback = con.table("study.feedback").df()
    else:
        events = scan_parquet(con, where)
        if kind == "folder":
            folder = path
            if (folder / "catalog.json").exists():
                stored = read_catalog(folder / "catalog.json")
            for name in ("customers", "feedback"):
                for suffix in (".parquet", ".pq", ".csv"):
                    file = folder / f"{name}{suffix}"
                    if file.exists():
                        if name == "customers":
                            customers = _reader(
                                file,
                                lambda raw: load_customers(
                                    raw, columns=_table_columns(columns, "customers")
                                ),
                                _table_columns(columns, "customers"),
                            )
                        else:
                            raw_feedback = file
                        break
            if (folder / "truth" / "truth.json").exists():
                from cxlab.simulation._truth import Truth

                truth = functools.partial(Truth.load, folder / "truth")
                if not _is_large(folder / "truth" / "customers.parquet"):
                    truth = truth()  # else read when first used (a row per customer)
    catalog = catalog or stored
    if isinstance(raw_feedback, Path):
        feedback = _reader(
            raw_feedback,
            lambda raw: load_feedback(
                raw, columns=_table_columns(columns, "feedback"), catalog=catalog
            ),
            _table_columns(columns, "feedback"),
        )
    elif raw_feedback is not None:
        feedback = load_feedback(
            raw_feedback, columns=_table_columns(columns, "feedback"), catalog=catalog
        )
    return lazy_study(
        events,
        customers=customers,
        feedback=feedback,
        catalog=catalog,
        columns=columns,
        validate=validate,
        truth=truth,
        connection=con,
    )
