"""Reproducible report runs: papermill execution, manifests, HTML, the ``cxlab run`` command.

>>> from cxlab.report import run_notebooks
>>> result = run_notebooks(None, params={"seed": 1}, out="reports/nightly")  # doctest: +SKIP

Names load lazily so ``import cxlab.report`` stays cheap. See docs/report-runs.md.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "run_notebooks": "cxlab.report.run",
    "find_notebooks": "cxlab.report.run",
    "RunResult": "cxlab.report.results",
    "NotebookRun": "cxlab.report.results",
    "inspect_parameters": "cxlab.report.parameters",
    "NotebookParameter": "cxlab.report.parameters",
    "CliValue": "cxlab.report.parameters",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxlab.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
