"""Coverage of the what-if truth check of notebook 06 over studies of the demo's size and mix.

    .venv/bin/python benchmarks/value_coverage_mixed.py [first_seed] [last_seed] [n_boot]

Default: seeds 0..40, 5,000 customers (the demo's default personas), ``n_boot=60``, the three
scenarios of notebook 06's truth check (10 checks per study), fitted three ways: ``groups="auto"``,
the true personas and pooled. Prints the coverage per check, per study and the CSAT coefficient's
mean and coverage. About 8 s per study on a 2-core machine. Not part of benchmarks/run.py (no
bench_ prefix).
"""

import sys
import warnings

import numpy as np
import pandas as pd

import cxlab
from cxlab.teaching import _truth as teaching_truth

first, last = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (0, 40)
n_boot = int(sys.argv[3]) if len(sys.argv) > 3 else 60
scenarios = [
    cxlab.Scenario.transition("consideration", "purchase", add=0.05),
    cxlab.Scenario.experience(0.5, touchpoint="store_counter"),
    cxlab.Scenario.churn(0.9),
]
rows, coefs = [], []
warnings.simplefilter("ignore")  # tied timestamps, open journeys: the same in every study
for seed in range(first, last + 1):
    data = cxlab.simulate(5000, random_state=seed)
    for how, groups in (("auto", "auto"), ("true personas", data.truth.persona), ("pooled", None)):
        model = cxlab.ValueModel(margin=0.3, n_boot=n_boot, random_state=seed)
        model.fit(data, groups=groups)
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
print("studies:", np.unique(checks["seed"]).size)
