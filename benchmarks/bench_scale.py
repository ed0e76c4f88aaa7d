"""Past one machine's memory (issue 13): the engine-aware reductions on DuckDB from Parquet.

Run: ``.venv/bin/python benchmarks/bench_scale.py --events 1e7 [--dir DIR] [--memory-limit 2GB]
[--only chain]``

The study is drawn with ``simulate_to_parquet`` (streamed in chunks; its own peak is a
row) into ``DIR`` (kept, so a second run skips it). Every other row runs in a fresh
interpreter (``subprocess``), so ``peak MB`` is that process's peak resident memory
(``ru_maxrss``: interpreter, imports, DuckDB's buffers and the result included) and
nothing is shared between rows. ``check`` is a checksum of the result, equal across the
implementations of one task when they agree.

Tasks: validation, features, survival (to pandas), survival-out (``out=``: written to Parquet
one bucket of customers at a time; the SQL writes its table with ``COPY``), funnel, waits
(``time_between_stages``), chain (``MarkovChain(journey="buyer").fit``);
``--only chain`` runs one. Rows per task: cxlab on the DuckDB engine (events stay in Parquet), the same reduction as
hand-written DuckDB SQL, and cxlab on pandas in memory (time of the reduction alone; the
peak includes the study read into pandas).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
EVENTS_PER_CUSTOMER = 11.5  # default personas

FEATURES_SQL = """
WITH marked AS (
  SELECT customer_id, timestamp, stage, channel, revenue,
         MIN(CASE WHEN stage = 'purchase' THEN timestamp END)
             OVER (PARTITION BY customer_id) AS first_purchase
  FROM read_parquet('{events}')
)
SELECT customer_id, stage, channel, COUNT(*) AS n, MIN(timestamp) AS first_t,
       MAX(timestamp) AS last_t,
       SUM(CASE WHEN timestamp < first_purchase OR (timestamp = first_purchase
                AND stage IN ('awareness', 'consideration')) THEN 1 ELSE 0 END) AS before_purchase,
       SUM(CASE WHEN revenue > 0 THEN 1 ELSE 0 END) AS orders, SUM(revenue) AS revenue
FROM marked GROUP BY customer_id, stage, channel
"""

# the survival table as cxlab builds it (churn="event", the default catalog, a 28-day window):
# follow-up from the first purchase to the first churn event after it (else censored at the
# last event), its revenue, channels, the start's revenue and channel, support contacts in
# the window, the customers table (signup to start in days) and the feedback in the window
SURVIVAL_SQL = """
WITH ev AS (
  SELECT customer_id, timestamp AS t, stage, channel, revenue FROM read_parquet('{events}')
),
ends AS (SELECT MAX(t) AS obs_end FROM ev),
starts AS (SELECT customer_id, MIN(t) AS start_t FROM ev WHERE stage = 'purchase' GROUP BY 1),
churns AS (
  SELECT ev.customer_id, MIN(t) AS churn_t FROM ev JOIN starts USING (customer_id)
  WHERE stage = 'churn' AND t >= start_t GROUP BY 1
),
spans AS (
  SELECT s.customer_id, start_t, COALESCE(churn_t, obs_end) AS end_t, churn_t IS NOT NULL AS churned
  FROM starts s LEFT JOIN churns USING (customer_id), ends
),
journey AS (
  SELECT sp.customer_id, any_value(start_t) AS start_t, any_value(end_t) AS end_t,
         any_value(date_diff('second', start_t, end_t) / 86400.0) AS tenure_days,
         any_value(churned) AS churned,
         SUM(revenue) FILTER (WHERE stage = 'purchase' AND t = start_t) AS first_revenue,
         SUM(CASE WHEN t > start_t AND t <= end_t THEN revenue ELSE 0 END) AS revenue_after_start,
         MIN(list_position({channels}, channel)) FILTER (WHERE stage = 'purchase' AND t = start_t)
           AS purchase_channel,
         COUNT(DISTINCT channel) FILTER (WHERE t >= start_t AND t <= end_t) AS n_channels,
         COUNT(*) FILTER (WHERE stage = 'service' AND t > start_t
                          AND t <= start_t + INTERVAL 28 DAY) AS support_contacts
  FROM spans sp JOIN ev USING (customer_id) GROUP BY 1
),
answers AS (
  SELECT f.customer_id,
         arg_min(score, f.timestamp) FILTER (WHERE metric = 'csat' AND f.stage = 'purchase') AS csat,
         AVG(score) FILTER (WHERE metric = 'csat') AS csat_mean,
         arg_max(score, f.timestamp) FILTER (WHERE metric = 'nps') AS nps_last,
         AVG(score) FILTER (WHERE metric = 'nps') AS nps_mean,
         COUNT(*) FILTER (WHERE metric = 'nps') AS n_nps,
         AVG(score) FILTER (WHERE metric = 'ces') AS ces_mean
  FROM read_parquet('{feedback}') f JOIN starts USING (customer_id)
  WHERE f.timestamp >= start_t AND f.timestamp <= start_t + INTERVAL 28 DAY GROUP BY 1
)
SELECT j.*, c.* EXCLUDE (customer_id, signup_date),
       date_diff('second', c.signup_date, j.start_t) / 86400.0 AS days_signup_to_start,
       a.* EXCLUDE (customer_id)
FROM journey j LEFT JOIN read_parquet('{customers}') c USING (customer_id)
LEFT JOIN answers a USING (customer_id)
"""

# the open funnel awareness > consideration > purchase: per customer the first time at each
# step, then entrants, customers and step conversions per step and the median days to reach it
FUNNEL_SQL = """
WITH firsts AS (
  SELECT customer_id,
         MIN(CASE WHEN stage = 'awareness' THEN timestamp END) AS t0,
         MIN(CASE WHEN stage = 'consideration' THEN timestamp END) AS t1,
         MIN(CASE WHEN stage = 'purchase' THEN timestamp END) AS t2
  FROM read_parquet('{events}') GROUP BY customer_id
), timed AS (
  SELECT *, LEAST(t0, t1, t2) AS entry FROM firsts WHERE COALESCE(t0, t1, t2) IS NOT NULL
)
SELECT COUNT(*) AS entered, COUNT(t0) AS n0, COUNT(t1) AS n1, COUNT(t2) AS n2,
       COUNT(CASE WHEN t0 IS NOT NULL AND t1 IS NOT NULL THEN 1 END) AS both01,
       COUNT(CASE WHEN t1 IS NOT NULL AND t2 IS NOT NULL THEN 1 END) AS both12,
       quantile_cont(epoch_ns(t0 - entry) / 86400e9, [0.25, 0.5, 0.75]) AS q0,
       quantile_cont(epoch_ns(t1 - entry) / 86400e9, [0.25, 0.5, 0.75]) AS q1,
       quantile_cont(epoch_ns(t2 - entry) / 86400e9, [0.25, 0.5, 0.75]) AS q2
FROM timed
"""

# the buyer chain's reduction: one window pass (previous stage and time, next event, purchases
# so far, the customer's first purchase and first owner's-journey event), then one grouping;
# stage ranks follow the default catalog (awareness 0, consideration 1, purchase 2, rest > 2)
CHAIN_SQL = """
WITH ev AS (
  SELECT customer_id, timestamp AS t, list_position({stages}, stage) - 1 AS r
  FROM read_parquet('{events}')
), w AS (
  SELECT r, LAG(r) OVER w AS prev, LEAD(r) OVER w IS NULL AS final,
         t = LAG(t) OVER w AS tie, date_diff('microsecond', LAG(t) OVER w, t) / 86400e6 AS gap,
         SUM((r = 2)::INT) OVER (w ROWS UNBOUNDED PRECEDING) - (r = 2)::INT AS before,
         MIN(CASE WHEN r = 2 THEN t END) OVER (PARTITION BY customer_id) AS fp,
         MIN(CASE WHEN r > 2 THEN t END) OVER (PARTITION BY customer_id) AS fo
  FROM ev WINDOW w AS (PARTITION BY customer_id ORDER BY t, r)
)
SELECT prev, r, final OR r = 2 AS last, COUNT(*) AS n, SUM(tie::INT) AS ties,
       SUM(gap) AS gs, SUM(gap * gap) AS gs2
FROM w WHERE before = 0 AND NOT COALESCE(fo < fp OR (fp IS NULL AND fo IS NOT NULL), false)
GROUP BY ALL
"""

# time_between_stages: each event's wait since the customer's previous one (ordered by time,
# then catalog stage order), and per (from, to) stage pair the waits, their mean and median
WAITS_SQL = """
WITH ev AS (
  SELECT customer_id, timestamp AS t, list_position({stages}, stage) - 1 AS r
  FROM read_parquet('{events}')
), w AS (
  SELECT LAG(r) OVER w AS prev, r, date_diff('microsecond', LAG(t) OVER w, t) / 86400e6 AS days
  FROM ev WINDOW w AS (PARTITION BY customer_id ORDER BY t, r)
)
SELECT prev, r, COUNT(*) AS n, AVG(days) AS mean_days, quantile_cont(days, 0.5) AS median_days
FROM w WHERE prev IS NOT NULL GROUP BY ALL
"""

VALIDATION_SQL = """
SELECT COUNT(*) AS rows,
       SUM(CASE WHEN customer_id IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN timestamp IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN stage NOT IN ({stages}) OR stage IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN channel NOT IN ({channels}) OR channel IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN revenue IS NULL OR isinf(revenue) OR isnan(revenue) THEN 1 ELSE 0 END),
       (SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM read_parquet('{events}')
        GROUP BY customer_id, timestamp, stage, channel, touchpoint, revenue HAVING COUNT(*) > 1))
FROM read_parquet('{events}')
"""


def _cxlab_check(task: str, study) -> float:
    """Run one cxlab reduction on ``study`` (any engine); a checksum of its result."""
    import cxlab

    if task == "features":
        if isinstance(study, cxlab.LazyStudy):  # written to Parquet bucket by bucket
            import tempfile

            import narwhals as nw

            folder = Path(tempfile.mkdtemp(prefix="cxlab-features-")) / "features"
            out = cxlab.customer_features(study, out=folder)
            sums = out.select(nw.col("n_events", "revenue").cast(nw.Float64).sum()).collect()
            return float(sums["n_events"][0] + sums["revenue"][0])
        out = cxlab.customer_features(study)
        return float(out["n_events"].sum() + out["revenue"].sum())
    if task == "survival":
        return _survival_check(cxlab.survival_table(study))
    if task == "survival-out":  # written to Parquet bucket by bucket
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="cxlab-survival-")) / "survival"
        out = cxlab.survival_table(study, out=folder)
        cols = ["tenure_days", "support_contacts", "n_nps"]
        return _survival_check(out.select(*cols).collect(backend="pandas").to_native())
    if task == "funnel":
        return _funnel_check(cxlab.funnel(study).table)
    if task == "waits":
        return _waits_check(cxlab.time_between_stages(study).table)
    return float(cxlab.MarkovChain(journey="buyer").fit(study).counts_.to_numpy().sum())


def _features_study(folder: str, memory_limit: str):
    """The lazy study with the customers and feedback columns the features use.

    Whole, the two tables are 1.9 GB in pandas at 1e8 events (mostly the feedback's
    comments), held by the study outside the features' reduction; the features read
    ``segment`` and ``loyalty_member`` of the customers and ``metric`` and ``score`` of
    the answers.
    """
    import pandas as pd

    import cxlab
    from cxlab.engines import duckdb_connection

    con = duckdb_connection(memory_limit=memory_limit)
    return cxlab.lazy_study(
        con.read_parquet(f"{folder}/events/*.parquet"),
        customers=pd.read_parquet(
            f"{folder}/customers.parquet", columns=["customer_id", "segment", "loyalty_member"]
        ),
        feedback=pd.read_parquet(
            f"{folder}/feedback.parquet", columns=["customer_id", "metric", "score"]
        ),
        validate=False,
    )


def _spark_study(folder: str):
    """A lazy study on a local Spark session (2 cores, 6 GB driver) over the Parquet events.

    ``simulate_to_parquet`` stores microsecond timestamps, which Spark reads as they are;
    studies written before it did stored nanoseconds, which Spark reads as integers
    (``nanosAsLong``): those are turned into microsecond timestamps.
    """
    import pandas as pd
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    import cxlab

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "16")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    events = spark.read.parquet(f"{folder}/events")
    if dict(events.dtypes)["timestamp"] == "bigint":  # nanoseconds, from an older study
        events = events.withColumn(
            "timestamp", F.timestamp_micros(F.floor(F.col("timestamp") / 1000).cast("long"))
        )
    customers = pd.read_parquet(f"{folder}/customers.parquet")
    return cxlab.lazy_study(events, customers=customers, validate=False)


def _child(task: str, impl: str, folder: str, memory_limit: str) -> dict:
    """One measured step; runs in its own interpreter."""
    import resource
    import warnings

    import numpy as np

    import cxlab
    import cxlab.personas  # imported before any clock starts
    import cxlab.survival
    from cxlab.engines import duckdb_connection
    from cxlab.engines._load import load_lazy
    from cxlab.engines._validation import check_events_in_engine

    warnings.simplefilter("ignore")
    events = f"{folder}/events/*.parquet"
    check = None
    if impl in ("cxlab-duckdb", "cxlab-spark"):
        if impl == "cxlab-duckdb":
            if task == "features":
                study = _features_study(folder, memory_limit)
            else:
                study = load_lazy(folder, memory_limit=memory_limit, validate=False)
        else:  # Spark local mode on the same Parquet files
            study = _spark_study(folder)
        start = time.perf_counter()
        if task == "validation":
            probs = check_events_in_engine(study.events, study.catalog)
            check = float(sum(e.n_rows or 0 for e in probs.errors))  # rows with a problem
        else:
            check = _cxlab_check(task, study)
    elif impl == "duckdb-sql":
        con = duckdb_connection(memory_limit=memory_limit)
        cat = cxlab.DEFAULT_CATALOG
        start = time.perf_counter()
        if task == "features":
            out = con.sql(FEATURES_SQL.format(events=events)).df()
            check = float(out["n"].sum() + out["revenue"].sum())
        elif task in ("survival", "survival-out"):
            sql = SURVIVAL_SQL.format(
                events=events,
                customers=f"{folder}/customers.parquet",
                feedback=f"{folder}/feedback.parquet",
                channels=[*cat.channels, "unknown"],
            )
            if task == "survival":
                out = con.sql(sql).df()
            else:  # written to Parquet, read back for the check
                import tempfile

                target = Path(tempfile.mkdtemp(prefix="cxlab-survival-sql-")) / "table.parquet"
                con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
                out = con.sql(f"SELECT * FROM read_parquet('{target}')").df()
            check = _survival_check(out)
        elif task == "funnel":
            row = con.execute(FUNNEL_SQL.format(events=events)).fetchone()
            check = float(sum(row[1:4]) + sum(q[1] for q in row[6:9]))
        elif task == "waits":
            out = con.sql(WAITS_SQL.format(events=events, stages=list(cat.stages))).df()
            check = _waits_check(out)
        elif task == "chain":  # every counted transition, drop-offs (last, not purchase) too
            out = con.sql(CHAIN_SQL.format(events=events, stages=list(cat.stages))).df()
            check = float(out["n"].sum() + out.loc[out["last"] & (out["r"] != 2), "n"].sum())
        else:
            quote = lambda xs: ", ".join(f"'{x}'" for x in xs)  # noqa: E731
            sql = VALIDATION_SQL.format(
                events=events, stages=quote(cat.stages), channels=quote(cat.channels)
            )
            row = con.execute(sql).fetchone()
            check = float(sum(row[1:]))
    else:  # pandas in memory; exact copies of an event (if any) dropped, as cxlab.load offers
        if task == "validation":  # reading, typing, checking and ordering: cxlab.load
            start = time.perf_counter()
            data = cxlab.load(folder, engine="pandas", on_duplicates="drop")
            check = 0.0
        else:
            data = cxlab.load(folder, engine="pandas", on_duplicates="drop")
            start = time.perf_counter()
            check = _cxlab_check(task, data)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_mb": peak,
        "check": None if check is None else np.round(check, 3),
    }


def _survival_check(table) -> float:
    """Tenure days, support contacts and NPS answers in the window, summed."""
    cols = ["tenure_days", "support_contacts", "n_nps"]
    return float(sum(table[c].fillna(0).astype(float).sum() for c in cols))


def _funnel_check(table) -> float:
    """Customers at each step plus the median days to reach it (as FUNNEL_SQL sums them)."""
    return float(table["customers"].sum() + table["days_median"].sum())


def _waits_check(table) -> float:
    """Waits measured plus the median days of every (from, to) pair (as WAITS_SQL sums them)."""
    return float(table["n"].sum() + table["median_days"].sum())


def _simulate_child(folder: str, n_customers: int) -> dict:
    import resource

    from cxlab.simulation import simulate_to_parquet

    start = time.perf_counter()
    simulate_to_parquet(folder, n_customers, random_state=0)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak, "check": None}


def _run(args: list[str]) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, str(HERE), *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode:
        return {"seconds": float("nan"), "peak_mb": float("nan"), "check": done.stderr[-300:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=float, default=1e7)
    parser.add_argument("--dir", default=None, help="study folder (default /tmp/cxlab-scale-<N>)")
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--no-pandas", action="store_true", help="skip the in-memory rows")
    parser.add_argument(
        "--spark",
        action="store_true",
        help="add cxlab on Spark local mode (peak MB is the Python process's; the JVM's "
        "heap is capped at 6 GB)",
    )
    parser.add_argument("--no-sql", action="store_true", help="skip the hand-written SQL rows")
    parser.add_argument(
        "--tasks",
        "--only",
        nargs="+",
        default=["validation", "features", "survival", "funnel", "waits", "chain"],
        help="tasks to run (validation, features, survival, survival-out: the survival table "
        "written to Parquet, funnel, waits: time_between_stages, chain: the buyer chain fit)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        out = (
            _simulate_child(*rest[:1], int(rest[1]))
            if kind == "simulate"
            else _child(kind, *rest[:2], args.memory_limit)
        )
        print(json.dumps(out))
        return
    n_events = int(args.events)
    folder = args.dir or f"/tmp/cxlab-scale-{n_events:.0e}"
    rows = []
    if not (Path(folder) / "events").exists():
        n_customers = int(n_events / EVENTS_PER_CUSTOMER)
        rows.append(
            (
                "simulate_to_parquet",
                "streamed, 250k customers a chunk",
                _run(["--child", "simulate", folder, str(n_customers)]),
            )
        )
    impls = ["cxlab-duckdb"] + ([] if args.no_sql else ["duckdb-sql"])
    impls += ([] if args.no_pandas else ["cxlab-pandas"]) + (["cxlab-spark"] if args.spark else [])
    for task in args.tasks:
        for impl in impls:
            rows.append(
                (
                    task,
                    impl,
                    _run(["--child", task, impl, folder, "--memory-limit", args.memory_limit]),
                )
            )
            print(rows[-1], flush=True)
    import duckdb

    n, customers = duckdb.sql(
        f"SELECT count(*), count(DISTINCT customer_id) FROM read_parquet('{folder}/events/*.parquet')"
    ).fetchall()[0]
    print(
        f"\n{n:,} events, {customers:,} customers, {folder}; DuckDB memory_limit {args.memory_limit}\n"
    )
    print("| task | implementation | seconds | peak MB | check |")
    print("|---|---|---:|---:|---|")
    for task, impl, r in rows:
        print(f"| {task} | {impl} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['check']} |")


if __name__ == "__main__":
    main()
