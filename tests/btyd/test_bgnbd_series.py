"""BG/NBD's expected purchases stay finite and exact for any a, b (positive series).

Against an independent high-precision reference (mpmath quadrature over the
drop-out probability at 60 digits) on extreme parameters, against lifetimes'
closed form on ordinary ones, and on the demo study, where parameter draws
reach a, b of 1e4 to 1e24 and none may be dropped from the interval.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.btyd._bgnbd import alive_purchases
from cxlab.exceptions import StatisticalWarning

mp = pytest.importorskip("mpmath")


def _reference(r, a, b1, x, z):
    """``E[(1 - (1 + p u)^-(r + x)) / p]``, ``p ~ Beta(a, b1 + x)``, ``u = z / (1 - z)``.

    The expectation over p of a given customer's purchases, integrated by
    mpmath after taking out the line through g(0) and g(1) (which removes the
    endpoint singularities of the Beta density); breakpoints around the mode.
    """
    with mp.workdps(60):
        k, bp, a_, z_ = mp.mpf(r) + x, mp.mpf(b1) + x, mp.mpf(a), mp.mpf(z)
        u = z_ / (1 - z_)

        def g(p):
            return k * u if p == 0 else (1 - (1 + p * u) ** -k) / p

        g0, g1 = g(mp.mpf(0)), g(mp.mpf(1))
        lb = mp.log(mp.beta(a_, bp))

        def f(p):
            if p <= 0 or p >= 1:
                return mp.mpf(0)
            dens = mp.exp((a_ - 1) * mp.log(p) + (bp - 1) * mp.log1p(-p) - lb)
            return (g(p) - g0 - (g1 - g0) * p) * dens

        mean = a_ / (a_ + bp)
        sd = mp.sqrt(a_ * bp / ((a_ + bp) ** 2 * (a_ + bp + 1)))
        pts = {mp.mpf(0), mp.mpf(1)}
        pts |= {q for q in (mean + c * sd for c in (-40, -8, -2, 0, 2, 8, 40)) if 0 < q < 1}
        return float(g0 + (g1 - g0) * mean + mp.quad(f, sorted(pts)))


@pytest.mark.parametrize(
    "a, b",
    [(1e-20, 1e-18), (0.3, 0.01), (1 + 1e-9, 3.0), (1e4, 1.5e5), (1e12, 3e13), (1e24, 1.4e25)],
)
def test_series_agrees_with_mpmath_on_extreme_parameters(a, b):
    for r, x, z in [(0.05, 0, 0.69), (2.4, 7, 0.97), (2.4, 150, 1e-3), (0.05, 150, 0.69)]:
        got = alive_purchases(r, a, b, np.array([x]), np.array([z]))[0]
        assert got == pytest.approx(_reference(r, a, b, x, z), rel=1e-10)


def test_series_agrees_with_lifetimes_closed_form_on_ordinary_parameters():
    lifetimes = pytest.importorskip("lifetimes")
    rng = np.random.default_rng(4)
    f = pd.Series(rng.integers(0, 30, 400))
    T = pd.Series(rng.uniform(5, 80, 400))
    rec = pd.Series(np.where(f > 0, rng.uniform(0, 1, 400) * T, 0.0))
    for th in ([0.243, 4.414, 0.793, 2.426], [2.4, 18.6, 3.0, 40.0], [0.8, 2.0, 1.7, 0.6]):
        ref = lifetimes.BetaGeoFitter()
        ref.params_ = pd.Series(th, index=["r", "alpha", "a", "b"])
        want = ref.conditional_expected_number_of_purchases_up_to_time(26, f, rec, T)
        got = cxlab.BGNBD()._conditional(
            np.array(th), f.to_numpy(float), rec.to_numpy(), T.to_numpy(), 26.0
        )
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_no_draw_is_dropped_on_the_demo_study():
    data = cxlab.load("data/demo")
    end = data.events["timestamp"].max().normalize()
    summary = cxlab.purchase_summary(
        data, calibration_end=end - pd.Timedelta(weeks=13), observation_end=end, time_unit="weeks"
    )
    model = cxlab.BGNBD().fit(summary)
    draws = model.param_draws(100, random_state=0)
    assert (draws[:, 2] > 1e4).sum() > 20  # a poorly determined: draws far out in the tail
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)
        out = model.predict(summary, 52, n_draws=100, random_state=0)
    assert np.isfinite(out[["lower", "upper", "p_alive_lower", "p_alive_upper"]]).all().all()
    assert (out["lower"] <= out["expected_purchases"] + 1e-12).all()
    assert (out["expected_purchases"] <= out["upper"] + 1e-12).all()
