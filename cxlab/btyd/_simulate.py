"""A purchase log where nobody cancels, drawn from known BG/NBD or Pareto/NBD parameters.

Each customer makes a first purchase at a time uniform over the first
``acquisition_weeks`` after ``start``; after it:

``model="bgnbd"``
    purchase rate ``lambda ~ Gamma(r, alpha)`` (per week), drop-out
    probability ``p ~ Beta(a, b)``: after each repeat purchase the customer
    leaves for good with probability ``p`` (Fader, Hardie & Lee 2005).
``model="mbgnbd"``
    as ``"bgnbd"``, and the customer may also leave right after the first
    purchase, with the same probability ``p`` (Batislam et al. 2007).
``model="pareto"``
    ``lambda ~ Gamma(r, alpha)``, lifetime exponential with rate
    ``mu ~ Gamma(s, beta)`` (Schmittlein et al. 1987).

Every purchase (the first too) is worth ``z ~ Gamma(p, nu)`` with
``nu ~ Gamma(q, gamma)`` per customer: the Gamma-Gamma spend model.
Rates are per week; Gamma(shape, rate) throughout.

The draws are vectorised over customers and purchases; ``random_state``
fixes every number. ``truth`` keeps the parameters and each customer's own
rate, drop-out and whether they were still alive at the end, so fitted
models can be checked against what generated the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab.exceptions import ParameterError

__all__ = ["simulate_purchases", "PurchaseSimulation", "CDNOW_BGNBD", "CDNOW_PARETO"]

#: Fader, Hardie & Lee (2005) estimates on the CDNOW sample (weeks).
CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
CDNOW_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}

_NS_PER_WEEK = 7 * 86_400 * 10**9


@dataclass
class PurchaseSimulation:
    """A simulated purchase log and the truth behind it.

    Attributes
    ----------
    transactions : DataFrame
        ``customer_id``, ``timestamp``, ``revenue``; one row a purchase.
    summary : DataFrame
        The exact continuous-time summary at ``observation_end`` in weeks
        (``frequency``, ``recency``, ``T``, ``monetary_value``), as
        :func:`cxlab.purchase_summary` would give without rounding to days.
    customers : DataFrame
        Per customer: ``first_purchase``, ``purchase_rate``, ``dropout``
        (p for BG/NBD, mu for Pareto/NBD), ``mean_spend`` (p / nu),
        ``alive_at_end``.
    truth : dict
        ``model``, ``params`` and ``spend_params``.
    observation_end : Timestamp
    notes : list of str
        Caveats of the simulation.
    """

    transactions: pd.DataFrame
    summary: pd.DataFrame
    customers: pd.DataFrame
    truth: dict
    observation_end: pd.Timestamp
    notes: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"PurchaseSimulation(model={self.truth['model']!r}, "
            f"customers={len(self.customers):,}, purchases={len(self.transactions):,})"
        )


def simulate_purchases(
    n_customers: int = 5000,
    *,
    model: str = "bgnbd",
    params: dict | None = None,
    spend_params: dict | None = None,
    start="2025-01-01",
    acquisition_weeks: float = 12.0,
    observation_weeks: float = 78.0,
    random_state=None,
) -> PurchaseSimulation:
    """Draw a non-contractual purchase log from known parameters.

    Parameters
    ----------
    n_customers : int, default=5000
    model : {"bgnbd", "mbgnbd", "pareto"}, default="bgnbd"
    params : dict, optional
        ``r, alpha, a, b`` (BG/NBD, MBG/NBD) or ``r, alpha, s, beta`` (Pareto/NBD), per
        week. Default: Fader, Hardie & Lee's (2005) CDNOW estimates.
    spend_params : dict, optional
        Gamma-Gamma ``p, q, gamma``. Default the CDNOW estimates (6.25, 3.74, 15.44).
    start : date-like, default="2025-01-01"
    acquisition_weeks : float, default=12
        First purchases are uniform over this many weeks after ``start``.
    observation_weeks : float, default=78
        The log ends this many weeks after ``start``.
    random_state : int, Generator or None

    Returns
    -------
    PurchaseSimulation

    Examples
    --------
    >>> from cxlab.btyd._simulate import simulate_purchases
    >>> sim = simulate_purchases(n_customers=100, random_state=0)
    >>> sim.transactions.columns.tolist()
    ['customer_id', 'timestamp', 'revenue']
    """
    if model not in ("bgnbd", "mbgnbd", "pareto"):
        raise ParameterError(f"model={model!r} must be 'bgnbd', 'mbgnbd' or 'pareto'.")
    n = int(n_customers)
    if n < 1:
        raise ParameterError(f"n_customers={n_customers} must be >= 1.")
    if not 0 <= acquisition_weeks < observation_weeks:
        raise ParameterError(
            f"acquisition_weeks={acquisition_weeks} must be >= 0 and below "
            f"observation_weeks={observation_weeks}."
        )
    default = CDNOW_PARETO if model == "pareto" else CDNOW_BGNBD
    par = {**default, **(params or {})}
    if set(par) != set(default) or any(not v > 0 for v in par.values()):
        raise ParameterError(f"params must be positive values of {sorted(default)}; got {params}.")
    sp = {**CDNOW_SPEND, **(spend_params or {})}
    if set(sp) != set(CDNOW_SPEND) or any(not v > 0 for v in sp.values()):
        raise ParameterError(f"spend_params must be positive p, q, gamma; got {spend_params}.")
    rng = np.random.default_rng(random_state)

    first = rng.random(n) * acquisition_weeks
    T = observation_weeks - first
    lam = rng.gamma(par["r"], 1.0 / par["alpha"], n)
    if model != "pareto":
        dropout = rng.beta(par["a"], par["b"], n)
        window = T
        n_pot = rng.poisson(lam * window)
        # repeat purchase after which the customer leaves (0: right after the first)
        dies_after = rng.geometric(dropout) - (model == "mbgnbd")
        x = np.minimum(n_pot, dies_after)
        alive = dies_after > n_pot
    else:
        dropout = rng.gamma(par["s"], 1.0 / par["beta"], n)
        death = rng.exponential(1.0 / dropout)
        window = np.minimum(death, T)
        n_pot = rng.poisson(lam * window)
        x = n_pot
        alive = death > T
    # purchase times: n_pot uniform points on each window, sorted, the first x kept
    cust = np.repeat(np.arange(n), n_pot)
    u = rng.random(len(cust)) * window[cust]
    order = np.lexsort((u, cust))
    u = u[order]
    rank = np.arange(len(cust)) - np.repeat(np.cumsum(n_pot) - n_pot, n_pot)
    keep = rank < x[cust]
    cust, u = cust[keep], u[keep]
    recency = np.zeros(n)
    has = x > 0
    last = np.cumsum(x)[has] - 1
    recency[has] = u[last]

    nu = rng.gamma(sp["q"], 1.0 / sp["gamma"], n)
    first_spend = rng.gamma(sp["p"], 1.0 / nu)
    repeat_spend = rng.gamma(sp["p"], 1.0 / nu[cust])
    spend_sum = np.bincount(cust, weights=repeat_spend, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(x > 0, spend_sum / np.maximum(x, 1), np.nan)

    origin = pd.Timestamp(start)
    ids = np.arange(1, n + 1)
    all_cust = np.r_[np.arange(n), cust]
    all_weeks = np.r_[first, first[cust] + u]
    order = np.lexsort((all_weeks, all_cust))
    stamps = origin + pd.to_timedelta(np.round(all_weeks[order] * _NS_PER_WEEK).astype(np.int64))
    transactions = pd.DataFrame(
        {
            "customer_id": ids[all_cust[order]],
            "timestamp": stamps,
            "revenue": np.r_[first_spend, repeat_spend][order],
        }
    )
    index = pd.Index(ids, name="customer_id")
    summary = pd.DataFrame(
        {"frequency": x, "recency": recency, "T": T, "monetary_value": monetary}, index=index
    )
    summary.attrs["purchase_summary"] = {"time_unit": "weeks", "exact": True}
    customers = pd.DataFrame(
        {
            "first_purchase": origin + pd.to_timedelta(np.round(first * _NS_PER_WEEK), unit="ns"),
            "purchase_rate": lam,
            "dropout": dropout,
            "mean_spend": sp["p"] / nu,
            "alive_at_end": alive,
        },
        index=index,
    )
    end = origin + pd.Timedelta(weeks=observation_weeks)
    truth = {"model": model, "params": par, "spend_params": sp, "time_unit": "weeks"}
    return PurchaseSimulation(
        transactions=transactions,
        summary=summary,
        customers=customers,
        truth=truth,
        observation_end=end,
    )
