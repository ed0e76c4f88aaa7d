"""The ``cxlab`` command.

Each subcommand lives in its own module that exposes ``register(subparsers)``;
``register`` adds the parser and sets ``func`` to a callable taking the parsed
arguments and returning an exit status. Add a subcommand by adding its module
to ``_COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from cxlab.exceptions import CxlabError

_COMMAND_MODULES = (
    "cxlab._cli_data",  # simulate, validate
    "cxlab.report.cli",  # run
    "cxlab.i18n._notebooks",  # edition
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxlab",
        description="cxlab: customer-journey and CX research workbench.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a subcommand module not written yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CxlabError as exc:
        print(f"cxlab {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
