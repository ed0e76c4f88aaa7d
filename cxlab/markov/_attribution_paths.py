"""Conversion paths for channel attribution: parsed from a path table or built from events.

A *path* is the sequence of channels (touchpoints) of one buyer's journey, with
how many journeys took it and converted (``conversions``) or did not
(``nulls``), and optionally the conversion value. Two sources:

- an aggregated **path table** (the format of Google Analytics' top conversion
  paths and of the ChannelAttribution package): a ``path`` column holding
  ``"search > email > web"`` strings (or lists), ``conversions``, ``nulls`` and
  optionally ``value``. Strings are split with pyarrow compute (vectorised);
  whitespace around channel names is ignored.
- an **event log**: each customer's buyer's journey up to and including the
  first purchase (as :class:`cxlab.MarkovChain` with ``journey="buyer"``): one
  path per customer, converting if it reaches the purchase, its value the
  revenue of that purchase event.

Both become :class:`Paths`: the paths as one
:class:`cxlab.sequences.EventSequences` (the package's encoded layout) with
their outcomes beside it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlab.data._catalog import study_catalog
from cxlab.engines._study import require_memory
from cxlab.exceptions import DataError, DataTypeError, DataWarning, MissingColumnError
from cxlab.markov._data import ChainSpec, prepare
from cxlab.sequences._layout import EventSequences, path_strings

__all__ = [
    "Paths",
    "parse_path_table",
    "paths_from_events",
    "path_table",
    "credit_groups",
    "buyer_spec",
]


@dataclass(frozen=True)
class Paths:
    """Channel paths with their outcomes.

    Attributes
    ----------
    seq : EventSequences or None
        The paths: touch states (``seq.states``, the channels), their codes and
        offsets, one sequence per path row (``seq.customers``: the customer of
        an event log's path, the row position of a path table's). None for the
        journeys of a lazy study, whose touches stay in the engine.
    conversions, nulls, value : ndarray of float, shape (n_paths,)
        Journeys that converted / did not, and total conversion value, per path row.
    group_of : ndarray of int, shape (n_channels,)
        Removal group of each touch state (its channel), indexing ``groups``.
    groups : tuple of str
        What is credited and removed (channels).
    """

    seq: EventSequences
    conversions: np.ndarray
    nulls: np.ndarray
    value: np.ndarray
    group_of: np.ndarray
    groups: tuple

    @property
    def n_paths(self) -> int:
        """Number of path rows."""
        return len(self.conversions)


def _require(df: pd.DataFrame, col: str, what: str):
    if col not in df.columns:
        raise MissingColumnError(
            f"the {what} column {col!r} is missing; found {list(df.columns)}",
            column=col,
            fix=f"pass {what}='your column name'",
        )
    return df[col]


def _counts(df, col, what, required=True) -> np.ndarray:
    if col is None or (not required and col not in df.columns):
        return np.zeros(len(df))
    s = _require(df, col, what)
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataTypeError(
            f"{what} must be numeric, found dtype {s.dtype}",
            column=col,
            n_rows=len(s),
            fix="convert the column to numbers",
        )
    bad = s.isna().to_numpy() | (s.to_numpy(dtype=float, na_value=np.nan) < 0)
    if bad.any():
        raise DataError(
            f"{what} must be non-negative numbers; {int(bad.sum())} rows are missing or negative "
            f"(row positions {np.flatnonzero(bad)[:5].tolist()})",
            column=col,
            n_rows=int(bad.sum()),
            fix="use 0 for none",
        )
    return s.to_numpy(dtype=float)


def parse_path_table(
    table: pd.DataFrame,
    *,
    path: str = "path",
    conversions: str = "conversions",
    nulls: str | None = "nulls",
    value: str | None = "value",
    separator: str = ">",
) -> Paths:
    """Parse an aggregated path table into :class:`Paths`.

    Parameters
    ----------
    table : DataFrame
        One row per path.
    path : str, default="path"
        Column with ``"a > b > c"`` strings (split on ``separator``,
        whitespace trimmed) or lists of channel names.
    conversions : str, default="conversions"
    nulls : str or None, default="nulls"
        Journeys on the path that did not convert (None: all rows are conversions only).
    value : str or None, default="value"
        Total conversion value of the row; ignored when the column is absent.
    separator : str, default=">"

    Returns
    -------
    Paths

    Raises
    ------
    MissingColumnError, DataTypeError, DataError
        Missing columns; non-numeric, negative or missing counts; missing or
        empty paths or empty channel names (with row positions).

    Warns
    -----
    DataWarning
        Rows with neither conversions nor nulls (they carry no journeys).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlab.markov._attribution_paths import parse_path_table
    >>> p = parse_path_table(pd.DataFrame({"path": ["a > b", "b"], "conversions": [1, 0],
    ...                                    "nulls": [0, 2]}))
    >>> p.seq.states, p.seq.codes.tolist(), p.seq.offsets.tolist()
    (('a', 'b'), [0, 1, 1], [0, 2, 3])
    """
    if not isinstance(table, pd.DataFrame):
        raise DataTypeError("the path table must be a DataFrame.")
    col = _require(table, path, "path")
    conv = _counts(table, conversions, "conversions")
    null = _counts(table, nulls, "nulls")
    val = _counts(table, value, "value", required=False)
    missing = col.isna().to_numpy()
    if missing.any():
        raise DataError(
            "paths are missing",
            column=path,
            n_rows=int(missing.sum()),
            example_ids=np.flatnonzero(missing)[:5].tolist(),
            fix="remove those rows or give their channels",
        )
    arr = pa.array(col, from_pandas=True)  # zero-copy for Arrow-backed string columns
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        lists = arr
    elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        lists = pc.split_pattern(arr, separator)
    else:
        raise DataTypeError(
            f"paths must be strings like 'a {separator} b' or lists, not {arr.type}",
            column=path,
            fix="convert the column to strings",
        )
    flat = lists.flatten()
    offsets = np.asarray(lists.offsets.to_numpy(), dtype=np.int64)
    if not (pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type)):
        flat = flat.cast(pa.string())
    enc = pc.dictionary_encode(flat)
    names = np.array([str(x).strip() for x in enc.dictionary.to_pylist()], dtype=object)
    idx = enc.indices.to_numpy(zero_copy_only=False)
    uniq, remap = np.unique(names, return_inverse=True)  # trimmed names may coincide
    codes = remap.astype(np.int32)[idx]
    empty_name = np.flatnonzero(uniq == "")
    lens = np.diff(offsets)
    if len(empty_name) or (lens == 0).any():
        row_of = np.repeat(np.arange(len(lens)), lens)
        bad_rows = np.union1d(row_of[np.isin(codes, empty_name)], np.flatnonzero(lens == 0))
        raise DataError(
            f"paths with an empty channel name (e.g. an empty path or '{separator}{separator}')",
            column=path,
            n_rows=len(bad_rows),
            example_ids=bad_rows[:5].tolist(),
            fix="remove empty paths and doubled separators",
        )
    idle = (conv + null) == 0
    if idle.any():
        warnings.warn(
            f"{int(idle.sum()):,} path rows have no conversions and no nulls; they carry no "
            f"journeys and do not count (row positions {np.flatnonzero(idle)[:5].tolist()})",
            DataWarning,
            stacklevel=2,
        )
    channels = tuple(str(u) for u in uniq)
    seq = EventSequences(
        states=channels, codes=codes, offsets=offsets, customers=np.arange(len(offsets) - 1)
    )
    return Paths(
        seq=seq,
        conversions=conv,
        nulls=null,
        value=val,
        group_of=np.arange(len(channels)),
        groups=channels,
    )


def paths_from_events(events, *, state="channel", catalog=None) -> Paths:
    """One path per customer from an event log: the buyer's journey up to the first purchase.

    Parameters
    ----------
    events : DataFrame or CXData
        Event log with ``customer_id``, ``timestamp``, ``stage`` and the state column(s).
    state : str or list of str, default="channel"
        Touch states. With ``["stage", "channel"]`` the Markov chain uses combined
        ``stage:channel`` states while credit and removal still go to channels
        (the last column).
    catalog : StageCatalog, optional
        Purchase stage and buyer stages.

    Returns
    -------
    Paths
        ``conversions`` 1 for customers who purchased, ``nulls`` 1 otherwise,
        ``value`` the revenue of the purchase event.
    """
    require_memory(events, "conversion paths")
    catalog = study_catalog(events, catalog)
    if hasattr(events, "events") and not isinstance(events, pd.DataFrame):
        events = events.events
    spec = buyer_spec(state, catalog)
    data = prepare(events, spec)
    k = data.n_rows - 1
    converted = data.ended == data.labels.index(spec.catalog.purchase_stage)
    value = np.zeros(data.n_customers)
    if "revenue" in events.columns and converted.any():
        buy = events.loc[events[spec.stage] == spec.catalog.purchase_stage]
        first = buy.sort_values("timestamp", kind="stable").groupby("customer_id", sort=False)
        rev = first["revenue"].first()
        value = rev.reindex(pd.Index(data.customers)).fillna(0.0).to_numpy() * converted
    channels = tuple(data.labels[1 : 1 + k])
    groups, group_of = credit_groups(channels, spec.state)
    seq = EventSequences(
        states=channels,
        codes=(data.codes - 1).astype(np.int32),
        offsets=data.offsets,
        customers=data.customers,
    )
    return Paths(
        seq=seq,
        conversions=converted.astype(float),
        nulls=(~converted).astype(float),
        value=value,
        group_of=group_of,
        groups=groups,
    )


def buyer_spec(state, catalog, collapse_repeats: bool = False) -> ChainSpec:
    """The chain settings of buyer's-journey paths over the touch states ``state``."""
    return ChainSpec.resolve(
        state=state,
        journey="buyer",
        states=None,
        absorbing=(),
        end_state=None,
        collapse_repeats=collapse_repeats,
        catalog=catalog,
    )


def credit_groups(channels: tuple, state) -> tuple[tuple, np.ndarray]:
    """What is credited (channels) and the group of each touch state.

    With combined ``stage:channel`` states (several ``state`` columns) the credit goes
    to the last part, the channel; otherwise each state is its own group.
    """
    if len(state) > 1:
        group_names = [c.rsplit(":", 1)[-1] for c in channels]
        groups = tuple(dict.fromkeys(group_names))
        return groups, np.array([groups.index(g) for g in group_names], dtype=np.int64)
    return channels, np.arange(len(channels), dtype=np.int64)


def path_table(paths: Paths, separator: str = " > ") -> pd.DataFrame:
    """Aggregate :class:`Paths` into a path table: one row per distinct path.

    Returns
    -------
    DataFrame
        ``path``, ``conversions``, ``nulls``, ``value``, ``journeys``,
        ``conversion_rate``, sorted by journeys (descending).
    """
    seq = paths.seq
    df = pd.DataFrame(
        {
            "path": path_strings(seq.states, seq.codes, seq.offsets, sep=separator),
            "conversions": paths.conversions,
            "nulls": paths.nulls,
            "value": paths.value,
        }
    )
    out = df.groupby("path", sort=False).sum()
    out["journeys"] = out["conversions"] + out["nulls"]
    out["conversion_rate"] = out["conversions"] / out["journeys"]
    out = out.sort_values(["journeys", "conversions"], ascending=False, kind="stable")
    return out.reset_index()
