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
>>> data = cxlab.simulate(n_customers=2000, random_state=0)
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
from sklearn.base import BaseEstimator

from cxlab._plots import plot_doc
from cxlab.data._catalog import (
    DEFAULT_CATALOG,
    DROP_STATE,
    END_STATE,
    START_STATE,
    study_catalog,
)
from cxlab.engines._frames import is_lazy_frame
from cxlab.engines._study import require_memory
from cxlab.exceptions import (
    DataError,
    DataWarning,
    NotFittedError,
    ParameterError,
    StatisticalWarning,
)
from cxlab.markov import _derived
from cxlab.markov._data import ChainSpec, prepare
from cxlab.markov._engine_counts import engine_transitions
from cxlab.markov._groups import fit_groups
from cxlab.markov._inference import CI_METHODS, bootstrap_counts, transition_intervals
from cxlab.markov._plots import plot_journey_graph, plot_transition_heatmap
from cxlab.markov._results import AbsorptionResult, ChainResult
from cxlab.markov._transitions import check_sparsity, dwell_days, history_label, transitions

__all__ = ["MarkovChain"]


def _is_lazy(X) -> bool:
    """True for an event table that stays in its engine (DuckDB, Spark, polars LazyFrame)."""
    try:
        return is_lazy_frame(X)
    except ParameterError:
        return False


def _warn_ties(info: dict) -> None:
    if info.get("n_ties"):
        warnings.warn(
            f"{info['n_ties']:,} events share their timestamp with the same "
            "customer's previous event; their order (input order, or catalog order when "
            "cxlab sorted the log) decides those transitions. Give events distinct times "
            "if the order matters",
            DataWarning,
            stacklevel=3,
        )


class MarkovChain(BaseEstimator):
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
    >>> data = cxlab.simulate(n_customers=1000, random_state=1)
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

    # a chain shows as its one-line text in notebooks (not scikit-learn's HTML diagram)
    _repr_html_ = None
    _repr_mimebundle_ = None

    def set_params(self, **params) -> MarkovChain:
        """Set constructor parameters (scikit-learn convention).

        Parameters
        ----------
        **params
            Constructor parameters and their new values.

        Returns
        -------
        self

        Raises
        ------
        ParameterError
            A name that is not a constructor parameter.
        """
        names = tuple(self._get_param_names())
        for k in params:
            if k not in names:
                raise ParameterError(f"unknown parameter {k!r}; parameters are {names}.")
        return super().set_params(**params)

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
        if self.ci_method not in CI_METHODS:
            raise ParameterError(f"ci_method must be one of {CI_METHODS}, not {self.ci_method!r}.")
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
        X : DataFrame, CXData, LazyStudy or iterable of sequences
            An event log with ``customer_id``, ``timestamp`` and the state
            column(s), in any order (it is ordered by customer and time,
            checked in O(n) first); a :class:`~cxlab.data.CXData` (its events);
            a :class:`~cxlab.engines.LazyStudy` or a DuckDB relation, PySpark or
            polars lazy frame (the transitions are counted inside that engine, with
            the same results; see ``docs/scale.md``); or sequences of state names,
            one per customer, in time order.
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
        if not isinstance(X, pd.DataFrame) and _is_lazy(X):
            tr = engine_transitions(X, spec, int(self.order), per_customer=self.n_bootstrap > 0)
            _warn_ties(tr.info)
            return self._fit_engine(tr, spec)
        data = prepare(X, spec)
        _warn_ties(data.info)
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
        >>> data = cxlab.simulate(n_customers=1500, random_state=2)
        >>> by_segment = cxlab.MarkovChain(journey="buyer").fit_groups(data, by="segment")
        >>> sorted(by_segment)
        ['business', 'consumer']
        """
        require_memory(X, "MarkovChain.fit_groups")
        return fit_groups(self, X, by, customers=customers, min_customers=min_customers)

    def _fit_engine(self, tr, spec) -> MarkovChain:
        """Fit from the counts of a lazy study (:func:`engine_transitions`)."""
        check_sparsity(tr.counts, int(self.order), stacklevel=4)
        self._set_structure(tr.rows, list(tr.cols), tr.labels, tr.n_rows, spec)
        self.fit_info_ = dict(tr.info)
        self.n_customers_ = tr.n_customers
        self.dwell_ = tr.dwell
        self.bootstrap_counts_ = None
        if int(self.n_bootstrap) > 0:
            cust, cells, weights, n_customers, _ = tr.customer_cells
            rng = np.random.default_rng(self.random_state)
            b = bootstrap_counts(
                cells,
                cust,
                np.full(n_customers, -1),
                n_customers,
                tr.counts.size,
                int(self.n_bootstrap),
                rng,
                weights=weights,
            )
            self.bootstrap_counts_ = b.reshape(len(b), *tr.counts.shape)
        self._set_counts(tr.counts.astype(float))
        return self

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
        return self

    def _set_structure(self, rows, cols, labels, n_rows, spec):
        self._spec_ = spec
        self._rows = [tuple(r) for r in rows]
        self._cols = list(cols)
        self.transient_states_ = (
            list(labels[1:n_rows]) if labels[0] == START_STATE else list(labels[:n_rows])
        )
        self.absorbing_states_ = list(labels[n_rows:])
        self.states_ = list(labels)
        row_of = {r: i for i, r in enumerate(self._rows)}
        abs_set = set(self.absorbing_states_)
        target = np.full((len(self._rows), len(self._cols)), -1, dtype=np.int64)
        for i, h in enumerate(self._rows):
            for j, c in enumerate(self._cols):
                if c not in abs_set:
                    target[i, j] = row_of.get((*h[1:], c), -1)
        self._target = target
        self._abs_idx = np.array([self._cols.index(a) for a in self.absorbing_states_], int)
        self._visit = np.array([0.0 if h[-1] == START_STATE else 1.0 for h in self._rows])
        self._observed_abs = [
            a
            for a in self.absorbing_states_
            if a not in (END_STATE, DROP_STATE, END_STATE if spec is None else spec.end_state)
        ]
        if spec is not None and spec.journey == "buyer" and not spec.stop_is_state:
            self._observed_abs = []

    def _set_counts(self, counts: np.ndarray, warn: bool = True, exact: bool = False):
        self._counts = counts
        self._exact = exact
        n_row = counts.sum(axis=1)
        empty = n_row <= 0
        if empty.any():
            bad = [history_label(self._rows[i]) for i in np.flatnonzero(empty)]
            raise DataError(
                f"rows {bad} have no transitions out, so their probabilities are undefined",
                n_rows=int(empty.sum()),
                fix="give counts for those rows, or declare the states absorbing=[...]",
            )
        self._P = counts / n_row[:, None]
        if warn:
            inbound = counts[:, self._abs_idx].sum(axis=0)
            never = [
                a
                for a, n in zip(self.absorbing_states_, inbound)
                if n == 0 and a not in (END_STATE, DROP_STATE)
            ]
            if never:
                warnings.warn(
                    f"absorbing states {never} have no way in: no journey enters them, so "
                    "their absorption probability is estimated as 0 with little information",
                    StatisticalWarning,
                    stacklevel=4,
                )
        index = pd.Index([history_label(h) for h in self._rows], name="from")
        columns = pd.Index(self._cols, name="to")
        frame = lambda a: pd.DataFrame(a, index=index, columns=columns)  # noqa: E731
        self.counts_ = frame(counts)
        self.transition_matrix_ = frame(self._P)
        se, lo, hi = transition_intervals(
            counts,
            self._P,
            ci_method=self.ci_method,
            confidence=self.confidence,
            bootstrap_counts=getattr(self, "bootstrap_counts_", None),
            exact=exact,
        )
        self.transition_se_ = frame(se)
        self.transition_ci_low_ = frame(lo)
        self.transition_ci_high_ = frame(hi)
        self.histories_ = list(self._rows)

    # -- alternative constructors ------------------------------------------
    @classmethod
    def from_counts(cls, counts, *, absorbing=None, **params) -> MarkovChain:
        """A first-order chain from a table of transition counts.

        Parameters
        ----------
        counts : DataFrame
            Rows = from, columns = to. States that are columns but not rows are
            absorbing, as are rows whose only count is on themselves and states
            listed in ``absorbing``. A row named ``(start)`` is the journey start.
        absorbing : list of str, optional
            States to treat as absorbing besides those the table shows as absorbing.
        **params
            Other :class:`MarkovChain` parameters (``confidence``, ``ci_method``,
            ``n_draws``, ``random_state``).

        Returns
        -------
        MarkovChain
            Fitted (no timestamps, so no dwell times; no bootstrap).

        Raises
        ------
        DataError
            Negative or non-finite counts, or a non-absorbing row without counts.

        Examples
        --------
        The Land of Oz weather chain (Grinstead & Snell, Example 11.1):

        >>> import pandas as pd, cxlab
        >>> counts = pd.DataFrame([[2, 1, 1], [2, 0, 2], [1, 1, 2]],
        ...                       index=list("RNS"), columns=list("RNS"))
        >>> oz = cxlab.MarkovChain.from_counts(counts, random_state=0)
        >>> oz.stationary_distribution()["estimate"].round(3).tolist()
        [0.4, 0.2, 0.4]
        """
        if not isinstance(counts, pd.DataFrame):
            raise DataError("counts must be a DataFrame with rows = from, columns = to.")
        values = counts.to_numpy(dtype=float)
        if not np.isfinite(values).all() or (values < 0).any():
            raise DataError(
                "counts must be finite and non-negative",
                n_rows=int((~np.isfinite(values) | (values < 0)).any(axis=1).sum()),
                fix="replace missing counts by 0",
            )
        rows, cols = [str(r) for r in counts.index], [str(c) for c in counts.columns]
        if START_STATE in cols:
            raise DataError(f"{START_STATE!r} cannot be a column (nothing moves into the start).")
        declared = [str(a) for a in (absorbing or [])]
        absorbing_states = []
        for i, r in enumerate(rows):
            row = values[i]
            pos = np.flatnonzero(row > 0)
            if r in declared or (len(pos) == 1 and r in cols and cols[pos[0]] == r):
                absorbing_states.append(r)
        absorbing_states += [c for c in cols if c not in rows and c not in absorbing_states]
        absorbing_states += [a for a in declared if a not in absorbing_states]
        transient = [r for r in rows if r not in absorbing_states]
        to_states = [r for r in transient if r != START_STATE] + absorbing_states
        table = counts.copy()
        table.index, table.columns = rows, cols
        table = table.reindex(index=transient, columns=to_states, fill_value=0.0)
        labels = ([START_STATE] if START_STATE in transient else []) + [
            r for r in transient if r != START_STATE
        ]
        labels += absorbing_states
        params.setdefault("order", 1)
        chain = cls(**params)
        chain._check_params()
        spec = None
        chain._set_structure([(r,) for r in transient], to_states, labels, len(transient), spec)
        chain.fit_info_ = {"source": "counts"}
        chain.n_customers_ = None
        chain.dwell_ = None
        chain.bootstrap_counts_ = None
        chain._set_counts(table.to_numpy(dtype=float))
        return chain

    @classmethod
    def from_transition_matrix(cls, matrix, *, absorbing=None, **params) -> MarkovChain:
        """A chain with known probabilities (no sampling error: intervals have zero width).

        Parameters
        ----------
        matrix : DataFrame
            Rows = from, columns = to, each row summing to 1; same layout rules
            as :meth:`from_counts`.
        absorbing : list of str, optional
            States to treat as absorbing besides those the table shows as absorbing.
        **params
            Other :class:`MarkovChain` parameters.

        Returns
        -------
        MarkovChain
            Fitted, with ``exact`` intervals.

        Raises
        ------
        DataError
            Not a DataFrame, or rows that do not sum to 1.

        Examples
        --------
        >>> import cxlab
        >>> data = cxlab.simulate(n_customers=100, random_state=0)
        >>> true = cxlab.MarkovChain.from_transition_matrix(data.truth.transition_matrix)
        >>> round(float(true.absorption().probabilities.loc["(start)", "purchase"]), 4)
        0.4877
        """
        if not isinstance(matrix, pd.DataFrame):
            raise DataError("matrix must be a DataFrame with rows = from, columns = to.")
        sums = matrix.sum(axis=1).to_numpy()
        if not np.allclose(sums, 1.0, atol=1e-8):
            raise DataError(
                f"rows must sum to 1; they sum to {np.round(sums, 4).tolist()}",
                fix="normalise the rows, or use from_counts for counts",
            )
        chain = cls.from_counts(matrix, absorbing=absorbing, **params)
        chain._set_counts(chain._counts, exact=True)
        return chain

    # -- results --------------------------------------------------------------
    def _check_fitted(self, method: str = "this method"):
        if not hasattr(self, "_P"):
            raise NotFittedError(
                f"This MarkovChain is not fitted yet; call fit(events) or "
                f"MarkovChain.from_counts(...) before {method}."
            )

    def summary(self) -> pd.DataFrame:
        """One row per estimated transition: count, probability, SE and interval.

        Columns: ``from``, ``to``, ``count``, ``n_from``, ``probability``,
        ``se``, ``ci_low``, ``ci_high``, ``method``. Transitions never observed are
        included (probability 0; the interval says how large it could be).
        """
        self._check_fitted("summary()")
        n_from = self._counts.sum(axis=1)
        out = pd.DataFrame(
            {
                "from": np.repeat(self.counts_.index.to_numpy(), len(self._cols)),
                "to": np.tile(np.asarray(self._cols, dtype=object), len(self._rows)),
                "count": self._counts.ravel(),
                "n_from": np.repeat(n_from, len(self._cols)),
                "probability": self._P.ravel(),
                "se": self.transition_se_.to_numpy().ravel(),
                "ci_low": self.transition_ci_low_.to_numpy().ravel(),
                "ci_high": self.transition_ci_high_.to_numpy().ravel(),
            }
        )
        out["method"] = "exact" if self._exact else self.ci_method
        return out

    # -- derived quantities (cxlab.markov._derived) ---------------------------
    def _fitted(self, method: str) -> _derived.FittedChain:
        """The fitted state the derived quantities use, with the current interval settings."""
        self._check_fitted(method)
        return _derived.FittedChain(
            rows=self._rows,
            cols=self._cols,
            target=self._target,
            abs_idx=self._abs_idx,
            visit=self._visit,
            observed_abs=self._observed_abs,
            transient_states=self.transient_states_,
            absorbing_states=self.absorbing_states_,
            counts=self._counts,
            P=self._P,
            exact=self._exact,
            bootstrap_counts=self.bootstrap_counts_,
            dwell=self.dwell_,
            ci_method=self.ci_method,
            confidence=self.confidence,
            n_draws=self.n_draws,
            random_state=self.random_state,
            order=self.order,
        )

    def absorption(self, *, random_state=None) -> AbsorptionResult:
        """Absorption probabilities, expected steps and time, and the fundamental matrix.

        Parameters
        ----------
        random_state : int, Generator or None, default=None
            Overrides the chain's ``random_state`` for the interval draws.

        Returns
        -------
        AbsorptionResult
            ``.probabilities`` (from x absorbing), ``.expected_steps``,
            ``.expected_time`` (days; None without timestamps), ``.time_given``,
            ``.fundamental`` and ``.summary()`` with SEs and intervals.

        Raises
        ------
        NotFittedError
            The chain is not fitted.
        ParameterError
            The chain has no absorbing state, or some state never reaches one.

        Examples
        --------
        >>> import cxlab
        >>> data = cxlab.simulate(n_customers=1000, random_state=3)
        >>> ab = cxlab.MarkovChain(journey="buyer", random_state=0).fit(data.events).absorption()
        >>> ab.probabilities.columns.tolist()
        ['purchase', '(drop-off)']
        """
        return _derived.absorption(self._fitted("absorption()"), random_state=random_state)

    def stationary_distribution(self, *, restart: bool = False, random_state=None) -> pd.DataFrame:
        """Long-run share of steps spent in each state, with intervals.

        Parameters
        ----------
        restart : bool, default=False
            For journey chains: a finished journey (absorbed) starts again at
            once, so the distribution is the long-run share of events in each
            state over repeated journeys (absorbing states count as one step).
        random_state : int, Generator or None, default=None
            Overrides the chain's ``random_state`` for the interval draws.

        Returns
        -------
        DataFrame
            Index = state; columns ``estimate``, ``se``, ``ci_low``, ``ci_high``.
            For ``order >= 2`` the shares of histories are summed by their last state.

        Raises
        ------
        ParameterError
            Absorbing chain without ``restart=True``; several closed classes.
        """
        fc = self._fitted("stationary_distribution()")
        return _derived.stationary(fc, restart=restart, random_state=random_state)

    def mean_first_passage_times(self, *, restart: bool = False, random_state=None) -> ChainResult:
        """Expected steps to first reach each state (columns) from each state (rows).

        Parameters
        ----------
        restart : bool, default=False
            For journey chains: a finished journey starts again at once (see
            :meth:`stationary_distribution`).
        random_state : int, Generator or None, default=None
            Overrides the chain's ``random_state`` for the interval draws.

        Returns
        -------
        ChainResult
            ``.estimate``: DataFrame with zero diagonal; the table adds the mean
            recurrence times (``from == to``) and intervals. First-order chains only.

        Raises
        ------
        ParameterError
            ``order`` above 1; an absorbing chain without ``restart=True``.
        """
        fc = self._fitted("mean_first_passage_times()")
        return _derived.first_passage_times(fc, restart=restart, random_state=random_state)

    def forecast(self, steps: int = 10, *, initial=None, random_state=None) -> ChainResult:
        """Where a cohort will be after 0..steps transitions.

        Parameters
        ----------
        steps : int, default=10
            Number of transitions (events) to look ahead.
        initial : None, str, dict or Series, optional
            None: a cohort of new journeys at ``(start)``. A state name, or
            state -> count (e.g. how many customers are in each stage today; order 1 only).
        random_state : int, Generator or None, default=None
            Overrides the chain's ``random_state`` for the interval draws.

        Returns
        -------
        ChainResult
            ``.estimate``: DataFrame (step x state) of shares; ``.table`` long with intervals.

        Raises
        ------
        ParameterError
            No ``(start)`` row and no ``initial``; unknown or negative ``initial`` weights.
        """
        fc = self._fitted("forecast()")
        return _derived.cohort_forecast(fc, steps, initial=initial, random_state=random_state)

    def simulate(
        self,
        n: int,
        random_state=None,
        *,
        max_steps: int = 200,
        start="2025-01-01",
        return_outcomes: bool = False,
    ):
        """Draw ``n`` new journeys from the fitted chain.

        Parameters
        ----------
        n : int
            Number of journeys (customers ``1..n``).
        random_state : int, Generator or None, default=None
            Default: the chain's ``random_state``.
        max_steps : int, default=200
            Journeys not absorbed after this many events stop there.
        start : str, default="2025-01-01"
            Time of every journey's first event; later events follow after
            exponential gaps with the state's mean dwell (1 day without timestamps).
        return_outcomes : bool, default=False
            Also return a Series customer_id -> absorbing state reached (NaN if none).

        Returns
        -------
        DataFrame (and Series)
            Events ``customer_id``, ``timestamp``, ``state`` (categorical) that
            ``fit`` reads back (pass ``state="state"``). Absorbing states that
            are real events (e.g. ``purchase``) are emitted as the last event;
            unobserved ends (``(end)``, ``(drop-off)``) are not.
        """
        return _derived.simulate_journeys(
            self._fitted("simulate()"),
            n,
            random_state,
            max_steps=max_steps,
            start=start,
            return_outcomes=return_outcomes,
        )

    def _first_order_view(self) -> MarkovChain:
        """First-order chain of a higher-order one: its counts summed over histories by last state."""
        counts = self.counts_.copy()
        counts.index = [h[-1] for h in self.histories_]
        counts = counts.groupby(level=0, sort=False).sum()
        view = MarkovChain.from_counts(counts, confidence=self.confidence)
        spec = getattr(self, "_spec_", None)
        view.catalog = self.catalog or getattr(spec, "catalog", None) or DEFAULT_CATALOG
        return view

    # -- figures ----------------------------------------------------------------
    @plot_doc
    def plot_heatmap(self, ax=None, **kw):
        """Heatmap of the transition matrix with intervals.

        Parameters
        ----------
        %(ax)s
        **kw
            See :func:`cxlab.markov.plot_transition_heatmap`.

        Returns
        -------
        matplotlib Axes
        """
        return plot_transition_heatmap(self, ax=ax, **kw)

    @plot_doc
    def plot_graph(self, ax=None, **kw):
        """Journey graph (arrows as wide as their probability).

        Parameters
        ----------
        %(ax)s
        **kw
            See :func:`cxlab.markov.plot_journey_graph`.

        Returns
        -------
        matplotlib Axes
        """
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
