"""What-if value analysis speed (issue 7): ValueModel.fit and what_if on a large study.

At ``scale=1.0`` the study has 200,000 simulated customers (about 2.3M events,
about 98,000 purchasers). Timed, each in a fresh forked process with the data
already loaded (``peak_mb`` includes the interpreter, imports and the data):

- ``fit``: the buyer's-journey chain with 200 customer-bootstrap replicates,
  the survival table, the churn and support GLMs, 200 parametric draws and the
  baseline metrics;
- ``what_if``: a transition, a churn and an experience scenario (the last fits
  the NPS ordinal model on first use), each over 201 replicates.

Per-purchaser outcomes are computed once per distinct covariate pattern, so
what-ifs cost about the same at any number of purchasers.
"""

from __future__ import annotations

import warnings

from _util import measure

import cxlab

N_CUSTOMERS = 200_000


def _fit(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cxlab.ValueModel(n_bootstrap=200, random_state=0).fit(data)


def _what_ifs(data):
    model = _fit(data)
    for s in (
        cxlab.Scenario.transition("consideration", "purchase", add=0.05),
        cxlab.Scenario.churn(0.9),
        cxlab.Scenario.experience(0.5),
    ):
        model.what_if(s)


def run(scale: float = 1.0) -> list[dict]:
    n = max(int(N_CUSTOMERS * scale), 500)
    _what_ifs(cxlab.simulate(500, random_state=1))  # import everything before forking the timed children
    data = cxlab.simulate(n, random_state=0)
    n_events = len(data.events)
    fit_s, fit_mb = measure(_fit, data)
    all_s, all_mb = measure(_what_ifs, data)
    return [
        {
            "task": "value: ValueModel.fit",
            "impl": "cxlab",
            "n": n_events,
            "seconds": fit_s,
            "peak_mb": fit_mb,
            "note": f"{n:,} customers, n_boot=200",
        },
        {
            "task": "value: 3 what-ifs (transition, churn, experience)",
            "impl": "cxlab",
            "n": n_events,
            "seconds": all_s - fit_s,
            "peak_mb": all_mb,
            "note": "fit time subtracted; includes the NPS model fit",
        },
    ]


if __name__ == "__main__":
    for row in run(0.01):
        print(row)
