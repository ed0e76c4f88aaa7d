"""The encoded event layout every sequence analysis shares: customers' ordered steps as integer codes with offsets.

:class:`EventSequences` is the one layout; journeys, Markov chains
(:class:`~cxlab.markov.ChainData`) and attribution paths are built on it.
"""

from __future__ import annotations

from cxlab.sequences._encode import encode_events, encode_sequences
from cxlab.sequences._layout import (
    EventSequences,
    TransitionCounts,
    collapse_runs,
    keep_events,
    path_strings,
    transition_counts,
)

__all__ = [
    "EventSequences",
    "encode_events",
    "encode_sequences",
    "collapse_runs",
    "keep_events",
    "path_strings",
    "transition_counts",
    "TransitionCounts",
]
