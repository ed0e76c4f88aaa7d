"""Big simulated studies streamed to Parquet in chunks (simulate_to_parquet, cxlab simulate)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import cxlab
from cxlab.simulation import simulate_to_parquet


def _digests(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_and_chunk_size_give_the_same_files(tmp_path):
    a = simulate_to_parquet(tmp_path / "a", 700, random_state=4, chunk_customers=300)
    b = simulate_to_parquet(tmp_path / "b", 700, random_state=4, chunk_customers=300)
    assert _digests(a) == _digests(b)
    c = simulate_to_parquet(tmp_path / "c", 700, random_state=5, chunk_customers=300)
    assert _digests(a)["events/part-00000.parquet"] != _digests(c)["events/part-00000.parquet"]


def test_chunks_make_one_study_with_its_truth(tmp_path):
    folder = simulate_to_parquet(tmp_path / "s", 650, random_state=1, chunk_customers=300)
    events = pd.read_parquet(folder / "events")
    customers = pd.read_parquet(folder / "customers.parquet")
    assert sorted(customers["customer_id"]) == list(range(1, 651))
    assert set(events["customer_id"]) <= set(customers["customer_id"])
    study = cxlab.load(folder, engine="pandas")
    truth = study.truth
    assert truth.params["n_customers"] == 650 and truth.params["chunk_customers"] == 300
    assert truth.params["n_events"] == len(events) == len(study.events)
    assert list(truth.customers.index) == list(range(1, 651))
    assert truth.persona.index.equals(truth.customers.index)
    # the model's parameters are those of an in-memory draw of the same population
    small = cxlab.simulate(n_customers=50, random_state=0).truth
    pd.testing.assert_frame_equal(truth.transition_matrix, small.transition_matrix)
    pd.testing.assert_series_equal(truth.hazard_coefficients, small.hazard_coefficients)
    # the first chunk is simulate() with the chunk's own seed
    import numpy as np

    first = cxlab.simulate(
        n_customers=300,
        random_state=np.random.default_rng(np.random.SeedSequence(1, spawn_key=(0,))),
    )
    part = pd.read_parquet(folder / "events" / "part-00000.parquet")
    # stored in microseconds (Spark reads them as timestamps), the same instants
    assert str(part["timestamp"].dtype) == "datetime64[us]"
    part["timestamp"] = part["timestamp"].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(part, first.events)
    loaded = cxlab.load(folder, engine="pandas").events
    assert str(loaded["timestamp"].dtype) == "datetime64[ns]"


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(cxlab.exceptions.ParameterError, match="chunk_customers=0"):
        simulate_to_parquet(tmp_path, 10, chunk_customers=0)
    with pytest.raises(cxlab.exceptions.ParameterError, match="random_state"):
        simulate_to_parquet(tmp_path, 10, seed=1)


def test_cli_streams_parquet_in_chunks(tmp_path):
    from cxlab.cli import main

    out = tmp_path / "big"
    assert main(["simulate", "--customers", "500", "--chunk", "200", "--out", str(out)]) == 0
    assert len(list((out / "events").glob("part-*.parquet"))) == 3
    study = cxlab.load(out, engine="duckdb")
    assert isinstance(study, cxlab.LazyStudy) and len(study.customers) == 500


def test_a_purchase_after_the_window_end_does_not_break_the_draw():
    # slow buyers purchase after the window closes; their tenure is 0, not negative
    from dataclasses import replace

    from cxlab.simulation import default_personas

    slow = [replace(p, dwell_days=dict.fromkeys(p.dwell_days, 300.0)) for p in default_personas()]
    data = cxlab.simulate(n_customers=400, random_state=0, personas=slow)
    assert data.truth.params["events_after_window_dropped"] > 0
    assert (data.truth.customers["tenure_days"].dropna() >= 0).all()
