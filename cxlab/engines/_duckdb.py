"""DuckDB, embedded and out of core: one connection with a memory limit and a spill folder.

DuckDB runs a query in a bounded amount of memory and writes what does not fit to its
temporary directory, so a study larger than the machine's memory still runs. The
connection cxlab opens says how much memory it may use and where it spills; both are
parameters of :func:`cxlab.load` (``memory_limit=``, ``temp_directory=``).
"""

from __future__ import annotations

import glob as _glob
import os
import tempfile
from pathlib import Path

from cxlab.exceptions import MissingFileError, ParameterError, ReadError

__all__ = ["DEFAULT_MEMORY_LIMIT", "duckdb_connection", "scan_parquet", "parquet_files"]

#: Memory DuckDB may use unless told otherwise: half of the machine's memory, at most 4 GB,
#: so that a laptop keeps room for the interpreter and the small results.
DEFAULT_MEMORY_LIMIT = "auto"


def _default_memory_limit() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2GB"
    mb = max(512, min(total // 2, 4 * 1024**3) // 1024**2)
    return f"{mb}MB"


def _interactive() -> bool:
    """A person is watching a terminal (report runs and notebook kernels write elsewhere)."""
    import sys

    stream = getattr(sys, "stderr", None)
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def duckdb_connection(
    *,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory=None,
    threads: int | None = None,
    progress: bool | None = None,
):
    """An in-memory DuckDB connection that spills to disk instead of running out of memory.

    Parameters
    ----------
    memory_limit : str, default="auto"
        DuckDB's ``memory_limit`` (e.g. ``"2GB"``); ``"auto"``: half the machine's
        memory, at most 4 GB.
    temp_directory : str or Path, optional
        Where DuckDB spills; default a ``cxlab-duckdb`` folder in the system's temporary
        directory (created when needed).
    threads : int, optional
        Worker threads; default DuckDB's (one per core).
    progress : bool, optional
        Show DuckDB's progress bar for queries that run longer than two seconds
        (percentage of the scan done, printed to the terminal). Default: on when
        the standard error is a terminal; off in report runs (``cxlab run``) and
        notebook kernels, whose output is not one.

    Returns
    -------
    duckdb.DuckDBPyConnection
    """
    import duckdb

    limit = _default_memory_limit() if memory_limit == "auto" else str(memory_limit)
    spill = Path(temp_directory or Path(tempfile.gettempdir()) / "cxlab-duckdb")
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = '{limit}'")
    except duckdb.Error as exc:
        raise ParameterError(
            f"memory_limit={memory_limit!r} is not a size DuckDB understands ({exc}); "
            "use e.g. '2GB' or '512MB'"
        ) from None
    con.execute("SET temp_directory = ?", [str(spill)])
    con.execute("SET preserve_insertion_order = false")  # lets big scans stream
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    show = _interactive() if progress is None else bool(progress)
    con.execute(f"SET enable_progress_bar = {'true' if show else 'false'}")
    if show:
        con.execute("SET enable_progress_bar_print = true")
        con.execute("SET progress_bar_time = 2000")
    return con


def parquet_files(source) -> list[str]:
    """The Parquet files of a file, a glob or a folder of partitions (searched recursively)."""
    text = str(source)
    if any(ch in text for ch in "*?["):
        files = sorted(_glob.glob(text, recursive=True))
    else:
        path = Path(text)
        if path.is_dir():
            files = sorted(str(p) for p in path.rglob("*.parquet"))
        elif path.exists():
            files = [str(path)]
        else:
            raise MissingFileError(
                f"no data at {path}",
                fix="check the path; a study folder, Parquet files, a glob such as "
                "'big/events/*.parquet' or a DuckDB database",
            )
    if not files:
        raise ReadError(
            f"no Parquet files match {text}",
            table="events",
            fix="write the events as Parquet (cxlab simulate --format parquet does), or "
            "point at the folder or glob that holds them",
        )
    return files


def scan_parquet(con, source):
    """A DuckDB relation over Parquet file(s); nothing is read until a query runs.

    Hive partitions (``year=2025/month=01/...``) become columns.
    """
    files = parquet_files(source)
    return con.read_parquet(files, hive_partitioning=True, union_by_name=True)
