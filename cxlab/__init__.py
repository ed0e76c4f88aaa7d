"""cxlab: a workbench for customer-journey and customer-experience research.

>>> import cxlab
>>> data = cxlab.simulate(n_customers=500, random_state=0)
>>> data.events.columns.tolist()[:4]
['customer_id', 'timestamp', 'stage', 'channel']

Public names are imported lazily, so ``import cxlab`` (and the ``cxlab``
command) stays fast; ``cxlab.<name>`` loads its module on first use.
"""

from __future__ import annotations

import importlib

# What IDEs and type checkers see (they take any TYPE_CHECKING as true); at run time
# the table below loads each name lazily. Not typing.TYPE_CHECKING: importing typing
# would double the time of ``import cxlab``.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from cxlab._display import readable
    from cxlab._notices import attempt, available, caveats, notice
    from cxlab.btyd import (
        BGNBD,
        MBGNBD,
        GammaGamma,
        ParetoNBD,
        compare_fits,
        customer_value,
        frequency_check,
        holdout_check,
        p_alive_plot,
        purchase_summary,
        retention_whatif,
        simulate_purchases,
        tracking_check,
    )
    from cxlab.data import (
        DEFAULT_CATALOG,
        CXData,
        StageCatalog,
        ValidationReport,
        empty_feedback,
        filter_customers,
        filter_data,
        filter_dates,
        filter_segment,
        load,
        load_customers,
        load_events,
        load_feedback,
        observed_stages,
        select_channels,
        select_stages,
        validate,
    )
    from cxlab.engines import LazyStudy, lazy_study
    from cxlab.exceptions import CxlabError
    from cxlab.feedback import (
        CommentThemes,
        NPSDrivers,
        ScoreDifference,
        ScoreEstimate,
        ces,
        compare_groups,
        compare_scores,
        csat,
        driver_table,
        experience_gap,
        feedback_features,
        journey_facts,
        nps,
        nps_category,
        plot_drivers,
        plot_score_trend,
        plot_scores,
        plot_themes,
        score_table,
        score_trend,
        survey_sample_size,
    )
    from cxlab.i18n import get_language, set_language
    from cxlab.journeys import (
        DesignedVsLived,
        DropOffResult,
        FunnelResult,
        JourneySequences,
        PathsResult,
        SankeyResult,
        TimeBetweenResult,
        VariantsResult,
        designed_vs_lived,
        drop_off,
        funnel,
        journey_sequences,
        paths_from,
        sankey_table,
        time_between_stages,
        variants,
    )
    from cxlab.markov import (
        AttributionResult,
        MarkovChain,
        MarkovChainGroups,
        channel_attribution,
        conversion_paths,
        markov_homogeneity_test,
        markov_order_test,
    )
    from cxlab.personas import (
        PersonaJourneys,
        PersonaModel,
        customer_features,
        feature_catalog,
        missing_report,
        persona_agreement,
        persona_journeys,
    )
    from cxlab.report import run_notebooks
    from cxlab.report.exports import export_figure, export_table
    from cxlab.simulation import Persona, Truth, default_personas, simulate
    from cxlab.survival import (
        AFTChurnModel,
        ChurnModel,
        KaplanMeier,
        ShiftedBetaGeometric,
        compare_aft_models,
        kaplan_meier,
        logrank_test,
        survival_clv,
        survival_table,
    )
    from cxlab.value import (
        Scenario,
        ValueModel,
        ValueRanking,
        WhatIfResult,
        touchpoint_owners,
        truth_what_if,
    )

__version__ = "0.1.0"

# The topics, each a subpackage whose ``__init__`` is its public face:
# ``cxlab.markov``, ``cxlab.survival``, ... load on first use too.
_TOPICS = (
    "data",
    "sequences",
    "simulation",
    "journeys",
    "markov",
    "survival",
    "btyd",
    "personas",
    "feedback",
    "value",
    "teaching",
    "report",
    "i18n",
    "engines",
)

# public name -> the public module (a topic's face) that exports it. Add a line
# here when a topic gains a name users should reach as ``cxlab.<name>``.
_EXPORTS = {
    # readable display of tables (rounded, intervals folded, escaped)
    "readable": "cxlab._display",
    # data model and loading
    "CXData": "cxlab.data",
    "StageCatalog": "cxlab.data",
    "DEFAULT_CATALOG": "cxlab.data",
    "observed_stages": "cxlab.data",
    "load": "cxlab.data",
    "load_events": "cxlab.data",
    "load_customers": "cxlab.data",
    "load_feedback": "cxlab.data",
    "empty_feedback": "cxlab.data",
    "validate": "cxlab.data",
    "ValidationReport": "cxlab.data",
    # studies whose events stay in DuckDB, Spark or polars
    "LazyStudy": "cxlab.engines",
    "lazy_study": "cxlab.engines",
    # simulation (ground truth)
    "simulate": "cxlab.simulation",
    "Persona": "cxlab.simulation",
    "default_personas": "cxlab.simulation",
    "Truth": "cxlab.simulation",
    # filters (segment, date window, stages, channels)
    "filter_data": "cxlab.data",
    "filter_segment": "cxlab.data",
    "filter_dates": "cxlab.data",
    "filter_customers": "cxlab.data",
    "select_stages": "cxlab.data",
    "select_channels": "cxlab.data",
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
    "compare_scores": "cxlab.feedback",
    "compare_groups": "cxlab.feedback",
    "ScoreDifference": "cxlab.feedback",
    "score_trend": "cxlab.feedback",
    "survey_sample_size": "cxlab.feedback",
    "experience_gap": "cxlab.feedback",
    "journey_facts": "cxlab.feedback",
    "driver_table": "cxlab.feedback",
    "NPSDrivers": "cxlab.feedback",
    "CommentThemes": "cxlab.feedback",
    "feedback_features": "cxlab.feedback",
    "plot_scores": "cxlab.feedback",
    "plot_score_trend": "cxlab.feedback",
    "plot_drivers": "cxlab.feedback",
    "plot_themes": "cxlab.feedback",
    # Markov chains and channel attribution
    "MarkovChain": "cxlab.markov",
    "MarkovChainGroups": "cxlab.markov",
    "markov_order_test": "cxlab.markov",
    "markov_homogeneity_test": "cxlab.markov",
    "channel_attribution": "cxlab.markov",
    "AttributionResult": "cxlab.markov",
    "conversion_paths": "cxlab.markov",
    # notebook sections a study cannot fill
    "attempt": "cxlab._notices",
    "notice": "cxlab._notices",
    "available": "cxlab._notices",
    "caveats": "cxlab._notices",
    # report exports
    "export_table": "cxlab.report.exports",
    "export_figure": "cxlab.report.exports",
    # report runs (cxlab run)
    "run_notebooks": "cxlab.report",
    # churn survival, CLV and contractual retention
    "survival_table": "cxlab.survival",
    "KaplanMeier": "cxlab.survival",
    "kaplan_meier": "cxlab.survival",
    "logrank_test": "cxlab.survival",
    "ChurnModel": "cxlab.survival",
    "AFTChurnModel": "cxlab.survival",
    "compare_aft_models": "cxlab.survival",
    "survival_clv": "cxlab.survival",
    "ShiftedBetaGeometric": "cxlab.survival",
    # customer value without cancellations ("buy till you die")
    "purchase_summary": "cxlab.btyd",
    "BGNBD": "cxlab.btyd",
    "MBGNBD": "cxlab.btyd",
    "ParetoNBD": "cxlab.btyd",
    "GammaGamma": "cxlab.btyd",
    "customer_value": "cxlab.btyd",
    "retention_whatif": "cxlab.btyd",
    "compare_fits": "cxlab.btyd",
    "frequency_check": "cxlab.btyd",
    "holdout_check": "cxlab.btyd",
    "tracking_check": "cxlab.btyd",
    "p_alive_plot": "cxlab.btyd",
    "simulate_purchases": "cxlab.btyd",
    # what-if value analysis
    "ValueModel": "cxlab.value",
    "Scenario": "cxlab.value",
    "WhatIfResult": "cxlab.value",
    "ValueRanking": "cxlab.value",
    "touchpoint_owners": "cxlab.value",
    "truth_what_if": "cxlab.value",
    # personas
    "customer_features": "cxlab.personas",
    "feature_catalog": "cxlab.personas",
    "missing_report": "cxlab.personas",
    "PersonaModel": "cxlab.personas",
    "persona_journeys": "cxlab.personas",
    "PersonaJourneys": "cxlab.personas",
    "persona_agreement": "cxlab.personas",
    # errors
    "CxlabError": "cxlab.exceptions",
    # language of labels, numbers, dates and figures (English, Persian)
    "set_language": "cxlab.i18n",
    "get_language": "cxlab.i18n",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str):
    if name in _TOPICS:
        return importlib.import_module(f"cxlab.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return [*__all__, *_TOPICS]
