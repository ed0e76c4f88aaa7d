"""A study whose event table stays in its engine: :class:`LazyStudy`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cxlab.data._catalog import DEFAULT_CATALOG, StageCatalog
from cxlab.engines._frames import engine_of, is_lazy_frame, to_lazy, to_pandas

__all__ = ["LazyStudy", "require_memory"]


class _ReadOnFirstUse:
    """A study's table given as a DataFrame, or as a function that reads it when first used.

    A study of 1e9 events has about 1e8 customers: a customers table of several GB that
    a chain fit never looks at. :func:`cxlab.load` passes large customers and feedback
    files as readers; the first analysis that needs them reads them (once).
    """

    _REQUIRED = object()

    def __init__(self, default=_REQUIRED):
        self.default = default

    def __set_name__(self, owner, name):
        self.slot = f"_{name}"

    def __get__(self, obj, objtype=None):
        if obj is None:  # the dataclass field's default (none: a required field)
            if self.default is _ReadOnFirstUse._REQUIRED:
                raise AttributeError(self.slot[1:])
            return self.default
        value = obj.__dict__[self.slot]
        if callable(value) and not isinstance(value, pd.DataFrame):
            value = obj.__dict__[self.slot] = value()
        return value

    def __set__(self, obj, value):
        obj.__dict__[self.slot] = value

    def is_read(self, obj) -> bool:
        value = obj.__dict__[self.slot]
        return isinstance(value, pd.DataFrame) or not callable(value)


@dataclass
class LazyStudy:
    """Events in DuckDB, Spark or polars; customers and feedback (small) in pandas.

    What :func:`cxlab.load` returns with ``engine="duckdb"`` (or ``"auto"`` on large
    files), and what a PySpark DataFrame, polars LazyFrame or DuckDB relation becomes
    when passed as the events table. Engine-aware reductions (see ``docs/scale.md``)
    run inside the engine and return pandas; the rest need an in-memory study
    (:meth:`to_memory`).

    Attributes
    ----------
    events : DuckDB relation, PySpark DataFrame, polars LazyFrame or other frame
        The user's (or the loader's) native frame; nothing is read until a query runs.
        Columns as in :class:`~cxlab.data.CXData` (``stage`` and ``channel`` as text).
    customers : DataFrame
        One row per customer (built from the events when the study has no table). May be
        given as a function that reads the table: it is then read when first used.
    feedback : DataFrame
        Survey answers (empty when the study has none); may be given as a reader too.
    catalog : StageCatalog
        Stages and channels.
    truth : Truth or None
        Known answers, for simulated studies; may be given as a reader too (a large
        simulation's truth holds a row per customer).
    connection : duckdb.DuckDBPyConnection or None
        The DuckDB connection cxlab opened (memory limit, spill folder), if any.

    Examples
    --------
    >>> import duckdb, cxlab
    >>> demo = cxlab.load("data/demo")
    >>> events = duckdb.from_df(demo.events.astype({"stage": str, "channel": str}))
    >>> study = cxlab.lazy_study(events, customers=demo.customers, catalog=demo.catalog)
    >>> study.engine
    'duckdb'
    """

    events: object
    customers: pd.DataFrame = _ReadOnFirstUse()
    feedback: pd.DataFrame = _ReadOnFirstUse()
    catalog: StageCatalog = field(default=DEFAULT_CATALOG)
    truth: object | None = _ReadOnFirstUse(default=None)
    connection: object | None = None

    @property
    def engine(self) -> str:
        """The engine that holds the events: ``"duckdb"``, ``"spark"``, ``"polars"``, ..."""
        return engine_of(self.events)

    @property
    def frame(self):
        """The events as a narwhals LazyFrame (what the reductions run on)."""
        return to_lazy(self.events)

    def __repr__(self) -> str:
        from cxlab.i18n._language import DEFAULT_LANGUAGE, resolve_language

        if resolve_language(None) != DEFAULT_LANGUAGE:  # the reader's sentence
            from cxlab.i18n._summaries import reader_summary

            return reader_summary(self)
        return (
            f"LazyStudy(engine={self.engine!r}, customers={self._count('customers')}, "
            f"feedback={self._count('feedback')}, truth={self._truth_said()})"
        )

    def _count(self, name: str) -> str:
        """Rows of a table, or that it is not read yet (a repr does not read it)."""
        if not type(self).__dict__[name].is_read(self):
            return "not read yet"
        return f"{len(getattr(self, name)):,}"

    def _truth_said(self) -> str:
        if not type(self).__dict__["truth"].is_read(self):
            return "yes"  # a reader of the study's truth, not called yet
        return "yes" if self.truth else "no"

    def tables_as_given(self) -> dict:
        """customers and feedback as held: a DataFrame, or the reader not called yet."""
        return {name: self.__dict__[f"_{name}"] for name in ("customers", "feedback")}

    def summary(self) -> pd.DataFrame:
        """A small table: rows, customers and time span of each table (as :meth:`CXData.summary`).

        The events' row is counted in the engine (one pass over the events).
        """
        import narwhals as nw

        from cxlab.data._model import TABLES, table_summary

        ev = to_pandas(
            self.frame.select(
                nw.len().alias("rows"),
                nw.col("customer_id").n_unique().alias("customers"),
                nw.col("timestamp").min().alias("first"),
                nw.col("timestamp").max().alias("last"),
            )
        ).iloc[0]
        first, last = (
            pd.Timestamp(ev[k]) if pd.notna(ev[k]) else pd.NaT for k in ("first", "last")
        )
        rows = [
            {
                "table": "events",
                "rows": int(ev["rows"]),
                "customers": int(ev["customers"]),
                "first": first,
                "last": last,
            }
        ]
        rows += [table_summary(name, getattr(self, name)) for name in TABLES if name != "events"]
        return pd.DataFrame(rows).set_index("table")

    def stage_counts(self) -> pd.Series:
        """Events per stage (counted in the engine), catalog order, stages with events only."""
        import narwhals as nw

        counts = to_pandas(self.frame.group_by("stage").agg(nw.len().alias("n")))
        counts = counts.set_index(counts["stage"].astype(str))["n"].astype("int64")
        order = [s for s in self.catalog.stages if s in counts.index]
        order += sorted(set(counts.index) - set(order))
        return counts.reindex(order).rename_axis("stage")

    def n_events(self) -> int:
        """Number of events (counted in the engine)."""
        import narwhals as nw

        return int(to_pandas(self.frame.select(nw.len())).iloc[0, 0])

    def to_memory(self):
        """Read the whole study into pandas (a :class:`~cxlab.data.CXData`), validated.

        Only for studies that fit in memory: every analysis then works on it.
        """
        from cxlab.data._io import load_events
        from cxlab.data._model import CXData

        events = load_events(to_pandas(self.frame), catalog=self.catalog)
        return CXData(events, self.customers, self.feedback, self.catalog, self.truth)


def require_memory(data, what: str) -> None:
    """Stop with a clear error when ``data`` keeps its events in an engine and ``what`` needs memory.

    Called first by the analyses that do not run in an engine yet (``docs/scale.md``
    lists which do), so that a lazy study never reaches pandas code.

    Parameters
    ----------
    data : object
        What the analysis was given: a :class:`LazyStudy`, an event table (a DuckDB
        relation, PySpark DataFrame or polars LazyFrame is lazy), or anything else
        (then nothing happens).
    what : str
        The analysis, as the user calls it (e.g. ``"cxlab.ValueModel.fit"``).

    Raises
    ------
    InMemoryOnlyError
        ``data`` holds its events in DuckDB, Spark or polars.
    """
    from cxlab.exceptions import InMemoryOnlyError, ParameterError

    if isinstance(data, LazyStudy):
        engine = data.engine
    else:
        events = getattr(data, "events", data)
        if isinstance(events, pd.DataFrame):
            return
        try:
            if not is_lazy_frame(events):
                return
        except ParameterError:  # not a frame at all: the analysis says what it expects
            return
        engine = engine_of(events)
    raise InMemoryOnlyError(
        f"{what} needs the events in memory, and this study keeps them in {engine} "
        f"({what} does not run in an engine yet; docs/scale.md lists the analyses that "
        "do). Fix: data = study.to_memory() when the events fit in memory (about 100 "
        "bytes an event), or load with engine='pandas'"
    )
