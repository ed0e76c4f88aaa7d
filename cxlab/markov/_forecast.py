"""Forecasts and simulated journeys of a fitted :class:`~cxlab.MarkovChain`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.data._catalog import START_STATE
from cxlab.exceptions import ParameterError
from cxlab.markov._algebra import forecast
from cxlab.markov._analysis import _long
from cxlab.markov._inference import percentile_summary
from cxlab.markov._results import ChainResult

__all__ = ["ChainForecastMixin"]


class ChainForecastMixin:
    """n-step forecasts and simulation (mixed into MarkovChain)."""

    def forecast(self, steps: int = 10, *, initial=None, random_state=None) -> ChainResult:
        """Where a cohort will be after 0..steps transitions.

        Parameters
        ----------
        steps : int, default=10
        initial : None, str, dict or Series, optional
            None: a cohort of new journeys at ``(start)``. A state name, or
            state -> count (e.g. how many customers are in each stage today; order 1 only).

        Returns
        -------
        ChainResult
            ``.estimate``: DataFrame (step x state) of shares; ``.table`` long with intervals.
        """
        self._check_fitted("forecast()")
        names = self._row_names() + list(self.absorbing_states_)
        x0 = np.zeros(len(names))
        if initial is None:
            start = [i for i, h in enumerate(self._rows) if h[-1] == START_STATE]
            if not start:
                raise ParameterError("this chain has no (start); pass initial=state or counts.")
            x0[start[0]] = 1.0
        else:
            if self.order != 1:
                raise ParameterError("initial= is supported for order=1 chains only.")
            init = pd.Series({initial: 1.0}) if isinstance(initial, str) else pd.Series(initial)
            unknown = [s for s in init.index if s not in names]
            if unknown or (init < 0).any() or init.sum() <= 0:
                raise ParameterError(
                    f"initial must give non-negative weights on states {names}; got {dict(init)}"
                )
            x0[[names.index(s) for s in init.index]] = init.to_numpy(float)
            x0 /= x0.sum()

        def full(P):
            Q, R = self._canonical(P)
            a = R.shape[-1]
            eye = np.broadcast_to(np.eye(a), (*P.shape[:-2], a, a))
            zeros = np.zeros((*P.shape[:-2], a, Q.shape[-1]))
            return np.concatenate(
                [np.concatenate([Q, R], -1), np.concatenate([zeros, eye], -1)], -2
            )

        est = forecast(full(self._P), x0, steps)
        draws = self._draws(random_state)
        fd = np.concatenate(
            [
                forecast(full(draws[sl]), x0, steps)
                for sl in self._chunks(len(draws), len(names) ** 2)
            ]
        )
        # histories are summed by their current (last) state: one indicator matmul
        last = [n.split(" > ")[-1] for n in names]
        states = list(dict.fromkeys(last))
        ind = np.zeros((len(names), len(states)))
        ind[np.arange(len(names)), [states.index(s) for s in last]] = 1.0
        wide = pd.DataFrame(est @ ind, columns=states)
        agg = fd @ ind
        wide.index.name = "step"
        table = _long(wide, *percentile_summary(agg, self.confidence), names=("step", "state"))
        return ChainResult(
            name="n-step forecast (share of the cohort)",
            estimate=wide,
            table=table,
            method=self._method(),
            confidence=self.confidence,
            notes=["A step is one transition (the next event), not a unit of calendar time."],
        )

    # -- simulation ---------------------------------------------------------------
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
        random_state : int, Generator or None
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
        self._check_fitted("simulate()")
        rng = np.random.default_rng(self.random_state if random_state is None else random_state)
        start_rows = [i for i, h in enumerate(self._rows) if h[-1] == START_STATE]
        if not start_rows:
            raise ParameterError("this chain has no (start) row to begin journeys from.")
        cum = np.cumsum(self._P, axis=1)
        cum[:, -1] = 1.0
        d = self._dwell_draws(1)
        dwell = d[0] if d is not None else np.ones(len(self._rows))
        n = int(n)
        row = np.full(n, start_rows[0])
        who = np.arange(n)
        t = np.zeros(n)
        ids, times, states = [], [], []
        outcome = np.full(n, -1)
        observed = {self._cols.index(a) for a in self._observed_abs}
        absorbing = set(self.absorbing_states_)
        for step in range(int(max_steps)):
            if len(who) == 0:
                break
            u = rng.random(len(who))
            col = (u[:, None] > cum[row]).sum(axis=1)
            if step > 0:
                t = t + rng.exponential(np.maximum(dwell[row], 1e-12))
            nxt = self._target[row, col]
            emit = (nxt >= 0) | np.isin(col, list(observed))
            ids.append(who[emit])
            times.append(t[emit])
            states.append(col[emit])
            done = nxt < 0
            outcome[who[done]] = col[done]
            keep = ~done
            who, row, t = who[keep], nxt[keep], t[keep]
        ids, times, states = (np.concatenate(a) for a in (ids, times, states))
        order = np.lexsort((times, ids))
        emitted = [j for j, c in enumerate(self._cols) if j in observed or c not in absorbing]
        recode = np.full(len(self._cols), -1)
        recode[emitted] = np.arange(len(emitted))
        events = pd.DataFrame(
            {
                "customer_id": ids[order] + 1,
                "timestamp": pd.Timestamp(start) + pd.to_timedelta(times[order], unit="D"),
                "state": pd.Categorical.from_codes(
                    recode[states[order]], categories=[self._cols[j] for j in emitted]
                ),
            }
        )
        if not return_outcomes:
            return events
        out = pd.Series(
            pd.Categorical.from_codes(outcome, categories=self._cols),
            index=pd.Index(np.arange(1, n + 1), name="customer_id"),
            name="outcome",
        )
        return events, out
