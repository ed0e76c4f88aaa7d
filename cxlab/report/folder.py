"""The report folder's life cycle: check it, lock it, stage a run next to it, publish or keep.

For an output folder ``<out>`` a run uses three siblings:

- ``<out>.lock``: a file lock (OS-level, so a killed run releases it); a second
  run into the same folder waits for it;
- ``<out>.tmp``: the staging folder the run writes into;
- ``<out>.old``: the previous report, for the moment between the two renames of
  :meth:`ReportFolder.publish`.

A failed run's staging folder becomes ``<out>.failed-<UTC time>``; ``<out>``
itself is only ever replaced by a complete, successful run.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from cxlab import _paths as paths
from cxlab.report.errors import OutputFolderError, RunLockedError

__all__ = ["ReportFolder"]

logger = logging.getLogger(__name__)


class ReportFolder:
    """One output folder of report runs.

    Parameters
    ----------
    out : Path
        The report folder (``--out``).
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.staging = self._sibling(".tmp")
        self.lock_file = self._sibling(".lock")

    def _sibling(self, suffix: str) -> Path:
        return self.out.with_name(self.out.name + suffix)

    def check(self) -> None:
        """Refuse a folder a run must not replace (raises OutputFolderError)."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise OutputFolderError(f"--out {out} is a file, not a folder")
        if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise OutputFolderError(
                f"--out {out} holds files but no manifest.json, so it is not a cxlab report; "
                "a run replaces its output folder as a whole, so choose an empty or new folder"
            )
        if out.resolve() in {paths.PROJECT_DIR, paths.NOTEBOOKS_DIR, paths.DATA_DIR}:
            raise OutputFolderError(f"--out {out} is a project folder; choose one under reports/")

    @contextmanager
    def locked(self, timeout: float | None = None) -> Iterator[float]:
        """Hold ``<out>.lock``; yields the seconds spent waiting for it.

        Waits as long as it takes when ``timeout`` is None; raises RunLockedError
        when ``timeout`` seconds pass first.
        """
        self.out.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_file))
        t0 = time.perf_counter()
        try:
            lock.acquire(timeout=0)
        except Timeout:
            logger.warning("another cxlab run is writing %s; waiting for it to finish", self.out)
            try:
                lock.acquire(timeout=-1 if timeout is None else timeout)
            except Timeout:
                raise RunLockedError(
                    f"another cxlab run held {self.out} (lock {self.lock_file}) for more than "
                    f"{timeout:g} s; try again later or choose another --out"
                ) from None
        try:
            yield time.perf_counter() - t0
        finally:
            lock.release()

    def prepare(self) -> Path:
        """Clean up after a killed run and make an empty staging folder (under the lock)."""
        old = self._sibling(".old")
        if old.exists() and not self.out.exists():
            logger.warning("restoring %s from %s (a run was interrupted mid-swap)", self.out, old)
            os.rename(old, self.out)
        for leftover in (old, self.staging):
            if leftover.exists():
                shutil.rmtree(leftover)
        self.staging.mkdir()
        return self.staging

    def failed_path(self) -> Path:
        """A new ``<out>.failed-<UTC time>`` name for a failed run's files."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        candidate, n = self._sibling(f".failed-{stamp}"), 1
        while candidate.exists():
            candidate, n = self._sibling(f".failed-{stamp}-{n}"), n + 1
        return candidate

    def publish(self) -> Path:
        """Swap the staging folder in for ``<out>``; the old report goes only once the new is in."""
        old = self._sibling(".old")
        if self.out.exists():
            os.rename(self.out, old)
        os.rename(self.staging, self.out)
        if old.exists():
            shutil.rmtree(old)
        return self.out

    def keep_failed(self, dest: Path) -> Path:
        """Move the staging folder to ``dest`` (from :meth:`failed_path`), leaving ``<out>`` alone."""
        os.rename(self.staging, dest)
        return dest
