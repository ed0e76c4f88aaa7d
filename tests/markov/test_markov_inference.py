"""Interval coverage of cxlab.MarkovChain over repeated simulations with known truth.

One persona, so the simulated buyer's journey is exactly a first-order chain.
Each check asserts that the observed coverage of nominal 95% intervals lies
within a binomial tolerance of 0.95 (about 3 standard errors).
"""

import warnings

import numpy as np
import pytest

import cxlab
from cxlab._stats import wilson as wilson_interval
from cxlab.data._catalog import START_STATE
from cxlab.markov._inference import goodman_intervals
from cxlab.simulation._truth import persona_chain

PERSONA = cxlab.default_personas()[0]
REPS = 120
N_CUSTOMERS = 300


def _tolerance(n_checks: int, p: float = 0.95) -> float:
    return 3 * np.sqrt(p * (1 - p) / n_checks)


@pytest.fixture(scope="module")
def datasets():
    """REPS independent simulations (computed once)."""
    return [
        cxlab.simulate(N_CUSTOMERS, random_state=1000 + rep, personas=[PERSONA]).events
        for rep in range(REPS)
    ]


@pytest.fixture(scope="module")
def fits(datasets):
    """Chains with Wilson intervals and Dirichlet draws, one per simulation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            cxlab.MarkovChain(journey="buyer", n_draws=200, random_state=rep).fit(ev)
            for rep, ev in enumerate(datasets)
        ]


def _truth():
    tm = cxlab.simulate(10, random_state=0, personas=[PERSONA]).truth.transition_matrix_by_persona
    return tm[PERSONA.name]


def test_wilson_interval_matches_a_known_value():
    # 3 of 10 at 95%: (0.1078, 0.6032) (e.g. Agresti & Coull 1998 formula)
    lo, hi = wilson_interval(3, 10)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.1078, 0.6032)
    lo, hi = goodman_intervals(np.array([[30, 50, 20]]))
    assert (lo <= np.array([0.3, 0.5, 0.2])).all() and (np.array([0.3, 0.5, 0.2]) <= hi).all()
    w_lo, w_hi = wilson_interval(np.array([30, 50, 20]), 100)
    assert ((hi - lo) > (w_hi - w_lo)).all()  # simultaneous intervals are wider


@pytest.mark.slow
def test_wilson_intervals_cover_true_transition_probabilities(fits):
    tm = _truth()
    cells = [(r, c) for r in tm.index for c in tm.columns if tm.loc[r, c] > 0]
    hits = []
    for mc in fits:
        lo, hi = mc.transition_ci_low_, mc.transition_ci_high_
        hits += [lo.loc[r, c] <= tm.loc[r, c] <= hi.loc[r, c] for r, c in cells]
    cover = float(np.mean(hits))
    assert abs(cover - 0.95) < _tolerance(len(hits)) + 0.01, cover


@pytest.mark.slow
def test_absorption_and_time_intervals_cover_the_truth(fits):
    s, Q, R = persona_chain(PERSONA)
    N = np.linalg.inv(np.eye(2) - Q)
    conv = float(s @ N @ R[:, 0])
    dwell = np.array([PERSONA.dwell_days[x] for x in ("awareness", "consideration")])
    days = float(s @ N @ dwell)
    steps = float(s @ N @ np.ones(2))
    hit_conv, hit_days, hit_steps = [], [], []
    for mc in fits:
        t = mc.absorption().table.set_index(["quantity", "from", "to"])
        for want, key, hits in (
            (conv, ("absorption probability", START_STATE, "purchase"), hit_conv),
            (days, ("expected days to absorption", START_STATE, ""), hit_days),
            (steps, ("expected steps", START_STATE, ""), hit_steps),
        ):
            row = t.loc[key]
            hits.append(row["ci_low"] <= want <= row["ci_high"])
    tol = _tolerance(len(fits))
    for name, hits in (("conversion", hit_conv), ("days", hit_days), ("steps", hit_steps)):
        assert abs(np.mean(hits) - 0.95) < tol, (name, np.mean(hits))


@pytest.mark.slow
def test_customer_bootstrap_intervals_cover_the_truth(datasets):
    s, Q, R = persona_chain(PERSONA)
    conv = float(s @ np.linalg.inv(np.eye(2) - Q) @ R[:, 0])
    tm = _truth()
    reps = len(datasets)
    hit_conv, hit_p = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rep, ev in enumerate(datasets):
            mc = cxlab.MarkovChain(
                journey="buyer", n_bootstrap=200, ci_method="bootstrap", random_state=rep
            ).fit(ev)
            row = mc.absorption().table.set_index(["quantity", "from", "to"])
            row = row.loc[("absorption probability", START_STATE, "purchase")]
            hit_conv.append(row["ci_low"] <= conv <= row["ci_high"])
            p = tm.loc["consideration", "purchase"]
            hit_p.append(
                mc.transition_ci_low_.loc["consideration", "purchase"]
                <= p
                <= mc.transition_ci_high_.loc["consideration", "purchase"]
            )
    # percentile bootstrap intervals run slightly short at 300 customers: allow 0.01 more
    tol = _tolerance(reps) + 0.01
    assert abs(np.mean(hit_conv) - 0.95) < tol, np.mean(hit_conv)
    assert abs(np.mean(hit_p) - 0.95) < tol, np.mean(hit_p)
