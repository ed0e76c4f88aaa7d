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
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # bench modules import _util


def _modules(topics: list[str]):
    for topic in topics:
        path = HERE / f"bench_{topic}.py"
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield topic, module


def _run_topic_in_child(topic: str, scale: float) -> list[dict]:
    """Run one topic in a fresh interpreter: thread pools or caches one topic starts
    (polars, DuckDB, BLAS) must not leak into the next, and a fork inside a
    benchmark must not inherit another topic's threads."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = Path(tmp.name)
    try:
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--only",
                topic,
                "--scale",
                str(scale),
                "--json-out",
                str(out),
            ],
            check=True,
        )
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of full size")
    parser.add_argument("--only", nargs="*", help="topics, e.g. markov survival")
    parser.add_argument("--csv", help="also write the table to this CSV file")
    parser.add_argument("--json-out", help=argparse.SUPPRESS)  # used for one topic in a child
    args = parser.parse_args(argv)
    topics = [p.stem.removeprefix("bench_") for p in sorted(HERE.glob("bench_*.py"))]
    topics = [t for t in topics if not args.only or t in args.only]
    rows = []
    if args.json_out:
        for topic, module in _modules(topics):
            with threadpool_limits(limits=2):
                rows += [{"topic": topic, **row} for row in module.run(scale=args.scale)]
        Path(args.json_out).write_text(json.dumps(rows, default=float))
        return 0
    for topic in topics:
        start = time.perf_counter()
        print(f"# {topic} ...", file=sys.stderr, flush=True)
        rows += _run_topic_in_child(topic, args.scale)
        print(f"# {topic} done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    table = pd.DataFrame(rows, columns=["topic", "task", "impl", "n", "seconds", "peak_mb", "note"])
    with pd.option_context(
        "display.max_rows", None, "display.width", 250, "display.max_colwidth", 90
    ):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
