"""The encoded event layout every sequence analysis shares: customers' ordered steps as integer codes with offsets."""

from __future__ import annotations

from cxlab.sequences._encode import encode_events, encode_sequences
from cxlab.sequences._layout import EventSequences, collapse_runs

__all__ = [
    "EventSequences",
    "encode_events",
    "encode_sequences",
    "collapse_runs",
]
