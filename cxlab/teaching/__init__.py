"""Helpers for the teaching notebooks: one customer's journey, small experiments, and every estimate held against the simulation's truth."""

from __future__ import annotations

from cxlab.teaching._examples import (
    experiment,
    journey_of,
    plot_journey,
    referrals_by_nps,
    retention_vs_acquisition,
    stage_touchpoints,
    upsell_summary,
)
from cxlab.teaching._truth import (
    chain_vs_truth,
    drivers_vs_truth,
    nps_vs_truth,
    retention_vs_truth,
    whatif_vs_truth,
)

__all__ = [
    "journey_of",
    "plot_journey",
    "stage_touchpoints",
    "experiment",
    "retention_vs_acquisition",
    "upsell_summary",
    "referrals_by_nps",
    "chain_vs_truth",
    "retention_vs_truth",
    "nps_vs_truth",
    "drivers_vs_truth",
    "whatif_vs_truth",
]
