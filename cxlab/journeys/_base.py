"""Shared machinery of the journey analytics: inputs, encoding, intervals, results.

Not a public module: :mod:`cxlab.journeys` and its siblings
(the funnel, paths, timing and designed-vs-lived modules of
``cxlab.journeys``) build on it.

- :func:`event_table` and :func:`customer_groups` turn the user's input (a
  :class:`~cxlab.data.CXData` or an events DataFrame; a customers column or a
  Series of groups) into arrays aligned with the encoded sequences.
- :func:`encode` wraps :func:`cxlab.sequences.encode_events` (the one encoder
  of the package) and turns its order/tie report into warnings.
- :func:`cxlab._stats.wilson`, :func:`median_ci` and :func:`grouped_quantiles` give the
  intervals every table carries.
- :class:`JourneyResult` is the small result object all analyses return.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._display import ReadableTable
from cxlab.data._catalog import DEFAULT_CATALOG, StageCatalog
from cxlab.data._groups import customer_groups as resolve_groups
from cxlab.exceptions import (
    DataTypeError,
    DataWarning,
    MissingColumnError,
    ParameterError,
    UnknownCategoryError,
)
from cxlab.sequences._encode import encode_events
from cxlab.sequences._layout import EventSequences

__all__ = [
    "JourneyResult",
    "event_table",
    "lazy_study_of",
    "encode",
    "customer_groups",
    "median_ci",
    "grouped_quantiles",
    "check_states",
    "NS_PER_DAY",
]

NS_PER_DAY = 86_400 * 10**9


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn(message: str, category=DataWarning) -> None:
    """Issue a warning attributed to the first caller outside cxlab (the user's line)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


# -- inputs -------------------------------------------------------------------
def lazy_study_of(data):
    """``data`` if it is a study whose events stay in an engine (DuckDB, Spark, ...), else None."""
    from cxlab.engines._study import LazyStudy

    return data if isinstance(data, LazyStudy) else None


def event_table(
    data, analysis: str = "this analysis"
) -> tuple[pd.DataFrame, pd.DataFrame | None, StageCatalog]:
    """``(events, customers or None, catalog)`` of a CXData or an events DataFrame.

    A study whose events stay in an engine raises an
    :class:`~cxlab.exceptions.InMemoryOnlyError` naming ``analysis`` and
    ``study.to_memory()``: what calls this runs in memory only.
    """
    if isinstance(data, pd.DataFrame):
        return data, None, DEFAULT_CATALOG
    from cxlab.engines._study import require_memory

    require_memory(data, analysis)
    events = getattr(data, "events", None)
    if not isinstance(events, pd.DataFrame):
        raise DataTypeError(
            f"expected a CXData or an events DataFrame, not {type(data).__name__}",
            fix="pass cxlab.load(...) or cxlab.simulate(...), or data.events",
        )
    return events, data.customers, data.catalog


def _tie_warning(seq: EventSequences, column: str) -> None:
    """Warn about ties whose order matters: same customer, same time, different state."""
    if not seq.n_ties or seq.timestamps is None:
        return
    t = seq.timestamps.view(np.int64)
    same = (t[1:] == t[:-1]) & (seq.codes[1:] != seq.codes[:-1])
    same[seq.offsets[1:-1] - 1] = False  # pairs across two customers
    n = int(same.sum())
    if n:
        rule = (
            "catalog order of the states (the log had to be sorted)"
            if seq.was_sorted
            else "their order in the input"
        )
        cust = seq.customers[np.searchsorted(seq.offsets, np.flatnonzero(same), side="right") - 1]
        warn(
            f"{n:,} events share their timestamp with the same customer's previous event "
            f"but have another {column} (e.g. customer_id {pd.unique(cust)[:5].tolist()}); "
            f"they are taken in {rule}. Orders, paths and funnels that depend on them may not "
            "be what happened: record times more precisely if you can."
        )


def encode(
    events: pd.DataFrame,
    column: str = "stage",
    *,
    extra: Sequence[str] = (),
    collapse: bool = False,
    return_order: bool = False,
) -> EventSequences:
    """Encode ``events`` by ``column`` (ordered by customer and time), warning on ties."""
    if column not in events.columns:
        raise MissingColumnError(
            f"cannot build sequences of {column!r}: no such column; found {list(events.columns)}",
            table="events",
            column=column,
            fix="use by='stage' or by='channel' (or another categorical column)",
        )
    seq = encode_events(
        events, column, extra=tuple(extra), collapse_repeats=collapse, return_order=return_order
    )
    _tie_warning(seq, column)
    return seq


def check_states(names, seq_states: Sequence[str], what: str, column: str = "stage") -> list:
    """Codes of ``names`` in ``seq_states``; unknown names raise UnknownCategoryError."""
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise ParameterError(f"{what} is empty; name at least one {column}.")
    if len(set(names)) != len(names):
        raise ParameterError(f"{what} {names} repeats a {column}; each must appear once.")
    states = list(seq_states)
    unknown = [s for s in names if s not in states]
    if unknown:
        raise UnknownCategoryError(
            f"{what} names {unknown}, which the data does not know; known {column}s: {states}",
            table="events",
            column=column,
            fix=f"choose {what} among those {column}s",
        )
    return [states.index(s) for s in names]


def warn_unseen(seq: EventSequences, codes, what: str) -> None:
    """Warn when some of the requested states have no event at all."""
    seen = np.bincount(seq.codes, minlength=seq.n_states) > 0
    unseen = [seq.states[c] for c in codes if not seen[c]]
    if unseen:
        warn(
            f"{what} {unseen} never occur in the data, so every count there is 0 "
            "(check the stage names, the filters and the date window)."
        )


def customer_groups(by, customers_table, seq_customers: np.ndarray) -> tuple[np.ndarray, list, str]:
    """Group code of every sequence's customer, the group labels and the grouping's name.

    ``by`` is read by :func:`cxlab.data.customer_groups` (None or ``""``: one
    group ``"all"``; a column, or columns, of the customers table; a Series/dict
    mapping ``customer_id`` to a group, e.g. ``data.truth.persona``); every
    customer with events must have a group.
    """
    groups = resolve_groups(
        by, customers_table, ids=seq_customers, ids_table="events", what="customers table"
    )
    if groups is None:
        return np.zeros(len(seq_customers), dtype=np.int64), ["all"], "group"
    codes = np.asarray(groups.cat.codes, dtype=np.int64)
    return codes, list(groups.cat.categories), str(groups.name)


# -- intervals ----------------------------------------------------------------
def check_confidence(confidence: float) -> float:
    if not 0 < float(confidence) < 1:
        raise ParameterError(f"confidence={confidence} must be between 0 and 1, e.g. 0.95.")
    return float(confidence)


def _ranks(n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks ``(r, n - r + 1)`` of the distribution-free median interval."""
    alpha = 1 - confidence
    r = stats.binom.ppf(alpha / 2, n, 0.5).astype(np.int64)
    return r, n - r + 1


def small_ints(codes: np.ndarray, n: int) -> np.ndarray:
    """``codes`` (0..n-1) in the smallest integer type, so a stable argsort is a radix sort."""
    dtype = np.uint8 if n <= 256 else np.uint16 if n <= 65536 else np.int64
    return codes.astype(dtype, copy=False)


def distinct_per_key(unit: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key, the number of distinct units among events with that key.

    ``unit`` must be non-decreasing (events in sequence order). A stable sort by
    key keeps units in order within each key, so distinct units are where the
    unit changes; no hashing or 2-key sort.
    """
    if len(key) == 0:
        return np.zeros(n_keys, dtype=np.int64)
    order = np.argsort(small_ints(key, n_keys), kind="stable")
    k, u = key[order], unit[order]
    new = np.ones(len(k), dtype=bool)
    new[1:] = (k[1:] != k[:-1]) | (u[1:] != u[:-1])
    return np.bincount(k[new], minlength=n_keys).astype(np.int64)


def _sorted_by_key(keys: np.ndarray, values: np.ndarray, n_keys: int, scale: float):
    """Values grouped by key (keys ascending) and sorted within each key, times ``scale``.

    Non-negative integer values (e.g. waits in nanoseconds) are packed with the
    key into one int64 and sorted by value (one SIMD sort, no argsort) when the
    bits allow, after dividing out a common unit (whole seconds, ms, us).
    Anything else: an argsort by value, then a stable (radix) argsort by key.
    """
    if values.dtype.kind in "iu" and len(values) and int(values.min()) >= 0:
        unit = 1
        for u in (1_000_000_000, 1_000_000, 1_000):
            if not np.any(values % u):
                unit = u
                break
        vals = values // unit if unit > 1 else values.astype(np.int64)
        vbits = max(int(vals.max()).bit_length(), 1)
        kbits = max(int(n_keys - 1).bit_length(), 1)
        if vbits + kbits <= 63:  # in place: one int64 and one float64 a value at a time
            packed = keys << vbits
            packed |= vals
            del vals
            packed.sort()
            packed &= (1 << vbits) - 1
            out = packed.astype(float)
            del packed
            out *= unit * scale
            return out
    values = values.astype(float)
    by_value = np.argsort(values)
    order = by_value[np.argsort(small_ints(keys[by_value], n_keys), kind="stable")]
    return values[order] * scale


def grouped_quantiles(
    keys: np.ndarray,
    values: np.ndarray,
    n_keys: int,
    confidence: float = 0.95,
    *,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Quartiles, mean and intervals of ``values * scale`` within each key ``0..n_keys-1``.

    Columns: ``n``, ``mean``, ``mean_ci_low/high`` (t interval), ``q25``,
    ``median``, ``q75`` (linear interpolation, like numpy's default) and
    ``median_ci_low/high``: the distribution-free order-statistic interval
    ``[x_(r), x_(n-r+1)]`` with ``r`` the binomial(n, 1/2) quantile at
    ``(1 - confidence)/2``; its coverage is at least ``confidence`` and it is NaN
    when ``n`` is too small for any pair of order statistics to reach it
    (n < 6 at 95%). One sort for all keys; no loop over keys. Integer
    ``values`` (nanoseconds) sort fastest; ``scale`` converts them (e.g. to days).
    """
    keys = np.asarray(keys, dtype=np.int64)
    values = np.asarray(values)
    v = _sorted_by_key(keys, values, n_keys, scale)
    values = values.astype(float)
    values *= scale
    n = np.bincount(keys, minlength=n_keys).astype(np.int64)
    start = np.zeros(n_keys, dtype=np.int64)
    np.cumsum(n[:-1], out=start[1:])
    has = n > 0
    out = {"n": n}
    sums = np.bincount(keys, weights=values, minlength=n_keys)
    mean = np.where(has, sums / np.maximum(n, 1), np.nan)
    dev = mean[keys]  # (values - mean) ** 2 in place
    np.subtract(values, dev, out=dev)
    np.square(dev, out=dev)
    dev2 = np.bincount(keys, weights=dev, minlength=n_keys)
    del dev
    var = np.where(n > 1, dev2 / np.maximum(n - 1, 1), np.nan)
    se = np.sqrt(np.clip(var, 0, None) / np.maximum(n, 1))
    tq = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    out["mean"] = mean
    out["mean_ci_low"] = np.where(n > 1, mean - tq * se, np.nan)
    out["mean_ci_high"] = np.where(n > 1, mean + tq * se, np.nan)

    def q(p):
        pos = p * np.maximum(n - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        a = v[np.minimum(start + lo, len(v) - 1)] if len(v) else np.zeros(n_keys)
        b = v[np.minimum(start + hi, len(v) - 1)] if len(v) else np.zeros(n_keys)
        return np.where(has, a + (pos - lo) * (b - a), np.nan)

    out["q25"], out["median"], out["q75"] = q(0.25), q(0.5), q(0.75)
    r_lo, r_hi = _ranks(n, confidence)
    ok = has & (r_lo >= 1)
    idx_lo = np.clip(start + r_lo - 1, 0, max(len(v) - 1, 0))
    idx_hi = np.clip(start + r_hi - 1, 0, max(len(v) - 1, 0))
    out["median_ci_low"] = np.where(ok, v[idx_lo] if len(v) else np.nan, np.nan)
    out["median_ci_high"] = np.where(ok, v[idx_hi] if len(v) else np.nan, np.nan)
    return pd.DataFrame(out)


def median_ci(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Median and its distribution-free order-statistic interval (see :func:`grouped_quantiles`)."""
    values = np.asarray(values, dtype=float)
    row = grouped_quantiles(np.zeros(len(values), np.int64), values, 1, confidence).iloc[0]
    return float(row["median"]), float(row["median_ci_low"]), float(row["median_ci_high"])


def parse_gap(gap) -> int | None:
    """An inactivity gap (``"30min"``, ``"7D"``, Timedelta, or days as a number) in ns."""
    if gap is None or (isinstance(gap, str) and gap == ""):
        return None
    try:
        td = pd.Timedelta(gap, unit="D") if isinstance(gap, int | float) else pd.Timedelta(gap)
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"gap={gap!r} is not a duration; use e.g. '30min', '2h', '7D' or a number of days."
        ) from exc
    if td <= pd.Timedelta(0):
        raise ParameterError(f"gap={gap!r} must be positive.")
    return int(td.value)


# -- results ------------------------------------------------------------------
class JourneyResult:
    """A tidy table with its notes (caveats) and a plot.

    Parameters
    ----------
    table : DataFrame
        The result table.
    notes : sequence of str, default=()
        Caveats; empty ones are dropped.
    params : dict, optional
        The arguments that produced the result.
    **extra
        Further attributes of the result (arrays, sub-tables), set as given.

    Attributes
    ----------
    table : DataFrame
        The result, one row per item (step, variant, pair, ...).
    notes : list of str
        Caveats to read with the numbers (numbered under the table).
    params : dict
        The arguments that produced it.
    """

    name = "result"

    def __init__(self, table: pd.DataFrame, *, notes=(), params=None, **extra):
        self.table = table
        self.notes = [n for n in notes if n]
        self.params = dict(params or {})
        for key, value in extra.items():
            setattr(self, key, value)

    def summary(self) -> pd.DataFrame:
        """The result table (a copy)."""
        return self.table.copy()

    #: Columns a reader needs (None: all); the full table stays in ``summary()``.
    display_columns: tuple | None = None

    def _readable(self, max_rows: int) -> ReadableTable:
        return ReadableTable(
            self.table, columns=self.display_columns, notes=self.notes, max_rows=max_rows
        )

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({len(self.table):,} rows)"
        return f"{head}\n{self._readable(15).text()}"

    def _repr_html_(self) -> str:
        return self._readable(50).html()

    #: The figure function of this kind of result (``plot_funnel``, ...) and fixed options.
    _figure = None
    _figure_options: dict = {}

    def plot(self, ax=None, **kw):
        """The result's figure, drawn by its kind's figure function in :mod:`cxlab.journeys`.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; default a new figure.
        **kw
            Options of the figure function (``title=``, ``top=``, ...).

        Returns
        -------
        matplotlib Axes
        """
        if self._figure is None:
            raise NotImplementedError(f"{type(self).__name__} has no figure")
        return self._figure(self, ax=ax, **self._figure_options, **kw)
