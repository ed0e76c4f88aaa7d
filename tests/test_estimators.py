"""Estimators follow scikit-learn: get_params returns the constructor's parameters unchanged,
so sklearn.base.clone rebuilds an equal unfitted model."""

from __future__ import annotations

import pytest
from sklearn.base import BaseEstimator, clone

import cxlab

ESTIMATORS = [
    (cxlab.KaplanMeier, {"by": ["segment", "region"], "confidence": 0.9}),
    (cxlab.ChurnModel, {"covariates": ["csat"], "penalizer": 0.1, "confidence": 0.8}),
    (cxlab.AFTChurnModel, {"distribution": "lognormal", "confidence": 0.9}),
    (cxlab.ShiftedBetaGeometric, {"confidence": 0.9}),
    (cxlab.NPSDrivers, {"drivers": ["csat"], "confidence": 0.9, "n_bootstrap": 10}),
    (cxlab.CommentThemes, {"n_themes": 4, "random_state": 3}),
    (cxlab.PersonaModel, {"random_state": 2}),
    (cxlab.ValueModel, {"n_bootstrap": 40, "confidence": 0.8, "random_state": 1}),
    (cxlab.BGNBD, {"confidence": 0.9}),
    (cxlab.ParetoNBD, {"confidence": 0.9}),
    (cxlab.GammaGamma, {"confidence": 0.9}),
]


@pytest.mark.parametrize(("cls", "params"), ESTIMATORS, ids=lambda x: getattr(x, "__name__", ""))
def test_get_params_returns_the_constructor_parameters_and_clone_rebuilds_them(cls, params):
    model = cls(**params)
    assert isinstance(model, BaseEstimator)
    got = model.get_params()
    assert {k: got[k] for k in params} == params
    twin = clone(model)
    assert twin is not model
    assert twin.get_params() == got
    assert type(twin) is cls


@pytest.mark.parametrize(
    ("cls", "params"), ESTIMATORS[:4], ids=lambda x: getattr(x, "__name__", "")
)
def test_set_params_changes_the_model(cls, params):
    model = cls().set_params(confidence=0.5)
    assert model.confidence == 0.5


def test_a_model_shows_as_its_own_text_in_a_notebook():
    model = cxlab.ChurnModel()
    assert model._repr_html_ is None and model._repr_mimebundle_ is None
    assert repr(model).startswith("ChurnModel(")
