"""The container of the three journey tables: :class:`CXData`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxlab.data._catalog import DEFAULT_CATALOG, StageCatalog

__all__ = ["CXData", "TABLES", "table_summary"]

TABLES = ("events", "customers", "feedback")


@dataclass
class CXData:
    """Events, customers and feedback of one study, with their stage catalog.

    Attributes
    ----------
    events : DataFrame
        One row per touchpoint event: ``customer_id``, ``timestamp``, ``stage``,
        ``channel``, ``touchpoint``, ``revenue``; sorted by customer and time.
    customers : DataFrame
        One row per customer: ``customer_id`` and attributes.
    feedback : DataFrame
        One row per survey answer: ``customer_id``, ``timestamp``, ``stage``,
        ``channel``, ``touchpoint``, ``metric``, ``score``, ``comment``, ``language``.
    catalog : StageCatalog
        The stages and channels the tables use.
    truth : Truth or None
        Known answers, for simulated data only.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=300, random_state=1)
    >>> data.customers.shape[0]
    300
    """

    events: pd.DataFrame
    customers: pd.DataFrame
    feedback: pd.DataFrame
    catalog: StageCatalog = field(default=DEFAULT_CATALOG)
    truth: object | None = None

    def __repr__(self) -> str:
        from cxlab.i18n._language import get_language

        if get_language() != "en":  # a sentence in the reader's language
            from cxlab.i18n._summaries import reader_summary

            return reader_summary(self)
        span = ""
        if len(self.events):
            lo, hi = self.events["timestamp"].min(), self.events["timestamp"].max()
            span = f", {lo:%Y-%m-%d}..{hi:%Y-%m-%d}"
        return (
            f"CXData(events={len(self.events):,}, customers={len(self.customers):,}, "
            f"feedback={len(self.feedback):,}{span}, truth={'yes' if self.truth else 'no'})"
        )

    def summary(self) -> pd.DataFrame:
        """A small table: rows, customers and time span of each table."""
        return pd.DataFrame(
            [table_summary(name, getattr(self, name)) for name in TABLES]
        ).set_index("table")

    def save(self, path: str | Path, *, format: str = "parquet") -> Path:
        """Write the tables (and truth, when present) to a folder.

        Parameters
        ----------
        path : str or Path
            Folder; created if missing. Files: ``events.parquet``,
            ``customers.parquet``, ``feedback.parquet``, ``catalog.json`` and,
            for simulated data, ``truth/``.
        format : {"parquet", "csv"}, default="parquet"

        Returns
        -------
        Path
            The folder.
        """
        if format not in ("parquet", "csv"):
            raise ValueError(f"format must be 'parquet' or 'csv', not {format!r}.")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            df = getattr(self, name)
            if format == "parquet":
                df.to_parquet(folder / f"{name}.parquet", index=False)
            else:
                df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        (folder / "catalog.json").write_text(
            json.dumps(self.catalog.to_dict(), indent=1) + "\n", encoding="utf-8"
        )
        if self.truth is not None:
            self.truth.save(folder / "truth")
        return folder


def table_summary(name: str, df: pd.DataFrame) -> dict:
    """One row of :meth:`CXData.summary`: rows, customers, first and last timestamp of ``df``."""
    ts = df["timestamp"] if "timestamp" in df else None
    return {
        "table": name,
        "rows": len(df),
        "customers": df["customer_id"].nunique() if "customer_id" in df else 0,
        "first": ts.min() if ts is not None and len(df) else pd.NaT,
        "last": ts.max() if ts is not None and len(df) else pd.NaT,
    }
