"""What a fitted :class:`~cxlab.MarkovChain` tells: absorption, stationary
distribution, mean first passage times, forecasts and simulated journeys.

Each quantity is a function of a :class:`FittedChain` (the estimated matrix, its
structure and the settings of its intervals); the chain's methods of the same
names call them. Every function returns point estimates with intervals computed
on draws of the whole transition matrix (see :mod:`cxlab.markov`):
Dirichlet draws by default, the customer bootstrap when the chain was fitted
with ``n_bootstrap > 0`` and ``ci_method="bootstrap"``. Dwell times enter
expected times through a normal approximation of each state's mean dwell (its SE).

Rows of a chain are histories (tuples of ``order`` states; ``(start)`` pads the
beginning), columns are next states. ``target[i, j]`` is the row a journey
moves to from row ``i`` when its next state is column ``j`` (-1 for absorbing
states), which is all the absorbing-chain algebra needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab.data._catalog import START_STATE
from cxlab.exceptions import ParameterError
from cxlab.i18n._messages import t as _t
from cxlab.i18n._messages import word
from cxlab.markov._algebra import (
    conditional_expected_time,
    forecast,
    fundamental_matrix,
    mean_first_passage_times,
    stationary_distribution,
)
from cxlab.markov._inference import draw_method, dwell_draws, matrix_draws, percentile_summary
from cxlab.markov._results import AbsorptionResult, ChainResult
from cxlab.markov._transitions import history_label

__all__ = [
    "FittedChain",
    "absorption",
    "stationary",
    "first_passage_times",
    "cohort_forecast",
    "simulate_journeys",
]

_CHUNK = 20_000_000  # max elements of a stacked matrix batch


@dataclass(frozen=True)
class FittedChain:
    """The fitted state of a chain that derived quantities need.

    Attributes
    ----------
    rows : list of tuple
        Histories (rows of the matrix).
    cols : list of str
        Next states (columns).
    target : ndarray of int64, shape (rows, cols)
        Row reached from row ``i`` with next state ``j`` (-1: absorbed).
    abs_idx : ndarray of int
        Columns of the absorbing states.
    visit : ndarray of float, shape (rows,)
        1 for rows that are events, 0 for the ``(start)`` row.
    observed_abs : list of str
        Absorbing states that are events of the log (e.g. ``purchase``).
    transient_states, absorbing_states : list of str
        As the chain's ``transient_states_`` and ``absorbing_states_``.
    counts, P : ndarray, shape (rows, cols)
        Transition counts and estimated probabilities.
    exact : bool
        Known probabilities (no sampling error).
    bootstrap_counts : ndarray or None
        Customer-bootstrap counts ``(B, rows, cols)``.
    dwell : DataFrame or None
        Observed days to the next event by state.
    ci_method : str
        The chain's ``ci_method``.
    confidence : float
        Interval level.
    n_draws : int
        Dirichlet draws.
    random_state : int, Generator or None
        Default seed of the draws.
    order : int
        Order of the chain.
    """

    rows: list
    cols: list
    target: np.ndarray
    abs_idx: np.ndarray
    visit: np.ndarray
    observed_abs: list
    transient_states: list
    absorbing_states: list
    counts: np.ndarray
    P: np.ndarray
    exact: bool
    bootstrap_counts: np.ndarray | None
    dwell: pd.DataFrame | None
    ci_method: str
    confidence: float
    n_draws: int
    random_state: object
    order: int

    @property
    def method(self) -> str:
        """Where interval draws come from (``"exact"``, ``"bootstrap"``, ``"dirichlet"``)."""
        return draw_method(self.exact, self.ci_method, self.bootstrap_counts)

    def result(self, name: str, estimate, table: pd.DataFrame, note: str) -> ChainResult:
        """A :class:`ChainResult` with this chain's interval method and level."""
        return ChainResult(
            name=name,
            estimate=estimate,
            table=table,
            method=self.method,
            confidence=self.confidence,
            notes=[note],
        )

    def draws(self, random_state=None) -> np.ndarray:
        """Stack of transition matrices ``(B, rows, cols)`` for intervals."""
        return matrix_draws(
            self.counts,
            self.P,
            method=self.method,
            bootstrap_counts=self.bootstrap_counts,
            n_draws=self.n_draws,
            random_state=self.random_state if random_state is None else random_state,
        )

    def dwell_draws(self, n: int, random_state=None) -> np.ndarray | None:
        """Mean dwell (days) per row for each draw, ``(n, rows)``; None without timestamps."""
        if self.dwell is None:
            return None
        mean = self.dwell["mean_days"].reindex(self.transient_states).to_numpy()
        se = self.dwell["se_days"].reindex(self.transient_states).fillna(0).to_numpy()
        if np.isnan(mean).any():
            return None
        state_pos = {s: i for i, s in enumerate(self.transient_states)}
        last = np.array([state_pos.get(h[-1], -1) for h in self.rows])
        return dwell_draws(
            mean,
            se,
            last,
            n,
            exact=self.method == "exact",
            random_state=self.random_state if random_state is None else random_state,
        )

    def canonical(self, P: np.ndarray):
        """Transient block ``Q`` (rows x rows) and absorbing block ``R`` of matrices ``P``."""
        r_idx, c_idx = np.nonzero(self.target >= 0)
        t_idx = self.target[r_idx, c_idx]
        Q = np.zeros((*P.shape[:-2], len(self.rows), len(self.rows)))
        Q[..., r_idx, t_idx] = P[..., r_idx, c_idx]
        R = P[..., :, self.abs_idx]
        return Q, R

    def row_names(self) -> list[str]:
        """Labels of the rows (``"a > b"`` for histories)."""
        return [history_label(h) for h in self.rows]

    def full_matrix(self, P: np.ndarray, restart: bool):
        """Square matrix over the chain's states for ergodic analyses; names."""
        Q, R = self.canonical(P)
        names = self.row_names()
        if len(self.abs_idx) == 0:
            return Q, names
        if not restart:
            raise ParameterError(
                "this is an absorbing chain: every journey ends in "
                f"{self.absorbing_states}, so its long-run distribution sits there. "
                "Use absorption(), or restart=True to let each finished journey start again"
            )
        start = [i for i, h in enumerate(self.rows) if h[-1] == START_STATE]
        if not start:
            raise ParameterError("restart=True needs a (start) row to restart journeys from.")
        s = start[0]
        keep = [i for i in range(len(self.rows)) if i != s]
        a = len(self.abs_idx)
        top = np.concatenate([Q[..., keep, :][..., :, keep], R[..., keep, :]], axis=-1)
        back = np.concatenate([Q[..., s, keep], R[..., s, :]], axis=-1)
        bottom = np.repeat(back[..., None, :], a, axis=-2)
        M = np.concatenate([top, bottom], axis=-2)
        return M, [names[i] for i in keep] + list(self.absorbing_states)


def _chunks(B: int, size: int):
    step = max(1, _CHUNK // max(size, 1))
    for lo in range(0, B, step):
        yield slice(lo, min(B, lo + step))


def _long(estimate: pd.DataFrame, se, lo, hi, names=("from", "to")) -> pd.DataFrame:
    t = estimate.stack(future_stack=True).rename("estimate").to_frame()
    t.index.names = list(names)
    for col, arr in (("se", se), ("ci_low", lo), ("ci_high", hi)):
        t[col] = np.asarray(arr).ravel()
    return t.reset_index()


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


def absorption(fc: FittedChain, *, random_state=None) -> AbsorptionResult:
    """Absorption probabilities, expected steps and time, and the fundamental matrix.

    Parameters
    ----------
    fc : FittedChain
        The fitted chain.
    random_state
        As :meth:`cxlab.MarkovChain.absorption`, which documents the result and errors.
    """
    if len(fc.abs_idx) == 0:
        raise ParameterError(
            "this chain has no absorbing state; use stationary_distribution() or "
            "forecast(), or fit with absorbing=[...] / journey='buyer'"
        )
    names = fc.row_names()
    absn = fc.absorbing_states
    Q, R = fc.canonical(fc.P)
    N = fundamental_matrix(Q, names=names)
    B = N @ R
    steps = N @ fc.visit
    d0 = fc.dwell_draws(1)
    tm = N @ d0[0] if d0 is not None else None
    tg = (
        np.stack(
            [conditional_expected_time(Q, R, d0[0], j, names=names) for j in range(len(absn))],
            axis=-1,
        )
        if d0 is not None
        else None
    )
    draws = fc.draws(random_state)
    nb = len(draws)
    dd = fc.dwell_draws(nb, random_state)
    Bd = np.empty((nb, *B.shape))
    Sd = np.empty((nb, len(steps)))
    Nd = np.empty((nb, *N.shape))
    Td = np.empty((nb, len(steps))) if tm is not None else None
    Gd = np.empty((nb, *tg.shape)) if tg is not None else None
    for sl in _chunks(nb, N.size):
        Qd, Rd = fc.canonical(draws[sl])
        Nd[sl] = fundamental_matrix(Qd, names=names)
        Bd[sl] = Nd[sl] @ Rd
        Sd[sl] = Nd[sl] @ fc.visit
        if Td is not None:
            Td[sl] = np.einsum("bij,bj->bi", Nd[sl], dd[sl])
            for j in range(len(absn)):
                Gd[sl, :, j] = conditional_expected_time(Qd, Rd, dd[sl], j, names=names)
    conf = fc.confidence
    probs = pd.DataFrame(B, index=pd.Index(names, name="from"), columns=absn)
    parts = [_long(probs, *percentile_summary(Bd, conf)).assign(quantity="absorption probability")]
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
        _t("note.markov.absorption_exact"),
        _t("note.markov.draws", method=word("note.markov.method", fc.method), n=nb),
    ]
    if tm is not None:
        notes.append(_t("note.markov.absorption_days"))
    if fc.order > 1:
        notes.append(_t("note.markov.histories", order=fc.order))
    return AbsorptionResult(
        name="absorbing-chain analysis",
        estimate=probs,
        table=table,
        method=fc.method,
        confidence=conf,
        notes=notes,
        probabilities=probs,
        expected_steps=steps_s,
        expected_time=time_s,
        time_given=time_df,
        fundamental=fund,
    )


def stationary(fc: FittedChain, *, restart: bool = False, random_state=None) -> pd.DataFrame:
    """Long-run share of steps spent in each state, with intervals.

    Parameters
    ----------
    fc : FittedChain
        The fitted chain.
    restart, random_state
        As :meth:`cxlab.MarkovChain.stationary_distribution`, which documents the result.
    """
    M, names = fc.full_matrix(fc.P, restart)
    w = stationary_distribution(M, names=names)
    draws = fc.draws(random_state)
    Wd = np.concatenate(
        [
            stationary_distribution(fc.full_matrix(draws[sl], restart)[0], names=names)
            for sl in _chunks(len(draws), M.size)
        ]
    )
    last = [n.split(" > ")[-1] for n in names]
    est = pd.Series(w, index=last).groupby(level=0, sort=False).sum()
    agg = pd.DataFrame(Wd.T, index=last).groupby(level=0, sort=False).sum().to_numpy().T
    se, lo, hi = percentile_summary(agg, fc.confidence)
    return pd.DataFrame(
        {"estimate": est.to_numpy(), "se": se, "ci_low": lo, "ci_high": hi},
        index=pd.Index(est.index, name="state"),
    )


def first_passage_times(
    fc: FittedChain, *, restart: bool = False, random_state=None
) -> ChainResult:
    """Expected steps to first reach each state from each state, with intervals.

    Parameters
    ----------
    fc : FittedChain
        The fitted chain (order 1).
    restart, random_state
        As :meth:`cxlab.MarkovChain.mean_first_passage_times`, which documents the result.
    """
    if fc.order != 1:
        raise ParameterError("mean first passage times are available for order=1 only.")
    M, names = fc.full_matrix(fc.P, restart)
    mfpt, rec = mean_first_passage_times(M, names=names)
    draws = fc.draws(random_state)
    md, rd = [], []
    for sl in _chunks(len(draws), M.size):
        a, b = mean_first_passage_times(fc.full_matrix(draws[sl], restart)[0], names=names)
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
        *percentile_summary(md, fc.confidence),
    )
    table.insert(
        0,
        "quantity",
        np.where(table["from"] == table["to"], "mean recurrence", "first passage"),
    )
    return fc.result(
        "mean first passage times (steps)",
        est,
        table,
        "Steps are transitions (events); from == to gives the mean recurrence time.",
    )


def cohort_forecast(
    fc: FittedChain, steps: int = 10, *, initial=None, random_state=None
) -> ChainResult:
    """Where a cohort will be after 0..steps transitions, with intervals.

    Parameters
    ----------
    fc : FittedChain
        The fitted chain.
    steps, initial, random_state
        As :meth:`cxlab.MarkovChain.forecast`, which documents them and the result.
    """
    names = fc.row_names() + list(fc.absorbing_states)
    x0 = np.zeros(len(names))
    if initial is None:
        start = [i for i, h in enumerate(fc.rows) if h[-1] == START_STATE]
        if not start:
            raise ParameterError("this chain has no (start); pass initial=state or counts.")
        x0[start[0]] = 1.0
    else:
        if fc.order != 1:
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
        Q, R = fc.canonical(P)
        a = R.shape[-1]
        eye = np.broadcast_to(np.eye(a), (*P.shape[:-2], a, a))
        zeros = np.zeros((*P.shape[:-2], a, Q.shape[-1]))
        return np.concatenate([np.concatenate([Q, R], -1), np.concatenate([zeros, eye], -1)], -2)

    est = forecast(full(fc.P), x0, steps)
    draws = fc.draws(random_state)
    fd = np.concatenate(
        [forecast(full(draws[sl]), x0, steps) for sl in _chunks(len(draws), len(names) ** 2)]
    )
    # histories are summed by their current (last) state: one indicator matmul
    last = [n.split(" > ")[-1] for n in names]
    states = list(dict.fromkeys(last))
    ind = np.zeros((len(names), len(states)))
    ind[np.arange(len(names)), [states.index(s) for s in last]] = 1.0
    wide = pd.DataFrame(est @ ind, columns=states)
    agg = fd @ ind
    wide.index.name = "step"
    table = _long(wide, *percentile_summary(agg, fc.confidence), names=("step", "state"))
    return fc.result(
        "n-step forecast (share of the cohort)",
        wide,
        table,
        "A step is one transition (the next event), not a unit of calendar time.",
    )


def simulate_journeys(fc: FittedChain, n: int, random_state, *, max_steps, start, return_outcomes):
    """Draw ``n`` new journeys from the fitted chain ``fc``.

    Parameters
    ----------
    fc : FittedChain
        The fitted chain.
    n, random_state, max_steps, start, return_outcomes
        As :meth:`cxlab.MarkovChain.simulate`, which documents them and the result.
    """
    rng = np.random.default_rng(fc.random_state if random_state is None else random_state)
    start_rows = [i for i, h in enumerate(fc.rows) if h[-1] == START_STATE]
    if not start_rows:
        raise ParameterError("this chain has no (start) row to begin journeys from.")
    cum = np.cumsum(fc.P, axis=1)
    cum[:, -1] = 1.0
    d = fc.dwell_draws(1)
    dwell = d[0] if d is not None else np.ones(len(fc.rows))
    n = int(n)
    row = np.full(n, start_rows[0])
    who = np.arange(n)
    t = np.zeros(n)
    ids, times, states = [], [], []
    outcome = np.full(n, -1)
    observed = {fc.cols.index(a) for a in fc.observed_abs}
    absorbing = set(fc.absorbing_states)
    for step in range(int(max_steps)):  # a loop over steps; customers are vectorised
        if len(who) == 0:
            break
        u = rng.random(len(who))
        col = (u[:, None] > cum[row]).sum(axis=1)
        if step > 0:
            t = t + rng.exponential(np.maximum(dwell[row], 1e-12))
        nxt = fc.target[row, col]
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
    emitted = [j for j, c in enumerate(fc.cols) if j in observed or c not in absorbing]
    recode = np.full(len(fc.cols), -1)
    recode[emitted] = np.arange(len(emitted))
    events = pd.DataFrame(
        {
            "customer_id": ids[order] + 1,
            "timestamp": pd.Timestamp(start) + pd.to_timedelta(times[order], unit="D"),
            "state": pd.Categorical.from_codes(
                recode[states[order]], categories=[fc.cols[j] for j in emitted]
            ),
        }
    )
    if not return_outcomes:
        return events
    out = pd.Series(
        pd.Categorical.from_codes(outcome, categories=fc.cols),
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
        name="outcome",
    )
    return events, out
