"""The buyer's-journey chain behind :class:`cxlab.ValueModel`: counts, bootstrap, algebra.

Not a public module. It fits the first-order Markov chain of the buyer's
journey (``(start)`` -> awareness/consideration ... -> purchase or drop-off)
with :class:`cxlab.MarkovChain` (``journey="buyer"``, customer-level
bootstrap), per group when asked, and turns it into stacked arrays; applies
what-if changes to a transition row of every replicate at once; and computes
conversion probabilities exactly with the fundamental matrix
``N = (I - Q)^-1`` of the absorbing chain.

Conventions
-----------
Rows are ``[(start), *transient]``; columns ``[*transient, purchase, (drop-off)]``.
A customer's buyer's journey is their buyer-stage events up to and including
the first purchase; a journey without a purchase ends in ``(drop-off)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab.data._catalog import DROP_STATE, START_STATE
from cxlab.exceptions import ParameterError, UnknownCategoryError

__all__ = ["ChainFit", "fit_chain", "open_journeys", "conversion", "change_row", "replace_row"]

#: A journey whose last buyer event is this close to the end of the data may still convert.
OPEN_JOURNEY_DAYS = 30.0


@dataclass
class ChainFit:
    """The buyer's-journey chain(s) and their bootstrap replicates, as arrays.

    Attributes
    ----------
    rows, cols : list of str
        ``[(start), *transient]`` and ``[*transient, purchase, (drop-off)]``.
    groups : list
        Group labels (``["all"]`` without groups).
    p : ndarray, shape (1 + n_boot, G, rows, cols)
        Point estimate (index 0) and customer-bootstrap replicates per group.
    lead_share : ndarray, shape (G,)
        Share of journeys in each group.
    chains : MarkovChain or dict of MarkovChain
        The fitted :class:`cxlab.MarkovChain` object(s) the arrays come from.
    n_customers : int
        Journeys (customers) the chains were fitted on.
    """

    rows: list
    cols: list
    groups: list
    p: np.ndarray
    lead_share: np.ndarray
    chains: object
    n_customers: int

    @property
    def n_transient(self) -> int:
        return len(self.rows) - 1

    def frame(self, g: int = 0) -> pd.DataFrame:
        return pd.DataFrame(
            self.p[0, g],
            index=pd.Index(self.rows, name="from"),
            columns=pd.Index(self.cols, name="to"),
        )


def normalise(counts: np.ndarray) -> np.ndarray:
    """Divide each row by its sum; an all-zero row (rare in a replicate) becomes drop-off."""
    counts = np.asarray(counts, dtype=float)
    tot = counts.sum(axis=-1, keepdims=True)
    p = np.divide(counts, tot, out=np.zeros_like(counts), where=tot > 0)
    p[..., -1] = np.where((tot == 0)[..., 0], 1.0, p[..., -1])
    return p


def fit_chain(data, labels, *, n_boot: int, random_state) -> ChainFit:
    """Fit the buyer's-journey chain with :class:`cxlab.MarkovChain` (per group with labels).

    ``labels`` is None or a Series ``customer_id -> group``; the chain of each
    group is bootstrapped over its own customers (``n_boot`` replicates).
    """
    from cxlab import MarkovChain

    purchase = data.catalog.purchase_stage
    mc = MarkovChain(journey="buyer", n_bootstrap=int(n_boot), random_state=random_state)
    if labels is None:
        chains = {"all": mc.fit(data)}
    else:
        chains = dict(mc.fit_groups(data, by=labels).items())
    first = next(iter(chains.values()))
    transient = list(first.transient_states_)
    rows = [START_STATE, *transient]
    cols = [*transient, purchase, DROP_STATE]
    groups = list(chains)
    p = np.empty((1 + int(n_boot), len(groups), len(rows), len(cols)))
    leads = np.empty(len(groups))
    for g, name in enumerate(groups):  # loop over groups
        c = chains[name]
        counts = c.counts_.reindex(index=rows, columns=cols, fill_value=0.0).to_numpy(float)
        order_r = [c.counts_.index.get_loc(r) for r in rows]
        order_c = [c.counts_.columns.get_loc(k) for k in cols]
        boot = c.bootstrap_counts_[:, order_r][:, :, order_c]
        p[0, g] = normalise(counts)
        p[1:, g] = normalise(boot)
        leads[g] = c.n_customers_
    return ChainFit(
        rows=rows,
        cols=cols,
        groups=groups,
        p=p,
        lead_share=leads / leads.sum(),
        chains=chains if labels is not None else chains["all"],
        n_customers=int(leads.sum()),
    )


def open_journeys(data, days: float = OPEN_JOURNEY_DAYS) -> int:
    """Journeys without a purchase whose last event is within ``days`` of the end of the data."""
    ev = data.events
    last = ev.groupby("customer_id", observed=True, sort=False)["timestamp"].max()
    bought = ev.loc[
        ev["stage"].astype(str).to_numpy() == data.catalog.purchase_stage, "customer_id"
    ]
    end = ev["timestamp"].max()
    recent = last[(end - last) < pd.Timedelta(days=days)]
    return int((~recent.index.isin(bought.unique())).sum())


def conversion(p: np.ndarray, n_transient: int) -> np.ndarray:
    """P(purchase) of a journey from ``(start)``, by absorbing-chain algebra.

    ``p`` has shape ``(..., 1 + T, T + 2)`` (rows ``(start)`` + transient;
    columns transient + purchase + drop-off). With ``Q`` the transient block,
    ``R`` the absorbing block and ``s`` the start row, the absorption
    probabilities are ``B = (I - Q)^-1 R`` and
    ``P(purchase) = s_purchase + s_T @ B[:, purchase]``.
    Returns an array of shape ``p.shape[:-2]``.
    """
    t = n_transient
    s = p[..., 0, :t]
    q = p[..., 1:, :t]
    r = p[..., 1:, t]
    eye = np.eye(t)
    b = np.linalg.solve(eye - q, r[..., None])[..., 0]
    return p[..., 0, t] + np.einsum("...i,...i->...", s, b)


def check_absorbing(p: np.ndarray, rows: list, n_transient: int) -> None:
    """Raise when a transient state can never reach purchase or drop-off."""
    t = n_transient
    q = p[1:, :t]
    # reachability of absorption: iterate the leak vector
    leak = 1 - q.sum(axis=1) > 1e-12
    reach = leak.copy()
    for _ in range(t):
        reach = reach | ((q > 0) @ reach.astype(float) > 0)
    if not reach.all():
        stuck = [rows[1 + i] for i in np.flatnonzero(~reach)]
        raise ParameterError(
            f"after the change, journeys in {stuck} never end (no path to purchase or "
            "drop-off), so conversion is undefined; make the change smaller"
        )


def _index(names: list, name: str, what: str) -> int:
    if name not in names:
        raise UnknownCategoryError(
            f"{what} {name!r} is not a state of the buyer's-journey chain; known: {names}",
            column="stage",
            fix=f"choose {what} among {names}",
        )
    return names.index(name)


def change_row(
    p: np.ndarray,
    rows: list,
    cols: list,
    source: str,
    target: str,
    *,
    add: float | None = None,
    relative: float | None = None,
    take_from: str | None = None,
    strict: bool = True,
) -> tuple[np.ndarray, int]:
    """Move ``p[source, target]`` by ``add`` (absolute) or ``relative`` (share) and renormalise.

    The rest of the row adjusts so it still sums to one: by default every other
    entry shrinks (or grows) in proportion to its size; with ``take_from`` the
    whole change comes out of (or goes to) that one entry. Works on one matrix
    or a stack ``(..., rows, cols)``. With ``strict`` an impossible change
    (a probability leaving [0, 1]) raises :class:`ParameterError`; otherwise
    such replicates are clipped and counted (second return value).
    """
    i = _index(rows, source, "from-stage")
    j = _index(cols, target, "to-stage")
    if (add is None) == (relative is None):
        raise ParameterError("give exactly one of add= (absolute change) or relative= (share).")
    p = np.array(p, dtype=float, copy=True)
    old = p[..., i, j]
    new = old + add if add is not None else old * (1.0 + relative)
    bad = (new < -1e-12) | (new > 1 + 1e-12)
    if strict and np.any(bad):
        raise ParameterError(
            f"P({source} -> {target}) = {float(np.max(old)):.4f} changed by "
            f"{_describe(add, relative)} gives {float(np.max(new)):.4f}, outside [0, 1]; "
            "use a smaller change"
        )
    new = np.clip(new, 0.0, 1.0)
    delta = new - old
    n_clipped = int(np.sum(bad))
    if take_from is not None:
        k = _index(cols, take_from, "take_from")
        if k == j:
            raise ParameterError("take_from must differ from the target of the change.")
        left = p[..., i, k] - delta
        short = left < -1e-12
        if strict and np.any(short):
            raise ParameterError(
                f"P({source} -> {take_from}) = {float(np.min(p[..., i, k])):.4f} cannot give up "
                f"{float(np.max(delta)):.4f}: the row would not sum to one with all entries in "
                "[0, 1]; use a smaller change or take_from=None (proportional)"
            )
        n_clipped += int(np.sum(short & ~bad))
        p[..., i, k] = np.clip(left, 0.0, None)
        p[..., i, j] = new
        p[..., i, :] /= p[..., i, :].sum(axis=-1, keepdims=True)
        return p, n_clipped
    rest = 1.0 - old
    if strict and np.any((rest <= 1e-12) & (np.abs(delta) > 0)):
        raise ParameterError(
            f"P({source} -> {target}) is already 1; there is nothing to take the change from"
        )
    scale = np.divide(1.0 - new, rest, out=np.ones_like(rest), where=rest > 1e-12)
    row = p[..., i, :] * scale[..., None]
    row[..., j] = new
    p[..., i, :] = row
    return p, n_clipped


def replace_row(p: np.ndarray, rows: list, cols: list, source: str, row: dict) -> np.ndarray:
    """Set the whole row ``source`` to ``row`` (missing targets are 0); checks it sums to one."""
    i = _index(rows, source, "from-stage")
    vec = np.zeros(len(cols))
    for name, value in row.items():
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ParameterError(
                f"row {source!r}: P({source} -> {name}) = {value} is not a probability in [0, 1]"
            )
        vec[_index(cols, name, "to-stage")] = value
    total = vec.sum()
    if not np.isclose(total, 1.0, atol=1e-9):
        raise ParameterError(
            f"row {source!r} sums to {total:.6f}, not 1; the next-state probabilities of a "
            "stage must add up to one (include '(drop-off)')"
        )
    p = np.array(p, dtype=float, copy=True)
    p[..., i, :] = vec
    return p


def _describe(add, relative) -> str:
    return f"{add:+.4f}" if add is not None else f"{relative:+.1%} (relative)"
