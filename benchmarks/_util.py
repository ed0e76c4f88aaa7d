"""Helpers shared by the benchmark scripts: timing and peak memory in a child process."""

from __future__ import annotations

import multiprocessing as mp
import resource
import time


def _child(fn, args, queue):
    start = time.perf_counter()
    fn(*args)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, peak_kb / 1024))


def measure(fn, *args) -> tuple[float, float]:
    """Run ``fn(*args)`` in a fresh process; return (seconds, peak resident MB of that process).

    The peak includes the interpreter and imports (about 100-150 MB with pandas).
    """
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def timed(fn, *args, repeat: int = 1):
    """Best-of-``repeat`` wall time of ``fn(*args)`` in this process, and its last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out
