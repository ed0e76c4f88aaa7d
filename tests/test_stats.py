"""The shared statistics helpers against statsmodels and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxlab._stats import wilson, z_value
from cxlab.exceptions import ParameterError


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(confidence):
    rng = np.random.default_rng(3)
    n = rng.integers(1, 500, size=400)
    k = rng.binomial(n, rng.uniform(0, 1, size=400))
    k[:5], k[5:10] = 0, n[5:10]  # the ends, where float noise is set to 0 and 1
    lo, hi = wilson(k, n, confidence)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, rtol=0, atol=1e-12)
    assert (lo[:5] == 0).all() and (hi[5:10] == 1).all()
    assert ((0 <= lo) & (lo <= k / n) & (k / n <= hi) & (hi <= 1)).all()


def test_wilson_broadcasts_and_gives_nan_without_trials():
    lo, hi = wilson(np.array([[0, 3], [2, 0]]), np.array([[0, 10], [4, 0]]))
    assert np.isnan(lo[0, 0]) and np.isnan(hi[1, 1])
    assert round(float(lo[0, 1]), 4) == 0.1078 and round(float(hi[0, 1]), 4) == 0.6032
    row_lo, _ = wilson(np.array([[1, 2, 3]]), np.array([[6]]))
    assert row_lo.shape == (1, 3)


def test_z_value_is_the_normal_quantile_and_rejects_levels_outside_0_1():
    assert z_value(0.95) == pytest.approx(stats.norm.ppf(0.975), abs=1e-12)
    for bad in (0, 1, 95):
        with pytest.raises(ParameterError, match="between 0 and 1"):
            z_value(bad)
