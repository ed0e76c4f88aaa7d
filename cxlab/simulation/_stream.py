"""Big simulated studies written to Parquet in chunks of customers, in bounded memory.

:func:`simulate_to_parquet` draws the study ``chunk_customers`` customers at a time (each
chunk is :func:`~cxlab.simulation.simulate` with its own child seed of ``random_state``, ids
shifted to follow the previous chunk) and appends each chunk to the files before drawing
the next, so memory stays that of one chunk whatever the size. The folder is a study
``cxlab.load(folder, engine="duckdb")`` opens: ``events/part-00000.parquet, ...``,
``customers.parquet``, ``feedback.parquet``, ``catalog.json`` and ``truth/``.

The same seed and chunk size give the same files, bit for bit. A different chunk size
gives another draw from the same model (the chunks' random streams differ), so the
chunk size is recorded in the truth's ``params``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.exceptions import ParameterError

__all__ = ["simulate_to_parquet", "DEFAULT_CHUNK_CUSTOMERS"]

log = logging.getLogger(__name__)

#: Customers drawn at a time: about 2.9 million events, well under 1 GB at its peak.
DEFAULT_CHUNK_CUSTOMERS = 250_000

# per-customer (or per-answer) parts of the truth, appended chunk by chunk
_TRUTH_ROWS = ("persona", "customers", "comment_theme")
# params that add up over chunks
_TRUTH_SUMS = ("journeys_cut_after_max_steps", "events_after_window_dropped")


class _Appender:
    """One Parquet file written a chunk at a time with the first chunk's schema."""

    def __init__(self, path: Path, index: bool = False):
        self.path, self.index, self.writer, self.schema = path, index, None, None

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=self.index)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, self.schema)
        else:
            table = table.cast(self.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _shift_ids(data, offset: int, answers_before: int):
    """Customer ids (and the comment themes' feedback rows) moved past the earlier chunks."""
    for frame in (data.events, data.customers, data.feedback):
        frame["customer_id"] += offset
    truth = data.truth
    truth.persona.index = truth.persona.index + offset
    truth.customers.index = truth.customers.index + offset
    truth.comment_theme.index = truth.comment_theme.index + answers_before
    data.feedback.index = data.feedback.index + answers_before


def simulate_to_parquet(
    out,
    n_customers: int,
    *,
    random_state: int = 0,
    chunk_customers: int = DEFAULT_CHUNK_CUSTOMERS,
    progress: bool = False,
    **simulate_kw,
) -> Path:
    """Simulate a study chunk by chunk straight to Parquet (bounded memory, any size).

    Parameters
    ----------
    out : str or Path
        Output folder (created).
    n_customers : int
        Customers in all (about 11.5 events each with the default personas).
    random_state : int, default=0
        The study's seed; chunk ``k`` draws from
        ``SeedSequence(random_state, spawn_key=(k,))``. The same seed and
        ``chunk_customers`` give the same files, bit for bit.
    chunk_customers : int, default=250000
        Customers drawn and written at a time; peak memory grows with it.
    progress : bool, default=False
        Show a progress bar over the chunks (tqdm).
    **simulate_kw
        Passed to :func:`~cxlab.simulation.simulate` (``personas``, ``start``, ``end``,
        effects and response rates).

    Returns
    -------
    Path
        The folder.

    Examples
    --------
    >>> import tempfile, cxlab
    >>> from cxlab.simulation import simulate_to_parquet
    >>> folder = simulate_to_parquet(tempfile.mkdtemp(), 600, random_state=1, chunk_customers=250)
    >>> study = cxlab.load(folder, engine="duckdb")
    >>> len(study.customers)
    600
    """
    from tqdm.auto import tqdm

    from cxlab.simulation._simulate import simulate

    n, size = int(n_customers), int(chunk_customers)
    if n < 1 or size < 1:
        raise ParameterError(
            f"n_customers={n_customers} and chunk_customers={chunk_customers} must be >= 1."
        )
    if "seed" in simulate_kw:
        raise ParameterError("give the seed as random_state= (an int), not seed=.")
    folder = Path(out)
    (folder / "events").mkdir(parents=True, exist_ok=True)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    writers = {name: _Appender(folder / f"{name}.parquet") for name in ("customers", "feedback")}
    truth_writers = {
        name: _Appender(folder / "truth" / f"{name}.parquet", index=True) for name in _TRUTH_ROWS
    }
    sums = dict.fromkeys(_TRUTH_SUMS, 0)
    n_events = answers = 0
    model_truth = None
    chunks = range(0, n, size)
    try:
        for k, first in enumerate(
            tqdm(chunks, desc="simulate", unit="chunk", disable=not progress)
        ):
            rng = np.random.default_rng(np.random.SeedSequence(random_state, spawn_key=(k,)))
            data = simulate(n_customers=min(size, n - first), random_state=rng, **simulate_kw)
            _shift_ids(data, first, answers)
            # microseconds (the times are whole seconds): Spark and warehouses read them
            # as timestamps, which they do not for Parquet's nanoseconds
            data.events.to_parquet(
                folder / "events" / f"part-{k:05d}.parquet",
                index=False,
                coerce_timestamps="us",
                allow_truncated_timestamps=False,
            )
            writers["customers"].write(data.customers)
            writers["feedback"].write(data.feedback.reset_index(drop=True))
            for name in _TRUTH_ROWS:
                part = getattr(data.truth, name)
                truth_writers[name].write(part.to_frame() if isinstance(part, pd.Series) else part)
            for key in _TRUTH_SUMS:
                sums[key] += int(data.truth.params[key])
            n_events += len(data.events)
            answers += len(data.feedback)
            if model_truth is None:
                model_truth = data.truth
                (folder / "catalog.json").write_text(
                    json.dumps(data.catalog.to_dict(), indent=1) + "\n", encoding="utf-8"
                )
            del data
    finally:
        for writer in (*writers.values(), *truth_writers.values()):
            writer.close()
    params = {
        **model_truth.params,
        **sums,
        "n_customers": n,
        "seed": str(random_state),
        "chunk_customers": size,
        "n_events": n_events,
    }
    _save_model_truth(model_truth, folder / "truth", params)
    log.info("simulated %d customers, %d events to %s", n, n_events, folder)
    return folder


def _save_model_truth(truth, folder: Path, params: dict) -> None:
    """The model's parameters beside the streamed per-customer parts (``truth.json`` too)."""
    import shutil
    from dataclasses import replace

    model = replace(
        truth,
        params=params,
        **{name: getattr(truth, name).iloc[:0] for name in _TRUTH_ROWS},
    )
    staging = folder / ".model"
    model.save(staging)
    for file in staging.iterdir():
        if file.stem not in _TRUTH_ROWS:
            file.replace(folder / file.name)
    shutil.rmtree(staging)
