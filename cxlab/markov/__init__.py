"""Markov chains of customer journeys: :class:`MarkovChain`, its intervals, tests and derived quantities, and channel attribution."""

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
