"""Markov chains of customer journeys: :class:`MarkovChain`, its intervals, tests and
derived quantities, and channel attribution.

How journeys become transitions
-------------------------------

- Every journey begins in the pseudo-state ``(start)`` (:data:`~cxlab.data.START_STATE`);
  the first transition goes from ``(start)`` to the customer's first state.
  Transitions never cross from one customer to the next.
- ``journey="all"`` fits the whole event log: a journey ends at the customer's
  last event, followed by the absorbing state ``(end)``
  (:data:`~cxlab.data.END_STATE`: observation ends, or the customer left
  without an event saying so). States listed in ``absorbing=`` stop a journey
  at their first visit (later events of that customer are not used).
- ``journey="buyer"`` fits the buyer's journey only: each customer's events up
  to and including the first purchase (``catalog.purchase_stage``). A journey
  with a purchase is absorbed in ``purchase``; one without ends in
  ``(drop-off)`` (:data:`~cxlab.data.DROP_STATE`), which no event marks. The
  owner's journey after the purchase (use, service, loyalty, advocacy, churn)
  is not a Markov chain in the simulator and is left out. When the state is not
  the stage (e.g. ``state="channel"``), the purchase event keeps its channel as
  a state and is followed by the absorbing ``purchase``: this is the chain of
  channel attribution. Customers with owner's-journey events before any
  purchase (who probably bought before the log starts) are left out with a
  :class:`~cxlab.exceptions.DataWarning` that counts them.
- Several state columns (``state=["stage", "channel"]``) make combined states
  labelled ``"stage:channel"``.
- With ``order=m``, the chain's rows are the last ``m`` states (histories),
  padded at the start with ``(start)``.

Intervals
---------
Transition probabilities
    The maximum-likelihood estimate of row ``i`` is ``p_ij = n_ij / n_i``. Given
    the visits to ``i``, the counts of a first-order chain are multinomial, so
    ``SE(p_ij) = sqrt(p_ij (1 - p_ij) / n_i)`` (delta method, exact for a
    binomial proportion). Intervals are Wilson score intervals per cell
    (``ci_method="wilson"``, good coverage even near 0 and 1) or Goodman's (1965)
    simultaneous intervals for a whole row (``"goodman"``, wider: all cells of
    the row are covered together at the stated level).

Derived quantities (absorption probabilities, expected steps and time,
stationary distributions, forecasts, removal effects)
    Whole matrices are drawn and the quantity is computed on each draw; the
    interval is the percentile interval of the draws and the SE their standard
    deviation. Two sources of draws:

    - ``"dirichlet"`` (default): each observed row is drawn from a Dirichlet
      with the observed counts as parameters (the Bayesian bootstrap of the
      transitions: mean ``p_ij``, variance ``p_ij (1 - p_ij) / (n_i + 1)``,
      i.e. the multinomial sampling distribution). Cells never observed stay 0.
      Fast and deterministic given ``random_state``.
    - ``"bootstrap"``: a customer-level bootstrap. Whole customers are resampled
      with replacement and the counts recomputed, which keeps each customer's
      transitions together and so stays honest when customers differ (a mixture
      of personas) or transitions within a customer are dependent.

Channel attribution
-------------------
:func:`channel_attribution` credits conversions to channels by first touch,
last touch, linear credit and Markov removal effects (exact absorbing-chain
algebra, no simulation), with bootstrap intervals over journeys.

What the Markov removal effect is, and is not
    It describes the fitted chain: how much conversion would drop if journeys
    that reach ``c`` stopped there, *assuming the chain of touches is right*. A
    chain over channels alone ignores what else drives the next touch (stage,
    customer type), so it is a descriptive, model-based share, not a causal
    effect. ``data.truth.removal_effects`` in simulated data is the causal
    effect of removing a channel in the simulator. The two coincide when the
    chain's states capture everything the journey depends on: for one persona,
    a chain over ``stage:channel`` states (``state=["stage", "channel"]``)
    estimates the causal removal effect (tested in ``tests/markov/test_attribution.py``);
    for a mixture of personas it does not exactly.

See ``docs/markov.md`` for a worked guide.
"""

from __future__ import annotations

from cxlab.markov._algebra import (
    absorption_probabilities,
    communicating_classes,
    expected_steps,
    fundamental_matrix,
    mean_first_passage_times,
    stationary_distribution,
)
from cxlab.markov._attribution import AttributionResult, channel_attribution, conversion_paths
from cxlab.markov._chain import MarkovChain
from cxlab.markov._data import ChainData
from cxlab.markov._groups import MarkovChainGroups
from cxlab.markov._plots import (
    plot_absorption,
    plot_attribution,
    plot_chain_result,
    plot_journey_graph,
    plot_transition_heatmap,
)
from cxlab.markov._results import AbsorptionResult, ChainResult
from cxlab.markov._tests import markov_homogeneity_test, markov_order_test

__all__ = [
    "MarkovChain",
    "MarkovChainGroups",
    "ChainData",
    "ChainResult",
    "AbsorptionResult",
    "markov_order_test",
    "markov_homogeneity_test",
    "channel_attribution",
    "AttributionResult",
    "conversion_paths",
    "absorption_probabilities",
    "fundamental_matrix",
    "stationary_distribution",
    "mean_first_passage_times",
    "expected_steps",
    "communicating_classes",
    "plot_journey_graph",
    "plot_transition_heatmap",
    "plot_absorption",
    "plot_chain_result",
    "plot_attribution",
]
