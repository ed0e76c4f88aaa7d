"""Milliseconds per update of each teaching explorer on the demo data (ten slider moves each).

    .venv/bin/python benchmarks/teaching_explorers_timing.py

Wall time and CPU time of the process per update (numbers + figure); on a shared machine the
CPU time is the steadier number. Not part of benchmarks/run.py (no bench_ prefix).
"""

import statistics
import time

import cxlab
from cxlab import teaching as lab

data = cxlab.load("data/demo")
model = cxlab.ValueModel(margin=0.3, n_boot=100, random_state=0).fit(data)
cases = {
    "journey": (
        lambda: lab.journey_explorer(model),
        "consideration -> purchase",
        [0.01 * i for i in range(1, 11)],
    ),
    "retention": (
        lambda: lab.retention_explorer(data),
        "hazard_ratio",
        [0.5 + 0.05 * i for i in range(10)],
    ),
    "nps": (lambda: lab.nps_explorer(0.45, 0.2, 200), "n", [300 + 100 * i for i in range(10)]),
    "sampling": (lambda: lab.sampling_explorer(data), "n", [500 * i for i in range(1, 11)]),
}
for name, (make, key, values) in cases.items():
    t = time.perf_counter()
    ex = make()
    build = time.perf_counter() - t
    for v in values:
        ex.controls[key].value = v
    ms = ex.timings_ms[1:]
    cpu = ex.cpu_ms[1:]
    print(
        f"{name:10s} build {build:5.2f} s  update wall median {statistics.median(ms):4.0f} ms max {max(ms):4.0f} ms; cpu median {statistics.median(cpu):4.0f} ms max {max(cpu):4.0f} ms (n={len(ms)})"
    )
