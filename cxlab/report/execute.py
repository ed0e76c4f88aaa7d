"""Execute one notebook with papermill and describe how it went.

:func:`execute_notebook` never raises for a failure inside the notebook: a cell
that raises, a kernel that dies and a cell over the time limit all come back as
a :class:`~cxlab.report.errors.NotebookExecutionError` in the result, and the
executed notebook (with the failing cell and its traceback) is kept on disk.

:func:`strip_volatile` removes what differs between two runs of the same
notebook on the same inputs (timestamps and durations papermill and nbclient
write into metadata), so executed notebooks of reproducible runs compare equal.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager

from cxlab.report.errors import NotebookExecutionError

__all__ = ["ExecutionOutcome", "execute_notebook", "strip_volatile", "INJECTED_TAG", "KERNEL_ENV"]

logger = logging.getLogger(__name__)

INJECTED_TAG = "injected-parameters"
_ERROR_MARKER_TAG = "papermill-error-cell-tag"


@dataclass
class ExecutionOutcome:
    """What happened to one notebook: times (UTC) and the error, if any."""

    started: datetime
    finished: datetime
    duration: float
    error: NotebookExecutionError | None = None


class _KnownNoise(logging.Filter):
    """Drop papermill warnings made moot by cxlab's own parameter check.

    papermill re-inspects the parameters cell and warns about lines it cannot
    parse (a second ``=`` in a comment) and names it therefore thinks unknown;
    :mod:`cxlab.report.parameters` has already checked every name. A dead kernel
    and a cell timeout are logged by nbclient and then reported by cxlab in one line.
    """

    _PREFIXES = (
        "Unable to parse line",
        "Passed unknown parameter",
        "Kernel died while waiting",
        "Timeout waiting for execute reply",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self._PREFIXES)


def _quiet_papermill() -> None:
    for name in ("papermill", "papermill.translators"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _KnownNoise) for f in log.filters):
            log.addFilter(_KnownNoise())


#: Environment every report kernel gets, whatever the caller's environment says.
#: ``MPLBACKEND=Agg`` (set for scripts, CI, cron) would otherwise reach the kernel,
#: and an Agg kernel shows no figure at all; the inline backend puts each figure
#: into the cell's outputs as a PNG.
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}


def _kernel_manager_class(log_path: Path | None) -> type[AsyncKernelManager]:
    """A kernel manager that starts the kernel with :data:`KERNEL_ENV` and, when
    ``log_path`` is given, sends the kernel process's own stdout/stderr there.

    What a cell prints is captured in the notebook either way; this is the
    process's direct output (start-up warnings, crashes in C libraries), kept out
    of the terminal and of cron mail.
    """

    class _ReportKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["env"] = {**(kw.get("env") or os.environ), **KERNEL_ENV}
            if log_path is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(log_path, "ab") as sink:
                kw["stdout"] = sink
                kw["stderr"] = sink
                # the child keeps its own copy of the descriptor
                return await super()._async_launch_kernel(kernel_cmd, **kw)

    return _ReportKernelManager


def _is_failure_output(output: Mapping) -> bool:
    if output.get("output_type") != "error":
        return False
    return not (output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"))


def _locate_failure(nb) -> tuple[int | None, int | None, Mapping | None]:
    """(index in the notebook as written, execution count, error output) of the failing cell.

    The failing cell is the first with an error output, or else the last cell
    papermill started (a dead kernel leaves no error output). Cells papermill
    added (injected parameters, error markers) are not counted in the index.
    """
    written_index = -1
    started: tuple[int, int | None] | None = None
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags or _ERROR_MARKER_TAG in tags:
            continue
        written_index += 1
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if _is_failure_output(output):
                return written_index, cell.get("execution_count"), output
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            started = (written_index, cell.get("execution_count"))
    if started is None:
        return None, None, None
    return started[0], started[1], None


def _failure(
    label: str, output_path: Path, exc: BaseException, cell_timeout
) -> NotebookExecutionError:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    try:
        nb = nbformat.read(output_path, as_version=4)
        index, count, output = _locate_failure(nb)
    except (OSError, ValueError):  # the kernel never started: nothing was written
        index, count, output = None, None, None
    if isinstance(exc, DeadKernelError):
        ename, evalue = (
            "DeadKernelError",
            "the kernel died while running this cell (os._exit, a crash in compiled code, "
            "or out of memory)",
        )
    elif isinstance(exc, CellTimeoutError):
        ename, evalue = (
            "CellTimeoutError",
            f"cell ran longer than --cell-timeout {cell_timeout:g} s",
        )
    elif output is not None:
        ename, evalue = output.get("ename", ""), output.get("evalue", "")
    else:
        ename = getattr(exc, "ename", None) or type(exc).__name__
        evalue = getattr(exc, "evalue", None)
        evalue = str(exc).strip() if evalue is None else evalue
    return NotebookExecutionError(label, ename, evalue, cell_index=index, execution_count=count)


def execute_notebook(
    source: Path,
    output_path: Path,
    parameters: Mapping[str, Any],
    *,
    label: str,
    kernel: str,
    cwd: Path,
    cell_timeout: float | None = None,
    kernel_log: Path | None = None,
    start_timeout: float = 60,
    progress_bar: bool | Mapping[str, Any] = False,
) -> ExecutionOutcome:
    """Run ``source`` into ``output_path`` with papermill.

    Parameters
    ----------
    source, output_path : Path
        The notebook to run and where the executed copy goes (saved after every
        cell, so a failed run keeps the cells up to the failure).
    parameters : mapping
        Values papermill injects after the ``parameters`` cell.
    label : str
        How the notebook is named in messages.
    kernel : str
        Jupyter kernel name.
    cwd : Path
        Working directory of the kernel.
    cell_timeout : float or None
        Seconds one cell may run; None for no limit.
    kernel_log : Path or None
        Where the kernel process's own output goes (None: inherited).
    progress_bar : bool or mapping
        papermill's cell progress bar (tqdm); a mapping is passed to tqdm
        (``desc``, ``position``, ``file``, ``leave``).

    Returns
    -------
    ExecutionOutcome
    """
    import papermill

    _quiet_papermill()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(
            str(source),
            str(output_path),
            parameters=dict(parameters),
            kernel_name=kernel,
            progress_bar=dict(progress_bar) if isinstance(progress_bar, Mapping) else progress_bar,
            log_output=False,
            start_timeout=start_timeout,
            execution_timeout=cell_timeout,
            # the kernel's working directory, without papermill's process-wide chdir,
            # so notebooks can run in threads side by side
            resources={"metadata": {"path": str(cwd)}},
            kernel_manager_class=_kernel_manager_class(kernel_log),
        )
    except Exception as exc:  # every failure of the notebook is reported, none raised
        error = _failure(label, output_path, exc, cell_timeout)
        logger.debug("notebook %s failed", label, exc_info=True)
    duration = time.perf_counter() - t0
    return ExecutionOutcome(started, datetime.now(UTC), duration, error)


#: Where ipykernel compiles each cell: ``<tmp>/ipykernel_<pid>/<hash>.py`` (warnings
#: raised in a cell name it). The pid changes from run to run.
_KERNEL_CELL_FILE = re.compile(r"(?:[A-Za-z]:)?[\\/][^\s'\"<>]*?ipykernel_\d+[\\/]\d+\.py")


def strip_volatile(nb, *, replace: Mapping[str, str] | None = None):
    """Remove run-to-run noise from an executed notebook, in place; return it.

    Drops papermill's and nbclient's timing metadata (per cell and per
    notebook) and the paths papermill records, keeping the parameters; gives
    the cells papermill adds (injected parameters, error markers) fixed ids
    instead of random ones; and shows the kernel's temporary cell files
    (``/tmp/ipykernel_<pid>/<hash>.py`` in warnings) as ``<cell>``. With
    ``replace``, each key found in the injected-parameters cell, in the
    recorded parameters and in text outputs is replaced by its value, in order
    (used to show the report folder's final path instead of the staging folder
    the notebook ran in, and paths relative to the project).
    """
    replace = dict(replace or {})

    def _sub(text):
        if isinstance(text, str):
            for old, new in replace.items():
                text = text.replace(old, new)
            text = _KERNEL_CELL_FILE.sub("<cell>", text)
        elif isinstance(text, list):
            text = [_sub(t) for t in text]
        return text

    meta = nb.metadata.get("papermill")
    if meta is not None:
        params = {k: _sub(v) for k, v in meta.get("parameters", {}).items()}
        nb.metadata["papermill"] = {"parameters": params, "version": meta.get("version")}
    nb.metadata.pop("widgets", None)
    n_markers = 0
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags", [])
        if INJECTED_TAG in tags:
            cell.source = _sub(cell.source)
            if "id" in cell:
                cell.id = INJECTED_TAG
        elif _ERROR_MARKER_TAG in tags and "id" in cell:
            n_markers += 1
            cell.id = f"papermill-error-{n_markers}"
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _sub(output["text"])
            if "traceback" in output:
                output["traceback"] = _sub(output["traceback"])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    output["data"][mime] = _sub(value)
    return nb
