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

from cxlab.data._groups import customer_groups
from cxlab.exceptions import ParameterError, SmallSampleWarning
from cxlab.markov._data import compact, prepare
from cxlab.markov._transitions import group_codes

__all__ = ["MarkovChainGroups", "chain_groups"]

MIN_GROUP_CUSTOMERS = 30


def chain_groups(X, by, customers: pd.DataFrame | None, ids) -> pd.Series:
    """The group of each journey's customer (``ids``), by :func:`cxlab.data.customer_groups`.

    ``by`` may be a Series or dict indexed by customer id (e.g. ``data.truth.persona``
    or fitted persona labels), a column of ``customers`` (or of ``X.customers``
    when X is a CXData), or a column of the events that is constant within each
    customer. Every customer with a journey must have a group.
    """
    if by is None or (isinstance(by, str) and by == ""):
        raise ParameterError(
            "by= is required: a customers column, an events column constant within each "
            "customer, or a Series/dict customer_id -> group."
        )
    is_study = hasattr(X, "events") and not isinstance(X, pd.DataFrame)
    if customers is None and is_study:
        customers = X.customers
    events = X.events if is_study else X
    return customer_groups(
        by,
        customers,
        events=events if isinstance(events, pd.DataFrame) else None,
        ids=ids,
        ids_table="events",
        what="customers table",
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
    events = X.events if hasattr(X, "events") and not isinstance(X, pd.DataFrame) else X
    chain._check_params()
    spec = chain._spec(X)
    data = prepare(events, spec)
    mapping = chain_groups(X, by, customers, data.customers)
    codes, groups = group_codes(data, mapping)
    name = str(mapping.name)
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
