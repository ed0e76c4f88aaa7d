"""Interactive explorers for teaching CX: move a lever, watch the journey respond.

Four explorers built on ipywidgets (JupyterLab, the classic notebook, VS Code
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
papermill, its starting state as a static figure (see :mod:`cxlab.teaching_lab`).
The numbers come from pure functions in :mod:`cxlab.teaching_journey`,
:mod:`cxlab.teaching_retention`, :mod:`cxlab.teaching_nps` and
:mod:`cxlab.teaching_sampling`. A page for teachers: ``docs/teaching.md``.
"""

from __future__ import annotations

from cxlab.teaching_journey import journey_explorer
from cxlab.teaching_nps import nps_explorer
from cxlab.teaching_retention import retention_explorer
from cxlab.teaching_sampling import sampling_explorer

__all__ = ["journey_explorer", "retention_explorer", "nps_explorer", "sampling_explorer"]
