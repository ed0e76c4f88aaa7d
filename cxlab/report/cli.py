"""The ``cxlab run`` command: run notebooks into a report folder (see docs/report-runs.md).

Exit status: 0 every notebook succeeded; 1 a notebook failed (or the output
folder stayed locked past ``--lock-timeout``); 2 bad usage or parameters, found
before any kernel started.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import threading
from pathlib import Path

from cxlab.report.errors import ReportUsageError, RunLockedError
from cxlab.report.results import NotebookRun

__all__ = ["register", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_EPILOG = """\
examples:
  cxlab run --all                                  every notebooks/*.ipynb into reports/all
  cxlab run 01-journeys -p seed=3 --out reports/x  one notebook, one parameter
  cxlab run --all --params nightly.yaml --jobs 2 --hide-code --log run.log
  cxlab run --list 01-journeys                     show a notebook's parameters

exit status: 0 success, 1 a notebook failed (the last good report is kept),
2 bad usage or parameters (nothing was run)."""


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``run`` subcommand to the ``cxlab`` command."""
    p = subparsers.add_parser(
        "run",
        help="run notebooks into a reproducible report folder",
        description=(
            "Run parameterized notebooks with papermill into a report folder: executed "
            "notebooks, HTML, exported tables and figures, index.html and manifest.json. "
            "The folder is replaced only when every notebook succeeds."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="notebook files or names")
    p.add_argument("--all", action="store_true", help="run every notebooks/*.ipynb, sorted")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter (repeatable); VALUE is read like a YAML scalar",
    )
    p.add_argument("--params", metavar="FILE.yaml", help="YAML file of parameters (-p wins)")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="report folder (default reports/all with --all, else reports/<notebook>)",
    )
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="notebooks at once")
    p.add_argument(
        "--html",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write an HTML page per notebook (default: yes)",
    )
    p.add_argument("--hide-code", action="store_true", help="leave code out of the HTML pages")
    p.add_argument("--cell-timeout", type=float, metavar="SECONDS", help="limit for one cell")
    p.add_argument("--kernel", default="cxlab", help="Jupyter kernel (default: cxlab)")
    p.add_argument("--log", metavar="FILE", help="append a log of the run to FILE")
    p.add_argument(
        "--lock-timeout",
        type=float,
        metavar="SECONDS",
        help="wait at most this long for another run into the same folder (default: no limit)",
    )
    p.add_argument("--list", action="store_true", help="print the notebooks' parameters and exit")
    p.set_defaults(func=main)
    return p


def _logging(log_file: str | None, verbose: bool) -> tuple[logging.Logger, list, tuple]:
    """Route the package's log records for the duration of the command.

    Warnings and errors (and INFO with ``-v``) go to stderr as ``cxlab run: ...``;
    with ``--log FILE`` everything from INFO up is appended to FILE with times.
    """
    log = logging.getLogger("cxlab")
    saved = (log.level, log.propagate)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("cxlab run: %(message)s"))
    handlers: list[logging.Handler] = [console]
    if log_file:
        Path(log_file).expanduser().parent.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(Path(log_file).expanduser(), encoding="utf-8")
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        fh.setLevel(logging.INFO)
        handlers.append(fh)
    log.setLevel(logging.INFO if (log_file or verbose) else logging.WARNING)
    log.propagate = False
    for h in handlers:
        log.addHandler(h)
    return log, handlers, saved


def _command_line(args: argparse.Namespace) -> list[str]:
    """The command as parsed (for the manifest and the log), options in a fixed order."""
    cmd = ["cxlab", "run", *(["--all"] if args.all else args.notebooks)]
    for item in args.param:
        cmd += ["-p", item]
    for flag, value in (
        ("--params", args.params),
        ("--out", args.out),
        ("--jobs", args.jobs),
        ("--cell-timeout", args.cell_timeout),
        ("--kernel", args.kernel),
        ("--log", args.log),
        ("--lock-timeout", args.lock_timeout),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    cmd += [] if args.html else ["--no-html"]
    cmd += ["--hide-code"] if args.hide_code else []
    return cmd


class _Progress:
    """What ``cxlab run`` says while it works, on stdout: a line as each notebook starts
    and one as it ends (``[2/7] start 01-journey-map`` ... ``[2/7] succeeded
    01-journey-map in 31.2 s``). On a terminal each running notebook also gets a live
    cell progress bar on stderr; without one (cron, CI, a pipe) there are only the lines.
    """

    def __init__(self, notebooks, tty: bool):
        self.index = {p.stem: i for i, p in enumerate(notebooks, 1)}
        self.total = len(notebooks)
        self.tty = tty
        self._lock = threading.Lock()

    @property
    def bar(self):
        return {"file": sys.stderr, "dynamic_ncols": True} if self.tty else False

    def _say(self, nb: NotebookRun, text: str) -> None:
        line = f"[{self.index.get(nb.name, '?')}/{self.total}] {text}"
        with self._lock:
            if self.tty:
                from tqdm import tqdm

                tqdm.write(line, file=sys.stdout)
            else:
                print(line, flush=True)

    def on_start(self, nb: NotebookRun) -> None:
        self._say(nb, f"start     {nb.name}")

    def on_finish(self, nb: NotebookRun) -> None:
        took = "" if nb.duration is None else f" in {nb.duration:.1f} s"
        self._say(nb, f"{nb.status:<9} {nb.name}{took}")


def main(args: argparse.Namespace) -> int:
    """Run ``cxlab run`` with parsed arguments; return the exit status."""
    if bool(args.notebooks) == bool(args.all):
        print("cxlab run: error: name notebooks or pass --all (one of the two)", file=sys.stderr)
        return EXIT_USAGE
    try:
        log, handlers, saved = _logging(args.log, getattr(args, "verbose", False))
    except OSError as exc:
        print(f"cxlab run: error: --log {args.log}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    # imported here so that `cxlab --help` and the other subcommands stay fast
    from cxlab.report.parameters import format_parameters, inspect_parameters, parse_cli_params
    from cxlab.report.run import find_notebooks, notebook_label, run_notebooks

    notebooks = None if args.all else args.notebooks
    try:
        if args.list:
            for src in find_notebooks(notebooks):
                print(format_parameters(notebook_label(src), inspect_parameters(src)))
            return EXIT_OK
        params = parse_cli_params(args.param)
        progress = _Progress(find_notebooks(notebooks), tty=sys.stderr.isatty())
        command = _command_line(args)
        log.info("%s", shlex.join(command))
        result = run_notebooks(
            notebooks,
            params=params,
            params_file=args.params,
            out=args.out,
            jobs=args.jobs,
            html=args.html,
            hide_code=args.hide_code,
            cell_timeout=args.cell_timeout,
            kernel=args.kernel,
            lock_timeout=args.lock_timeout,
            on_start=progress.on_start,
            on_finish=progress.on_finish,
            progress_bar=progress.bar,
            command=command,
        )
        return _summarize(result, log)
    except ReportUsageError as exc:
        log.error("error: %s", exc)
        return EXIT_USAGE
    except RunLockedError as exc:
        log.error("error: %s", exc)
        return EXIT_FAILED
    finally:
        for h in handlers:
            log.removeHandler(h)
            h.close()
        log.setLevel(saved[0])
        log.propagate = saved[1]


def _summarize(result, log: logging.Logger) -> int:
    """One line per notebook on stdout; failures, one line each, on stderr and in the log."""
    for nb in result.notebooks:
        took = "" if nb.duration is None else f"{nb.duration:6.1f} s"
        print(f"{nb.status:<9} {took}  {nb.name}")
    if result.ok:
        print(f"report: {result.index_html}")
        log.info("succeeded: %s", result.index_html)
        return EXIT_OK
    for nb in result.failures:
        log.error("FAILED %s", nb.error.one_line())
    log.error("executed notebooks kept in %s; %s left as it was", result.folder, result.out)
    return EXIT_FAILED
