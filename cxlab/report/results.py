"""What a report run returns: :class:`RunResult` with one :class:`NotebookRun` per notebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cxlab.report.errors import NotebookExecutionError

__all__ = ["NotebookRun", "RunResult"]


@dataclass
class NotebookRun:
    """One notebook of a run.

    Attributes
    ----------
    name : str
        The notebook's stem; also its folder in the report.
    source : Path
        The notebook that was run.
    parameters : dict
        Every parameter the notebook ran with (its defaults, overridden by the
        run's values, and ``out_dir``).
    given : list of str
        The names the run set (the rest are the notebook's defaults).
    status : str
        ``"pending"``, ``"succeeded"`` or ``"failed"``.
    started, finished : datetime or None
        UTC.
    duration : float or None
        Seconds.
    error : NotebookExecutionError or None
        Why it failed.
    files : dict
        Paths relative to the report folder: ``notebook``, ``html`` (or None),
        ``tables`` and ``figures`` (lists), ``kernel_log``.
    """

    name: str
    source: Path
    parameters: dict[str, Any]
    given: list[str]
    status: str = "pending"
    started: datetime | None = None
    finished: datetime | None = None
    duration: float | None = None
    error: NotebookExecutionError | None = None
    files: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


@dataclass
class RunResult:
    """The outcome of :func:`cxlab.report.run_notebooks`.

    Attributes
    ----------
    status : str
        ``"succeeded"`` when every notebook did, else ``"failed"``.
    out : Path
        The folder asked for (``--out``); on success it now holds this run.
    folder : Path
        Where this run's files are: ``out`` on success, the kept
        ``<out>.failed-<time>`` folder on failure.
    notebooks : list of NotebookRun
    started, finished : datetime
        UTC.
    duration : float
        Seconds, including waiting for the lock.
    manifest : dict
        The content of ``manifest.json``.
    """

    status: str
    out: Path
    folder: Path
    notebooks: list[NotebookRun]
    started: datetime
    finished: datetime
    duration: float
    manifest: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def failures(self) -> list[NotebookRun]:
        return [nb for nb in self.notebooks if nb.status == "failed"]

    @property
    def index_html(self) -> Path:
        return self.folder / "index.html"

    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    def raise_for_status(self) -> None:
        """Raise the first notebook's :class:`NotebookExecutionError` if the run failed."""
        for nb in self.failures:
            raise nb.error

    def __repr__(self) -> str:
        done = sum(nb.ok for nb in self.notebooks)
        return (
            f"RunResult(status={self.status!r}, notebooks={done}/{len(self.notebooks)} ok, "
            f"folder={str(self.folder)!r}, duration={self.duration:.1f}s)"
        )
