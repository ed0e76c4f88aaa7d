"""Exact Markov-chain algebra, batched over leading dimensions.

Pure NumPy functions used by :class:`cxlab.MarkovChain`, its interval
machinery (every function accepts a stack of matrices, shape ``(..., m, m)``,
so bootstrap or posterior draws are handled in one call) and by
:mod:`cxlab.markov`.

Conventions follow Grinstead & Snell, *Introduction to Probability*, ch. 11:
an absorbing chain in canonical form has transient block ``Q`` (t x t) and
absorbing block ``R`` (t x a); the fundamental matrix is ``N = (I - Q)^-1``,
``N[i, j]`` the expected number of visits to ``j`` starting in ``i``; absorption
probabilities are ``B = N R``; expected steps to absorption ``t = N 1``.
For an ergodic chain ``P`` the stationary distribution ``w`` solves ``w P = w``;
mean first passage times use ``Z = (I - P + W)^-1`` (``W`` has every row ``w``):
``m_ij = (z_jj - z_ij) / w_j`` and the mean recurrence time is ``r_i = 1 / w_i``.

Examples
--------
The drunkard's walk on 0..4 with absorbing ends (Grinstead & Snell, Example 11.13):

>>> import numpy as np
>>> from cxlab.markov import fundamental_matrix, absorption_probabilities
>>> Q = np.array([[0, .5, 0], [.5, 0, .5], [0, .5, 0]])
>>> R = np.array([[.5, 0], [0, 0], [0, .5]])
>>> fundamental_matrix(Q).round(2).tolist()
[[1.5, 1.0, 0.5], [1.0, 2.0, 1.0], [0.5, 1.0, 1.5]]
>>> absorption_probabilities(Q, R).round(2).tolist()
[[0.75, 0.25], [0.5, 0.5], [0.25, 0.75]]
"""

from __future__ import annotations

import numpy as np

from cxlab.exceptions import ParameterError

__all__ = [
    "fundamental_matrix",
    "absorption_probabilities",
    "expected_steps",
    "expected_time",
    "conditional_expected_time",
    "stationary_distribution",
    "mean_first_passage_times",
    "forecast",
    "reachable",
    "communicating_classes",
]


def reachable(adj: np.ndarray) -> np.ndarray:
    """Boolean reachability (transitive closure, including zero steps) of a square adjacency."""
    m = adj.shape[0]
    r = (np.asarray(adj) > 0) | np.eye(m, dtype=bool)
    while True:  # repeated squaring: at most log2(m) rounds
        nxt = (r.astype(np.int64) @ r.astype(np.int64)) > 0
        if np.array_equal(nxt, r):
            return r
        r = nxt


def communicating_classes(P: np.ndarray) -> list[np.ndarray]:
    """Communicating classes of a chain (indices), in order of their smallest member.

    Parameters
    ----------
    P : ndarray, shape (m, m)
        Transition (or adjacency) matrix; entries > 0 are edges.

    Returns
    -------
    list of ndarray of int
    """
    r = reachable(P)
    both = r & r.T
    seen = np.zeros(len(P), dtype=bool)
    out = []
    for i in range(len(P)):
        if not seen[i]:
            members = np.flatnonzero(both[i])
            seen[members] = True
            out.append(members)
    return out


def _check_absorbing(Q: np.ndarray, R: np.ndarray | None = None, names=None) -> None:
    """Raise when some transient state cannot reach absorption (I - Q singular).

    Checked on 2-D input only; stacks of draws are solved draw by draw when
    singular (see :func:`_solve`), giving NaN for a draw without an exit.
    """
    if Q.ndim != 2:
        return
    q = Q
    if R is None:
        leak = 1.0 - q.sum(axis=1) > 1e-12
    else:
        leak = R.sum(axis=1) > 0
    reach = reachable(q)
    ok = (reach & leak[None, :]).any(axis=1)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        label = [names[i] for i in bad] if names is not None else bad.tolist()
        raise ParameterError(
            f"states {label} never reach an absorbing state (a closed loop without exit), "
            "so absorption probabilities and times are undefined; declare one of them "
            "absorbing, or check the counts"
        )


def _solve(A: np.ndarray, B: np.ndarray | None = None) -> np.ndarray:
    """``A^-1 B`` (or ``A^-1``) for a stack; singular members give NaN instead of failing."""
    try:
        return np.linalg.inv(A) if B is None else np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        if A.ndim == 2:
            raise
    out = np.full(
        A.shape if B is None else np.broadcast_shapes(A.shape[:-2], B.shape[:-2]) + B.shape[-2:],
        np.nan,
    )
    for i in np.ndindex(*A.shape[:-2]):
        try:
            out[i] = np.linalg.inv(A[i]) if B is None else np.linalg.solve(A[i], B[i])
        except np.linalg.LinAlgError:
            pass
    return out


def fundamental_matrix(Q: np.ndarray, names=None) -> np.ndarray:
    """``N = (I - Q)^-1``, shape ``(..., t, t)``.

    Parameters
    ----------
    Q : ndarray, shape (..., t, t)
        Transient-to-transient block of the transition matrix (or a stack of them).
    names : list of str, optional
        State names, used in error messages.

    Returns
    -------
    ndarray, shape (..., t, t)

    Raises
    ------
    ParameterError
        When a transient state can never be absorbed (``I - Q`` singular).
    """
    Q = np.asarray(Q, dtype=float)
    _check_absorbing(Q, names=names)
    eye = np.broadcast_to(np.eye(Q.shape[-1]), Q.shape)
    return _solve(eye - Q)


def absorption_probabilities(Q: np.ndarray, R: np.ndarray, names=None) -> np.ndarray:
    """``B = N R``: probability of ending in each absorbing state, shape ``(..., t, a)``.

    Parameters
    ----------
    Q : ndarray, shape (..., t, t)
        Transient-to-transient block.
    R : ndarray, shape (..., t, a)
        Transient-to-absorbing block.
    names : list of str, optional
        State names, used in error messages.

    Returns
    -------
    ndarray, shape (..., t, a)

    Raises
    ------
    ParameterError
        When a transient state can never be absorbed.
    """
    Q, R = np.asarray(Q, float), np.asarray(R, float)
    _check_absorbing(Q, R, names=names)
    eye = np.broadcast_to(np.eye(Q.shape[-1]), Q.shape)
    return _solve(eye - Q, R)


def expected_steps(Q: np.ndarray, visit_weight: np.ndarray | None = None, names=None):
    """``t = N v``: expected number of visits to transient states before absorption.

    ``v`` defaults to ones (Grinstead & Snell's ``t = N 1``); a 0 in ``v``
    excludes a pseudo-state such as ``(start)`` from the count.

    Parameters
    ----------
    Q : ndarray, shape (..., t, t)
        Transient-to-transient block.
    visit_weight : ndarray, shape (t,), optional
        Weight of a visit to each transient state; default ones.
    names : list of str, optional
        State names, used in error messages.

    Returns
    -------
    ndarray, shape (..., t)
    """
    Q = np.asarray(Q, float)
    v = np.ones(Q.shape[-1]) if visit_weight is None else np.asarray(visit_weight, float)
    return expected_time(Q, v, names=names)


def expected_time(Q: np.ndarray, dwell: np.ndarray, names=None) -> np.ndarray:
    """``N d``: expected total holding time before absorption, ``d`` the mean time per visit.

    ``dwell`` has shape ``(t,)`` or ``(..., t)`` (one row per stacked ``Q``).
    """
    Q = np.asarray(Q, float)
    _check_absorbing(Q, names=names)
    d = np.broadcast_to(np.asarray(dwell, float), Q.shape[:-1])
    eye = np.broadcast_to(np.eye(Q.shape[-1]), Q.shape)
    return _solve(eye - Q, np.ascontiguousarray(d[..., None]))[..., 0]


def conditional_expected_time(Q, R, dwell, target: int, names=None) -> np.ndarray:
    """Expected holding time before absorption given absorption in column ``target`` of R.

    Uses the Doob h-transform: ``E[T | end in a, start i] = (N (d * b_a))_i / b_{ia}``
    with ``b_a = N R[:, a]``. Entries where ``b_{ia} = 0`` are NaN (the event
    cannot happen from that state).
    """
    Q, R = np.asarray(Q, float), np.asarray(R, float)
    b = absorption_probabilities(Q, R, names=names)[..., target]
    d = np.broadcast_to(np.asarray(dwell, float), Q.shape[:-1])
    num = expected_time(Q, d * b, names=names)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, num / np.where(b > 0, b, 1.0), np.nan)


def stationary_distribution(P: np.ndarray, names=None) -> np.ndarray:
    """Stationary distribution ``w`` with ``w P = w``, shape ``(..., m)``.

    Parameters
    ----------
    P : ndarray, shape (..., m, m)
        Transition matrix (or a stack of them); rows sum to 1.
    names : list of str, optional
        State names, used in error messages.

    Returns
    -------
    ndarray, shape (..., m)

    Raises
    ------
    ParameterError
        When the chain has more than one closed class (no unique stationary
        distribution), e.g. an absorbing chain.
    """
    P = np.asarray(P, float)
    base = P if P.ndim == 2 else P.reshape(-1, *P.shape[-2:])[0]
    classes = communicating_classes(base)
    reach = reachable(base)
    closed = [c for c in classes if not reach[c[0]][np.setdiff1d(np.arange(len(base)), c)].any()]
    if len(closed) != 1:
        label = [[names[i] for i in c] if names is not None else c.tolist() for c in closed]
        raise ParameterError(
            f"the chain has {len(closed)} closed classes {label}, so its stationary "
            "distribution is not unique; for an absorbing journey chain use absorption(), "
            "or stationary_distribution(restart=True) to let finished journeys start again"
        )
    m = P.shape[-1]
    A = np.swapaxes(P, -1, -2) - np.eye(m)
    A = A.copy()
    A[..., -1, :] = 1.0
    rhs = np.zeros(P.shape[:-1])
    rhs[..., -1] = 1.0
    w = np.linalg.solve(A, rhs[..., None])[..., 0]
    return np.clip(w, 0.0, None) / np.clip(w, 0.0, None).sum(axis=-1, keepdims=True)


def mean_first_passage_times(P: np.ndarray, names=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean first passage times ``M`` (zero diagonal) and mean recurrence times ``r``.

    ``M[i, j]`` is the expected number of steps to first reach ``j`` from ``i``;
    ``r[i] = 1 / w[i]`` the expected return time to ``i``. Requires an
    irreducible (ergodic) chain.

    Parameters
    ----------
    P : ndarray, shape (..., m, m)
        Transition matrix (or a stack of them); rows sum to 1.
    names : list of str, optional
        State names, used in error messages.

    Returns
    -------
    M : ndarray, shape (..., m, m)
    r : ndarray, shape (..., m)

    Raises
    ------
    ParameterError
        When the chain is not irreducible (some state cannot reach another).
    """
    P = np.asarray(P, float)
    base = P if P.ndim == 2 else P.reshape(-1, *P.shape[-2:])[0]
    if len(communicating_classes(base)) != 1:
        raise ParameterError(
            "mean first passage times need an irreducible chain (every state reachable "
            "from every other); this chain is not: use restart=True for journey chains"
        )
    w = stationary_distribution(P, names=names)
    m = P.shape[-1]
    W = np.broadcast_to(w[..., None, :], P.shape)
    Z = np.linalg.inv(np.eye(m) - P + W)
    diag = np.diagonal(Z, axis1=-2, axis2=-1)
    M = (diag[..., None, :] - Z) / w[..., None, :]
    M = M * (1 - np.eye(m))
    return M, 1.0 / w


def forecast(P: np.ndarray, initial: np.ndarray, steps: int) -> np.ndarray:
    """Distribution after 0..steps transitions: ``initial @ P^t``, shape ``(..., steps+1, m)``."""
    P = np.asarray(P, float)
    x = np.broadcast_to(np.asarray(initial, float), P.shape[:-1]).copy()
    out = [x]
    for _ in range(int(steps)):
        x = np.einsum("...i,...ij->...j", x, P)
        out.append(x)
    return np.stack(out, axis=-2)
