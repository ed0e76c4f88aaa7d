"""Persona features of a lazy study, one bucket of customers at a time.

A study of 1e8 events has about 9e6 customers: its feature table (65 columns) is about
4.5 GB as float64 in pandas, and the engine's grouping behind it (one row per customer,
stage and channel, over 3e7 rows) does not keep to DuckDB's memory limit either. So the
customers are split by a hash of their id (:func:`~cxlab.engines._buckets.customer_buckets`)
into as many buckets as keep one bucket's grouping within half of the memory limit
(:data:`BYTES_PER_EVENT`), and each bucket's features are finished with numpy and then

- written to ``out/part-NNNNN.parquet`` with pyarrow (``out=``; straight from the numpy
  arrays, no pandas frame): one bucket is in memory at
  a time and the result is a lazy frame over the folder, on the study's engine; or
- kept, with compact dtypes (counts ``int32``, 0/1 flags ``int8``, the rest ``float64``:
  about half the float64 table), and put together in ``customer_id`` order.

What every bucket shares comes first, from the whole study: one grouping by stage and
channel checks the values (before anything is written) and gives the first and last event
(the days are counted from the first, the tenure of a customer who has not churned runs to
the last or to ``end``) and the (stage, channel) cells with events (the count columns);
the attribute levels come from the whole customers table. So every bucket has the same
columns and each customer's values equal the in-memory ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.engines._buckets import bucket_count, customer_buckets
from cxlab.engines._frames import to_lazy
from cxlab.engines._output import read_output, write_parquet
from cxlab.personas._catalog import feature_catalog
from cxlab.personas._event_counts import bucket_aggregates, engine_overview
from cxlab.personas._features import (
    CustomerTables,
    end_day_of,
    feature_columns,
    select_features,
    warn_without_events,
)

__all__ = ["BYTES_PER_EVENT", "bucket_features"]

#: Working memory per event of one bucket, the whole process's: DuckDB's window and
#: grouping, the sorted cells that come back through Arrow and as numpy arrays, the
#: bucket's features (float64, then compact) and its Parquet file (measured: 1.7 GB more
#: than the loaded study for 1e7 events in one bucket), rounded down a little.
BYTES_PER_EVENT = 150

_FLAGS = ("purchased", "churned")


def feature_dtype(name: str, catalog) -> np.dtype:
    """Compact dtype of a feature column: counts int32, 0/1 flags int8, the rest float64."""
    counts = {"n_events", "n_buyer_events", "n_stages", "support_contacts", "orders"}
    if name in counts or (name.startswith("n_") and "__" in name):
        return np.dtype(np.int32)
    if name in _FLAGS or name in {f"reached_{s}" for s in catalog.stages}:
        return np.dtype(np.int8)
    return np.dtype(float)


def _frame(columns: dict, wanted: list, ids, catalog, arrow: bool = False):
    """One bucket's features with compact dtypes: a DataFrame (index ``customer_id``), or
    with ``arrow`` a PyArrow table (``customer_id`` its first column; no copy to pandas)."""
    data = {}
    for name in wanted:
        dtype = feature_dtype(name, catalog)
        values = columns.get(name)
        if values is None:  # a count cell asked for by name that never occurs: zeros
            values = np.zeros(len(ids), dtype=dtype)
        if dtype.kind == "i" and len(values) and np.max(values) > np.iinfo(dtype).max:
            dtype = np.dtype(np.int64)  # never wrap: a count past 2**31 keeps int64
        data[name] = np.asarray(values).astype(dtype, copy=False)
    if arrow:
        import pyarrow as pa

        return pa.table({"customer_id": ids, **data})
    return pd.DataFrame(data, index=pd.Index(ids, name="customer_id"), copy=False)


def bucket_features(data, *, features="all", attributes=None, end=None, out=None, overwrite=False):
    """:func:`~cxlab.personas.customer_features` of a lazy study, bucket by bucket.

    Parameters
    ----------
    data : LazyStudy
        Events in DuckDB, Spark or polars.
    features, attributes, end
        As :func:`~cxlab.personas.customer_features`.
    out : str or Path, optional
        A folder: each bucket's features go to ``out/part-NNNNN.parquet`` (``customer_id``
        a column, customers in id order within a file) and a lazy frame over the folder
        is returned. Default: the buckets are put together in pandas.
    overwrite : bool, default=False
        Replace the files of a folder ``out`` that already holds some (else a
        ``ParameterError``, raised before anything runs).

    Returns
    -------
    DataFrame or narwhals.LazyFrame
        Without ``out``: index ``customer_id`` in id order, compact dtypes,
        ``attrs["customers_without_events"]``. With ``out``: a lazy frame over the folder
        on the study's engine (read with :func:`~cxlab.engines._output.read_output`).
    """
    catalog = data.catalog
    lf = to_lazy(data.events)
    seen_ids: list = []
    state: dict = {}

    def frames():  # run when the first bucket is asked for (after write_parquet's checks)
        overview = engine_overview(lf, catalog)
        tables = CustomerTables(data.customers, data.feedback, attributes)
        end_day = end_day_of(end, overview.first_t, overview.last_t)
        read = ["customer_id", "timestamp", "stage", "channel"]
        read += ["revenue"] if "revenue" in lf.collect_schema().names() else []
        for part in customer_buckets(lf, bucket_count(lf, BYTES_PER_EVENT), read):
            aggregates = bucket_aggregates(part, catalog)
            if aggregates is None:  # no customer of the study hashes to this bucket
                continue
            cells, per = aggregates
            del aggregates
            columns = feature_columns(
                cells, per, catalog, tables, overview.first_t, end_day, overview.cells
            )
            del cells
            if "wanted" not in state:
                state["wanted"] = select_features(features, columns, feature_catalog(catalog))
            ids = per["customer_id"]
            seen_ids.append(ids)
            yield _frame(columns, state["wanted"], ids, catalog, arrow=out is not None)

    if out is not None:
        folder = write_parquet(frames(), out, overwrite=overwrite)
        warn_without_events(data.customers, _all(seen_ids), stacklevel=4)
        return read_output(lf, folder)
    parts = list(frames())
    X = parts[0] if len(parts) == 1 else pd.concat(parts, copy=False)
    parts.clear()
    if not X.index.is_monotonic_increasing:
        X = X.iloc[np.argsort(X.index.to_numpy(), kind="stable")]
    X.attrs["customers_without_events"] = warn_without_events(
        data.customers, _all(seen_ids), stacklevel=4
    )
    return X


def _all(ids: list) -> np.ndarray:
    return ids[0] if len(ids) == 1 else np.concatenate(ids)
