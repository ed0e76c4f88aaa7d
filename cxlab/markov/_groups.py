"""One Markov chain per group (persona, segment, channel...) in one call.

>>> import cxlab
>>> data = cxlab.simulate(n_customers=2000, random_state=0)
>>> groups = cxlab.MarkovChain(journey="buyer").fit_groups(data, by=data.truth.persona)
>>> sorted(groups)[:2]
['busy professionals', 'careful researchers']
>>> groups["busy professionals"].transition_matrix_.shape
(3, 4)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cxlab.exceptions import DataError, ParameterError, SmallSampleWarning
from cxlab.markov._data import compact, prepare
from cxlab.markov._transitions import group_codes

__all__ = ["MarkovChainGroups", "customer_groups"]

MIN_GROUP_CUSTOMERS = 30


def customer_groups(X, by, customers: pd.DataFrame | None = None, customer="customer_id"):
    """A Series ``customer_id -> group`` from ``by``.

    ``by`` may be a Series or dict indexed by customer id (e.g. ``data.truth.persona``
    or the personas worker's assignments), a column of ``customers`` (or of
    ``X.customers`` when X is a CXData), or a column of the events that is
    constant within each customer.
    """
    if isinstance(by, pd.Series):
        return by
    if isinstance(by, dict):
        return pd.Series(by)
    if not isinstance(by, str):
        raise ParameterError(
            "by must be a column name, or a Series/dict customer_id -> group "
            f"(got {type(by).__name__})."
        )
    if customers is None and hasattr(X, "customers") and not isinstance(X, pd.DataFrame):
        customers = X.customers
    if customers is not None and by in customers.columns:
        return customers.set_index(customer)[by]
    events = X.events if hasattr(X, "events") and not isinstance(X, pd.DataFrame) else X
    if isinstance(events, pd.DataFrame) and by in events.columns:
        g = events.groupby(customer, sort=False, observed=True)[by]
        n = g.nunique(dropna=False)
        varying = n[n > 1]
        if len(varying):
            raise DataError(
                f"{by!r} changes within a customer's journey, so it cannot split customers "
                "into groups",
                column=by,
                n_rows=len(varying),
                example_ids=varying.index[:5].tolist(),
                fix="use a customer attribute, or markov_homogeneity_test(..., period=...) "
                "to compare transitions over time",
            )
        return g.first()
    raise DataError(
        f"no column {by!r} in the events or customers",
        column=by,
        fix="pass customers=DataFrame with that column, or a Series customer_id -> group",
    )


class MarkovChainGroups(Mapping):
    """Fitted chains by group: ``groups[name]`` is a fitted :class:`~cxlab.MarkovChain`.

    Made by :meth:`MarkovChain.fit_groups`.

    Parameters
    ----------
    chains : dict
        Group -> fitted chain.
    by : str
        Name of the grouping (the group column of the tables).

    Attributes
    ----------
    by : str
        Name of the grouping.
    chains : dict
        Group -> fitted chain (groups in category order).
    n_customers : Series
        Journeys per group.
    """

    def __init__(self, chains: dict, by: str):
        self.chains = dict(chains)
        self.by = by
        self.n_customers = pd.Series(
            {g: int(c.n_customers_) for g, c in self.chains.items()}, name="n_customers"
        )

    def __getitem__(self, key):
        return self.chains[key]

    def __iter__(self):
        return iter(self.chains)

    def __len__(self) -> int:
        return len(self.chains)

    def __repr__(self) -> str:
        return f"MarkovChainGroups(by={self.by!r}, groups={dict(self.n_customers)})"

    def summary(self) -> pd.DataFrame:
        """All chains' :meth:`~cxlab.MarkovChain.summary` tables, with a group column first."""
        return self._stack(lambda c: c.summary())

    def transition_matrices(self) -> dict:
        """Group -> transition matrix (DataFrame)."""
        return {g: c.transition_matrix_ for g, c in self.chains.items()}

    def absorption(self) -> pd.DataFrame:
        """Absorption summaries of every group, stacked with a group column."""
        return self._stack(lambda c: c.absorption().summary())

    def _stack(self, table) -> pd.DataFrame:
        parts = [table(c).assign(**{self.by: g}) for g, c in self.chains.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[[self.by, *[c for c in out.columns if c != self.by]]]


def fit_groups(chain, X, by, *, customers=None, min_customers: int = MIN_GROUP_CUSTOMERS):
    """Implementation of :meth:`cxlab.MarkovChain.fit_groups` (parameters as documented there)."""
    if hasattr(X, "events") and not isinstance(X, pd.DataFrame):
        data_obj, events = X, X.events
    else:
        data_obj, events = X, X
    mapping = customer_groups(data_obj, by, customers)
    name = by if isinstance(by, str) else str(getattr(mapping, "name", None) or "group")
    chain._check_params()
    spec = chain._spec(X)
    data = prepare(events, spec)
    codes, groups = group_codes(data, mapping)
    chains = {}
    for gi, g in enumerate(groups):
        idx = np.flatnonzero(codes == gi)
        if len(idx) == 0:
            continue
        if len(idx) < min_customers:
            warnings.warn(
                f"group {g!r} has only {len(idx)} journeys; its chain is imprecise "
                "(see the intervals)",
                SmallSampleWarning,
                stacklevel=3,
            )
        sub = compact(data.take(idx))
        chains[g] = type(chain)(**chain.get_params())._fit_data(sub, spec)
    return MarkovChainGroups(chains, name)
