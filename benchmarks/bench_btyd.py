"""Customer value without cancellations (issue 14): summary, BG/NBD, MBG/NBD, Pareto/NBD,
Gamma-Gamma.

Targets: the customer summary from 10M purchase events under 5 s; BG/NBD fit on
1M customers under 10 s (MBG/NBD alike); Pareto/NBD under 60 s; Gamma-Gamma on 1M; each faster
than lifetimes on the same input when lifetimes is installed.

The log is drawn by ``cxlab.simulate_purchases`` (BG/NBD with r=0.9,
alpha=4, a=0.8, b=6 per week over 104 weeks: about 10 purchases per customer,
so ~10M events for 1M customers; drawing it is not timed). The summary is timed
from the in-memory log (customer, timestamp, revenue; customer-time order) to
the table in weeks; the fits on that table (day-resolution times, as real
logs give). lifetimes is timed on the same table (its fitters) and the same
log (``summary_data_from_transaction_data``); lifetimes' Pareto/NBD on a 10%
sample (both libraries timed on it). Each step runs once (the slow ones are
minutes); BLAS threads limited to one.
"""

from __future__ import annotations

import time

from threadpoolctl import threadpool_limits

import cxlab

CUSTOMERS = 1_000_000
PARAMS = {"r": 0.9, "alpha": 4.0, "a": 0.8, "b": 6.0}


def _time(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run(scale: float = 1.0) -> list[dict]:
    n = max(1000, int(CUSTOMERS * scale))
    sim = cxlab.simulate_purchases(
        n, params=PARAMS, observation_weeks=104, acquisition_weeks=26, random_state=0
    )
    log = sim.transactions
    rows = []

    def row(task, impl, size, seconds, note=""):
        rows.append(
            {
                "task": task,
                "impl": impl,
                "n": size,
                "seconds": round(seconds, 2),
                "peak_mb": None,
                "note": note,
            }
        )
        print(rows[-1], flush=True)  # a long run keeps what it measured so far

    with threadpool_limits(1):
        t, summary = _time(lambda: cxlab.purchase_summary(log, observation_end=sim.observation_end))
        row(
            "purchase summary (weeks)",
            "cxlab.purchase_summary",
            len(log),
            t,
            f"{len(summary):,} customers; target < 5 s at 10M events",
        )
        t, bg = _time(lambda: cxlab.BGNBD().fit(summary))
        row(
            "BG/NBD fit",
            "cxlab.BGNBD",
            len(summary),
            t,
            "with standard errors; target < 10 s at 1M; "
            + ", ".join(f"{k}={v:.3f}" for k, v in bg.params_.items()),
        )
        t, mbg = _time(lambda: cxlab.MBGNBD().fit(summary))
        row(
            "MBG/NBD fit",
            "cxlab.MBGNBD",
            len(summary),
            t,
            "with standard errors; " + ", ".join(f"{k}={v:.3f}" for k, v in mbg.params_.items()),
        )
        t, pn = _time(lambda: cxlab.ParetoNBD().fit(summary))
        row(
            "Pareto/NBD fit",
            "cxlab.ParetoNBD",
            len(summary),
            t,
            "with standard errors; target < 60 s at 1M",
        )
        t, gg = _time(lambda: cxlab.GammaGamma().fit(summary))
        row("Gamma-Gamma fit", "cxlab.GammaGamma", gg.n_, t, "repeat buyers of the 1M")
        try:
            import lifetimes
            from lifetimes.utils import summary_data_from_transaction_data
        except ImportError:
            return rows
        ver = f"lifetimes {lifetimes.__version__}"
        t, _ = _time(
            lambda: summary_data_from_transaction_data(
                log,
                "customer_id",
                "timestamp",
                monetary_value_col="revenue",
                observation_period_end=sim.observation_end.floor("D"),
                freq="W",
            )
        )
        row("purchase summary (weeks)", ver, len(log), t, "summary_data_from_transaction_data")
        f, r, T = summary["frequency"], summary["recency"], summary["T"]
        for task, fitter in (
            ("BG/NBD fit", lifetimes.BetaGeoFitter),
            ("MBG/NBD fit", lifetimes.ModifiedBetaGeoFitter),
        ):
            t, ref = _time(lambda fitter=fitter: fitter().fit(f, r, T))
            est = ", ".join(f"{k}={v:.3f}" for k, v in ref.params_.items())
            row(task, ver, len(summary), t, f"{fitter.__name__}; {est}")
        # lifetimes' Pareto/NBD takes about 1 s per 1,000 customers: timed on a 10% sample
        part = summary.iloc[: max(1000, len(summary) // 10)]
        t, _ = _time(
            lambda: lifetimes.ParetoNBDFitter().fit(part["frequency"], part["recency"], part["T"])
        )
        row("Pareto/NBD fit", ver, len(part), t, "ParetoNBDFitter on the first 10% of customers")
        t, _ = _time(lambda: cxlab.ParetoNBD().fit(part))
        row("Pareto/NBD fit", "cxlab.ParetoNBD", len(part), t, "the same 10%")
        rep = summary[summary["frequency"] > 0]
        start = time.perf_counter()
        try:
            lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
            note = "GammaGammaFitter"
        except lifetimes.utils.ConvergenceError:
            note = "GammaGammaFitter: failed to converge (lifetimes ConvergenceError)"
        row("Gamma-Gamma fit", ver, len(rep), time.perf_counter() - start, note)
    return rows


if __name__ == "__main__":
    import sys

    import pandas as pd

    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    print(pd.DataFrame(run(scale)).to_string(index=False))
