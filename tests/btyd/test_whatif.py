"""Retention what-if: the change in discounted CLV checked against the latent truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import NotFittedError, ParameterError

MODELS = {"bgnbd": cxlab.BGNBD, "mbgnbd": cxlab.MBGNBD, "pareto": cxlab.ParetoNBD}
WEEKLY = np.log1p(0.10) / (365.25 / 7)  # 10% a year, continuous per week


def _at_truth(sim, model):
    """Models fitted on the simulated base, then set to the true parameters."""
    m = MODELS[model]().fit(sim.summary)
    g = cxlab.GammaGamma().fit(sim.summary)
    m.params_ = pd.Series(sim.truth["params"])[list(m._param_names)]
    g.params_ = pd.Series(sim.truth["spend_params"])[list(g._param_names)]
    return m, g


def _latent_value(sim, model, keep, grid):
    """Each customer's expected discounted spend given their own rate, drop-out and state."""
    c = sim.customers
    lam, d = c["purchase_rate"].to_numpy(), c["dropout"].to_numpy() * keep
    g = grid[:, None]
    if model == "pareto":  # lambda (1 - exp(-mu t)) / mu
        cum = lam * -np.expm1(-d * g) / d
    else:  # (1 - exp(-lambda p t)) / p
        cum = -np.expm1(-lam * d * g) / d
    inc = np.diff(np.vstack([np.zeros(len(lam)), cum]), axis=0)
    alive = c["alive_at_end"].to_numpy()
    return alive * c["mean_spend"].to_numpy() * (np.exp(-WEEKLY * grid) @ inc)


@pytest.mark.parametrize("model", list(MODELS))
def test_gain_at_the_true_parameters_equals_the_latent_truth(model):
    """Tower property: summed over customers, the model's expectation given each history
    equals the value from each customer's own (latent) rate and drop-out, up to the
    Monte-Carlo error of 20,000 customers."""
    sim = cxlab.simulate_purchases(20_000, model=model, random_state=3)
    m, g = _at_truth(sim, model)
    out = cxlab.retention_whatif(
        m, g, sim.summary, dropout_reduction=0.3, horizon=52, step=4, n_draws=0
    )
    grid = np.arange(4.0, 53.0, 4.0)
    truth = _latent_value(sim, model, 0.7, grid) - _latent_value(sim, model, 1.0, grid)
    diff = truth - out["gain"].to_numpy()
    z = diff.sum() / (diff.std() * np.sqrt(len(diff)))
    assert abs(z) < 4, (out.attrs["total"]["gain"], truth.sum())
    assert out.attrs["total"]["gain"] == pytest.approx(truth.sum(), rel=0.05)


def test_pareto_whatif_is_the_closed_form_with_a_slower_clock():
    """Pareto/NBD: mu -> k mu makes the posterior mu ~ Gamma(s, (beta + T) / k), so the
    expected purchases are the closed form with beta + T replaced by (beta + T) / k."""
    sim = cxlab.simulate_purchases(3000, model="pareto", random_state=1)
    s = sim.summary
    m, g = cxlab.ParetoNBD().fit(s), cxlab.GammaGamma().fit(s)
    k, H = 0.6, 26.0
    out = cxlab.retention_whatif(
        m, g, s, dropout_reduction=1 - k, horizon=H, step=H, discount_rate=0, n_draws=0
    )
    r, alpha, sh, beta = m.params_
    x, T = s["frequency"].to_numpy(), s["T"].to_numpy()
    B = (beta + T) / k
    purchases = (r + x) * B / ((alpha + T) * (sh - 1)) * (1 - (B / (B + H)) ** (sh - 1))
    alive = m.p_alive(s)["p_alive"].to_numpy()
    spend = g.expected_spend(s)["expected_spend"].to_numpy()
    np.testing.assert_allclose(out["clv_whatif"], alive * purchases * spend, rtol=1e-10)
    base = cxlab.customer_value(m, g, s, horizon=H, step=H, discount_rate=0, n_draws=0)
    np.testing.assert_allclose(out["clv"], base["clv"], rtol=1e-12)


def test_no_reduction_no_gain_and_intervals_bracket_the_estimate():
    sim = cxlab.simulate_purchases(2000, random_state=2)
    m, g = cxlab.BGNBD().fit(sim.summary), cxlab.GammaGamma().fit(sim.summary)
    kw = {"horizon": 26, "step": 2, "n_draws": 50, "random_state": 0}
    zero = cxlab.retention_whatif(m, g, sim.summary, dropout_reduction=0.0, **kw)
    assert np.allclose(zero["gain"], 0) and zero.attrs["total"]["gain"] == 0
    out = cxlab.retention_whatif(m, g, sim.summary, dropout_reduction=0.2, **kw)
    t = out.attrs["total"]
    for name in ("clv", "clv_whatif", "gain", "gain_pct"):
        assert t[f"{name}_lower"] <= t[name] <= t[f"{name}_upper"], name
    assert (out["gain"] >= 0).all() and t["gain"] > 0
    assert (out["gain_lower"] <= out["gain"] + 1e-9).all()
    again = cxlab.retention_whatif(m, g, sim.summary, dropout_reduction=0.2, **kw)
    pd.testing.assert_frame_equal(out, again)  # random_state fixes the draws


def test_whatif_runs_through_attempt_with_its_own_step():
    sim = cxlab.simulate_purchases(800, random_state=0)
    m, g = cxlab.BGNBD().fit(sim.summary), cxlab.GammaGamma().fit(sim.summary)
    out = cxlab.attempt(
        cxlab.retention_whatif,
        m,
        g,
        sim.summary,
        dropout_reduction=0.1,
        horizon=8,
        step=4,
        n_draws=0,
    )
    assert out.attrs["total"]["gain"] > 0
    skipped = cxlab.attempt(
        cxlab.retention_whatif, m, g, sim.summary, dropout_reduction=2, horizon=8
    )
    assert not skipped and "dropout_reduction" in str(skipped)


def test_whatif_errors_name_the_problem():
    sim = cxlab.simulate_purchases(500, random_state=0)
    m, g = cxlab.BGNBD().fit(sim.summary), cxlab.GammaGamma().fit(sim.summary)
    for bad in (1.0, -0.1, 1.5):
        with pytest.raises(ParameterError, match="dropout_reduction"):
            cxlab.retention_whatif(m, g, sim.summary, dropout_reduction=bad, horizon=10)
    with pytest.raises(NotFittedError, match="purchases model"):
        cxlab.retention_whatif(cxlab.BGNBD(), g, sim.summary, dropout_reduction=0.1, horizon=10)
    with pytest.raises(ParameterError, match="unknown options \\['discount'\\]"):
        cxlab.retention_whatif(m, g, sim.summary, dropout_reduction=0.1, horizon=5, discount=0.1)
    with pytest.raises(ParameterError, match="horizon"):
        cxlab.retention_whatif(m, g, sim.summary, dropout_reduction=0.1, horizon=0)


@pytest.mark.slow
def test_gain_intervals_cover_the_value_at_the_true_parameters():
    """Over 40 simulated bases, the 95% interval of the base's gain (BG/NBD x Gamma-Gamma)
    covers the gain computed at the true parameters on the same customers."""
    hits = []
    for seed in range(40):
        sim = cxlab.simulate_purchases(1500, observation_weeks=52, random_state=100 + seed)
        s = sim.summary
        m, g = cxlab.BGNBD().fit(s), cxlab.GammaGamma().fit(s)
        kw = {"dropout_reduction": 0.25, "horizon": 52, "step": 13}
        est = cxlab.retention_whatif(m, g, s, n_draws=100, random_state=seed, **kw)
        mt, gt = _at_truth(sim, "bgnbd")
        truth = cxlab.retention_whatif(mt, gt, s, n_draws=0, **kw).attrs["total"]["gain"]
        t = est.attrs["total"]
        hits.append(t["gain_lower"] <= truth <= t["gain_upper"])
    # binomial sd at 40 reps is 0.034; allow about 3 sd below nominal
    assert np.mean(hits) >= 0.85, np.mean(hits)
