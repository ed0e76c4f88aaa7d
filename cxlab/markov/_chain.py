"""Markov chains of customer journeys: :class:`MarkovChain`.

A first-order (or higher-order) Markov chain of journey states fitted by
maximum likelihood to an event log, with intervals for every transition
probability and for everything derived from them (absorption probabilities,
expected steps and time to absorption, stationary distribution, mean first
passage times, n-step forecasts, removal effects).

How journeys become transitions is described in :mod:`cxlab.markov`
(start state, ``journey="all"`` with the ``(end)`` state, ``journey="buyer"``
cut at the purchase with ``(drop-off)``, higher orders). How the intervals
are computed is described in :mod:`cxlab.markov`.

Examples
--------
>>> import cxlab
>>> data = cxlab.simulate(n_customers=2000, seed=0)
>>> mc = cxlab.MarkovChain(journey="buyer", random_state=0).fit(data.events)
>>> bool(mc.transition_matrix_.loc["consideration", "purchase"] > 0.3)
True
>>> ab = mc.absorption()
>>> bool(0.4 < ab.probabilities.loc["(start)", "purchase"] < 0.6)
True
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab.data._catalog import study_catalog
from cxlab.exceptions import (
    DataWarning,
    ParameterError,
)
from cxlab.markov._analysis import ChainAnalysisMixin
from cxlab.markov._base import ChainStateMixin
from cxlab.markov._data import ChainSpec, prepare
from cxlab.markov._forecast import ChainForecastMixin
from cxlab.markov._inference import (
    bootstrap_counts,
)
from cxlab.markov._transitions import check_sparsity, dwell_days, transitions

__all__ = ["MarkovChain"]

_CI_METHODS = ("wilson", "goodman", "bootstrap")


class MarkovChain(ChainStateMixin, ChainAnalysisMixin, ChainForecastMixin):
    """Markov chain of journey states, scikit-learn style.

    Parameters
    ----------
    order : int, default=1
        Number of previous states the next state depends on. Rows of an
        order-``m`` chain are histories of ``m`` states (padded with ``(start)``).
    state : str or list of str, default="stage"
        Event column(s) whose values are the chain's states (``"channel"`` for a
        channel chain; ``["stage", "channel"]`` for combined ``stage:channel`` states).
    journey : {"all", "buyer"}, default="all"
        ``"all"``: the whole event log, each journey ending in ``end_state``
        (default ``(end)``). ``"buyer"``: each journey cut at its first purchase
        (absorbing ``purchase``); journeys without one end in ``(drop-off)``.
        See :mod:`cxlab.markov` for the exact conventions.
    states : list of str, optional
        Transient states and their order. Default: those seen, in category
        (catalog) order; for ``journey="buyer"`` on stages, the catalog's buyer
        stages before the purchase.
    absorbing : list of str, optional
        States that end a journey at their first visit (``journey="all"`` only),
        e.g. ``["churn"]``.
    end_state : str, optional
        Name of the absorbing state after a journey's last event; default
        ``(end)`` (``(drop-off)`` for ``journey="buyer"``).
    collapse_repeats : bool, default=False
        Merge consecutive events in the same state before counting.
    catalog : StageCatalog, optional
        For the purchase stage and buyer stages; default the built-in catalog.
    confidence : float, default=0.95
        Level of every interval.
    ci_method : {"wilson", "goodman", "bootstrap"}, default="wilson"
        Intervals of transition probabilities (see :mod:`cxlab.markov`);
        ``"bootstrap"`` needs ``n_bootstrap > 0`` and then also drives the
        intervals of derived quantities.
    n_bootstrap : int, default=0
        Customer-level bootstrap resamples computed during ``fit`` (0: none).
    n_draws : int, default=1000
        Dirichlet draws of the transition matrix for intervals of derived
        quantities when there is no bootstrap.
    random_state : int, numpy Generator or None, default=None
        Seeds the bootstrap, the draws and :meth:`simulate`.

    Attributes
    ----------
    states_ : list of str
        All states: ``(start)``, transient states, absorbing states.
    transient_states_, absorbing_states_ : list of str
    counts_ : DataFrame
        Transition counts, rows = from (state, or history for order >= 2),
        columns = to.
    transition_matrix_ : DataFrame
        Estimated transition probabilities, same shape; rows sum to 1.
    transition_se_, transition_ci_low_, transition_ci_high_ : DataFrame
        Standard errors and interval bounds of every probability.
    dwell_ : DataFrame or None
        Observed days between an event and the customer's next event, by state.
    n_customers_ : int
        Journeys used.
    fit_info_ : dict
        What the data preparation did (rows sorted, ties, events after
        absorption, customers excluded, single-event customers, states never seen).
    bootstrap_counts_ : ndarray or None
        ``(n_bootstrap, rows, cols)`` customer-bootstrap counts.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=1000, seed=1)
    >>> mc = cxlab.MarkovChain(journey="buyer").fit(data.events)
    >>> mc.transition_matrix_.columns.tolist()
    ['awareness', 'consideration', 'purchase', '(drop-off)']
    >>> mc.summary().columns.tolist()[:4]
    ['from', 'to', 'count', 'n_from']
    """

    def __init__(
        self,
        *,
        order: int = 1,
        state="stage",
        journey: str = "all",
        states=None,
        absorbing=None,
        end_state: str | None = None,
        collapse_repeats: bool = False,
        catalog=None,
        confidence: float = 0.95,
        ci_method: str = "wilson",
        n_bootstrap: int = 0,
        n_draws: int = 1000,
        random_state=None,
    ):
        self.order = order
        self.state = state
        self.journey = journey
        self.states = states
        self.absorbing = absorbing
        self.end_state = end_state
        self.collapse_repeats = collapse_repeats
        self.catalog = catalog
        self.confidence = confidence
        self.ci_method = ci_method
        self.n_bootstrap = n_bootstrap
        self.n_draws = n_draws
        self.random_state = random_state

    _PARAMS = (
        "order",
        "state",
        "journey",
        "states",
        "absorbing",
        "end_state",
        "collapse_repeats",
        "catalog",
        "confidence",
        "ci_method",
        "n_bootstrap",
        "n_draws",
        "random_state",
    )

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters (scikit-learn convention)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params) -> MarkovChain:
        """Set constructor parameters; returns self."""
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ParameterError(f"unknown parameter {k!r}; parameters are {self._PARAMS}.")
            setattr(self, k, v)
        return self

    # -- fitting ------------------------------------------------------------
    def _spec(self, X=None) -> ChainSpec:
        """Resolved settings; the catalog is ``self.catalog``, else the study's (``X.catalog``)."""
        return ChainSpec.resolve(
            state=self.state,
            journey=self.journey,
            states=self.states,
            absorbing=self.absorbing,
            end_state=self.end_state,
            collapse_repeats=self.collapse_repeats,
            catalog=study_catalog(X, self.catalog),
            check_stages=self.catalog is not None or hasattr(X, "catalog"),
        )

    def _check_params(self):
        if self.ci_method not in _CI_METHODS:
            raise ParameterError(f"ci_method must be one of {_CI_METHODS}, not {self.ci_method!r}.")
        if self.ci_method == "bootstrap" and int(self.n_bootstrap) < 2:
            raise ParameterError(
                "ci_method='bootstrap' needs n_bootstrap >= 2 (e.g. n_bootstrap=200)."
            )
        if int(self.n_bootstrap) < 0 or int(self.n_draws) < 2:
            raise ParameterError("n_bootstrap must be >= 0 and n_draws >= 2.")

    def fit(self, X, y=None) -> MarkovChain:
        """Fit the chain to an event log or an iterable of sequences.

        Parameters
        ----------
        X : DataFrame, CXData or iterable of sequences
            An event log with ``customer_id``, ``timestamp`` and the state
            column(s), in any order (it is ordered by customer and time,
            checked in O(n) first); a :class:`~cxlab.data.CXData` (its events);
            or sequences of state names, one per customer, in time order.
        y : ignored

        Returns
        -------
        self

        Raises
        ------
        DataError
            Missing columns, ids, timestamps or states; reserved state names;
            no journey left.
        ParameterError
            Invalid settings, or ``order`` higher than the longest journey.

        Warns
        -----
        DataWarning
            Tied timestamps (their order decides transitions); states asked for
            but never seen; customers left out of a buyer's journey; every
            customer with a single event.
        StatisticalWarning
            An absorbing state no journey enters.
        SmallSampleWarning
            A higher order whose histories are mostly seen fewer than 5 times.
        """
        self._check_params()
        spec = self._spec(X)
        if hasattr(X, "events") and not isinstance(X, pd.DataFrame):
            X = X.events
        data = prepare(X, spec)
        if data.info.get("n_ties"):
            warnings.warn(
                f"{data.info['n_ties']:,} events share their timestamp with the same "
                "customer's previous event; their order (input order, or catalog order when "
                "cxlab sorted the log) decides those transitions. Give events distinct times "
                "if the order matters",
                DataWarning,
                stacklevel=2,
            )
        return self._fit_data(data, spec)

    def fit_groups(self, X, by, *, customers=None, min_customers: int = 30):
        """Fit one chain per group of customers, with these settings, in one call.

        Parameters
        ----------
        X : DataFrame or CXData
            Event log (or study).
        by : str, Series or dict
            The group of each customer: a Series/dict ``customer_id -> group``
            (e.g. ``data.truth.persona`` or fitted persona labels), a column of
            ``customers`` (or of ``X.customers`` for a CXData, e.g. ``"segment"``),
            or an events column constant within each customer.
        customers : DataFrame, optional
            Customer table holding the ``by`` column.
        min_customers : int, default=30
            Groups with fewer journeys get a :class:`~cxlab.exceptions.SmallSampleWarning`.

        Returns
        -------
        MarkovChainGroups
            Mapping group -> fitted chain, with ``summary()``,
            ``transition_matrices()`` and ``absorption()`` over all groups.

        Examples
        --------
        >>> import cxlab
        >>> data = cxlab.simulate(n_customers=1500, seed=2)
        >>> by_segment = cxlab.MarkovChain(journey="buyer").fit_groups(data, by="segment")
        >>> sorted(by_segment)
        ['business', 'consumer']
        """
        from cxlab.markov._groups import fit_groups

        return fit_groups(self, X, by, customers=customers, min_customers=min_customers)

    def _fit_data(self, data, spec, *, warn: bool = True) -> MarkovChain:
        self._check_params()
        tr = transitions(data, self.order)
        counts = tr.counts()
        if warn:
            check_sparsity(counts, int(self.order), stacklevel=4)
        self._set_structure(tr.rows, list(tr.cols), data.labels, data.n_rows, spec)
        self.fit_info_ = dict(data.info)
        self.n_customers_ = int(data.n_customers)
        self.dwell_ = dwell_days(data)
        self.bootstrap_counts_ = None
        if int(self.n_bootstrap) > 0:
            ev, end = tr.cells()
            rng = np.random.default_rng(self.random_state)
            b = bootstrap_counts(
                ev,
                data.customer_index(),
                end,
                data.n_customers,
                tr.n_cells,
                int(self.n_bootstrap),
                rng,
            )
            self.bootstrap_counts_ = b.reshape(len(b), *counts.shape)
        self._set_counts(counts.astype(float), warn=warn)
        self._data = data
        return self

    def plot_heatmap(self, ax=None, **kw):
        """Heatmap of the transition matrix with intervals; see
        :func:`cxlab.markov.plot_transition_heatmap`."""
        from cxlab.markov._plots import plot_transition_heatmap

        return plot_transition_heatmap(self, ax=ax, **kw)

    def plot_graph(self, ax=None, **kw):
        """Journey graph (arrows as wide as their probability); see
        :func:`cxlab.markov.plot_journey_graph`."""
        from cxlab.markov._plots import plot_journey_graph

        return plot_journey_graph(self, ax=ax, **kw)

    def __repr__(self) -> str:
        params = {
            k: getattr(self, k)
            for k in ("order", "state", "journey", "absorbing", "n_bootstrap")
            if getattr(self, k) not in (None, 0, 1, "stage", "all")
        }
        inner = ", ".join(f"{k}={v!r}" for k, v in params.items())
        fitted = (
            f" fitted on {self.n_customers_:,} journeys"
            if getattr(self, "n_customers_", None)
            else ""
        )
        return f"MarkovChain({inner}){fitted}"
