"""``manifest.json``: everything needed to reproduce a report run.

Records the parameters of each notebook, the SHA-256 of every input (the
notebooks, the parameters file, and every file under a parameter whose value is
an existing path, such as ``data_path``), package versions, the Python version
and platform, the git commit and whether the work tree had uncommitted changes,
and the status, start, end and duration of each notebook. The field list is in
docs/report-runs.md.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "MANIFEST_VERSION",
    "PACKAGES",
    "sha256_file",
    "hash_paths",
    "package_versions",
    "environment",
    "git_state",
    "write_json",
]

MANIFEST_VERSION = 1

#: Distributions whose versions every manifest records (None when not installed).
PACKAGES = (
    "cxlab",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "lifelines",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "duckdb",
    "threadpoolctl",
    "papermill",
    "nbformat",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "jupyter_client",
    "PyYAML",
)

#: A parameter naming a folder with more files than this is recorded, not hashed.
MAX_FILES_PER_PATH = 20_000


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _files_under(path: Path) -> list[Path] | None:
    if path.is_file():
        return [path]
    files = []
    for p in path.rglob("*"):
        if p.is_file():
            files.append(p)
            if len(files) > MAX_FILES_PER_PATH:
                return None
    return sorted(files)


def hash_paths(entries: Iterable[tuple[Path, str]]) -> list[dict[str, Any]]:
    """Hash every file named by ``(path, role)`` pairs, recursing into folders.

    Returns one record per file, ``{"path", "role", "bytes", "sha256"}``, each
    file once (with the first role that named it), in the order given; a folder
    with more than :data:`MAX_FILES_PER_PATH` files gets one record with
    ``"skipped"`` instead of hashes.
    """
    records: dict[Path, dict[str, Any]] = {}
    for path, role in entries:
        path = Path(path).resolve()
        files = _files_under(path)
        if files is None:
            records.setdefault(
                path,
                {
                    "path": str(path),
                    "role": role,
                    "skipped": f"more than {MAX_FILES_PER_PATH} files; not hashed",
                },
            )
            continue
        for f in files:
            if f not in records:
                records[f] = {
                    "path": str(f),
                    "role": role,
                    "bytes": f.stat().st_size,
                    "sha256": sha256_file(f),
                }
    return list(records.values())


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution, None when absent."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment(kernel: str | None = None) -> dict[str, Any]:
    """Python, platform, package versions and (when given) the kernel's command."""
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": package_versions(),
    }
    if kernel is not None:
        try:
            from jupyter_client.kernelspec import KernelSpecManager

            spec = KernelSpecManager().get_kernel_spec(kernel)
            env["kernel"] = {"name": kernel, "argv": list(spec.argv), "language": spec.language}
        except Exception:  # recorded as unknown; the kernel was checked before the run
            env["kernel"] = {"name": kernel, "argv": None, "language": None}
    return env


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(folder: str | Path) -> dict[str, Any]:
    """``{"commit", "dirty", "available"}`` of the git work tree holding ``folder``.

    ``dirty`` is True when tracked files differ from the commit (untracked files
    do not count). Without git, outside a repository or before the first
    commit, ``commit`` and ``dirty`` are None and ``available`` is False.
    """
    commit = _git(Path(folder), "rev-parse", "HEAD")
    if not commit:
        return {"commit": None, "dirty": None, "available": False}
    status = _git(Path(folder), "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status), "available": True}


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON with a final newline."""
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def _iso(ts) -> str | None:
    return None if ts is None else ts.isoformat(timespec="milliseconds")


def notebook_record(nb) -> dict[str, Any]:
    """The manifest entry of one :class:`~cxlab.report.results.NotebookRun`."""
    error = None
    if nb.error is not None:
        error = {**nb.error.to_dict(), "message": nb.error.one_line()}
    return {
        "name": nb.name,
        "source": str(nb.source),
        "status": nb.status,
        "started": _iso(nb.started),
        "finished": _iso(nb.finished),
        "duration_seconds": None if nb.duration is None else round(nb.duration, 3),
        "parameters": nb.parameters,
        "given": nb.given,
        "error": error,
        "files": nb.files,
    }


def build_manifest(
    *,
    status: str,
    started,
    finished,
    duration: float,
    lock_waited: float,
    out: Path,
    folder: Path,
    options: dict[str, Any],
    notebooks: list,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    project_dir: Path,
    command: list[str] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest of a run (see docs/report-runs.md for the fields)."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "status": status,
        "started": _iso(started),
        "finished": _iso(finished),
        "duration_seconds": round(duration, 3),
        "lock_waited_seconds": round(lock_waited, 3),
        "out": str(out),
        "folder": str(folder),
        "command": command,
        "options": options,
        "notebooks": [notebook_record(nb) for nb in notebooks],
        "inputs": inputs,
        "outputs": outputs,
        "environment": environment(options.get("kernel")),
        "git": git_state(project_dir),
    }
