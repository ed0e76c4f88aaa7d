"""MBG/NBD against lifetimes' ModifiedBetaGeoFitter, closed forms and known parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlab

lifetimes = pytest.importorskip("lifetimes")


def test_mbgnbd_matches_lifetimes(cdnow):
    from lifetimes import ModifiedBetaGeoFitter

    model = cxlab.MBGNBD().fit(cdnow)
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ref = ModifiedBetaGeoFitter().fit(f, r, T)
    np.testing.assert_allclose(model.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(model.se_.to_numpy(), ref.standard_errors_.to_numpy(), rtol=1e-4)
    th = ref.params_.to_numpy()
    x, t_x, TT = (c.to_numpy(dtype=float) for c in (f, r, T))
    nll = ref._negative_log_likelihood(np.log(th), x, t_x, TT, np.ones(len(x)), 0.0)
    assert model._loglik(th, model._fit_data) == pytest.approx(-nll * len(x), rel=1e-10)
    assert model.log_likelihood_ >= -nll * len(x) - 1e-6
    np.testing.assert_allclose(
        model._conditional(th, x, t_x, TT, 39.0),
        ref.conditional_expected_number_of_purchases_up_to_time(39, f, r, T),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        model._p_alive(th, x, t_x, TT), ref.conditional_probability_alive(f, r, T), rtol=1e-12
    )
    t = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(
        model._unconditional(th, t), ref.expected_number_of_purchases_up_to_time(t), rtol=1e-10
    )
    pmf = model._pmf(th, np.array([39.0]), 5)[0]
    want = [ref.probability_of_n_purchases_up_to_time(39.0, n) for n in range(6)]
    np.testing.assert_allclose(pmf, want, rtol=1e-9)


def test_mbgnbd_by_hand_and_its_pmf_sums_to_its_mean(cdnow):
    model = cxlab.MBGNBD().fit(cdnow)
    r, alpha, a, b = th = model.params_.to_numpy()
    # a customer with no repeat purchase may have left right after the first: P(alive) < 1
    odds = a / b * ((alpha + 30) / alpha) ** r
    got = model._p_alive(th, np.array([0.0]), np.array([0.0]), np.array([30.0]))[0]
    assert got == pytest.approx(1 / (1 + odds), rel=1e-12)
    p = model._pmf(th, np.array([20.0, 60.0]), 600)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-9)
    np.testing.assert_allclose(
        p @ np.arange(601), model._unconditional(th, np.array([20.0, 60.0])), rtol=1e-7
    )


def test_mbgnbd_gradient_is_the_derivative_of_the_likelihood(cdnow):
    model = cxlab.MBGNBD().fit(cdnow)
    d, th = model._fit_data, model.params_.to_numpy() * np.array([1.1, 0.9, 1.2, 0.8])
    h = 1e-6
    num = [
        (model._loglik(th + h * e, d) - model._loglik(th - h * e, d)) / (2 * h) for e in np.eye(4)
    ]
    np.testing.assert_allclose(model._gradient(th, d), num, rtol=1e-5)


def test_mbgnbd_in_compare_fits_and_on_simulated_one_time_buyers():
    sim = cxlab.simulate_purchases(20_000, model="mbgnbd", random_state=2)
    s = sim.summary
    fits = {"BG/NBD": cxlab.BGNBD().fit(s), "MBG/NBD": cxlab.MBGNBD().fit(s)}
    table = cxlab.compare_fits(fits, s)
    assert list(table.index) == ["BG/NBD", "MBG/NBD"]
    assert table.loc["MBG/NBD", "log_likelihood"] > table.loc["BG/NBD", "log_likelihood"]
    # P(alive) is calibrated, also for customers who never bought again
    alive = fits["MBG/NBD"].p_alive(s)["p_alive"]
    for group in (s["frequency"] == 0, s["frequency"] > 0):
        truly = sim.customers.loc[group, "alive_at_end"].mean()
        assert alive[group].mean() == pytest.approx(truly, abs=0.015)


@pytest.mark.slow
def test_mbgnbd_intervals_cover_the_truth():
    """95% intervals over 50 simulated bases of 1,200 customers cover at about 95%."""
    hits = []
    for seed in range(50):
        sim = cxlab.simulate_purchases(
            1200, model="mbgnbd", observation_weeks=52, random_state=seed
        )
        s = cxlab.MBGNBD().fit(sim.summary).summary()
        truth = pd.Series(sim.truth["params"])
        hits.append(((s["lower"] <= truth) & (truth <= s["upper"])).to_numpy())
    cover = np.mean(hits, axis=0)
    # binomial sd at 50 reps is 0.031; allow about 3 sd below nominal
    assert np.all(cover >= 0.85), cover
    assert np.mean(cover) >= 0.9, cover
