"""Personas: customer features, the persona model (clustering and latent classes), profiles, stability and persona journeys."""

from __future__ import annotations

from cxlab.personas._catalog import FEATURE_GROUPS, feature_catalog, missing_report
from cxlab.personas._checks import PersonaNotFittedError
from cxlab.personas._features import customer_features
from cxlab.personas._journeys import PersonaJourneys, persona_journeys
from cxlab.personas._model import PersonaModel
from cxlab.personas._plots import (
    plot_persona_funnels,
    plot_profiles,
    plot_projection,
    plot_selection,
    plot_stability,
)
from cxlab.personas._profiles import persona_agreement, persona_cards, profile_table

__all__ = [
    "PersonaModel",
    "PersonaNotFittedError",
    "customer_features",
    "feature_catalog",
    "missing_report",
    "FEATURE_GROUPS",
    "persona_journeys",
    "PersonaJourneys",
    "persona_agreement",
    "profile_table",
    "persona_cards",
    "plot_profiles",
    "plot_projection",
    "plot_selection",
    "plot_stability",
    "plot_persona_funnels",
]
