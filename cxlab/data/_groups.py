"""The one reading of ``by=``: which group each customer belongs to.

Every analysis that splits customers into groups (curves, CLV, funnels,
chains, what-if models) accepts the same ``by``:

- ``None`` or ``""``: no grouping (one group);
- a column name, or a list of column names, of a table with one row per
  customer (several columns are crossed into labels ``"a / b"``);
- a column of the events that is constant within each customer;
- a Series or dict mapping ``customer_id`` to a group (e.g. ``data.truth.persona``).

>>> import pandas as pd
>>> table = pd.DataFrame({"segment": ["a", "b", "a"], "region": ["n", "n", "s"]},
...                      index=pd.Index([1, 2, 3], name="customer_id"))
>>> customer_groups(["segment", "region"], table).tolist()
['a / n', 'b / n', 'a / s']
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cxlab.exceptions import DataError, DataWarning, GroupColumnError, ParameterError

__all__ = ["MISSING_GROUP", "customer_groups"]

MISSING_GROUP = "(missing)"


def customer_groups(
    by,
    table: pd.DataFrame | None = None,
    *,
    events: pd.DataFrame | None = None,
    customer: str = "customer_id",
    missing: str = "raise",
    ids=None,
    ids_table: str | None = None,
    what: str = "table",
    param: str = "by",
    stacklevel: int = 2,
) -> pd.Series | None:
    """The group of every customer, as an ordered categorical Series.

    Parameters
    ----------
    by : None, str, list of str, Series or dict
        The grouping (see the module's description). ``None`` or ``""`` gives None.
    table : DataFrame, optional
        One row per customer: the customer id in column ``customer`` or, without
        that column, in the index. Column names in ``by`` are looked up here.
    events : DataFrame, optional
        Events with a ``customer`` column: a single column name not in ``table``
        is looked up here and must be constant within each customer.
    customer : str, default="customer_id"
        Name of the customer id column.
    missing : {"raise", "group"}, default="raise"
        Customers without a group value: raise a :class:`~cxlab.exceptions.DataError`
        naming them, or put them in a group ``"(missing)"`` with a
        :class:`~cxlab.exceptions.DataWarning`.
    ids : array-like, optional
        The customers whose groups are wanted (e.g. those with events): the
        result is indexed by them, in this order, and only they must have a
        group. Default: every row of ``table`` (or every key of a Series/dict).
    ids_table : str, optional
        The table ``ids`` come from (``"events"``, ``"customers"``), named in
        the error about customers without a group.
    what : str, default="table"
        How error messages name ``table`` (e.g. ``"customers table"``).
    param : str, default="by"
        The caller's name of the grouping argument, used in error messages
        (e.g. ``"groups"``).
    stacklevel : int, default=2
        As in :func:`warnings.warn`, counted from the caller of this function:
        where the ``"(missing)"`` warning points.

    Returns
    -------
    Series or None
        Indexed by customer id (``ids`` if given, else the rows of ``table``
        for column names or the given index for a Series or dict), categorical
        with the columns' category order (else sorted; only the groups present),
        labels as strings, named after the grouping. None without a grouping.

    Raises
    ------
    GroupColumnError
        ``by`` names columns that neither table has (a
        :class:`~cxlab.exceptions.MissingColumnError` and a
        :class:`~cxlab.exceptions.ParameterError`).
    ParameterError
        ``by`` is of another type, or ``missing`` is unknown.
    DataError
        A Series/dict gives several groups to one customer, an events column
        varies within a customer, or (``missing="raise"``) customers have no group.
    """
    if missing not in ("raise", "group"):
        raise ParameterError(f"missing={missing!r}; use 'raise' or 'group'.")
    if by is None or (isinstance(by, str) and by == ""):
        return None
    if isinstance(by, pd.Series | Mapping):
        values = by if isinstance(by, pd.Series) else pd.Series(by)
        name = str(values.name) if values.name is not None else "group"
        _check_unique(values.index, name)
        cols = [name]
        values = values.rename(name)
    elif isinstance(by, str) or (
        isinstance(by, list | tuple) and by and all(isinstance(c, str) for c in by)
    ):
        cols = [by] if isinstance(by, str) else list(by)
        have = [] if table is None else list(table.columns)
        unknown = [c for c in cols if c not in have]
        by_events = (
            len(cols) == 1
            and unknown
            and events is not None
            and cols[0] in events.columns
            and customer in events.columns
        )
        if by_events:
            values = _from_events(events, cols[0], customer)
        elif unknown:
            raise _unknown_columns(by, unknown, table, events, what, param)
        else:
            values = (table.set_index(customer) if customer in table.columns else table)[cols]
    else:
        raise ParameterError(
            f"{param} must be None, a column name (or a list of them) or a Series/dict "
            f"customer_id -> group, not {type(by).__name__}."
        )
    if ids is not None:
        values = values.reindex(pd.Index(np.asarray(ids)))
    return _finish(values, cols, missing, ids_table, stacklevel)


def _unknown_columns(by, unknown, table, events, what, param) -> GroupColumnError:
    """The error for column names that neither the table nor the events have."""
    places = []
    if table is not None:
        places.append(f"the {what} (it has {list(table.columns)})")
    if events is not None:
        places.append(f"the events (they have {list(events.columns)})")
    if not places:
        return GroupColumnError(
            f"{param}={by!r} names a column, but there is no {what} to look it up in",
            column=", ".join(unknown),
            fix="pass data with a customers table holding that column (a CXData), or "
            f"{param}=Series mapping customer_id to group",
        )
    where = " nor of ".join(places)
    if isinstance(by, str):
        problem = f"{param}={by!r} is not a column of {where}"
    else:
        problem = f"{param}={unknown} are not columns of {where}"
    if table is None:
        problem += f", and there is no {what}"
    return GroupColumnError(
        problem,
        column=", ".join(unknown),
        fix=f"name a column it has, or pass {param}=Series mapping customer_id to group",
    )


def _check_unique(index: pd.Index, name: str) -> None:
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        raise DataError(
            f"the grouping {name!r} gives several groups to the same customer",
            column=name,
            n_rows=len(dup),
            example_ids=dup[:5].tolist(),
            fix="give each customer_id one group",
        )


def _from_events(events: pd.DataFrame, column: str, customer: str) -> pd.Series:
    g = events.groupby(customer, sort=False, observed=True)[column]
    n = g.nunique(dropna=False)
    varying = n[n > 1]
    if len(varying):
        raise DataError(
            f"{column!r} changes within a customer's journey, so it cannot split customers "
            "into groups",
            column=column,
            n_rows=len(varying),
            example_ids=varying.index[:5].tolist(),
            fix="group by a customer attribute instead (to compare periods, "
            "cxlab.markov_homogeneity_test takes period=)",
        )
    return g.first()


def _finish(
    values, cols: list[str], missing: str, ids_table: str | None, stacklevel: int
) -> pd.Series:
    """Labels (crossed for several columns) as an ordered categorical Series."""
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    # work on category codes: string labels are made once per group, not per customer
    cats = [pd.Categorical(frame[c]) for c in frame.columns]
    gaps = [np.asarray(cat.codes) < 0 for cat in cats]
    absent = np.logical_or.reduce(gaps)
    if absent.any() and missing == "raise":
        raise DataError(
            f"customers have no {' / '.join(cols)!r} group",
            table=ids_table,
            column=" / ".join(cols),
            n_rows=int(absent.sum()),
            example_ids=frame.index[absent][:5].tolist(),
            fix="fill in their group, or filter them out first (cxlab.filter_customers)",
        )
    parts = []
    for c, cat, gap in zip(frame.columns, cats, gaps):
        codes = np.asarray(cat.codes, dtype=np.int64)
        names = [str(x) for x in cat.categories]
        if gap.any():
            warnings.warn(
                f"{int(gap.sum()):,} customers have no {c!r}; they form the group "
                f"{MISSING_GROUP!r}.",
                DataWarning,
                stacklevel=stacklevel + 1,
            )
            names.append(MISSING_GROUP)
            codes = np.where(gap, len(names) - 1, codes)
        parts.append((codes, names))
    if len(parts) == 1:
        codes, names = parts[0]
    else:
        codes, names = _cross(parts)
    present = np.bincount(codes, minlength=len(names)) > 0
    kept = np.asarray(names, dtype=object)[present]
    # labels that read the same (1 and "1") are one group
    relabel, labels = pd.factorize(kept)
    codes = relabel[np.cumsum(present)[codes] - 1]
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=list(labels)),
        index=frame.index,
        name=" / ".join(cols),
    )


def _cross(parts) -> tuple[np.ndarray, list[str]]:
    """Codes and sorted labels ``"a / b"`` of the combinations that occur."""
    combined = np.zeros(len(parts[0][0]), dtype=np.int64)
    for codes, names in parts:
        combined = combined * len(names) + codes
    combos, codes = np.unique(combined, return_inverse=True)
    labels = []
    for combo in combos.tolist():  # one label per combination that occurs
        words = []
        for _, names in reversed(parts):
            combo, i = divmod(combo, len(names))
            words.append(names[i])
        labels.append(" / ".join(reversed(words)))
    order = sorted(range(len(labels)), key=labels.__getitem__)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes.reshape(-1)], [labels[i] for i in order]
