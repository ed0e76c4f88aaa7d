"""``cxlab simulate`` and ``cxlab validate``."""

from __future__ import annotations

import sys
import warnings

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("simulate", help="write a simulated study with known truth to a folder")
    p.add_argument("--customers", type=int, default=5000, help="number of customers (5000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--out", required=True, help="output folder, e.g. data/demo")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.set_defaults(func=_simulate)

    v = sub.add_parser("validate", help="check a data folder; exit 1 and list problems if bad")
    v.add_argument("path", help="folder with events/customers/feedback files, or a .duckdb file")
    v.set_defaults(func=_validate)


def _simulate(args) -> int:
    from cxlab.simulation import simulate

    data = simulate(n_customers=args.customers, seed=args.seed)
    folder = data.save(args.out, format=args.format)
    print(f"wrote {data!r} to {folder}")
    return 0


def _validate(args) -> int:
    from cxlab.validation import validate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = validate(args.path)
        except FileNotFoundError as exc:
            print(f"cxlab validate: {exc}", file=sys.stderr)
            return 1
    print(f"{args.path}: {'valid' if report.ok else 'INVALID'}")
    print(report)
    return 0 if report.ok else 1
