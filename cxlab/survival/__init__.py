"""Churn and customer value over time: the survival table, Kaplan–Meier, Cox and AFT churn models, survival CLV and the shifted-beta-geometric model."""

from __future__ import annotations

from cxlab.survival._aft import AFT_DISTRIBUTIONS, AFTChurnModel, compare_aft_models
from cxlab.survival._clv import CLVResult, survival_clv
from cxlab.survival._cox import AssumptionReport, ChurnModel
from cxlab.survival._kaplan_meier import KaplanMeier, kaplan_meier, logrank_test
from cxlab.survival._plots import clv_plot, forest_plot, km_plot, retention_plot
from cxlab.survival._regression import DEFAULT_COVARIATES
from cxlab.survival._sbg import ShiftedBetaGeometric
from cxlab.survival._table import survival_table

__all__ = [
    "survival_table",
    "KaplanMeier",
    "kaplan_meier",
    "logrank_test",
    "ChurnModel",
    "AssumptionReport",
    "DEFAULT_COVARIATES",
    "AFTChurnModel",
    "AFT_DISTRIBUTIONS",
    "compare_aft_models",
    "survival_clv",
    "CLVResult",
    "ShiftedBetaGeometric",
    "km_plot",
    "forest_plot",
    "clv_plot",
    "retention_plot",
]
