"""Simulated studies with known answers: :func:`simulate`, the personas that drive it and the :class:`Truth` it records."""

from __future__ import annotations

from cxlab.simulation._feedback import THEMES
from cxlab.simulation._personas import Persona, default_personas
from cxlab.simulation._simulate import DEFAULT_HAZARD, DEFAULT_NPS, simulate
from cxlab.simulation._stream import simulate_to_parquet
from cxlab.simulation._truth import Truth

__all__ = [
    "simulate",
    "simulate_to_parquet",
    "Persona",
    "default_personas",
    "Truth",
    "DEFAULT_HAZARD",
    "DEFAULT_NPS",
    "THEMES",
]
