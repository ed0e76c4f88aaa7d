"""Simulator speed: 1 million events in under 10 seconds (issue: foundation)."""

from __future__ import annotations

from _util import measure, timed

import cxlab

EVENTS_PER_CUSTOMER = 11.7  # demo settings: 58,676 events / 5,000 customers


def _simulate(n):
    cxlab.simulate(n_customers=n, random_state=0)


def run(scale: float = 1.0) -> list[dict]:
    n = max(1000, int(1_000_000 * scale / EVENTS_PER_CUSTOMER))
    seconds, data = timed(lambda: cxlab.simulate(n_customers=n, random_state=0))
    _, peak = measure(_simulate, n)
    return [{
        "task": "simulate journeys", "impl": "cxlab.simulation._simulate", "n": len(data.events),
        "seconds": seconds, "peak_mb": peak,
        "note": f"{n:,} customers; target < 10 s for 1M events",
    }]
