"""In-memory speed before and after the engine layer, in one run (issue 13).

Run: ``.venv/bin/python benchmarks/before_after_engines.py --before cb3b799
--before-survival ba5df69 --customers 300000``

Loads ``customer_features`` and ``survival_table`` as they were at ``--before`` (the
survival table at ``--before-survival`` when given; ``git show`` into a temporary folder,
with the private modules of the same folder they import at that revision) beside today's,
draws one simulated study, then times both versions interleaved (``--repeat`` times each,
the minimum is quoted) and checks that the results agree.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import cxlab
from cxlab.personas._features import customer_features
from cxlab.survival._table import survival_table

ROOT = Path(__file__).resolve().parents[1]
FILES = {"features": "cxlab/personas/_features.py", "survival": "cxlab/survival/_table.py"}


def _git_show(rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def _load(name: str, text: str, folder: Path):
    path = folder / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _old(rev: str, what: str, folder: Path):
    """The function as it was at ``rev``, with its folder's private modules of that time."""
    text = _git_show(rev, FILES[what])
    package = FILES[what].rsplit("/", 1)[0].replace("/", ".")
    for helper in sorted(set(re.findall(rf"from ({re.escape(package)}\._\w+) import", text))):
        name = f"old_{what}_{helper.rsplit('.', 1)[1].lstrip('_')}"
        _load(name, _git_show(rev, helper.replace(".", "/") + ".py"), folder)
        text = text.replace(f"from {helper} import", f"from {name} import")
    module = _load(f"old_{what}", text, folder)
    return module.customer_features if what == "features" else module.survival_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="cb3b799", help="git revision of the old code")
    parser.add_argument(
        "--before-survival", default=None, help="git revision of the old survival table"
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    threadpool_limits(2)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        revs = {"features": args.before, "survival": args.before_survival or args.before}
        old = {what: _old(revs[what], what, Path(tmp)) for what in FILES}
    new = {"features": customer_features, "survival": survival_table}
    data = cxlab.simulate(n_customers=args.customers, seed=3)
    print(f"{len(data.events):,} events, {args.customers:,} customers")
    times = {(w, v): [] for w in FILES for v in ("old", "new")}
    outputs = {}
    for _ in range(args.repeat):
        for what in FILES:
            for version, fn in (("old", old[what]), ("new", new[what])):
                start = time.perf_counter()
                outputs[what, version] = fn(data)
                times[what, version].append(time.perf_counter() - start)
    for what in FILES:
        a, b = outputs[what, "old"], outputs[what, "new"]
        if what == "survival":
            pd.testing.assert_frame_equal(
                a, b, check_dtype=False, check_categorical=False
            )  # text as categoricals now
            agree = "identical values"
        else:
            x, y = a.to_numpy(float), b.to_numpy(float)
            agree = f"max rel diff {np.nanmax(np.abs(x - y) / np.maximum(np.abs(x), 1e-300)):.1e}"
        o, n = min(times[what, "old"]), min(times[what, "new"])
        print(f"{what}: before {o:.2f} s, after {n:.2f} s, after/before {n / o:.2f}; {agree}")


if __name__ == "__main__":
    main()
