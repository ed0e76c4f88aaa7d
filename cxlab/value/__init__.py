"""What-if value analysis: :class:`ValueModel` ties journeys, churn and spend together to price a change in the experience."""

from __future__ import annotations

from cxlab.value._model import ValueModel
from cxlab.value._results import Scenario, ValueRanking, WhatIfResult
from cxlab.value._teams import touchpoint_owners
from cxlab.value._truth import truth_what_if

__all__ = [
    "ValueModel",
    "Scenario",
    "WhatIfResult",
    "ValueRanking",
    "touchpoint_owners",
    "truth_what_if",
]
