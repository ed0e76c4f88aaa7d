"""Customer buckets: per-customer reductions run on a share of the customers at a time.

The chain over buckets must equal the chain in one pass (every count, the same warnings);
the buckets must split the customers exactly; the number of buckets follows DuckDB's
memory limit.
"""

from __future__ import annotations

import math
import warnings

import narwhals as nw
import pandas as pd
import pytest

import cxlab
from cxlab.engines import _validation, duckdb_connection
from cxlab.engines._buckets import BYTES_PER_EVENT, bucket_count, customer_buckets
from cxlab.journeys import _funnel, _waits
from cxlab.markov import _attribution_engine, _engine_counts
from cxlab.sequences import _engine as _sequences_engine

from . import test_parity
from .test_parity import (
    ATTRIBUTIONS,
    CHAINS,
    FUNNELS,
    WAITS,
    _assert_same,
    _assert_same_chain,
    _assert_same_funnels,
    _study,
)

STUDIES = ["demo", "simulated"]


@pytest.fixture(scope="module")
def studies():
    return {
        "demo": cxlab.load("data/demo", engine="pandas"),
        "simulated": cxlab.simulate(n_customers=1_500, random_state=11),
    }


@pytest.mark.parametrize("chain", list(CHAINS))
@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_chain_in_buckets_equals_one_pass(
    engine, name, chain, studies, tmp_path_factory, request, monkeypatch
):
    study = _study(engine, name, studies, tmp_path_factory, request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.MarkovChain(**CHAINS[chain]).fit(studies[name])
        monkeypatch.setattr(_engine_counts, "bucket_count", lambda frame: 3)
        got = cxlab.MarkovChain(**CHAINS[chain]).fit(study)
    _assert_same_chain(expected, got)


@pytest.mark.parametrize("setting", ["channels", "order-2", "stage-channel"])
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_attribution_and_paths_in_buckets_equal_memory(
    engine, setting, studies, tmp_path_factory, request, monkeypatch
):
    study = _study(engine, "demo", studies, tmp_path_factory, request)
    state = ["stage", "channel"] if setting == "stage-channel" else "channel"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.channel_attribution(studies["demo"], **ATTRIBUTIONS[setting])
        paths = cxlab.conversion_paths(studies["demo"], state=state)
        monkeypatch.setattr(_engine_counts, "bucket_count", lambda frame: 3)
        monkeypatch.setattr(_attribution_engine, "bucket_count", lambda frame: 3)
        got = cxlab.channel_attribution(study, **ATTRIBUTIONS[setting])
        got_paths = cxlab.conversion_paths(study, state=state)
    _assert_same(expected.table, got.table)
    _assert_same(expected.removal_effects, got.removal_effects)
    assert got.total_value == pytest.approx(expected.total_value, rel=1e-9, abs=0)
    _assert_same(paths, got_paths)  # the same paths, in the same order


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_journeys_in_buckets_equal_memory(
    engine, name, studies, tmp_path_factory, request, monkeypatch
):
    """Variants, paths, Sankey, drop-offs, designed vs lived and journey sequences."""
    monkeypatch.setattr(_sequences_engine, "bucket_count", lambda frame: 3)
    test_parity.test_paths_same_on_every_engine(engine, name, studies, tmp_path_factory, request)


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_waits_in_buckets_equal_the_memory_waits(
    engine, name, studies, tmp_path_factory, request, monkeypatch
):
    study = _study(engine, name, studies, tmp_path_factory, request)
    data = studies[name]
    monkeypatch.setattr(_waits, "bucket_count", lambda frame: 3)
    for options in WAITS:
        if options.get("by") == "truth":
            options = {**options, "by": data.truth.persona}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cxlab.time_between_stages(data, **options)
        got = cxlab.time_between_stages(study, **options)
        _assert_same(expected.table, got.table)
        assert got.notes == expected.notes


def events_before_first_purchase(data, n: int, stage: str, before: str):
    """``data``'s events with one ``stage`` event ``before`` the first purchase of ``n``
    buyers, in memory and as a lazy DuckDB study (not validated)."""
    import duckdb

    events = data.events.copy()
    first = events[events["stage"] == "purchase"].groupby("customer_id")["timestamp"].min()
    chosen = first.index[:n]
    extra = pd.DataFrame(
        {
            "customer_id": chosen,
            "timestamp": first.loc[chosen].to_numpy() - pd.Timedelta(before),
            "stage": stage,
            "channel": "app",
            "revenue": 0.0,
        }
    ).reindex(columns=events.columns)
    if "touchpoint" in extra:
        extra["touchpoint"] = events["touchpoint"].iloc[0]
    events = cxlab.load_events(pd.concat([events, extra], ignore_index=True))
    lazy = cxlab.lazy_study(
        duckdb.from_df(events.astype({"stage": str, "channel": str})),
        customers=data.customers,
        validate=False,
    )
    return events, lazy


def test_chain_in_buckets_warns_of_customers_left_out_as_in_memory(monkeypatch):
    """The warning about customers left out names the same stages and five ids whichever
    buckets they fall in."""
    data = cxlab.simulate(n_customers=400, random_state=3)
    # twelve buyers get an owner's-journey event a day before their first purchase
    events, lazy = events_before_first_purchase(data, 12, "use", "1D")
    with pytest.warns(cxlab.exceptions.DataWarning) as memory:
        expected = cxlab.MarkovChain(journey="buyer").fit(events)
    monkeypatch.setattr(_engine_counts, "bucket_count", lambda frame: 4)
    with pytest.warns(cxlab.exceptions.DataWarning) as engine:
        got = cxlab.MarkovChain(journey="buyer").fit(lazy)
    assert [str(w.message) for w in engine] == [str(w.message) for w in memory]
    assert got.fit_info_["n_customers_excluded"] >= 12
    _assert_same_chain(expected, got)


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_funnel_in_buckets_equals_in_memory(
    engine, name, studies, tmp_path_factory, request, monkeypatch
):
    """Open and closed funnels, by= and within=: every number, the notes and the times
    per customer (in id order) whichever bucket a customer falls in."""
    study = _study(engine, name, studies, tmp_path_factory, request)
    calls = []
    monkeypatch.setattr(_funnel, "bucket_count", lambda frame, *args: calls.append(1) or 3)
    funnels = [*FUNNELS, {"kind": "closed", "by": "segment", "within": "10D"}]
    _assert_same_funnels(studies[name], study, funnels)
    assert calls


def test_funnel_in_buckets_warns_only_of_steps_no_bucket_has(monkeypatch):
    """A step missing from some buckets is no warning; one missing from all is, once."""
    import duckdb

    data = cxlab.simulate(n_customers=300, random_state=5)
    events = data.events[~data.events["stage"].isin(["loyalty", "advocacy"])]
    # one customer reaches loyalty: two of the three buckets have none
    extra = events.iloc[[0]].assign(stage="loyalty")
    extra["timestamp"] += pd.Timedelta("1D")
    events = cxlab.load_events(pd.concat([events, extra], ignore_index=True))
    lazy = cxlab.lazy_study(
        duckdb.from_df(events.astype({"stage": str, "channel": str})),
        customers=data.customers,
        validate=False,
    )
    monkeypatch.setattr(_funnel, "bucket_count", lambda frame, *args: 3)
    steps = ["awareness", "loyalty", "advocacy"]
    with pytest.warns(cxlab.exceptions.DataWarning, match="never occur") as memory:
        expected = cxlab.funnel(events, steps)
    with pytest.warns(cxlab.exceptions.DataWarning, match="never occur") as engine:
        got = cxlab.funnel(lazy, steps)
    messages = [str(w.message) for w in engine if "never occur" in str(w.message)]
    assert messages == [str(w.message) for w in memory if "never occur" in str(w.message)]
    assert len(messages) == 1 and "['advocacy']" in messages[0]
    _assert_same(expected.table, got.table)
    assert got.table["customers"].tolist()[1] == 1


def _native(engine: str, events: pd.DataFrame):
    """``events`` as a DuckDB relation or a polars LazyFrame."""
    if engine == "duckdb":
        import duckdb

        return duckdb.from_df(events)
    pl = pytest.importorskip("polars")
    return pl.from_pandas(events).lazy()


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_duplicate_check_in_buckets_finds_what_memory_finds(engine, monkeypatch):
    """Copies of events of many customers (some copied twice): the same number of extra
    rows, the same five example ids and the same message in one pass and in buckets."""
    events = cxlab.simulate(n_customers=300, random_state=6).events.astype(
        {"stage": str, "channel": str}
    )
    copied = events.groupby("customer_id").head(1).iloc[::23]
    copies = pd.concat([copied, copied.iloc[:4]]).sort_values("customer_id", kind="stable")
    # events at the same customer and time with another revenue are ties, not copies
    ties = pd.concat([copied.iloc[:3], events.iloc[[7, 40]]]).assign(revenue=1.5)
    raw = pd.concat([events, copies, ties], ignore_index=True)
    frame = _native(engine, raw)
    with pytest.raises(cxlab.exceptions.DuplicateEventError) as memory, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ties
        cxlab.load_events(raw)
    found = {}
    for n in (1, 3):
        monkeypatch.setattr(_validation, "bucket_count", lambda frame, *args, n=n: n)
        errors = _validation.check_events_in_engine(frame, cxlab.DEFAULT_CATALOG).errors
        assert [type(e) for e in errors] == [cxlab.exceptions.DuplicateEventError]
        found[n] = errors[0]
    assert found[3].n_rows == found[1].n_rows == memory.value.n_rows == len(copies)
    assert found[3].example_ids == found[1].example_ids == memory.value.example_ids
    assert len(found[3].example_ids) == 5
    assert str(found[3]) == str(found[1])
    monkeypatch.setattr(_validation, "bucket_count", lambda frame, *args: 3)
    clean = _validation.check_events_in_engine(_native(engine, events), cxlab.DEFAULT_CATALOG)
    assert not clean.errors


def _ids(frame) -> list:
    return sorted(
        nw.to_native(frame.select("customer_id").collect(backend="pandas"))["customer_id"]
    )


@pytest.mark.parametrize(
    "engine", ["duckdb", "polars", pytest.param("spark", marks=pytest.mark.slow)]
)
def test_buckets_split_the_customers_exactly(engine, request):
    events = pd.DataFrame({"customer_id": [f"c{i}" for i in range(2_000)] * 2, "x": 1})
    if engine == "duckdb":
        import duckdb

        frame = duckdb.from_df(events)
    elif engine == "polars":
        pl = pytest.importorskip("polars")
        frame = pl.from_pandas(events).lazy()
    else:
        frame = request.getfixturevalue("spark").createDataFrame(events)
    parts = customer_buckets(frame, 5)
    ids = [_ids(p) for p in parts]
    assert sorted(i for part in ids for i in part) == sorted(events["customer_id"])
    for part in ids:  # a customer's two events in one bucket, and every bucket used
        assert 500 < len(part) < 1_100  # 800 events a bucket on average
        assert len(set(part)) * 2 == len(part)
    assert customer_buckets(frame, 1)[0].implementation == parts[0].implementation


def test_bucket_count_follows_the_memory_limit():
    con = duckdb_connection(memory_limit="100MB")
    rel = con.sql("SELECT range::VARCHAR AS customer_id FROM range(10000000)")
    limit = 100 * 10**6 / 1.048576 / 10**6 * 2**20  # DuckDB keeps 95.3 MiB
    expected = math.ceil(10_000_000 * BYTES_PER_EVENT / (limit / 2))
    assert abs(bucket_count(rel) - expected) <= 1 and bucket_count(rel) >= 8
    assert bucket_count(con.sql("SELECT 1 AS customer_id")) == 1
    assert bucket_count(pd.DataFrame({"customer_id": range(10)})) == 1  # pandas: no buckets
    with pytest.raises(NotImplementedError):
        customer_buckets(pd.DataFrame({"customer_id": range(10)}), 2)


def test_many_buckets_read_the_events_written_once_split(studies, tmp_path, monkeypatch):
    """From PARTITION_FROM buckets on, DuckDB writes the events once split by bucket and
    each bucket reads its own files: the same chain, and the files go with the buckets."""
    import gc

    from cxlab.engines import _buckets

    monkeypatch.setattr(_buckets, "PARTITION_FROM", 2)
    con = duckdb_connection(memory_limit="1GB", temp_directory=tmp_path / "spill")
    events = studies["demo"].events.astype({"stage": str, "channel": str})
    relation = con.from_df(events)
    parts = customer_buckets(relation, 4)
    assert parts.folder.parent == tmp_path / "spill"
    sizes = [len(p.select("customer_id").collect("pandas")) for p in parts]
    assert sum(sizes) == len(events) and min(sizes) > 0
    ids = [set(p.select("customer_id").collect("pandas").to_native()["customer_id"]) for p in parts]
    assert sum(map(len, ids)) == events["customer_id"].nunique()  # each customer in one
    folder = parts.folder
    del parts
    gc.collect()
    assert not folder.exists()
    study = cxlab.lazy_study(
        relation, customers=studies["demo"].customers, catalog=studies["demo"].catalog
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.MarkovChain(journey="buyer").fit(studies["demo"])
        monkeypatch.setattr(_engine_counts, "bucket_count", lambda frame: 5)
        got = cxlab.MarkovChain(journey="buyer").fit(study)
    _assert_same_chain(expected, got)
    assert not list((tmp_path / "spill").glob("cxlab-buckets-*"))
