"""The encoders of :mod:`cxlab.sequences`: event logs and lists of sequences to
integer-coded :class:`~cxlab.sequences.EventSequences`.

Import them from :mod:`cxlab.sequences` (they are re-exported there); the
ordering rules are described in that module's docstring. Memory is kept low:
an already-ordered log is used in place, and the sort works on one packed
``int64`` key with in-place shifts (about 3 arrays of 8 bytes per event at peak).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from cxlab.exceptions import (
    DataError,
    DataTypeError,
    EmptyTableError,
    MissingColumnError,
    MissingIdError,
    ParameterError,
    TimestampError,
    UnknownCategoryError,
)
from cxlab.sequences._layout import EventSequences, is_ordered, run_starts, shrink_offsets

__all__ = ["encode_events", "encode_sequences"]

_NAT = np.iinfo(np.int64).min
_SMALL_ID_RANGE = 2**40


def _column(events: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in events.columns:
        raise MissingColumnError(
            f"the {what} column {name!r} is missing; found {list(events.columns)}",
            table="events",
            column=name,
            fix=f"pass {what}='your column name', or rename the column",
        )
    return events[name]


def _state_codes(events, col, states, ids) -> tuple[np.ndarray, tuple]:
    """Categorical codes of a state column (categories = ``states`` or the dtype's)."""
    s = _column(events, col, "state")
    if states is not None:
        states = tuple(states)
        if len(set(states)) != len(states):
            raise ParameterError(f"states {list(states)} repeats a name; each must appear once.")
        cat = pd.Categorical(s, categories=list(states))
        unknown = cat.codes < 0
        unknown &= ~s.isna().to_numpy()
        if unknown.any():
            vals = pd.Series(s.to_numpy()[unknown]).astype(str).value_counts().head(5).to_dict()
            raise UnknownCategoryError(
                f"values not in states={list(states)}: {vals}",
                table="events",
                column=col,
                n_rows=int(unknown.sum()),
                example_ids=pd.unique(ids[unknown])[:5].tolist(),
                fix="add them to states=, or filter those events out first "
                "(e.g. cxlab.select_stages(data, [...]) on the study)",
            )
    elif isinstance(s.dtype, pd.CategoricalDtype):
        cat = s.array
        states = tuple(cat.categories)
    else:
        if pd.api.types.is_float_dtype(s.dtype):
            raise DataTypeError(
                f"state column has float dtype {s.dtype}; states must be labels",
                table="events",
                column=col,
                n_rows=len(s),
                fix="convert it to a categorical (astype('category')) or to strings",
            )
        cat = pd.Categorical(s)
        states = tuple(cat.categories)
    codes = np.asarray(cat.codes)
    missing = codes < 0
    if missing.any():
        raise UnknownCategoryError(
            f"{col} is missing",
            table="events",
            column=col,
            n_rows=int(missing.sum()),
            example_ids=pd.unique(ids[missing])[:5].tolist(),
            fix="fill in the state of every event or remove those rows",
        )
    return codes, states


def _integer_ids(ids: np.ndarray) -> bool:
    """Integer ids in a modest range are their own sort keys (no hashing needed)."""
    if ids.dtype.kind not in "iu" or len(ids) == 0:
        return False
    return int(ids.max()) - int(ids.min()) < _SMALL_ID_RANGE


def _bits(x: int) -> int:
    return max(int(x).bit_length(), 1)


_CHUNK = 1 << 20  # elements per block in the packed-key sort (8 MB buffers, reused)


def _blocks(n: int):
    for lo in range(0, n, _CHUNK):
        yield slice(lo, min(n, lo + _CHUNK))


def _time_unit(t: np.ndarray, tmin: int) -> int:
    """Largest of 1 s, 1 ms, 1 us dividing every ``t - tmin`` (packs time in fewer bits).

    Checked block by block in a reused buffer: no full-size temporaries.
    """
    buf = np.empty(min(len(t), _CHUNK), dtype=np.int64)
    for unit in (1_000_000_000, 1_000_000, 1_000):
        ok = True
        for sl in _blocks(len(t)):
            b = buf[: sl.stop - sl.start]
            np.subtract(t[sl], tmin, out=b)
            np.remainder(b, unit, out=b)
            if b.any():
                ok = False
                break
        if ok:
            return unit
    return 1


def encode_events(
    events: pd.DataFrame,
    state: str = "stage",
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    states: Sequence[str] | None = None,
    extra: Sequence[str] = (),
    collapse_repeats: bool = False,
    return_order: bool = False,
    keep_time: bool = True,
) -> EventSequences:
    """Encode an event log as integer sequences ordered by customer and time.

    Parameters
    ----------
    events : DataFrame
        One row per event with ``customer``, ``time`` and ``state`` columns, in
        any row order. ``time`` must be datetime64 (or integers).
    state : str, default="stage"
        Column whose values are the sequence states (e.g. ``"stage"`` or ``"channel"``).
        A categorical column keeps its category order (the catalog order) and
        all its categories, seen or not.
    customer : str, default="customer_id"
    time : str, default="timestamp"
    states : sequence of str, optional
        The states and their order. Events whose state is not listed raise
        :class:`~cxlab.exceptions.UnknownCategoryError` (filter them first).
    extra : sequence of str, default=()
        Other columns to carry along in the same order, each returned as
        ``(codes, categories)`` in ``.extra`` (categoricals are used as they are,
        other columns are factorized with sorted categories).
    collapse_repeats : bool, default=False
        Merge consecutive events of a customer in the same state into one (the
        first of the run; its timestamp is kept). ``n_collapsed`` says how many
        events were merged.
    return_order : bool, default=False
        Also return ``order``, the input row of each encoded event, to align
        other columns (e.g. ``events["revenue"].to_numpy()[seq.order]``). Costs
        an argsort when the log has to be sorted.
    keep_time : bool, default=True
        Keep the ordered timestamps (``.timestamps``); ``False`` saves 8 bytes
        per event when only the order matters (e.g. counting transitions).

    Returns
    -------
    EventSequences

    Raises
    ------
    MissingColumnError
        A named column is absent.
    EmptyTableError
        No events.
    MissingIdError, TimestampError, UnknownCategoryError
        Missing customer ids, missing timestamps, or missing/unlisted states;
        the message counts the rows and gives example customer ids.

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.sequences import encode_events
    >>> data = cxlab.simulate(n_customers=200, random_state=0)
    >>> seq = encode_events(data.events, "stage", collapse_repeats=True)
    >>> seq.n_customers, seq.states[:3]
    (200, ('awareness', 'consideration', 'purchase'))
    """
    if not isinstance(events, pd.DataFrame):
        raise DataTypeError(
            f"events must be a DataFrame, not {type(events).__name__}",
            fix="use cxlab.sequences.encode_sequences for lists of sequences",
        )
    id_col = _column(events, customer, "customer")
    t_col = _column(events, time, "time")
    if len(events) == 0:
        raise EmptyTableError(
            "the event log has no rows", table="events", n_rows=0, fix="check the filter"
        )
    ids = id_col.to_numpy()
    if ids.dtype == object or id_col.hasnans:
        miss = id_col.isna().to_numpy()
        if miss.any():
            raise MissingIdError(
                f"{customer} is missing at row positions {np.flatnonzero(miss)[:5].tolist()}",
                table="events",
                column=customer,
                n_rows=int(miss.sum()),
                fix="every event needs the customer it belongs to",
            )
    codes, states_t = _state_codes(events, state, states, ids)
    t = _time_ints(t_col, time, ids)
    extras = {}
    for name in extra:
        s = _column(events, name, "extra")
        cat = s.array if isinstance(s.dtype, pd.CategoricalDtype) else pd.Categorical(s)
        extras[name] = (np.asarray(cat.codes), tuple(cat.categories))

    if _integer_ids(ids):
        ckey, uniques, lo = ids, None, int(ids.min())
    else:  # strings or huge integers: codes in order of first appearance
        ckey, uniques = pd.factorize(ids, sort=False)
        uniques, lo = np.asarray(uniques), 0
    ordered = is_ordered(ckey, t)
    order = None
    n = len(codes)
    if ordered:
        if return_order:
            order = np.arange(n, dtype=np.int64)
        cs, ts, st = ckey, t, codes
        ex = {k: v[0] for k, v in extras.items()}
        same = cs[1:] == cs[:-1]
        same &= ts[1:] == ts[:-1]
        n_ties = int(np.count_nonzero(same))
        del same
    else:
        cs, ts, st, ex, order, n_ties = _sort(
            ckey, lo, t, codes, extras, len(states_t), return_order, keep_time
        )
    starts = np.flatnonzero(cs[1:] != cs[:-1]) + 1 if n > 1 else np.empty(0, np.int64)
    offsets = np.empty(len(starts) + 2, dtype=np.int64)
    offsets[0], offsets[-1] = 0, n
    offsets[1:-1] = starts
    first = cs[offsets[:-1]]
    customers = uniques[first] if uniques is not None else first.astype(ids.dtype, copy=False)
    k = len(states_t)
    st = st.astype(np.int16 if k < 2**15 else np.int32, copy=False)
    n_collapsed = 0
    if collapse_repeats and n > 1:
        keep = run_starts(st, offsets)
        n_collapsed = int(n - np.count_nonzero(keep))
        if n_collapsed:
            offsets = shrink_offsets(offsets, keep)
            st = st[keep]
            ts = None if ts is None else ts[keep]
            ex = {key: v[keep] for key, v in ex.items()}
            order = None if order is None else order[keep]
    if not keep_time or ts is None:
        timestamps = None
    else:
        timestamps = ts.view("datetime64[ns]") if t_col.dtype.kind == "M" else ts
    return EventSequences(
        states=states_t,
        codes=st,
        offsets=offsets,
        customers=customers,
        timestamps=timestamps,
        extra={key: (ex[key], extras[key][1]) for key in extras},
        order=order,
        was_sorted=not ordered,
        n_ties=n_ties,
        n_collapsed=n_collapsed,
    )


def _time_ints(t_col: pd.Series, name: str, ids) -> np.ndarray:
    dt = t_col.dtype
    if isinstance(dt, pd.DatetimeTZDtype):
        t_col = t_col.dt.tz_convert("UTC").dt.tz_localize(None)
        dt = t_col.dtype
    if dt.kind == "M":
        t = t_col.to_numpy().astype("datetime64[ns]", copy=False).view(np.int64)
        bad = t == _NAT
    elif dt.kind in "iu":
        t = t_col.to_numpy().astype(np.int64, copy=False)
        bad = np.zeros(len(t), dtype=bool)
    else:
        raise DataTypeError(
            f"time column has dtype {dt}; it must be datetime64",
            table="events",
            column=name,
            n_rows=len(t_col),
            fix="parse it with pd.to_datetime, or load the log with cxlab.load_events",
        )
    if bad.any():
        raise TimestampError(
            "timestamp is missing",
            table="events",
            column=name,
            n_rows=int(bad.sum()),
            example_ids=pd.unique(ids[bad])[:5].tolist(),
            fix="fill in the time of each event or remove those rows",
        )
    return t


def _sort(ckey, lo, t, codes, extras, k, return_order, keep_time):
    """Order events by (customer, time[, state]); see :mod:`cxlab.sequences`.

    Returns customer keys, times (or None), state codes, extra codes, the row
    order (or None) and the number of ties. The packed key is built and unpacked
    block by block, so the only full-size arrays are the key and the outputs.
    """
    n = len(t)
    tmin = int(t.min())
    span = int(t.max()) - tmin
    unit = _time_unit(t, tmin)
    cb = _bits(int(ckey.max()) - lo)
    tb = _bits(span // unit)
    low = [(codes, _bits(k - 1))]
    low += [(c, _bits(max(len(cats) - 1, 0))) for c, cats in extras.values()]
    lb = sum(b for _, b in low)
    if not return_order and cb + tb + lb <= 63:
        shifts, shift = [], lb
        for _, b in low:
            shift -= b
            shifts.append((shift, b))
        key = np.empty(n, dtype=np.int64)
        buf = np.empty(min(n, _CHUNK), dtype=np.int64)
        for sl in _blocks(n):
            kb, b = key[sl], buf[: sl.stop - sl.start]
            np.subtract(ckey[sl], lo, out=kb, casting="unsafe")
            kb <<= tb + lb
            np.subtract(t[sl], tmin, out=b)
            if unit > 1:
                b //= unit
            b <<= lb
            kb |= b
            for (c, _), (sh, _) in zip(low, shifts):
                b[:] = c[sl]
                b <<= sh
                kb |= b
        key.sort()
        small = np.int16 if max(b for _, b in low) < 15 else np.int32
        outs = [np.empty(n, dtype=small) for _ in low]
        ts = np.empty(n, dtype=np.int64) if keep_time else None
        n_ties = 0
        prev_ct = None
        tmask = (1 << tb) - 1
        for sl in _blocks(n):
            kb, b = key[sl], buf[: sl.stop - sl.start]
            for out, (sh, bits) in zip(outs, shifts):
                np.right_shift(kb, sh, out=b)
                b &= (1 << bits) - 1
                out[sl] = b
            np.right_shift(kb, lb, out=b)  # (customer, time) part: ties are repeats
            n_ties += int(np.count_nonzero(b[1:] == b[:-1]))
            if prev_ct is not None and b[0] == prev_ct:
                n_ties += 1
            prev_ct = b[-1]
            if keep_time:
                b &= tmask
                b *= unit
                b += tmin
                ts[sl] = b
            kb >>= tb + lb
            if lo:
                kb += lo
        ex = {name: outs[i + 1] for i, name in enumerate(extras)}
        return key, ts, outs[0], ex, None, n_ties
    if cb + tb <= 63:
        key = ckey.astype(np.int64)
        if lo:
            key -= lo
        key <<= tb
        rel = t - tmin
        rel //= unit
        key |= rel
        del rel
        order = np.argsort(key, kind="stable")
        del key
    else:
        order = np.lexsort((t, ckey))
    order = order.astype(np.int64, copy=False)
    ex = {name: c[order] for name, (c, _) in extras.items()}
    cs, ts = ckey[order], t[order]
    same = cs[1:] == cs[:-1]
    same &= ts[1:] == ts[:-1]
    return cs, ts, codes[order], ex, order, int(np.count_nonzero(same))


def encode_sequences(
    sequences: Iterable[Sequence], *, states: Sequence[str] | None = None
) -> EventSequences:
    """Encode an iterable of sequences (lists of state names) without timestamps.

    Parameters
    ----------
    sequences : iterable of sequences of str
        One sequence per customer, in time order. Empty sequences raise.
    states : sequence of str, optional
        States and their order; default: sorted unique values.

    Returns
    -------
    EventSequences
        ``customers`` are the positions 0..n-1; ``timestamps`` is None.

    Examples
    --------
    >>> from cxlab.sequences import encode_sequences
    >>> encode_sequences([["a", "b"], ["b", "b", "c"]]).lengths().tolist()
    [2, 3]
    """
    seqs = [list(s) if not isinstance(s, str) else None for s in sequences]
    bad = [i for i, s in enumerate(seqs) if s is None]
    if bad:
        raise DataTypeError(
            "each sequence must be a list of states, not a string",
            n_rows=len(bad),
            example_ids=bad[:5],
            fix="split 'a > b > c' strings first, e.g. [p.split(' > ') for p in paths]",
        )
    if not seqs:
        raise EmptyTableError("no sequences given", n_rows=0, fix="pass at least one sequence")
    lens = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    empty = np.flatnonzero(lens == 0)
    if len(empty):
        raise DataError(
            "empty sequences have no states to start from",
            n_rows=len(empty),
            example_ids=empty[:5].tolist(),
            fix="drop empty sequences before fitting",
        )
    flat = pd.Series([x for s in seqs for x in s], dtype=object)
    if flat.isna().any():
        raise UnknownCategoryError(
            "a sequence contains a missing state (None/NaN)",
            n_rows=int(flat.isna().sum()),
            fix="remove or label the missing states",
        )
    frame = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(len(seqs)), lens),
            "timestamp": np.arange(len(flat), dtype=np.int64),
            "state": flat,
        }
    )
    seq = encode_events(frame, "state", states=states)
    return replace(seq, timestamps=None)
