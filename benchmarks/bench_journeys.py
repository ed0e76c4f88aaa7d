"""Journey analytics speed: funnel and variants on 10 million events (issue 3).

The event log comes from a fast synthetic generator (vectorised; ``cxlab.simulate``
would take about a minute for 10M events): about one million customers, each a
first-order chain over the eight catalog stages with geometric lengths (mean
ten events), exponential gaps between events (timestamps in whole seconds),
and channels drawn per event.
The log is in (customer, time) order, as ``cxlab.load`` leaves it; one row also
times a shuffled copy, which has to be sorted first.

No formal target in the issue; the aim is seconds at 10M events.
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas as pd
from _util import timed

import cxlab
from cxlab.exceptions import DataWarning

EVENTS = 10_000_000
MEAN_LEN = 10


def synthetic_events(n_events: int, seed: int = 0) -> pd.DataFrame:
    """A (customer, time)-ordered event log of about ``n_events`` rows, built without loops."""
    rng = np.random.default_rng(seed)
    cat = cxlab.DEFAULT_CATALOG
    n_cust = max(1, n_events // MEAN_LEN)
    lengths = rng.geometric(1 / MEAN_LEN, size=n_cust)
    lengths = np.maximum(1, np.round(lengths * n_events / lengths.sum())).astype(np.int64)
    n = int(lengths.sum())
    cust = np.repeat(np.arange(1, n_cust + 1, dtype=np.int64), lengths)
    first = np.zeros(n, dtype=bool)
    first[np.cumsum(lengths)[:-1]] = True
    first[0] = True
    # stage: mostly step forward through the catalog, sometimes repeat or go back
    step = rng.choice([1, 0, -1], size=n, p=[0.6, 0.3, 0.1])
    step[first] = 0
    grp = np.cumsum(first) - 1
    level = np.cumsum(step)
    level -= (level - step)[first][grp]  # restart at 0 for each customer
    k = len(cat.stages)
    stage = np.abs(level) % k
    start = rng.integers(0, 2, size=n_cust)  # awareness or consideration first
    stage = (stage + start[grp]) % k
    gaps = rng.exponential(2.0, size=n)
    gaps[first] = rng.uniform(0, 365, size=n_cust)
    t = np.cumsum(gaps)
    t -= (t - gaps)[first][grp]
    # whole seconds, like most event logs (and cxlab.simulate)
    ts = np.datetime64("2025-01-01", "ns") + (t * 86_400).astype("timedelta64[s]")
    ch = rng.integers(0, len(cat.channels), size=n)
    return pd.DataFrame(
        {
            "customer_id": cust,
            "timestamp": ts,
            "stage": pd.Categorical.from_codes(stage.astype(np.int8), categories=list(cat.stages)),
            "channel": pd.Categorical.from_codes(ch.astype(np.int8), categories=list(cat.channels)),
        }
    )


STEPS = ["awareness", "consideration", "purchase"]


def _funnel(ev):
    return cxlab.funnel(ev, STEPS)


def _variants(ev):
    return cxlab.variants(ev, top=20)


def _step_peak_mb(fn) -> float:
    """Peak memory allocated while ``fn`` runs (tracemalloc sees numpy's buffers), in MB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(scale: float = 1.0) -> list[dict]:
    # a few events tie to the second at 10M events; the warning is tested elsewhere
    warnings.filterwarnings("ignore", ".*share their timestamp", DataWarning)
    _funnel(synthetic_events(1000))  # warm-up: first-call imports (statsmodels, scipy.stats)
    n_events = max(10_000, int(EVENTS * scale))
    ev = synthetic_events(n_events)
    n = len(ev)
    shuffled = ev.sample(frac=1.0, random_state=0)
    rows = []
    cases = [
        ("open funnel, 3 steps", "cxlab.funnel (ordered log)", lambda: _funnel(ev)),
        (
            "closed funnel, 3 steps",
            "cxlab.funnel kind='closed'",
            lambda: cxlab.funnel(ev, STEPS, kind="closed"),
        ),
        ("open funnel, 3 steps", "cxlab.funnel (shuffled log)", lambda: _funnel(shuffled)),
        ("variants before purchase", "cxlab.variants", lambda: _variants(ev)),
        (
            "channel variants, collapsed",
            "cxlab.variants column='channel'",
            lambda: cxlab.variants(ev, column="channel", collapse=True, top=20),
        ),
        ("designed vs lived", "cxlab.designed_vs_lived", lambda: cxlab.designed_vs_lived(ev)),
        (
            "time between stages",
            "cxlab.time_between_stages",
            lambda: cxlab.time_between_stages(ev, channel=True),
        ),
    ]
    log_mb = ev.memory_usage(deep=True).sum() / 2**20
    for task, impl, fn in cases:
        seconds, _ = timed(fn, repeat=2 if scale >= 0.5 else 3)
        rows.append(
            {
                "task": task,
                "impl": impl,
                "n": n,
                "seconds": seconds,
                "peak_mb": _step_peak_mb(fn),
                "note": f"{ev['customer_id'].iat[-1]:,} customers; best of runs; "
                f"peak = allocated by the step (tracemalloc) on top of the {log_mb:.0f} MB log",
            }
        )
    return rows


if __name__ == "__main__":  # pragma: no cover
    import sys

    for row in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        print(row)
