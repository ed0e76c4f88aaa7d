"""A study whose event table stays in its engine: :class:`LazyStudy`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cxlab.data._catalog import DEFAULT_CATALOG, StageCatalog
from cxlab.engines._frames import engine_of, to_lazy, to_pandas

__all__ = ["LazyStudy"]


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
        One row per customer (built from the events when the study has no table).
    feedback : DataFrame
        Survey answers (empty when the study has none).
    catalog : StageCatalog
        Stages and channels.
    truth : Truth or None
        Known answers, for simulated studies.
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
    customers: pd.DataFrame
    feedback: pd.DataFrame
    catalog: StageCatalog = field(default=DEFAULT_CATALOG)
    truth: object | None = None
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
        return (
            f"LazyStudy(engine={self.engine!r}, customers={len(self.customers):,}, "
            f"feedback={len(self.feedback):,}, truth={'yes' if self.truth else 'no'})"
        )

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
