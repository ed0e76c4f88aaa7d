"""Errors raised by report runs (``cxlab run`` and :func:`cxlab.report.run_notebooks`).

Two families, matching the exit codes of ``cxlab run``:

- usage errors (exit status 2), found before any kernel starts: a notebook that
  does not exist, an unknown or ill-typed parameter, a missing kernel, an output
  folder that is not a report. They subclass :class:`ReportUsageError`; the
  parameter ones also subclass :class:`cxlab.exceptions.ParameterError`.
- run errors (exit status 1): a notebook that failed (:class:`NotebookExecutionError`)
  or a lock that could not be had in time (:class:`RunLockedError`).
"""

from __future__ import annotations

from cxlab.exceptions import CxlabError, ParameterError

__all__ = [
    "ReportError",
    "ReportUsageError",
    "NotebookNotFoundError",
    "KernelNotFoundError",
    "OutputFolderError",
    "NotebookParameterError",
    "UnknownParameterError",
    "ParameterTypeError",
    "NotebookExecutionError",
    "RunLockedError",
]


class ReportError(CxlabError):
    """Base class of every error a report run raises."""


class ReportUsageError(ReportError):
    """The run was asked for wrongly; nothing was executed (``cxlab run`` exits 2)."""


class NotebookNotFoundError(ReportUsageError, FileNotFoundError):
    """A notebook named on the command line does not exist."""


class KernelNotFoundError(ReportUsageError):
    """The Jupyter kernel to run notebooks with is not installed."""


class OutputFolderError(ReportUsageError):
    """The output folder cannot be used (e.g. it holds files that are not a report)."""


class NotebookParameterError(ReportUsageError, ParameterError):
    """A notebook parameter is wrong; the message lists the notebook's parameters."""


class UnknownParameterError(NotebookParameterError):
    """A parameter name that no notebook of the run declares (often a typo)."""


class ParameterTypeError(NotebookParameterError, TypeError):
    """A parameter value whose type does not fit the notebook's default."""


class NotebookExecutionError(ReportError):
    """A notebook failed while it ran.

    Parameters
    ----------
    notebook : str
        The notebook as named in the run (its source path).
    ename, evalue : str
        Exception name and value, e.g. ``"ZeroDivisionError"``, ``"division by zero"``.
        A kernel that died gives ``DeadKernelError``; a cell over ``--cell-timeout``
        gives ``CellTimeoutError``.
    cell_index : int or None
        0-based index of the failing cell in the notebook as written
        (``nbformat.read(path).cells[cell_index]``); None when no cell ran.
    execution_count : int or None
        The ``In [n]`` number of the failing cell in the executed notebook.
    """

    def __init__(
        self,
        notebook: str,
        ename: str,
        evalue: str,
        *,
        cell_index: int | None = None,
        execution_count: int | None = None,
    ):
        self.notebook = notebook
        self.ename = ename
        self.evalue = evalue
        self.cell_index = cell_index
        self.execution_count = execution_count
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``notebook: cell N (In [k]): Name: value`` on one line."""
        where = "before any cell ran"
        if self.cell_index is not None:
            where = f"cell {self.cell_index}"
            if self.execution_count is not None:
                where += f" (In [{self.execution_count}])"
        value = " ".join(str(self.evalue).split())
        if len(value) > 300:
            value = value[:297] + "..."
        error = f"{self.ename}: {value}" if value else self.ename
        return f"{self.notebook}: {where}: {error}"

    def to_dict(self) -> dict:
        return {
            "cell_index": self.cell_index,
            "execution_count": self.execution_count,
            "ename": self.ename,
            "evalue": self.evalue,
        }


class RunLockedError(ReportError):
    """Another run held the output folder's lock for longer than ``lock_timeout``."""
