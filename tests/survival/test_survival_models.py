"""ChurnModel (Cox) and AFT models: recovery of known effects, pass-through, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxlab
from cxlab.exceptions import (
    ConvergenceError,
    DataError,
    DataTypeError,
    DataWarning,
    MissingColumnError,
    NotFittedError,
    StatisticalWarning,
)

COVS = ["loyalty_member", "support_contacts", "csat"]


@pytest.fixture(scope="module")
def table():
    data = cxlab.simulate(n_customers=4000, random_state=21)
    return cxlab.survival_table(data, extra=data.truth.persona)


@pytest.fixture(scope="module")
def model(table):
    return cxlab.ChurnModel(covariates=COVS, categorical=["persona"]).fit(table)


def _synthetic(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    b = rng.random(n) < 0.4
    t = rng.exponential(100 / np.exp(0.5 * x + 0.7 * b))
    c = rng.uniform(20, 300, size=n)
    return pd.DataFrame(
        {"tenure_days": np.minimum(t, c), "churned": t <= c, "x": x, "b": b},
        index=pd.Index(np.arange(n), name="customer_id"),
    )


# -- recovery against the simulator's truth ---------------------------------------------


@pytest.mark.slow
def test_cox_intervals_cover_true_hazard_coefficients():
    """40 simulations of 3,000 customers: pooled coverage of 95% intervals ~ 0.95."""
    hits = []
    for rep in range(40):
        data = cxlab.simulate(n_customers=3000, random_state=1000 + rep)
        tab = cxlab.survival_table(data, extra=data.truth.persona)
        m = cxlab.ChurnModel(covariates=COVS, categorical=["persona"]).fit(tab)
        truth = data.truth.hazard_coefficients.reindex(m.covariates_)
        assert truth.notna().all()
        s = m.summary()
        hits.append(((s["coef_lower"] <= truth) & (truth <= s["coef_upper"])).to_numpy())
    hits = np.array(hits)
    n = hits.size  # 40 reps x 6 coefficients
    # binomial tolerance: three standard errors around the nominal 0.95
    tol = 3 * np.sqrt(0.95 * 0.05 / n)
    assert abs(hits.mean() - 0.95) < tol, hits.mean(axis=0)
    assert (hits.mean(axis=0) >= 0.8).all(), hits.mean(axis=0)  # no coefficient badly off


def test_cox_point_estimates_close_on_large_sample():
    data = cxlab.simulate(n_customers=16_000, random_state=5)
    tab = cxlab.survival_table(data, extra=data.truth.persona)
    m = cxlab.ChurnModel(covariates=COVS, categorical=["persona"]).fit(tab)
    truth = data.truth.hazard_coefficients.reindex(m.covariates_)
    s = m.summary()
    z = (s["coef"] - truth) / s["se"]
    assert (z.abs() < 3.5).all(), z
    assert ((s["coef"] - truth).abs() < 0.1).all()
    assert m.n_ == len(tab) and m.n_events_ == int(tab["churned"].sum())


def test_results_are_lifelines_own(table, model):
    from lifelines import CoxPHFitter

    X = table[COVS].astype(float)
    for level in ["store loyalists", "careful researchers", "busy professionals"]:
        X[f"persona[{level}]"] = (table["persona"] == level).astype(float)
    X["T"], X["E"] = table["tenure_days"], table["churned"].astype(float)
    from cxlab.survival._cox import COX_FIT_OPTIONS

    direct = CoxPHFitter().fit(X, "T", "E", fit_options=COX_FIT_OPTIONS)
    pd.testing.assert_series_equal(
        model.coef_, direct.params_.rename("coef"), check_names=False, check_index_type=False
    )
    np.testing.assert_array_equal(model.hazard_ratios_["hazard_ratio"], direct.summary["exp(coef)"])
    np.testing.assert_array_equal(model.summary()["se"], direct.summary["se(coef)"])
    assert model.concordance_ == direct.concordance_index_
    # predictions: conditional survival of active customers is lifelines' too
    active = table[~table["churned"]].head(4)
    pred = model.predict_survival(active, times=[10.0, 30.0])
    Xa = X.loc[active.index].drop(columns=["T", "E"])
    ref = direct.predict_survival_function(
        Xa, times=[10.0, 30.0], conditional_after=active["tenure_days"].to_numpy()
    )
    limit = table["tenure_days"].max()
    ok = pred.index.to_numpy()[:, None] + active["tenure_days"].to_numpy()[None, :] <= limit
    np.testing.assert_allclose(pred.to_numpy()[ok], ref.to_numpy()[ok])
    assert np.isnan(pred.to_numpy()[~ok]).all()  # beyond the data: not extrapolated
    med = model.predict_median_remaining(active)
    assert list(med.columns) == ["tenure_days", "median_remaining_days"]


def test_compare_with_truth(table, model):
    truth = cxlab.simulate(n_customers=10, random_state=0).truth.hazard_coefficients
    cmp_ = model.compare(truth)
    assert list(cmp_.columns) == ["coef", "lower", "upper", "true", "covered"]
    assert cmp_["true"].notna().all() and cmp_["covered"].mean() >= 0.5


def test_summary_plot_and_repr(model):
    s = model.summary()
    assert list(s.columns) == [
        "coef",
        "se",
        "coef_lower",
        "coef_upper",
        "hazard_ratio",
        "hr_lower",
        "hr_upper",
        "z",
        "p",
    ]
    assert (s["hr_lower"] < s["hazard_ratio"]).all() and (s["hazard_ratio"] < s["hr_upper"]).all()
    assert "events=" in repr(model)
    ax = model.plot()
    assert len(ax.get_yticklabels()) == len(s)
    import matplotlib.pyplot as plt

    plt.close("all")
    with pytest.raises(NotFittedError, match=r"call fit\(table\) before summary"):
        cxlab.ChurnModel().summary()


# -- proportional-hazards check -------------------------------------------------------------


def test_assumptions_ok_on_simulated_ph_data(model, capsys):
    rep = model.check_assumptions()
    assert capsys.readouterr().out == ""  # lifelines' printout is captured, not printed
    assert rep.ok and "No covariate shows evidence" in rep.notes[0]
    assert "Proportional hazard assumption looks okay" in rep.lifelines_output
    assert set(rep.table["time_transform"]) == {"rank", "km"}


def test_assumptions_flag_a_time_varying_effect(capsys):
    rng = np.random.default_rng(3)
    n = 2000
    x = rng.random(n) < 0.5
    e = rng.exponential(size=n)
    # x multiplies the hazard by 4 in the first 50 days and by 1/4 afterwards
    early, late = np.where(x, 0.04, 0.01), np.where(x, 0.0025, 0.01)
    t = np.where(e < early * 50, e / early, 50 + (e - early * 50) / late)
    tab = pd.DataFrame({"tenure_days": np.minimum(t, 300), "churned": t <= 300, "club": x})
    rep = cxlab.ChurnModel(covariates=["club"]).fit(tab).check_assumptions()
    assert capsys.readouterr().out == ""
    assert not rep.ok
    assert any("'club'" in n and "changes its effect over tenure" in n for n in rep.notes)
    assert rep.lifelines_output  # lifelines' advice is kept for the curious


# -- bad input --------------------------------------------------------------------------------


def test_constant_collinear_and_separating_covariates_are_named():
    tab = _synthetic()
    with pytest.raises(ConvergenceError, match="constant covariates \\['k'\\]") as err:
        cxlab.ChurnModel(covariates=["x", "k"]).fit(tab.assign(k=1.0))
    assert err.value.covariates == ["k"]
    with pytest.raises(ConvergenceError, match="collinear") as err:
        cxlab.ChurnModel(covariates=["x", "b", "x2"]).fit(tab.assign(x2=2 * tab["x"] + 1))
    assert set(err.value.covariates) == {"x", "x2"}
    # a full set of indicators is collinear with Cox's free baseline
    full = tab.assign(b0=(~tab["b"]).astype(float), b1=tab["b"].astype(float))
    with pytest.raises(ConvergenceError, match="full set of levels") as err:
        cxlab.ChurnModel(covariates=["x", "b0", "b1"]).fit(full)
    assert set(err.value.covariates) == {"b0", "b1"}
    # separation: nobody with s = 1 churned
    sep = tab.assign(s=((~tab["churned"]) & (tab["x"] > 1)).astype(float))
    with pytest.raises(ConvergenceError, match="separating covariate 's'") as err:
        cxlab.ChurnModel(covariates=["x", "s"]).fit(sep)
    assert err.value.covariates == ["s"]
    with pytest.warns(StatisticalWarning, match="held finite only by penalizer"):
        m = cxlab.ChurnModel(covariates=["x", "s"], penalizer=0.1).fit(sep)
    assert m.coef_["s"] < 0


def test_lifelines_convergence_failure_is_reraised_with_names(monkeypatch):
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError as LifelinesError

    def fail(self, *a, **k):
        raise LifelinesError("Convergence halted due to matrix inversion problems.")

    monkeypatch.setattr(CoxPHFitter, "fit", fail)
    tab = _synthetic()
    tab["x_near"] = tab["x"] + np.random.default_rng(1).normal(scale=1e-3, size=len(tab))
    with pytest.raises(ConvergenceError, match="could not fit the Cox model") as err:
        cxlab.ChurnModel(covariates=["x", "x_near"]).fit(tab)
    assert set(err.value.covariates) == {"x", "x_near"}
    assert isinstance(err.value.__cause__, LifelinesError)


def test_bad_durations_events_and_covariates():
    tab = _synthetic(200)
    with pytest.raises(DataError, match="negative") as err:
        cxlab.ChurnModel(covariates=["x"]).fit(tab.assign(tenure_days=tab["tenure_days"] - 50))
    assert err.value.column == "tenure_days" and err.value.n_rows > 0
    with pytest.warns(DataWarning, match="tenure_days = 0"):
        cxlab.ChurnModel(covariates=["x"]).fit(
            tab.assign(tenure_days=tab["tenure_days"].where(tab.index > 0, 0.0))
        )
    with pytest.raises(DataError, match="all 200 customers are censored"):
        cxlab.ChurnModel(covariates=["x"]).fit(tab.assign(churned=False))
    with pytest.raises(DataTypeError, match="categorical=\\['segment'\\]"):
        cxlab.ChurnModel(covariates=["x", "segment"]).fit(tab.assign(segment="a"))
    with pytest.raises(MissingColumnError, match="nps"):
        cxlab.ChurnModel(covariates=["nps"]).fit(tab)
    holes = tab.assign(x=tab["x"].where(tab.index % 10 != 0))
    with pytest.raises(DataError, match="missing values \\(x: 20\\)") as err:
        cxlab.ChurnModel(covariates=["x"]).fit(holes)
    assert err.value.example_ids[:2] == [0, 10]
    with pytest.warns(DataWarning, match="20 of 200 customers left out"):
        m = cxlab.ChurnModel(covariates=["x"], missing="drop").fit(holes)
    assert m.n_ == 180


def test_categorical_levels_and_strata(table):
    m = cxlab.ChurnModel(covariates=["csat"], categorical=["segment"]).fit(table)
    assert m.covariates_ == ["csat", "segment[business]"]  # consumer is the reference
    s = cxlab.ChurnModel(covariates=COVS, strata=["segment"]).fit(table)
    assert "segment" not in s.coef_.index and len(s.coef_) == 3


# -- AFT models ----------------------------------------------------------------------------


def _aft_data(kind, n=1500, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    loc = np.log(100) + 0.5 * x
    if kind == "weibull":
        t = np.exp(loc) * rng.exponential(size=n) ** (1 / 1.5)
    else:
        t = np.exp(loc + 0.8 * rng.normal(size=n))
    c = rng.uniform(30, 400, size=n)
    return pd.DataFrame({"tenure_days": np.minimum(t, c), "churned": t <= c, "x": x})


@pytest.mark.parametrize("kind", ["weibull", "lognormal"])
def test_aft_recovers_time_ratio_and_aic_picks_the_true_shape(kind):
    tab = _aft_data(kind)
    cmp_ = cxlab.compare_aft_models(tab, covariates=["x"])
    assert cmp_.index[0] == kind, cmp_[["aic", "delta_aic"]]
    assert cmp_["akaike_weight"].sum() == pytest.approx(1.0)
    best = cmp_["model"].iloc[0]
    tr = best.time_ratios_.loc["x"]
    assert tr["lower"] <= np.exp(0.5) <= tr["upper"]
    assert best.aic_ == best.lifelines_.AIC_


def test_aft_predictions_are_lifelines_and_zero_durations_rejected():
    tab = _aft_data("weibull", n=800)
    m = cxlab.AFTChurnModel(distribution="weibull", covariates=["x"]).fit(tab)
    active = tab[~tab["churned"]].head(5)
    med = m.predict_median_remaining(active)
    X = active[["x"]]
    ref = m.lifelines_.predict_median(X, conditional_after=active["tenure_days"].to_numpy())
    np.testing.assert_allclose(med["median_remaining_days"], np.asarray(ref).ravel())
    # Weibull with shape 1.5: conditional median remaining = lam*((t/lam)^k + ln 2)^(1/k) - t
    lam = np.exp(
        m.lifelines_.params_.loc[("lambda_", "Intercept")]
        + m.lifelines_.params_.loc[("lambda_", "x")] * X["x"]
    )
    k = np.exp(m.lifelines_.params_.loc[("rho_", "Intercept")])
    t0 = active["tenure_days"]
    expect = lam * ((t0 / lam) ** k + np.log(2)) ** (1 / k) - t0
    np.testing.assert_allclose(med["median_remaining_days"], expect, rtol=1e-6)
    with pytest.raises(DataError, match="durations are zero"):
        cxlab.AFTChurnModel(covariates=["x"]).fit(
            tab.assign(tenure_days=tab["tenure_days"].where(tab.index > 2, 0.0))
        )
    with pytest.raises(cxlab.exceptions.ParameterError, match="distribution"):
        cxlab.AFTChurnModel(distribution="gamma", covariates=["x"]).fit(tab)
    assert stats.norm.ppf(0.975) > 1.9  # keep scipy import honest
