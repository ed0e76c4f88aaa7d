"""Run notebooks into a report folder: :func:`run_notebooks`, the engine of ``cxlab run``.

A run checks everything it can before any kernel starts (notebooks exist,
parameters are known and of the right type, the kernel is installed, the output
folder is a report folder or empty), takes the lock ``<out>.lock``, executes the
notebooks into the staging folder ``<out>.tmp`` (``jobs`` at a time), writes
HTML, ``index.html`` and ``manifest.json`` there, and then:

- on success, swaps the staging folder in for ``<out>`` (two renames under the
  lock; the previous report is removed only once the new one is in place);
- on failure, renames it to ``<out>.failed-<UTC time>`` and leaves ``<out>``,
  the last good report, untouched.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

from cxlab import _paths as paths
from cxlab.exceptions import ParameterError
from cxlab.i18n import DEFAULT_LANGUAGE, resolve_language
from cxlab.report.errors import (
    KernelNotFoundError,
    NotebookNotFoundError,
    NotebookParameterError,
    ReportUsageError,
)
from cxlab.report.execute import execute_notebook, strip_volatile
from cxlab.report.folder import ReportFolder
from cxlab.report.html import notebook_to_html, write_index
from cxlab.report.manifest import build_manifest, hash_paths, sha256_file, write_json
from cxlab.report.parameters import (
    CliValue,
    inspect_parameters,
    load_params_file,
    resolve_parameters,
)
from cxlab.report.results import NotebookRun, RunResult

__all__ = ["run_notebooks", "find_notebooks", "default_out", "notebook_label", "run_language"]

logger = logging.getLogger(__name__)


def find_notebooks(
    notebooks: Sequence[str | Path] | None, language: str | None = None
) -> list[Path]:
    """Resolve notebook names to files; None means every ``notebooks/*.ipynb``, sorted.

    A name is tried as given, then with ``.ipynb`` added, then inside the
    project's ``notebooks/`` folder, so ``cxlab run 01-journeys`` works. With a
    ``language`` other than English, a notebook of ``notebooks/`` is replaced by
    its edition ``notebooks/<language>/<name>.ipynb`` where one exists (the
    Persian narrative for ``-p language=fa``); the others run as they are.

    Parameters
    ----------
    notebooks : sequence of str or Path, or None
        Notebook files or names (``"01-journey-map"``); None gives every notebook in
        ``notebooks/``.
    language : str, optional
        The run's ``language`` parameter; ``None`` or ``"en"`` runs the notebooks as given.
    """
    if notebooks is None:
        found = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
        if not found:
            raise NotebookNotFoundError(f"--all: no notebooks in {paths.NOTEBOOKS_DIR}")
        return [_edition_of(p, language) for p in found]
    if isinstance(notebooks, str | Path):
        notebooks = [notebooks]
    out = []
    for item in notebooks:
        p = Path(item).expanduser()
        candidates = [p, p.with_name(p.name + ".ipynb")]
        if not p.is_absolute():
            candidates += [paths.NOTEBOOKS_DIR / c for c in candidates]
        hit = next((c for c in candidates if c.is_file()), None)
        if hit is None:
            known = ", ".join(q.stem for q in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")))
            raise NotebookNotFoundError(
                f"notebook {str(item)!r} not found (looked in the current folder and in "
                f"{paths.NOTEBOOKS_DIR}). Notebooks there: {known or 'none'}"
            )
        out.append(_edition_of(hit.resolve(), language))
    if not out:
        raise ReportUsageError("no notebooks to run: name some, or pass --all")
    stems = [p.stem for p in out]
    twice = sorted({s for s in stems if stems.count(s) > 1})
    if twice:
        raise ReportUsageError(
            f"notebooks share a name ({', '.join(twice)}); each gets a folder named after it "
            "in the report, so run them in separate runs (--out)"
        )
    return out


def _edition_of(path: Path, language: str | None) -> Path:
    """``notebooks/<language>/<name>`` for a notebook of ``notebooks/`` when that file exists."""
    if not language or language == DEFAULT_LANGUAGE:
        return path
    if path.resolve().parent != paths.NOTEBOOKS_DIR.resolve():
        return path
    edition = paths.NOTEBOOKS_DIR / language / path.name
    return edition.resolve() if edition.is_file() else path


def run_language(params: Mapping[str, Any]) -> str:
    """The language a run asks for with its ``language`` parameter (English when not given).

    Raises
    ------
    NotebookParameterError
        The language has no message catalog; the message lists the available ones.
    """
    value = params.get("language")
    if value is None:
        return DEFAULT_LANGUAGE
    try:
        return resolve_language(str(value))
    except ParameterError as exc:
        raise NotebookParameterError(f"parameter 'language': {exc}") from None


def default_out(
    notebooks: Sequence[str | Path] | None, found: Sequence[Path], language: str | None = None
) -> Path:
    """``reports/all`` for every notebook, else ``reports/<stem>[+<stem>...]``.

    Another language than English gets its own folder, ``-<language>`` added
    (``reports/all-fa``), so a Persian run never replaces the English reports.
    """
    name = "all" if notebooks is None else "+".join(p.stem for p in found)
    if language and language != DEFAULT_LANGUAGE:
        name = f"{name}-{language}"
    return paths.REPORTS_DIR / name


def notebook_label(path: Path) -> str:
    """How a notebook is named in messages: relative to the project when inside it."""
    try:
        return str(path.relative_to(paths.PROJECT_DIR))
    except ValueError:
        return str(path)


def _check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(kernel)
    except NoSuchKernel:
        installed = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise KernelNotFoundError(
            f"Jupyter kernel {kernel!r} is not installed (installed: {installed}). Fix: "
            f"python -m ipykernel install --sys-prefix --name {kernel} (make does this for "
            "'cxlab'), or pick an installed kernel with --kernel"
        ) from None


def _absolute_if_local(value: Any) -> Any:
    """A relative path that exists from the current folder, made absolute.

    Kernels run in the notebook's folder, so ``-p data_path=my/data`` typed in
    another folder would otherwise point nowhere. (Saved notebooks and HTML show
    paths inside the project relative to it: see :func:`_shown_paths`.)
    """
    if isinstance(value, str) and value and not os.path.isabs(value) and "\n" not in value:
        p = Path(value).expanduser()
        if p.exists():
            return str(p.resolve())
    return value


def _project_relative(path: str | Path) -> str:
    """``path`` relative to the project folder when inside it, else as an absolute path."""
    full = Path(path).resolve()
    try:
        return full.relative_to(paths.PROJECT_DIR).as_posix() or "."
    except ValueError:
        return str(full)


def _input_path(value: Any, notebook_dir: Path) -> Path | None:
    """The existing file or folder a parameter value names, resolved like cxlab._paths.resolve."""
    if not isinstance(value, str) or not value.strip() or len(value) > 4096 or "\n" in value:
        return None
    p = Path(value).expanduser()
    for candidate in [p] if p.is_absolute() else [notebook_dir / p, paths.PROJECT_DIR / p]:
        try:
            if candidate.exists():
                return candidate
        except OSError:
            return None
    return None


def _effective(declared, values: Mapping[str, Any], out_dir: str) -> dict[str, Any]:
    params = {name: p.recorded for name, p in declared.items()}
    params.update(values)
    if "out_dir" in declared:
        params["out_dir"] = out_dir
    return params


def _exports(folder: Path, root: Path) -> dict[str, list[str]]:
    return {
        sub: sorted(str(p.relative_to(root)) for p in (folder / sub).glob("*") if p.is_file())
        for sub in ("tables", "figures")
    }


def _shown_paths(staging: Path, dest: Path, parameters: Mapping[str, Any]) -> dict[str, str]:
    """How paths read in a saved notebook and its HTML: never absolute.

    The staging folder the notebook ran in becomes the report's final folder, shown
    relative to the project when the report is inside it (``reports/x/01-journey-map``),
    else relative to the report folder itself (``01-journey-map``); files of the project
    read relative to the project; a parameter naming an existing file or folder outside
    the project (``-p data_path=/srv/study``) reads relative to the report folder
    (``../../srv/study``).
    """
    shown = _project_relative(dest)
    if os.path.isabs(shown):  # a report folder outside the project
        replace = {str(staging) + os.sep: "", str(staging): "."}
    else:
        replace = {str(staging): shown}
    project = str(paths.PROJECT_DIR) + os.sep
    replace[project] = ""
    for value in parameters.values():
        if isinstance(value, str) and os.path.isabs(value) and not value.startswith(project):
            if not value.startswith(str(staging)) and os.path.exists(value):
                replace.setdefault(value.rstrip(os.sep), os.path.relpath(value, dest))
    return replace


def _finalize(nb: NotebookRun, staging: Path, dest: Path, html: bool, hide_code: bool) -> None:
    """Strip volatile metadata, show final paths, write HTML, list exported files."""
    folder = staging / nb.name
    executed = folder / f"{nb.name}.ipynb"
    nb.files = {"notebook": None, "html": None, "kernel_log": f"logs/{nb.name}.kernel.log"}
    if executed.is_file():
        book = nbformat.read(executed, as_version=4)
        strip_volatile(book, replace=_shown_paths(staging, dest, nb.parameters))
        nbformat.write(book, executed)
        nb.files["notebook"] = f"{nb.name}/{executed.name}"
        if html:
            try:
                notebook_to_html(book, folder / f"{nb.name}.html", hide_code=hide_code)
                nb.files["html"] = f"{nb.name}/{nb.name}.html"
            except Exception as exc:  # the notebook itself is kept; say so loudly
                logger.warning("no HTML for %s: %s: %s", nb.name, type(exc).__name__, exc)
    nb.files.update(_exports(folder, staging))
    nb.parameters = {
        k: v.replace(str(staging), str(dest)) if isinstance(v, str) else v
        for k, v in nb.parameters.items()
    }


class _BarSlots:
    """Screen rows for the cell progress bars of notebooks running at the same time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._used: set[int] = set()

    def take(self) -> int:
        with self._lock:
            slot = next(i for i in range(len(self._used) + 1) if i not in self._used)
            self._used.add(slot)
            return slot

    def give(self, slot: int) -> None:
        with self._lock:
            self._used.discard(slot)


def _execute_all(
    runs: list[NotebookRun],
    staging: Path,
    jobs: int,
    options: Mapping[str, Any],
    on_start: Callable[[NotebookRun], None] | None,
    on_finish: Callable[[NotebookRun], None] | None,
) -> None:
    """Execute every notebook, ``jobs`` at a time (threads; each kernel is its own process)."""
    slots = _BarSlots()

    def one(nb: NotebookRun):
        inject = {k: nb.parameters[k] for k in nb.given}
        if "out_dir" in nb.parameters:
            inject["out_dir"] = nb.parameters["out_dir"]
        logger.info("running %s", notebook_label(nb.source))
        if on_start is not None:
            on_start(nb)
        bar = options.get("progress_bar") or False
        slot = slots.take()
        if isinstance(bar, Mapping) or bar is True:
            bar = {
                "desc": nb.name,
                "position": slot,
                "leave": False,
                **(bar if bar is not True else {}),
            }
        try:
            outcome = execute_notebook(
                nb.source,
                staging / nb.name / f"{nb.name}.ipynb",
                inject,
                label=notebook_label(nb.source),
                kernel=options["kernel"],
                cwd=nb.source.parent,
                cell_timeout=options["cell_timeout"],
                kernel_log=staging / "logs" / f"{nb.name}.kernel.log",
                progress_bar=bar,
            )
        finally:
            slots.give(slot)
        nb.started, nb.finished = outcome.started, outcome.finished
        nb.duration, nb.error = outcome.duration, outcome.error
        nb.status = "failed" if outcome.error else "succeeded"
        if outcome.error:
            logger.info("failed %s", outcome.error.one_line())
        else:
            logger.info("done %s in %.1f s", notebook_label(nb.source), outcome.duration)
        # here, not as futures complete: the next notebook's start must not come first
        if on_finish is not None:
            on_finish(nb)

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cxlab-run") as pool:
        for future in [pool.submit(one, nb) for nb in runs]:
            future.result()


def _inputs(runs: list[NotebookRun], params_file) -> list[tuple[Path, str]]:
    """(path, role) of every input to hash: notebooks, the params file, paths in parameters."""
    inputs = [(nb.source, "notebook") for nb in runs]
    if params_file is not None:
        inputs.append((Path(params_file), "params file"))
    for nb in runs:
        for name, value in nb.parameters.items():
            target = None if name == "out_dir" else _input_path(value, nb.source.parent)
            if target is not None:
                inputs.append((target, f"parameter {name} of {nb.name}"))
    return inputs


def run_notebooks(
    notebooks: Sequence[str | Path] | str | Path | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    params_file: str | Path | None = None,
    out: str | Path | None = None,
    jobs: int = 1,
    html: bool = True,
    hide_code: bool = False,
    cell_timeout: float | None = None,
    kernel: str = "cxlab",
    lock_timeout: float | None = None,
    on_start: Callable[[NotebookRun], None] | None = None,
    on_finish: Callable[[NotebookRun], None] | None = None,
    progress_bar: bool | Mapping[str, Any] = False,
    command: list[str] | None = None,
) -> RunResult:
    """Execute notebooks into a reproducible report folder.

    Parameters
    ----------
    notebooks : path, sequence of paths or None, default=None
        Notebooks to run (names are also looked up in ``notebooks/``); None
        runs every ``notebooks/*.ipynb`` in sorted order. With ``language`` in
        ``params`` (``"fa"``), each notebook of ``notebooks/`` that has an
        edition ``notebooks/<language>/`` runs from there (its narrative in
        that language).
    params : mapping, optional
        Parameter values, applied to each notebook that declares the name.
        Values from the command line come as :class:`~cxlab.report.parameters.CliValue`.
    params_file : path, optional
        YAML file of parameters; ``params`` override it.
    out : path, optional
        Report folder. Default ``reports/all`` for every notebook, else
        ``reports/<stem>`` (stems joined by ``+`` for several); ``-<language>``
        is added for a language other than English (``reports/all-fa``).
    jobs : int, default=1
        Notebooks run at the same time (each in its own kernel).
    html : bool, default=True
        Write an HTML page per notebook.
    hide_code : bool, default=False
        Leave code out of the HTML pages.
    cell_timeout : float or None, default=None
        Seconds a cell may run before the notebook fails.
    kernel : str, default="cxlab"
        Jupyter kernel.
    lock_timeout : float or None, default=None
        Seconds to wait for another run into the same folder; None waits as long as it takes.
    on_start : callable, optional
        Called with each :class:`NotebookRun` as its kernel is about to start (from
        the thread that runs it).
    on_finish : callable, optional
        Called with each :class:`NotebookRun` as it finishes (from the thread that
        ran it, before that thread starts another notebook).
    progress_bar : bool or mapping, default=False
        Draw a cell progress bar (tqdm, one row per running notebook); a mapping
        is passed on to tqdm (e.g. ``{"file": sys.stderr}``).
    command : list of str, optional
        The command line, recorded in the manifest.

    Returns
    -------
    RunResult
        ``status`` is ``"failed"`` when any notebook failed; nothing is raised for that.

    Raises
    ------
    ReportUsageError
        Bad notebooks, parameters, kernel or output folder (before anything runs).
    RunLockedError
        ``lock_timeout`` passed while another run held the folder.

    Example
    -------
    >>> from cxlab.report import run_notebooks
    >>> result = run_notebooks(None, params={"seed": 1}, out="reports/nightly")  # doctest: +SKIP
    >>> result.ok, result.index_html  # doctest: +SKIP
    (True, PosixPath('reports/nightly/index.html'))
    """
    started, t0 = datetime.now(UTC), time.perf_counter()
    if int(jobs) < 1:
        raise ReportUsageError(f"jobs={jobs}: must be at least 1")
    given: dict[str, Any] = {}
    if params_file is not None:
        given.update(load_params_file(params_file))
    given.update(params or {})
    language = run_language(given)
    sources = find_notebooks(notebooks, language)
    declared = {notebook_label(src): inspect_parameters(src) for src in sources}
    values = resolve_parameters(declared, given)
    _check_kernel(kernel)
    out = Path(out).expanduser().resolve() if out else default_out(notebooks, sources, language)
    folder = ReportFolder(out)
    folder.check()

    with folder.locked(lock_timeout) as lock_waited:
        staging = folder.prepare()
        runs = []
        for src in sources:
            label = notebook_label(src)
            given_values = {k: _absolute_if_local(v) for k, v in values[label].items()}
            (staging / src.stem).mkdir()
            parameters = _effective(declared[label], given_values, str(staging / src.stem))
            runs.append(NotebookRun(src.stem, src, parameters, sorted(given_values)))
        options = {"kernel": kernel, "cell_timeout": cell_timeout}
        _execute_all(
            runs, staging, int(jobs), {**options, "progress_bar": progress_bar}, on_start, on_finish
        )

        status = "succeeded" if all(nb.ok for nb in runs) else "failed"
        dest = out if status == "succeeded" else folder.failed_path()
        for nb in runs:
            _finalize(nb, staging, dest, html, hide_code)
        finished = datetime.now(UTC)
        manifest = build_manifest(
            status=status,
            started=started,
            finished=finished,
            duration=time.perf_counter() - t0,
            lock_waited=lock_waited,
            out=out,
            folder=dest,
            options={
                **options,
                "jobs": int(jobs),
                "html": html,
                "hide_code": hide_code,
                "params_file": None if params_file is None else str(Path(params_file).resolve()),
                "params": {k: str(v) if isinstance(v, CliValue) else v for k, v in given.items()},
            },
            notebooks=runs,
            inputs=hash_paths(_inputs(runs, params_file)),
            outputs=[
                {"path": rel, "sha256": sha256_file(staging / rel)}
                for nb in runs
                for rel in nb.files["tables"] + nb.files["figures"]
            ],
            project_dir=paths.PROJECT_DIR,
            command=command,
        )
        write_json(staging / "manifest.json", manifest)
        write_index(staging / "index.html", manifest)
        if status == "succeeded":
            folder.publish()
            logger.info("report written to %s", out)
        else:
            folder.keep_failed(dest)
            logger.info("run failed; its files are in %s; %s is unchanged", dest, out)
    return RunResult(
        status=status,
        out=out,
        folder=dest,
        notebooks=runs,
        started=started,
        finished=finished,
        duration=time.perf_counter() - t0,
        manifest=manifest,
    )
