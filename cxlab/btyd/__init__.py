"""Customer value without cancellations ("buy till you die"): repeat purchases and spend.

For businesses where customers leave silently (no contract to cancel): the
purchase summary of each customer (:func:`purchase_summary`), the BG/NBD and
Pareto/NBD models of repeat purchases and unseen drop-out (:class:`BGNBD`,
:class:`ParetoNBD`) and BG/NBD's variant where customers may leave right after
their first purchase (:class:`MBGNBD`), the Gamma-Gamma model of spend (:class:`GammaGamma`),
customer lifetime value from both (:func:`customer_value`), the value of
a retention improvement (:func:`retention_whatif`), fit checks against
what customers did (:func:`frequency_check`, :func:`holdout_check`,
:func:`tracking_check`) and purchases simulated from known parameters
(:func:`simulate_purchases`). See docs/customer-value.md.
"""

from __future__ import annotations

from cxlab.btyd._bgnbd import BGNBD
from cxlab.btyd._checks import (
    FitCheck,
    compare_fits,
    frequency_check,
    holdout_check,
    tracking_check,
)
from cxlab.btyd._clv import customer_value
from cxlab.btyd._gamma_gamma import GammaGamma
from cxlab.btyd._mbgnbd import MBGNBD
from cxlab.btyd._pareto import ParetoNBD
from cxlab.btyd._plots import frequency_plot, holdout_plot, p_alive_plot, tracking_plot
from cxlab.btyd._simulate import PurchaseSimulation, simulate_purchases
from cxlab.btyd._summary import purchase_summary
from cxlab.btyd._whatif import retention_whatif

__all__ = [
    "purchase_summary",
    "BGNBD",
    "MBGNBD",
    "ParetoNBD",
    "GammaGamma",
    "customer_value",
    "retention_whatif",
    "FitCheck",
    "compare_fits",
    "frequency_check",
    "holdout_check",
    "tracking_check",
    "simulate_purchases",
    "PurchaseSimulation",
    "frequency_plot",
    "holdout_plot",
    "tracking_plot",
    "p_alive_plot",
]
