"""Teaching CX: helpers of the teaching notebooks and interactive explorers.

One customer's journey, small experiments and every estimate held against the
simulation's truth (:func:`journey_of`, :func:`experiment`, :func:`chain_vs_truth`, ...),
and four explorers built on ipywidgets (JupyterLab, the classic notebook, VS Code
and Voila), each one call in a notebook cell:

- :func:`journey_explorer`: buyer's-journey step probabilities -> P(purchase),
  expected steps and days, the funnel, the journey graph and the value of the
  change (exact absorbing-chain algebra, as :class:`cxlab.ValueModel` uses);
- :func:`retention_explorer`: a churn hazard ratio and the share it reaches ->
  survival curve, median lifetime, retention and lifetime value against today;
- :func:`nps_explorer`: promoter / detractor shares and answers -> NPS with its
  interval and the answers needed to tell a change apart;
- :func:`sampling_explorer`: the size of a study drawn from a simulated
  population -> estimates and intervals tightening around the truth.

Each explorer shows on screen what the student sees and, in a report run by
papermill, its starting state as a static figure (``_lab.py``). The numbers come
from pure functions in the ``_*_explorer.py`` modules. A page for teachers:
``docs/teaching.md``.
"""

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
from cxlab.teaching._journey_explorer import journey_explorer
from cxlab.teaching._nps_explorer import nps_explorer
from cxlab.teaching._retention_explorer import retention_explorer
from cxlab.teaching._sampling_explorer import sampling_explorer
from cxlab.teaching._truth import (
    chain_vs_truth,
    churn_effects_vs_truth,
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
    "churn_effects_vs_truth",
    "journey_explorer",
    "retention_explorer",
    "nps_explorer",
    "sampling_explorer",
]
