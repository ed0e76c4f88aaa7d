"""Run every benchmark and print one table.

    .venv/bin/python benchmarks/run.py            # the sizes the issues ask for
    .venv/bin/python benchmarks/run.py --scale 0.01 --only markov

Each ``benchmarks/bench_<topic>.py`` exposes ``run(scale=1.0) -> list[dict]`` with keys
task, impl, n, seconds, peak_mb, note. Machines are shared and noisy: compare the ratios
within one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # bench modules import _util


def _modules(only: list[str] | None):
    for path in sorted(HERE.glob("bench_*.py")):
        topic = path.stem.removeprefix("bench_")
        if only and topic not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield topic, module


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of full size")
    parser.add_argument("--only", nargs="*", help="topics, e.g. markov survival")
    parser.add_argument("--csv", help="also write the table to this CSV file")
    args = parser.parse_args(argv)
    rows = []
    for topic, module in _modules(args.only):
        start = time.perf_counter()
        print(f"# {topic} ...", file=sys.stderr, flush=True)
        with threadpool_limits(limits=2):
            for row in module.run(scale=args.scale):
                rows.append({"topic": topic, **row})
        print(f"# {topic} done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    table = pd.DataFrame(rows, columns=["topic", "task", "impl", "n", "seconds", "peak_mb",
                                        "note"])
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 80):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
