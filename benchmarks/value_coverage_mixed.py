"""Coverage of the what-if truth check of notebook 06 over studies of the demo's size and mix.

    .venv/bin/python benchmarks/value_coverage_mixed.py [first_seed] [last_seed] [n_boot] [one]

Default: seeds 0..40, 5,000 customers (the demo's default personas), ``n_bootstrap=60``, the three
scenarios of notebook 06's truth check (10 checks per study), fitted three ways: ``groups="auto"``,
the true personas and pooled. Prints the coverage per check, per study, how often "auto" fitted
by persona, and the CSAT coefficient's mean and coverage. About 15 s per study on a 2-core
machine. With a fourth argument ``one``: studies with only the first default persona (no
mixture), where "auto" should pool. Not part of benchmarks/run.py (no bench_ prefix).
"""

import sys
import warnings

import numpy as np
import pandas as pd

import cxlab
from cxlab.teaching import _truth as teaching_truth

first, last = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (0, 40)
n_boot = int(sys.argv[3]) if len(sys.argv) > 3 else 60
personas = cxlab.default_personas()[:1] if sys.argv[4:] == ["one"] else None
scenarios = [
    cxlab.Scenario.transition("consideration", "purchase", add=0.05),
    cxlab.Scenario.experience(0.5, touchpoint="store_counter"),
    cxlab.Scenario.churn(0.9),
]
rows, coefs, chosen = [], [], []
warnings.simplefilter("ignore")  # tied timestamps, open journeys: the same in every study
for seed in range(first, last + 1):
    data = cxlab.simulate(5000, random_state=seed, personas=personas)
    for how, groups in (("auto", "auto"), ("true personas", data.truth.persona), ("pooled", None)):
        model = cxlab.ValueModel(margin=0.3, n_bootstrap=n_boot, random_state=seed)
        model.fit(data, groups=groups)
        if how == "auto":
            chosen.append(model.grouping_.how)
        check = teaching_truth.whatif_vs_truth(model, data, scenarios).reset_index()
        rows.append(check.assign(how=how, seed=seed))
        h = teaching_truth.churn_effects_vs_truth(model, data).loc["csat"]
        coefs.append({"how": how, "seed": seed, "estimate": h["estimate"], "covered": h["covered"]})
    print(f"seed {seed} done", flush=True)
checks = pd.concat(rows)
checks["covered"] = checks["covered"].astype(bool)
print(checks.pivot_table(index=["scenario", "metric"], columns="how", values="covered").round(3))
per_study = checks.groupby(["how", "seed"])["covered"].sum()
print("coverage of all checks:", checks.groupby("how")["covered"].mean().round(3).to_dict())
print("covered per study (of 10), mean:", per_study.groupby("how").mean().round(2).to_dict())
for how, counts in per_study.groupby("how"):
    print(f"  {how}: studies by checks covered", counts.value_counts().sort_index().to_dict())
coefs = pd.DataFrame(coefs)
print(
    "CSAT log hazard ratio (truth -0.30):",
    coefs.groupby("how")
    .agg(mean=("estimate", "mean"), sd=("estimate", "std"), coverage=("covered", "mean"))
    .round(4)
    .to_dict("index"),
)
print('"auto" fitted:', pd.Series(chosen).value_counts().to_dict())
values = checks[checks["metric"] == "value"].pivot_table(
    index=["seed", "scenario"], columns="how", values="estimate"
)
gap = (values["auto"] / values["pooled"] - 1).abs()
print('"auto" value change vs pooled, largest relative gap:', round(float(gap.max()), 4))
print("studies:", np.unique(checks["seed"]).size)
