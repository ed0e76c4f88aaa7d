"""Transitions of coded journeys: history rows, counts, dwell times and groups.

:func:`transitions` turns a :class:`~cxlab.markov.ChainData` into the row
(history of ``order`` states, padded with ``(start)``) and column of every
transition; :class:`Transitions` counts them, overall or by group.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab.exceptions import DataError, ParameterError, SmallSampleWarning
from cxlab.markov._data import ChainData

__all__ = [
    "Transitions",
    "transitions",
    "history_label",
    "check_sparsity",
    "dwell_days",
    "dwell_table",
    "history_rows",
    "group_codes",
]

NS_PER_DAY = 86_400 * 10**9


def history_label(h: tuple) -> str:
    """Label of a chain row: the state, or ``"a > b"`` for a history of several states."""
    return h[0] if len(h) == 1 else " > ".join(h)


@dataclass(frozen=True)
class Transitions:
    """Row (history) and column of every transition of a :class:`ChainData`.

    ``ev_row[j]`` is the row of the transition *into* event ``j`` (from the
    previous event's history, or the start history); its column is
    ``codes[j] - 1``. ``end_row[i]`` / ``end_col[i]`` describe customer ``i``'s
    final transition into an unobserved absorbing state (``end_col = -1``: none).
    """

    rows: list
    cols: tuple
    ev_row: np.ndarray
    ev_col: np.ndarray
    end_row: np.ndarray
    end_col: np.ndarray
    order: int

    @property
    def n_cells(self) -> int:
        return len(self.rows) * len(self.cols)

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell index ``row * n_cols + col`` of event transitions and of end transitions."""
        k = len(self.cols)
        ev = self.ev_row.astype(np.int64) * k + self.ev_col
        has_end = self.end_col >= 0
        end = np.where(has_end, self.end_row.astype(np.int64) * k + self.end_col, -1)
        return ev, end

    def counts(self, ev_group=None, end_group=None, n_groups: int = 1) -> np.ndarray:
        """Count matrix ``(rows, cols)``; with group codes per event transition and per
        end transition, ``(n_groups, rows, cols)``."""
        ev, end = self.cells()
        m = self.n_cells
        ok = end >= 0
        shape = (len(self.rows), len(self.cols))
        if ev_group is None:
            c = np.bincount(ev, minlength=m) + np.bincount(end[ok], minlength=m)
            return c.reshape(shape)
        c = np.bincount(ev_group * m + ev, minlength=n_groups * m)
        c += np.bincount(end_group[ok] * m + end[ok], minlength=n_groups * m)
        return c.reshape(n_groups, *shape)


def transitions(data: ChainData, order: int = 1) -> Transitions:
    """History rows of every transition of ``data`` for a chain of the given order.

    Parameters
    ----------
    data : ChainData
        Coded journeys.
    order : int, default=1
        Number of previous states a row remembers.

    Returns
    -------
    Transitions

    Raises
    ------
    ParameterError
        ``order`` below 1, above the longest journey, or too large to encode.
    """
    order = int(order)
    if order < 1:
        raise ParameterError(f"order={order} must be at least 1.")
    codes, off = data.codes, data.offsets
    n = len(codes)
    lens = np.diff(off)
    if order > 1 and order > int(lens.max()):
        raise ParameterError(
            f"order={order} is higher than the data supports: the longest journey has "
            f"{int(lens.max())} events, so no history of {order} real states exists; "
            "use a lower order (see cxlab.markov_order_test)"
        )
    base = data.n_rows  # symbols in histories: start (0) and transient states
    if order == 1:
        prev = np.empty(n, dtype=np.int32)
        prev[1:] = codes[:-1]
        prev[off[:-1]] = 0
        end_row = np.where(data.ended >= 0, codes[off[1:] - 1], 0)
        rows = [(s,) for s in data.labels[: data.n_rows]]
        ev_row, end_row_idx = prev, end_row
    else:
        if base**order >= 2**62:
            raise ParameterError(f"order={order} with {base} states is too large to encode.")
        pos = np.arange(n, dtype=np.int64) - np.repeat(off[:-1], lens)
        key = np.zeros(n, dtype=np.int64)
        end_key = np.zeros(len(lens), dtype=np.int64)
        last = off[1:] - 1
        for i in range(1, order + 1):  # key digit i-1 = state i steps back
            lagged = np.zeros(n, dtype=np.int64)
            lagged[i:] = codes[:-i]
            lagged[pos < i] = 0
            key += lagged * base ** (i - 1)
            back = last - (i - 1)
            ok = (i - 1) < lens
            end_key += np.where(ok, codes[np.where(ok, back, 0)], 0) * base ** (i - 1)
        has_end = data.ended >= 0
        uniq, inv = np.unique(np.r_[key, end_key[has_end]], return_inverse=True)
        ev_row = inv[:n]
        end_row_idx = np.zeros(len(lens), dtype=np.int64)
        end_row_idx[has_end] = inv[n:]
        rows = history_rows(uniq, base, order, data.labels)
    end_col = np.where(data.ended >= 0, data.ended - 1, -1)
    return Transitions(
        rows=rows,
        cols=tuple(data.labels[1:]),
        ev_row=ev_row,
        ev_col=(codes - 1).astype(np.int32, copy=False),
        end_row=end_row_idx,
        end_col=end_col,
        order=order,
    )


def history_rows(keys, base: int, order: int, labels) -> list:
    """Histories (oldest state first) of packed keys whose digit ``i`` is the state
    ``i + 1`` steps back (base ``base``)."""
    rows = []
    for u in np.asarray(keys).tolist():
        digits = [(u // base**i) % base for i in range(order)]
        rows.append(tuple(labels[d] for d in reversed(digits)))
    return rows


def check_sparsity(counts: np.ndarray, order: int, stacklevel: int = 3) -> None:
    """Warn when a higher-order chain rests on few observations per history.

    Parameters
    ----------
    counts : ndarray, shape (rows, cols)
        Transition counts.
    order : int
        Order of the chain (no warning below 2).
    stacklevel : int, default=3
        Of the :class:`~cxlab.exceptions.SmallSampleWarning`.
    """
    if order < 2:
        return
    n_row = counts.sum(axis=1)
    few = int(np.count_nonzero(n_row < 5))
    if few > len(n_row) / 2:
        warnings.warn(
            f"order={order}: {few} of {len(n_row)} histories are seen fewer than 5 times, "
            "so their transition probabilities are unreliable; the data may not support "
            "this order (compare orders with cxlab.markov_order_test)",
            SmallSampleWarning,
            stacklevel=stacklevel,
        )


def dwell_days(data: ChainData) -> pd.DataFrame | None:
    """Observed time between an event and the customer's next event, by state (days).

    Gaps into an unobserved end (drop-off, ``(end)``) are not observed and not
    used; the mean assumes the holding time does not depend on where the
    customer goes next.

    Parameters
    ----------
    data : ChainData
        Coded journeys with times.

    Returns
    -------
    DataFrame or None
        Index = transient state; ``n``, ``mean_days``, ``sd_days``, ``se_days``.
        None without timestamps.
    """
    if data.times is None:
        return None
    codes, off, t = data.codes, data.offsets, data.times
    m = data.n_rows
    # state of the event a gap leaves; a customer's first event has no gap before it,
    # so its slot goes to the spare bin ``m`` (and is dropped)
    prev = np.empty(len(codes), dtype=np.int32)
    prev[1:] = codes[:-1]
    prev[off[:-1]] = m
    gap = np.empty(len(codes))
    gap[0] = 0.0
    np.subtract(t[1:], t[:-1], out=gap[1:])
    gap /= NS_PER_DAY
    n = np.bincount(prev, minlength=m + 1)[1:m]
    s = np.bincount(prev, weights=gap, minlength=m + 1)[1:m]
    gap *= gap
    s2 = np.bincount(prev, weights=gap, minlength=m + 1)[1:m]
    del gap, prev
    return dwell_table(n, s, s2, data.labels[1:m])


def dwell_table(n, s, s2, states) -> pd.DataFrame:
    """Mean, SD and SE of the days spent in each state, from the number of gaps, their
    sum and their sum of squares (index = ``states``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / np.maximum(n, 1), np.nan)
        var = np.where(n > 1, (s2 - n * mean**2) / np.maximum(n - 1, 1), np.nan)
    sd = np.sqrt(np.clip(var, 0, None))
    return pd.DataFrame(
        {"n": n, "mean_days": mean, "sd_days": sd, "se_days": sd / np.sqrt(np.maximum(n, 1))},
        index=pd.Index(list(states), name="state"),
    )


def group_codes(data: ChainData, by):
    """Group code per customer of ``data`` from a Series/dict ``customer_id -> group``.

    Parameters
    ----------
    data : ChainData
        Coded journeys.
    by : Series or dict
        ``customer_id -> group``.

    Returns
    -------
    codes : ndarray of int64, shape (n_customers,)
    groups : list
        The group of each code.
    """
    mapping = pd.Series(by) if isinstance(by, dict) else by
    if not isinstance(mapping, pd.Series):
        raise ParameterError("by must be a column name, a Series or a dict customer_id -> group.")
    values = mapping.reindex(pd.Index(data.customers))
    missing = values.isna().to_numpy()
    if missing.any():
        raise DataError(
            "customers have no group",
            column=str(mapping.name or "group"),
            n_rows=int(missing.sum()),
            example_ids=data.customers[missing][:5].tolist(),
            fix="give every customer a group (e.g. 'unknown'), or filter them out first",
        )
    cat = pd.Categorical(values)
    return np.asarray(cat.codes, dtype=np.int64), list(cat.categories)
