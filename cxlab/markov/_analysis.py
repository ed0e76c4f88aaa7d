"""What a fitted :class:`~cxlab.markov.MarkovChain` tells: absorption, stationary
distribution, mean first passage times, forecasts and simulated journeys.

Every method returns point estimates with intervals computed on draws of the
whole transition matrix (see :mod:`cxlab.markov`): Dirichlet draws by
default, the customer bootstrap when the chain was fitted with
``n_bootstrap > 0`` and ``ci_method="bootstrap"``. Dwell times enter expected
times through a normal approximation of each state's mean dwell (its SE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.data._catalog import START_STATE
from cxlab.exceptions import ParameterError
from cxlab.markov._algebra import (
    conditional_expected_time,
    fundamental_matrix,
    mean_first_passage_times,
    stationary_distribution,
)
from cxlab.markov._inference import dirichlet_draws, normalise_rows, percentile_summary
from cxlab.markov._results import AbsorptionResult, ChainResult

__all__ = ["ChainAnalysisMixin"]

_CHUNK = 20_000_000  # max elements of a stacked matrix batch


def _label(h: tuple) -> str:
    return h[0] if len(h) == 1 else " > ".join(h)


def _long(estimate: pd.DataFrame, se, lo, hi, names=("from", "to")) -> pd.DataFrame:
    t = estimate.stack(future_stack=True).rename("estimate").to_frame()
    t.index.names = list(names)
    for col, arr in (("se", se), ("ci_low", lo), ("ci_high", hi)):
        t[col] = np.asarray(arr).ravel()
    return t.reset_index()


class ChainAnalysisMixin:
    """Analyses shared by fitted chains (mixed into :class:`~cxlab.markov.MarkovChain`)."""

    # -- draws ----------------------------------------------------------------
    def _method(self) -> str:
        if self._exact:
            return "exact"
        if self.ci_method == "bootstrap" and self.bootstrap_counts_ is not None:
            return "bootstrap"
        return "dirichlet"

    def _draws(self, random_state=None) -> np.ndarray:
        """Stack of transition matrices ``(B, rows, cols)`` for intervals."""
        method = self._method()
        if method == "exact":
            return self._P[None]
        if method == "bootstrap":
            return normalise_rows(self.bootstrap_counts_, fallback=self._P)
        rs = self.random_state if random_state is None else random_state
        return dirichlet_draws(self._counts, int(self.n_draws), _rng(rs, stream=0))

    def _dwell_draws(self, n: int, random_state=None) -> np.ndarray | None:
        """Mean dwell (days) per row for each draw, ``(n, rows)``; row 0 of draws is not special."""
        if self.dwell_ is None:
            return None
        mean = self.dwell_["mean_days"].reindex(self.transient_states_).to_numpy()
        se = self.dwell_["se_days"].reindex(self.transient_states_).fillna(0).to_numpy()
        if np.isnan(mean).any():
            return None
        state_pos = {s: i for i, s in enumerate(self.transient_states_)}
        last = np.array([state_pos.get(h[-1], -1) for h in self._rows])
        if self._method() == "exact" or n == 1:
            d = mean[None, :].repeat(n, axis=0)
        else:
            rs = self.random_state if random_state is None else random_state
            rng = _rng(rs, stream=1)
            d = np.clip(mean + se * rng.standard_normal((n, len(mean))), 0, None)
        out = np.zeros((n, len(self._rows)))
        ok = last >= 0
        out[:, ok] = d[:, last[ok]]
        return out

    def _canonical(self, P: np.ndarray):
        """Transient block ``Q`` (rows x rows) and absorbing block ``R`` of matrices ``P``."""
        r_idx, c_idx = np.nonzero(self._target >= 0)
        t_idx = self._target[r_idx, c_idx]
        Q = np.zeros((*P.shape[:-2], len(self._rows), len(self._rows)))
        Q[..., r_idx, t_idx] = P[..., r_idx, c_idx]
        R = P[..., :, self._abs_idx]
        return Q, R

    def _row_names(self):
        return [_label(h) for h in self._rows]

    def _chunks(self, B: int, size: int):
        step = max(1, _CHUNK // max(size, 1))
        for lo in range(0, B, step):
            yield slice(lo, min(B, lo + step))

    # -- absorption -------------------------------------------------------------
    def absorption(self, *, random_state=None) -> AbsorptionResult:
        """Absorption probabilities, expected steps and time, and the fundamental matrix.

        Parameters
        ----------
        random_state : int or None, optional
            Overrides the chain's ``random_state`` for the interval draws.

        Returns
        -------
        AbsorptionResult
            ``.probabilities`` (from x absorbing), ``.expected_steps``,
            ``.expected_time`` (days; None without timestamps), ``.time_given``,
            ``.fundamental`` and ``.summary()`` with SEs and intervals.

        Raises
        ------
        ParameterError
            The chain has no absorbing state, or some state never reaches one.

        Examples
        --------
        >>> import cxlab
        >>> data = cxlab.simulate(n_customers=1000, seed=3)
        >>> ab = cxlab.MarkovChain(journey="buyer", random_state=0).fit(data.events).absorption()
        >>> ab.probabilities.columns.tolist()
        ['purchase', '(drop-off)']
        """
        self._check_fitted("absorption()")
        if len(self._abs_idx) == 0:
            raise ParameterError(
                "this chain has no absorbing state; use stationary_distribution() or "
                "forecast(), or fit with absorbing=[...] / journey='buyer'"
            )
        names = self._row_names()
        absn = self.absorbing_states_
        Q, R = self._canonical(self._P)
        N = fundamental_matrix(Q, names=names)
        B = N @ R
        steps = N @ self._visit
        d0 = self._dwell_draws(1)
        tm = N @ d0[0] if d0 is not None else None
        tg = (
            np.stack(
                [conditional_expected_time(Q, R, d0[0], j, names=names) for j in range(len(absn))],
                axis=-1,
            )
            if d0 is not None
            else None
        )
        draws = self._draws(random_state)
        nb = len(draws)
        dd = self._dwell_draws(nb, random_state)
        Bd = np.empty((nb, *B.shape))
        Sd = np.empty((nb, len(steps)))
        Nd = np.empty((nb, *N.shape))
        Td = np.empty((nb, len(steps))) if tm is not None else None
        Gd = np.empty((nb, *tg.shape)) if tg is not None else None
        for sl in self._chunks(nb, N.size):
            Qd, Rd = self._canonical(draws[sl])
            Nd[sl] = fundamental_matrix(Qd, names=names)
            Bd[sl] = Nd[sl] @ Rd
            Sd[sl] = Nd[sl] @ self._visit
            if Td is not None:
                Td[sl] = np.einsum("bij,bj->bi", Nd[sl], dd[sl])
                for j in range(len(absn)):
                    Gd[sl, :, j] = conditional_expected_time(Qd, Rd, dd[sl], j, names=names)
        conf = self.confidence
        probs = pd.DataFrame(B, index=pd.Index(names, name="from"), columns=absn)
        parts = [
            _long(probs, *percentile_summary(Bd, conf)).assign(quantity="absorption probability")
        ]
        steps_s = pd.Series(steps, index=probs.index, name="expected_steps")
        parts.append(_series_long(steps_s, Sd, conf, "expected steps"))
        time_s = time_df = None
        if tm is not None:
            time_s = pd.Series(tm, index=probs.index, name="expected_days")
            parts.append(_series_long(time_s, Td, conf, "expected days to absorption"))
            time_df = pd.DataFrame(tg, index=probs.index, columns=absn)
            parts.append(
                _long(time_df, *percentile_summary(Gd, conf)).assign(
                    quantity="expected days given absorbed in"
                )
            )
        fund = pd.DataFrame(N, index=probs.index, columns=pd.Index(names, name="to"))
        parts.append(_long(fund, *percentile_summary(Nd, conf)).assign(quantity="fundamental N"))
        table = pd.concat(parts, ignore_index=True)
        table = table[["quantity", "from", "to", "estimate", "se", "ci_low", "ci_high"]]
        notes = [
            "Absorption probabilities and expected steps are exact functions of the "
            "estimated transition matrix (N = (I - Q)^-1, B = N R, t = N 1).",
            f"Intervals: {self._method()} draws of the transition matrix "
            f"({nb} draws); see cxlab.markov.",
        ]
        if tm is not None:
            notes.append(
                "Expected days add the mean observed days from an event to the next event "
                "over the expected visits; the time of an unobserved end (drop-off, (end)) "
                "is assumed to be like the observed ones, and the first-order chain assumes "
                "dwell does not depend on where the customer goes next."
            )
        if self.order > 1:
            notes.append(f"Rows are histories of {self.order} states (order={self.order}).")
        return AbsorptionResult(
            name="absorbing-chain analysis",
            estimate=probs,
            table=table,
            method=self._method(),
            confidence=conf,
            notes=notes,
            probabilities=probs,
            expected_steps=steps_s,
            expected_time=time_s,
            time_given=time_df,
            fundamental=fund,
        )

    # -- ergodic analyses -------------------------------------------------------
    def _full_matrix(self, P: np.ndarray, restart: bool):
        """Square matrix over the chain's states for ergodic analyses; names."""
        Q, R = self._canonical(P)
        names = self._row_names()
        if len(self._abs_idx) == 0:
            return Q, names
        if not restart:
            raise ParameterError(
                "this is an absorbing chain: every journey ends in "
                f"{self.absorbing_states_}, so its long-run distribution sits there. "
                "Use absorption(), or restart=True to let each finished journey start again"
            )
        start = [i for i, h in enumerate(self._rows) if h[-1] == START_STATE]
        if not start:
            raise ParameterError("restart=True needs a (start) row to restart journeys from.")
        s = start[0]
        keep = [i for i in range(len(self._rows)) if i != s]
        a = len(self._abs_idx)
        top = np.concatenate([Q[..., keep, :][..., :, keep], R[..., keep, :]], axis=-1)
        back = np.concatenate([Q[..., s, keep], R[..., s, :]], axis=-1)
        bottom = np.repeat(back[..., None, :], a, axis=-2)
        M = np.concatenate([top, bottom], axis=-2)
        return M, [names[i] for i in keep] + list(self.absorbing_states_)

    def stationary_distribution(self, *, restart: bool = False, random_state=None):
        """Long-run share of steps spent in each state, with intervals.

        Parameters
        ----------
        restart : bool, default=False
            For journey chains: a finished journey (absorbed) starts again at
            once, so the distribution is the long-run share of events in each
            state over repeated journeys (absorbing states count as one step).

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
        self._check_fitted("stationary_distribution()")
        M, names = self._full_matrix(self._P, restart)
        w = stationary_distribution(M, names=names)
        draws = self._draws(random_state)
        Wd = np.concatenate(
            [
                stationary_distribution(self._full_matrix(draws[sl], restart)[0], names=names)
                for sl in self._chunks(len(draws), M.size)
            ]
        )
        last = [n.split(" > ")[-1] for n in names]
        est = pd.Series(w, index=last).groupby(level=0, sort=False).sum()
        agg = pd.DataFrame(Wd.T, index=last).groupby(level=0, sort=False).sum().to_numpy().T
        se, lo, hi = percentile_summary(agg, self.confidence)
        out = pd.DataFrame(
            {"estimate": est.to_numpy(), "se": se, "ci_low": lo, "ci_high": hi},
            index=pd.Index(est.index, name="state"),
        )
        return out

    def mean_first_passage_times(self, *, restart: bool = False, random_state=None):
        """Expected steps to first reach each state (columns) from each state (rows).

        Returns
        -------
        ChainResult
            ``.estimate``: DataFrame with zero diagonal; the table adds the mean
            recurrence times (``from == to``) and intervals. First-order chains only.
        """
        self._check_fitted("mean_first_passage_times()")
        if self.order != 1:
            raise ParameterError("mean first passage times are available for order=1 only.")
        M, names = self._full_matrix(self._P, restart)
        mfpt, rec = mean_first_passage_times(M, names=names)
        draws = self._draws(random_state)
        md, rd = [], []
        for sl in self._chunks(len(draws), M.size):
            a, b = mean_first_passage_times(self._full_matrix(draws[sl], restart)[0], names=names)
            md.append(a)
            rd.append(b)
        md, rd = np.concatenate(md), np.concatenate(rd)
        idx = np.arange(len(names))
        md[:, idx, idx] = rd
        full = mfpt.copy()
        full[idx, idx] = rec
        est = pd.DataFrame(mfpt, index=pd.Index(names, name="from"), columns=names)
        table = _long(
            pd.DataFrame(full, index=est.index, columns=names),
            *percentile_summary(md, self.confidence),
        )
        table.insert(
            0,
            "quantity",
            np.where(table["from"] == table["to"], "mean recurrence", "first passage"),
        )
        return ChainResult(
            name="mean first passage times (steps)",
            estimate=est,
            table=table,
            method=self._method(),
            confidence=self.confidence,
            notes=["Steps are transitions (events); from == to gives the mean recurrence time."],
        )


def _rng(random_state, stream: int):
    """Independent generators per use from one integer seed (a Generator is used as is)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    return np.random.default_rng([int(random_state), stream])


def _series_long(est: pd.Series, draws, conf, quantity) -> pd.DataFrame:
    se, lo, hi = percentile_summary(draws, conf)
    return pd.DataFrame(
        {
            "quantity": quantity,
            "from": est.index,
            "to": "",
            "estimate": est.to_numpy(),
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
        }
    )
