"""``cxlab simulate`` and ``cxlab validate``."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from cxlab.exceptions import CxlabError

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("simulate", help="write a simulated study with known truth to a folder")
    p.add_argument("--customers", type=int, default=5000, help="number of customers (5000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--out", required=True, help="output folder, e.g. data/demo")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.add_argument(
        "--chunk",
        type=int,
        default=None,
        help="with --format parquet: draw and write this many customers at a time (bounded "
        "memory, any size; default 250000 when --customers is larger, else all at once)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that already holds files (they may be overwritten)",
    )
    p.set_defaults(func=_simulate)

    v = sub.add_parser("validate", help="check a data folder; exit 1 and list problems if bad")
    v.add_argument("path", help="folder with events/customers/feedback files, or a .duckdb file")
    v.add_argument("--encoding", help="text encoding of the CSV files, e.g. latin-1 or utf-16")
    order = v.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        action="store_const",
        const=True,
        dest="dayfirst",
        help="read dates like 03/04/2025 day first (dd/mm)",
    )
    order.add_argument(
        "--monthfirst",
        action="store_const",
        const=False,
        dest="dayfirst",
        help="read dates like 03/04/2025 month first (mm/dd)",
    )
    v.add_argument("--timestamp-format", help="the timestamps' strftime format, e.g. %%d/%%m/%%Y")
    v.add_argument("--observation-end", help="when the data end; later rows are reported")
    v.set_defaults(func=_validate)


def _simulate(args) -> int:
    from cxlab.simulation._simulate import simulate
    from cxlab.simulation._stream import DEFAULT_CHUNK_CUSTOMERS, simulate_to_parquet

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"cxlab simulate: {out} is a file, not a folder.", file=sys.stderr)
        return 1
    existing = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if existing and not args.force:
        print(
            f"cxlab simulate: {out} is not empty ({len(existing)} entries, e.g. "
            f"{', '.join(existing[:5])}); simulated files would overwrite or sit beside them. "
            "Fix: choose a new folder, or pass --force to write there anyway.",
            file=sys.stderr,
        )
        return 1
    if args.format == "parquet" and (args.chunk or args.customers > DEFAULT_CHUNK_CUSTOMERS):
        folder = simulate_to_parquet(
            out,
            args.customers,
            random_state=args.seed,
            chunk_customers=args.chunk or DEFAULT_CHUNK_CUSTOMERS,
            progress=True,
        )
        print(f"wrote {args.customers:,} simulated customers in chunks to {folder}")
        return 0
    data = simulate(n_customers=args.customers, random_state=args.seed)
    folder = data.save(out, format=args.format)
    print(f"wrote {data!r} to {folder}")
    return 0


def _validate(args) -> int:
    from cxlab.data._validation import validate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = validate(
                args.path,
                encoding=args.encoding,
                dayfirst=args.dayfirst,
                timestamp_format=args.timestamp_format,
                observation_end=args.observation_end,
            )
        except CxlabError as exc:
            print(f"cxlab validate: {exc}", file=sys.stderr)
            return 1
        except Exception as exc:  # the tool for broken data never shows a traceback
            print(
                f"cxlab validate: {args.path} could not be checked: {type(exc).__name__}: {exc}. "
                "Fix: check that the files are CSV, Parquet or DuckDB tables; run "
                "cxlab.validate() in Python for the details.",
                file=sys.stderr,
            )
            return 1
    print(f"{args.path}: {'valid' if report.ok else 'INVALID'}")
    print(report)
    return 0 if report.ok else 1
