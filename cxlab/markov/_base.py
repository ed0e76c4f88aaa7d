"""Fitted state of a :class:`~cxlab.MarkovChain`: structure, counts, intervals, summary,
and the constructors from known counts or probabilities.

Rows of a chain are histories (tuples of ``order`` states; ``(start)`` pads the
beginning), columns are next states. ``_target[i, j]`` is the row a journey
moves to from row ``i`` when its next state is column ``j`` (-1 for absorbing
states), which is all the absorbing-chain algebra needs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlab._stats import wilson
from cxlab.data._catalog import DROP_STATE, END_STATE, START_STATE
from cxlab.exceptions import DataError, NotFittedError, StatisticalWarning
from cxlab.markov._inference import (
    goodman_intervals,
    multinomial_se,
    normalise_rows,
)

if TYPE_CHECKING:  # pragma: no cover
    from cxlab.markov._chain import MarkovChain

__all__ = ["ChainStateMixin"]


def _label(h: tuple) -> str:
    return h[0] if len(h) == 1 else " > ".join(h)


class ChainStateMixin:
    """Structure, counts and intervals of a fitted chain (mixed into MarkovChain)."""

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
            a for a in self.absorbing_states_ if a not in (END_STATE, DROP_STATE, spec_end(spec))
        ]
        if spec is not None and spec.journey == "buyer" and not spec.stop_is_state:
            self._observed_abs = []

    def _set_counts(self, counts: np.ndarray, warn: bool = True, exact: bool = False):
        self._counts = counts
        self._exact = exact
        n_row = counts.sum(axis=1)
        empty = n_row <= 0
        if empty.any():
            bad = [_label(self._rows[i]) for i in np.flatnonzero(empty)]
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
        index = pd.Index([_label(h) for h in self._rows], name="from")
        columns = pd.Index(self._cols, name="to")
        frame = lambda a: pd.DataFrame(a, index=index, columns=columns)  # noqa: E731
        self.counts_ = frame(counts)
        self.transition_matrix_ = frame(self._P)
        if exact:
            lo = hi = self._P
            se = np.zeros_like(self._P)
        elif self.ci_method == "bootstrap" and getattr(self, "bootstrap_counts_", None) is not None:
            draws = normalise_rows(self.bootstrap_counts_, fallback=self._P)
            a = (1 - self.confidence) / 2
            se = draws.std(axis=0, ddof=1)
            lo, hi = np.quantile(draws, [a, 1 - a], axis=0)
        else:
            se = multinomial_se(counts)
            if self.ci_method == "goodman":
                lo, hi = goodman_intervals(counts, self.confidence)
            else:
                lo, hi = wilson(counts, n_row[:, None], self.confidence)
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
        chain._data = None
        chain._set_counts(table.to_numpy(dtype=float))
        return chain

    @classmethod
    def from_transition_matrix(cls, matrix, *, absorbing=None, **params) -> MarkovChain:
        """A chain with known probabilities (no sampling error: intervals have zero width).

        Same layout rules as :meth:`from_counts`; rows must sum to 1.

        Examples
        --------
        >>> import cxlab
        >>> data = cxlab.simulate(n_customers=100, seed=0)
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


def spec_end(spec) -> str:
    return END_STATE if spec is None else spec.end_state
