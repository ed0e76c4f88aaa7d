"""A study ``k`` times larger from a simulated one on disk: ``k`` copies under new customer ids.

Run: ``.venv/bin/python benchmarks/replicate_study.py SOURCE DEST --copies 10``

Drawing 1e9 events with ``simulate_to_parquet`` takes over an hour on two cores; the
engines' benchmarks need the size, not new draws, so this writes copy ``j`` of every
events partition with ``customer_id + j * (largest id + 1)`` (and the customers table
likewise) through DuckDB, streaming, in bounded memory. Every copy is a valid study; the
whole has ``k`` times the events, customers and answers of the source, and its answers to
any per-customer reduction are those of the source repeated. No truth is copied.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import duckdb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--memory-limit", default="2GB")
    args = parser.parse_args()
    src, dest = args.source, args.dest
    (dest / "events").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    top = con.execute(
        f"SELECT max(customer_id) + 1 FROM read_parquet('{src / 'customers.parquet'}')"
    ).fetchone()[0]
    parts = sorted((src / "events").glob("*.parquet"))
    started = time.perf_counter()
    for j in range(args.copies):
        for part in parts:
            out = dest / "events" / f"copy{j:02d}-{part.name}"
            if out.exists():
                continue
            con.execute(
                f"COPY (SELECT * REPLACE (customer_id + {j * top} AS customer_id) "
                f"FROM read_parquet('{part}')) TO '{out}.tmp' (FORMAT parquet)"
            )
            Path(f"{out}.tmp").rename(out)
        print(
            f"copy {j + 1}/{args.copies} done at {time.perf_counter() - started:.0f} s", flush=True
        )
    for table in ("customers", "feedback"):
        source = src / f"{table}.parquet"
        if source.exists():
            copies = " UNION ALL ".join(
                f"SELECT * REPLACE (customer_id + {j * top} AS customer_id) "
                f"FROM read_parquet('{source}')"
                for j in range(args.copies)
            )
            con.execute(f"COPY ({copies}) TO '{dest / f'{table}.parquet'}' (FORMAT parquet)")
    if (src / "catalog.json").exists():
        shutil.copy(src / "catalog.json", dest / "catalog.json")
    n = con.execute(
        f"SELECT count(*) FROM read_parquet('{dest / 'events' / '*.parquet'}')"
    ).fetchone()[0]
    print(
        f"{dest}: {n:,} events in {len(parts) * args.copies} files, {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
