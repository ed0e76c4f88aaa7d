"""Survey feedback: NPS, CSAT and CES with intervals, comparisons and trends, drivers and comment themes."""

from __future__ import annotations

from cxlab.feedback._compare import (
    ScoreDifference,
    compare_groups,
    compare_scores,
    survey_sample_size,
)
from cxlab.feedback._customers import feedback_features
from cxlab.feedback._drivers import NPSDrivers
from cxlab.feedback._frame import driver_table, journey_facts
from cxlab.feedback._plots import plot_drivers, plot_score_trend, plot_scores, plot_themes
from cxlab.feedback._scores import ScoreEstimate, ces, csat, nps, nps_category, score, score_table
from cxlab.feedback._themes import CommentThemes
from cxlab.feedback._trend import experience_gap, score_trend

__all__ = [
    "nps",
    "csat",
    "ces",
    "score",
    "ScoreEstimate",
    "score_table",
    "nps_category",
    "compare_scores",
    "compare_groups",
    "ScoreDifference",
    "score_trend",
    "survey_sample_size",
    "experience_gap",
    "journey_facts",
    "driver_table",
    "NPSDrivers",
    "CommentThemes",
    "feedback_features",
    "plot_scores",
    "plot_score_trend",
    "plot_drivers",
    "plot_themes",
]
