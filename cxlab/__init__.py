"""cxlab: a workbench for customer-journey and customer-experience research.

>>> import cxlab
>>> data = cxlab.simulate(n_customers=500, seed=0)
>>> data.events.columns.tolist()[:4]
['customer_id', 'timestamp', 'stage', 'channel']

Public names are imported lazily, so ``import cxlab`` (and the ``cxlab``
command) stays fast; ``cxlab.<name>`` loads its module on first use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it. Add a line here when a module gains a
# name users should reach as ``cxlab.<name>``.
_EXPORTS = {
    # readable display of tables (rounded, intervals folded, escaped)
    "readable": "cxlab.display",
    # data model and loading
    "CXData": "cxlab.data",
    "StageCatalog": "cxlab.catalog",
    "DEFAULT_CATALOG": "cxlab.catalog",
    "observed_stages": "cxlab.catalog",
    "load": "cxlab.io",
    "load_events": "cxlab.io",
    "load_customers": "cxlab.io",
    "load_feedback": "cxlab.io",
    "empty_feedback": "cxlab.io",
    "validate": "cxlab.validation",
    "ValidationReport": "cxlab.validation",
    # simulation (ground truth)
    "simulate": "cxlab.simulation",
    "Persona": "cxlab.simulation",
    "default_personas": "cxlab.simulation",
    "Truth": "cxlab.simulation",
    # filters (segment, date window, stages, channels)
    "filter_data": "cxlab.filters",
    "filter_segment": "cxlab.filters",
    "filter_dates": "cxlab.filters",
    "filter_customers": "cxlab.filters",
    "select_stages": "cxlab.filters",
    "select_channels": "cxlab.filters",
    # journey analytics (sequences, funnels, paths, waits, drop-offs, designed vs lived)
    "journey_sequences": "cxlab.journeys",
    "JourneySequences": "cxlab.journeys",
    "funnel": "cxlab.journeys",
    "FunnelResult": "cxlab.journeys",
    "variants": "cxlab.journeys",
    "VariantsResult": "cxlab.journeys",
    "paths_from": "cxlab.journeys",
    "PathsResult": "cxlab.journeys",
    "sankey_table": "cxlab.journeys",
    "SankeyResult": "cxlab.journeys",
    "time_between_stages": "cxlab.journeys",
    "TimeBetweenResult": "cxlab.journeys",
    "drop_off": "cxlab.journeys",
    "DropOffResult": "cxlab.journeys",
    "designed_vs_lived": "cxlab.journeys",
    "DesignedVsLived": "cxlab.journeys",
    # feedback (NPS, CSAT, CES, drivers, themes)
    "nps": "cxlab.feedback",
    "csat": "cxlab.feedback",
    "ces": "cxlab.feedback",
    "ScoreEstimate": "cxlab.feedback",
    "score_table": "cxlab.feedback",
    "nps_category": "cxlab.feedback",
    "compare_scores": "cxlab.feedback_compare",
    "compare_groups": "cxlab.feedback_compare",
    "ScoreDifference": "cxlab.feedback_compare",
    "score_trend": "cxlab.feedback_trend",
    "survey_sample_size": "cxlab.feedback_compare",
    "experience_gap": "cxlab.feedback_trend",
    "journey_facts": "cxlab.feedback_frame",
    "driver_table": "cxlab.feedback_frame",
    "NPSDrivers": "cxlab.feedback_drivers",
    "CommentThemes": "cxlab.feedback_themes",
    "feedback_features": "cxlab.feedback_customers",
    "plot_scores": "cxlab.plots_feedback",
    "plot_score_trend": "cxlab.plots_feedback",
    "plot_drivers": "cxlab.plots_feedback",
    "plot_themes": "cxlab.plots_feedback",
    # Markov chains and channel attribution
    "MarkovChain": "cxlab.markov",
    "MarkovChainGroups": "cxlab.markov_groups",
    "markov_order_test": "cxlab.markov_tests",
    "markov_homogeneity_test": "cxlab.markov_tests",
    "channel_attribution": "cxlab.attribution",
    "AttributionResult": "cxlab.attribution",
    "conversion_paths": "cxlab.attribution",
    # notebook sections a study cannot fill
    "attempt": "cxlab.notices",
    "notice": "cxlab.notices",
    "available": "cxlab.notices",
    # report exports
    "export_table": "cxlab.exports",
    "export_figure": "cxlab.exports",
    # report runs (cxlab run)
    "run_notebooks": "cxlab.report",
    # churn survival, CLV and contractual retention
    "survival_table": "cxlab.survival_data",
    "KaplanMeier": "cxlab.survival",
    "kaplan_meier": "cxlab.survival",
    "logrank_test": "cxlab.survival",
    "ChurnModel": "cxlab.churn_model",
    "AFTChurnModel": "cxlab.survival_aft",
    "compare_aft_models": "cxlab.survival_aft",
    "survival_clv": "cxlab.clv",
    "ShiftedBetaGeometric": "cxlab.sbg",
    # customer value without cancellations ("buy till you die")
    "purchase_summary": "cxlab.btyd_summary",
    "BGNBD": "cxlab.btyd_bgnbd",
    "ParetoNBD": "cxlab.btyd_pareto",
    "GammaGamma": "cxlab.btyd_gamma_gamma",
    "customer_value": "cxlab.btyd_clv",
    "frequency_check": "cxlab.btyd_checks",
    "holdout_check": "cxlab.btyd_checks",
    "tracking_check": "cxlab.btyd_checks",
    "p_alive_plot": "cxlab.plots_btyd",
    "simulate_purchases": "cxlab.btyd_simulate",
    # what-if value analysis
    "ValueModel": "cxlab.value",
    "Scenario": "cxlab.value",
    "WhatIfResult": "cxlab.value",
    "ValueRanking": "cxlab.value",
    "touchpoint_owners": "cxlab.value",
    "truth_what_if": "cxlab.value_truth",
    # personas
    "customer_features": "cxlab.personas_features",
    "feature_catalog": "cxlab.personas_features",
    "missing_report": "cxlab.personas_features",
    "PersonaModel": "cxlab.personas",
    "persona_journeys": "cxlab.personas_journeys",
    "PersonaJourneys": "cxlab.personas_journeys",
    "persona_agreement": "cxlab.personas_profiles",
    # errors
    "CxlabError": "cxlab.exceptions",
    # language of labels, numbers, dates and figures (English, Persian)
    "set_language": "cxlab.i18n",
    "get_language": "cxlab.i18n",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
