"""Markov-chain and attribution speed (issue 3).

Targets from the issue, all measured in one run on the same files:

- first-order transition counts on 10M events, from Parquet to the count table:
  at least as fast as DuckDB (LAG window straight from Parquet), within 1.5x of
  polars (lazy ``shift().over(...)``), at least 20x faster than a pure-Python
  loop per customer; peak memory under 1 GB;
- a full ``MarkovChain.fit`` with intervals (Wilson per transition, absorption
  analysis with Dirichlet-draw intervals) on 10M events under 10 s;
- exact Markov removal-effect attribution on 600k aggregated path rows
  (about 10M touchpoints) under 2 s.

The event log comes from a vectorised synthetic generator (about one million
customers, eight stages, geometric journey lengths with mean ten, exponential
gaps in whole seconds) and is written to a temporary Parquet file **in global
time order**, as a raw event log arrives, so every implementation must order
it by customer and time; one extra row reads a copy already ordered by
customer and time (as ``cxlab.load`` leaves it). The pure-Python loop runs on
1% of the customers and is scaled up by the event ratio (said in its note).
Each timed step runs in a fresh forked process that imports its libraries
before the clock starts; ``peak_mb`` is that process's peak resident memory,
interpreter and imports included. ChannelAttribution
(R, GPL) is not installed, so its simulation-based ``markov_model`` is not
compared (PERFORMANCE.md quotes 1.7-2.1 s for it on a 606k-row table).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import cxlab
from cxlab.sequences._encode import encode_events
from cxlab.sequences._layout import transition_counts

EVENTS = 10_000_000
REPEATS = 3  # timed rounds of the counting comparison (median reported)
PATH_ROWS = 600_000
MEAN_LEN = 10
STAGES = list(cxlab.DEFAULT_CATALOG.stages)
CHANNELS = [
    "search",
    "email",
    "social",
    "display",
    "direct",
    "referral",
    "affiliate",
    "video",
    "app",
    "web",
]


def synthetic_log(n_events: int, seed: int = 0) -> pd.DataFrame:
    """About ``n_events`` events of ~n/10 customers, each a first-order walk over 8 stages."""
    rng = np.random.default_rng(seed)
    n_cust = max(1, n_events // MEAN_LEN)
    lengths = np.maximum(1, rng.geometric(1 / MEAN_LEN, size=n_cust))
    lengths = np.maximum(1, np.round(lengths * n_events / lengths.sum())).astype(np.int64)
    n = int(lengths.sum())
    first = np.zeros(n, dtype=bool)
    first[np.r_[0, np.cumsum(lengths)[:-1]]] = True
    grp = np.cumsum(first) - 1
    step = rng.choice([1, 0, -1], size=n, p=[0.6, 0.3, 0.1])
    step[first] = 0
    level = np.cumsum(step)
    level -= (level - step)[first][grp]
    stage = (np.abs(level) + rng.integers(0, 2, size=n_cust)[grp]) % len(STAGES)
    # whole seconds, at least one apart within a customer (no ties: their order is arbitrary
    # in DuckDB and polars, so counts could differ between implementations)
    gaps = 1 + (rng.exponential(2.0, size=n) * 86_400).astype(np.int64)
    gaps[first] = (rng.uniform(0, 365, size=n_cust) * 86_400).astype(np.int64)
    t = np.cumsum(gaps)
    t -= (t - gaps)[first][grp]
    ts = np.datetime64("2025-01-01", "ns") + t.astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(1, n_cust + 1, dtype=np.int64), lengths),
            "timestamp": ts,
            "stage": pd.Categorical.from_codes(stage.astype(np.int8), categories=STAGES),
        }
    )


def synthetic_paths(n_rows: int, seed: int = 1) -> pd.DataFrame:
    """A path table: ``n_rows`` paths of ~16 touches over 10 channels, with outcomes."""
    rng = np.random.default_rng(seed)
    lens = np.minimum(rng.geometric(1 / 16, size=n_rows), 60)
    codes = rng.integers(0, len(CHANNELS), size=int(lens.sum())).astype(np.int32)
    vals = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(CHANNELS)).cast(pa.string())
    off = pa.array(np.r_[0, np.cumsum(lens)].astype(np.int32))
    paths = pc.binary_join(pa.ListArray.from_arrays(off, vals), " > ")
    conv = rng.poisson(1.0 + 0.1 * (codes[np.r_[0, np.cumsum(lens)[:-1]]] == 0), size=n_rows)
    return pd.DataFrame(
        {
            "path": pd.Series(pd.arrays.ArrowStringArray(paths)),
            "conversions": conv,
            "nulls": 1 + rng.poisson(4.0, size=n_rows),
            "value": conv * rng.gamma(2.0, 40.0, size=n_rows),
        }
    )


# -- the timed steps (each runs in a forked child) ---------------------------------------
COLS = ["customer_id", "timestamp", "stage"]


def _child(fn, args, queue):
    seconds = fn(*args)
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(fn, *args) -> tuple[float, float]:
    """Run ``fn(*args)`` in a forked child; ``fn`` imports what it needs, then returns the
    seconds of its timed part. Returns (seconds, peak resident MB of the child)."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    while True:
        try:
            result = queue.get(timeout=1.0)
            break
        except Exception:  # queue.Empty: is the child still working?
            if not proc.is_alive():
                raise RuntimeError(f"benchmark step failed (child exit {proc.exitcode})") from None
    proc.join()
    return result


def measure_median(*args, repeats: int = REPEATS) -> tuple[float, float]:
    """Median seconds and max peak MB of ``repeats`` runs of :func:`measure`."""
    runs = [measure(*args) for _ in range(repeats)]
    return float(np.median([r[0] for r in runs])), max(r[1] for r in runs)


def _timed(work, *args) -> float:
    start = time.perf_counter()
    work(*args)
    return time.perf_counter() - start


def count_cxlab(path):
    ev = pd.read_parquet(path, columns=COLS)
    return transition_counts(encode_events(ev, "stage", keep_time=False)).pairs


def count_duckdb(path):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    return con.execute(
        f"""SELECT prev, stage, count(*) AS n FROM (
              SELECT stage, LAG(stage) OVER (PARTITION BY customer_id ORDER BY timestamp) AS prev
              FROM read_parquet('{path}')) WHERE prev IS NOT NULL GROUP BY ALL"""
    ).df()


def count_polars(path):
    import polars as pl

    return (
        pl.scan_parquet(path)
        .select(COLS)
        .with_columns(prev=pl.col("stage").shift().over("customer_id", order_by="timestamp"))
        .drop_nulls("prev")
        .group_by(["prev", "stage"])
        .len()
        .collect()
    )


def count_python(ev: pd.DataFrame):
    """A pure-Python loop: group rows per customer, sort each by time, count pairs."""
    journeys: dict = {}
    for cid, ts, st in zip(
        ev["customer_id"].tolist(), ev["timestamp"].tolist(), ev["stage"].astype(str).tolist()
    ):
        journeys.setdefault(cid, []).append((ts, st))
    counts: dict = {}
    for steps in journeys.values():
        steps.sort()
        for (_, a), (_, b) in zip(steps, steps[1:]):
            counts[(a, b)] = counts.get((a, b), 0) + 1
    return counts


def fit_full(path):
    ev = pd.read_parquet(path, columns=COLS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mc = cxlab.MarkovChain(absorbing=["churn"], random_state=0).fit(ev)
        mc.summary()
        mc.absorption()
    return mc


def attribute(table, methods, n_bootstrap=0):
    return cxlab.channel_attribution(
        table, methods=methods, n_bootstrap=n_bootstrap, random_state=0
    )


def attribute_channelattribution(table):
    """ChannelAttribution's simulation-based ``markov_model`` (GPL; comparison only, never a
    dependency: ``.venv/bin/pip install --no-deps ChannelAttribution`` to include this row)."""
    import ChannelAttribution as ca

    return ca.markov_model(
        table,
        "path",
        "conversions",
        var_value="value",
        var_null="nulls",
        verbose=0,
        flg_pro=False,
    )


def _channelattribution_rows(table: pd.DataFrame, exact_seconds: float) -> list[dict]:
    try:
        import ChannelAttribution  # noqa: F401
    except ImportError:
        return []
    objects = table.assign(path=table["path"].astype(object))
    sec, peak = measure_median(step, "channelattribution", attribute_channelattribution, objects)
    theirs = attribute_channelattribution(objects).set_index("channel_name")
    ours = attribute(table, ["markov"]).pivot()["markov"]
    gap = (theirs["total_conversions"].reindex(ours.index) / ours - 1).abs().max()
    return [
        {
            "task": "attribution on a path table",
            "impl": "ChannelAttribution markov_model (simulation)",
            "n": len(table),
            "seconds": sec,
            "peak_mb": peak,
            "note": f"defaults (nsim_start=1e5); largest gap to cxlab's exact credit {gap:.1%}; "
            f"cxlab exact is {sec / exact_seconds:.1f}x faster; median of {REPEATS}",
        }
    ]


def _warm(kind: str):
    """Import (and touch) a library in the child before the clock starts."""
    if kind == "duckdb":
        import duckdb

        duckdb.connect().execute("SELECT 1").fetchall()
    elif kind == "channelattribution":
        import ChannelAttribution  # noqa: F401
    elif kind == "polars":
        import polars as pl

        pl.DataFrame({"a": [1]}).lazy().collect()
    else:  # import, and run each code path once on a toy input (lazy initialisation)
        import scipy.sparse
        import scipy.stats  # noqa: F401

        import cxlab.markov._attribution
        import cxlab.markov._chain

        toy = pd.DataFrame({"path": ["a > b", "b"], "conversions": [1, 0], "nulls": [1, 1]})
        cxlab.channel_attribution(toy, n_bootstrap=2, random_state=0)
        log = synthetic_log(1000)
        transition_counts(encode_events(log.iloc[::-1], "stage"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cxlab.MarkovChain(random_state=0).fit(log).absorption()


def step(kind: str, work, *args) -> float:
    _warm(kind)
    return _timed(work, *args)


def _same_counts(path, k):
    """The three fast implementations agree on a sample (checked, not timed)."""
    a = count_cxlab(path)
    d = count_duckdb(path)
    p = count_polars(path).to_pandas()
    for df, n in ((d, "n"), (p, "len")):
        m = np.zeros((k, k), dtype=np.int64)
        m[[STAGES.index(x) for x in df["prev"]], [STAGES.index(x) for x in df["stage"]]] = df[n]
        if not np.array_equal(m, a):
            raise AssertionError("implementations disagree on transition counts")


def run(scale: float = 1.0) -> list[dict]:
    n_events = max(10_000, int(EVENTS * scale))
    rows_paths = max(2_000, int(PATH_ROWS * scale))
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ev = synthetic_log(n_events)
        n = len(ev)
        ordered = tmp / "events_ordered.parquet"
        ev.to_parquet(ordered, index=False)
        raw = tmp / "events_time_order.parquet"
        ev.sort_values("timestamp", kind="stable").to_parquet(raw, index=False)
        sub = ev[ev["customer_id"] % 100 == 0].sample(frac=1.0, random_state=0)
        del ev
        gc.collect()
        # checked in a child: the parent must not start polars/duckdb thread pools before forking
        measure(_timed, _same_counts, raw, len(STAGES))

        task = "first-order counts from Parquet"
        impls = (
            (
                "cxlab",
                count_cxlab,
                raw,
                "pandas read + O(n) order check + packed-key sort + bincount",
            ),
            (
                "cxlab (log already ordered)",
                count_cxlab,
                ordered,
                "order check finds it ordered: no sort",
            ),
            ("duckdb", count_duckdb, raw, "LAG window straight from Parquet, 2 threads"),
            ("polars", count_polars, raw, "lazy shift().over(order_by=timestamp), 2 threads"),
        )
        # REPEATS interleaved rounds, so load from other processes hits every implementation
        times = {impl: [] for impl, *_ in impls}
        peaks = {impl: 0.0 for impl, *_ in impls}
        py_times = []
        for _ in range(REPEATS):
            for impl, fn, path, _note in impls:
                sec, peak = measure(step, impl.split()[0], fn, path)
                times[impl].append(sec)
                peaks[impl] = max(peaks[impl], peak)
            start = time.perf_counter()
            count_python(sub)
            py_times.append((time.perf_counter() - start) * n / len(sub))
        for impl, _fn, _path, note in impls:
            out.append(
                {
                    "task": task,
                    "impl": impl,
                    "n": n,
                    "seconds": float(np.median(times[impl])),
                    "peak_mb": peaks[impl],
                    "note": f"{note}; median of {REPEATS}",
                }
            )
        out.append(
            {
                "task": task,
                "impl": "pure Python loop per customer",
                "n": n,
                "seconds": float(np.median(py_times)),
                "peak_mb": None,
                "note": f"timed on 1% of customers ({len(sub):,} events, in memory), "
                f"scaled by the event ratio; median of {REPEATS}",
            }
        )

        sec, peak = measure_median(step, "cxlab", fit_full, raw)
        out.append(
            {
                "task": "MarkovChain fit with intervals",
                "impl": "cxlab",
                "n": n,
                "seconds": sec,
                "peak_mb": peak,
                "note": "read + fit (Wilson CIs, dwell) + summary + absorption (1000 Dirichlet draws); "
                f"median of {REPEATS}",
            }
        )

        table = synthetic_paths(rows_paths)
        touches = int(table["path"].str.count(">").sum() + len(table))
        objects = table.assign(path=table["path"].astype(object))
        sec, peak = measure_median(step, "cxlab", attribute, objects, ["markov"], 0)
        out.append(
            {
                "task": "attribution on a path table",
                "impl": "cxlab markov (exact), object strings",
                "n": len(table),
                "seconds": sec,
                "peak_mb": peak,
                "note": "same, path column as Python str objects (converted to Arrow first)",
            }
        )
        for impl, methods, nb, note in (
            (
                "cxlab markov (exact)",
                ["markov"],
                0,
                "Arrow string column; pyarrow split + bincount + exact removal algebra",
            ),
            (
                "cxlab all four methods",
                ["first_touch", "last_touch", "linear", "markov"],
                0,
                "first/last/linear/markov, no bootstrap",
            ),
        ):
            sec, peak = measure_median(step, "cxlab", attribute, table, methods, nb)
            out.append(
                {
                    "task": "attribution on a path table",
                    "impl": impl,
                    "n": len(table),
                    "seconds": sec,
                    "peak_mb": peak,
                    "note": f"{touches:,} touchpoints; {note}; median of {REPEATS}",
                }
            )
            if impl == "cxlab markov (exact)":
                exact_seconds = sec
        out += _channelattribution_rows(table, exact_seconds)
        small = table.iloc[: max(1_000, len(table) // 10)]
        methods = ["first_touch", "last_touch", "linear", "markov"]
        sec, peak = measure(step, "cxlab", attribute, small, methods, 200)
        out.append(
            {
                "task": "attribution on a path table",
                "impl": "cxlab, 200 bootstrap resamples",
                "n": len(small),
                "seconds": sec,
                "peak_mb": peak,
                "note": "all methods with intervals (a tenth of the rows)",
            }
        )
    return out


if __name__ == "__main__":
    import sys

    pd.set_option("display.width", 200)
    print(pd.DataFrame(run(float(sys.argv[1]) if len(sys.argv) > 1 else 0.01)).to_string())
