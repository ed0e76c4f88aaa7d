"""The fitted state of a :class:`cxlab.ValueModel`: everything its evaluation engine reads.

Not a public module. :meth:`cxlab.ValueModel.fit` builds one :class:`FittedState`
(the model's ``state_``); :func:`cxlab.value._engine.evaluate`, the experience
what-ifs and the truth check work from it alone, never from the model's own
attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab.value._chain import ChainFit
from cxlab.value._owner import HazardFit, lifetime

__all__ = ["FittedState"]


@dataclass(frozen=True, eq=False)
class FittedState:
    """The fitted pieces and replicates a value model evaluates scenarios with.

    Index 0 of every replicate axis is the point estimate, 1..n_boot the
    bootstrap replicates or parameter draws.

    Attributes
    ----------
    margin, discount_rate, horizon_days, onboarding_days : float
        The model's settings (see :class:`cxlab.ValueModel`).
    n_leads : int
        Size of the cohort of leads totals refer to.
    n_boot : int
        Replicates behind every interval.
    chain : ChainFit
        Buyer's-journey chain(s): ``p`` of shape (1 + n_boot, G, rows, cols).
    lead_share : ndarray, shape (1 + n_boot, G)
        Share of leads in each group.
    groups : list
        Group labels (``["all"]`` without groups).
    owners : DataFrame
        The purchasers the owner's-journey averages run over (one row each).
    covariates, dummies : tuple of str
        Churn-model covariates (group indicators included) and the group indicators.
    X, D : ndarray
        Purchasers' churn covariates and group indicators.
    group_code, spend_key : ndarray of int
        Purchasers' group (0..G-1) and spend key (0..K-1).
    spend_key_labels : Index
        (group,) or (group, spend_by value) of each spend key.
    spend_by : str or None
        The purchaser column repeat revenue depends on (None: per group only).
    hazard : HazardFit
        Churn model; ``theta`` (1 + n_boot, parameters) its point estimate and draws.
    support : HazardFit or None
        Support contacts on CSAT; ``gamma`` its draws (None without CSAT).
    spend : tuple of dict
        Per replicate: bootstrap weights ``w`` of the purchasers, ``first``
        (first-order value per group), ``rate_k`` (repeat revenue per day per
        spend key) and ``p_onb`` (share lost during onboarding).
    csat_scale : tuple
        Lowest and highest CSAT answer.
    nps_seed : int
        Seed of the NPS model's parameter draws (fitted on first need, see :meth:`nps`).
    """

    margin: float
    discount_rate: float
    horizon_days: float
    onboarding_days: float
    n_leads: int
    n_boot: int
    chain: ChainFit
    lead_share: np.ndarray
    groups: list
    owners: pd.DataFrame
    covariates: tuple
    dummies: tuple
    X: np.ndarray
    D: np.ndarray
    group_code: np.ndarray
    spend_key: np.ndarray
    spend_key_labels: pd.Index
    spend_by: str | None
    hazard: HazardFit
    theta: np.ndarray
    support: HazardFit | None
    gamma: np.ndarray | None
    spend: tuple
    csat_scale: tuple
    nps_seed: int
    _lazy: dict = field(default_factory=dict, repr=False)

    @property
    def p(self) -> np.ndarray:
        """Transition matrices, shape (1 + n_boot, G, rows, cols)."""
        return self.chain.p

    def nps(self) -> dict:
        """The NPS model's draws, fitted on first need (only experience scenarios use it)."""
        if "nps" not in self._lazy:
            from cxlab.value._scenarios import nps_draws

            self._lazy["nps"] = nps_draws(self, np.random.default_rng(self.nps_seed))
        return self._lazy["nps"]

    def nps_if_fitted(self) -> dict | None:
        """The NPS model's draws when already fitted, else None."""
        return self._lazy.get("nps")

    def life(self, mult, theta_b, p_onb):
        """Discounted active days, active days and survival at the horizon (see ``lifetime``)."""
        base, _ = self.hazard.split(theta_b)
        return lifetime(
            mult,
            base[0],
            self.hazard.breakpoints,
            onboarding=float(self.onboarding_days),
            horizon=float(self.horizon_days),
            discount=np.log1p(self.discount_rate) / 365.0,
            p_onboarding=p_onb,
        )
