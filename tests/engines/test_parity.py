"""Same answers on every engine: pandas in memory, DuckDB (lazy, from Parquet) and Spark.

Each reduction runs on the demo study and on a simulated one (and on a polars LazyFrame); counts must be identical
and floats equal to 1e-9 relative. Spark runs in local mode (marked slow; skipped with
one line where Java or pyspark is missing).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.engines import event_problem_counts
from cxlab.exceptions import DataError, UnknownCategoryError

ENGINES = ["pandas", "duckdb", "polars", pytest.param("spark", marks=pytest.mark.slow)]
STUDIES = ["demo", "simulated"]
RTOL = 1e-9


@pytest.fixture(scope="module")
def studies():
    return {
        "demo": cxlab.load("data/demo", engine="pandas"),
        "simulated": cxlab.simulate(n_customers=1_500, random_state=11),
    }


def _spark_events(spark, events: pd.DataFrame):
    frame = events.astype({"stage": str, "channel": str})
    if "touchpoint" in frame:
        frame = frame.astype({"touchpoint": str})
    return spark.createDataFrame(frame)


def _study(engine, name, studies, tmp_path_factory, request):
    data = studies[name]
    if engine == "pandas":
        return data
    if engine == "duckdb":
        folder = tmp_path_factory.mktemp(f"parity-{name}")
        data.save(folder)
        study = cxlab.load(folder, engine="duckdb", memory_limit="1GB")
        assert isinstance(study, cxlab.LazyStudy) and study.engine == "duckdb"
        return study
    if engine == "polars":
        pl = pytest.importorskip("polars")
        events = pl.from_pandas(data.events.astype({"stage": str, "channel": str})).lazy()
        return cxlab.lazy_study(
            events,
            customers=data.customers,
            feedback=data.feedback,
            catalog=data.catalog,
            truth=data.truth,
        )
    spark = request.getfixturevalue("spark")
    study = cxlab.lazy_study(
        _spark_events(spark, data.events),
        customers=data.customers,
        feedback=data.feedback,
        catalog=data.catalog,
        truth=data.truth,
    )
    assert study.engine == "spark"
    return study


def _assert_same(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert got.index.equals(expected.index)
    for col in expected.columns:
        a, b = expected[col], got[col]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            np.testing.assert_allclose(
                b.to_numpy(float), a.to_numpy(float), rtol=RTOL, atol=0, equal_nan=True
            )
        else:
            assert (a.astype(object).to_numpy() == b.astype(object).to_numpy()).all() or (
                a.isna().equals(b.isna()) and a.dropna().astype(object).eq(b.dropna()).all()
            ), col


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_customer_features_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.customer_features(studies[name])
        got = cxlab.customer_features(study)
    _assert_same(expected, got)


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_survival_table_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.survival_table(studies[name], churn="either", inactivity_days=60)
        got = cxlab.survival_table(study, churn="either", inactivity_days=60)
    _assert_same(expected, got)


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_validation_counts_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    data = studies[name]
    expected = event_problem_counts(data.events, data.catalog)
    assert expected["rows"] == len(data.events)
    assert event_problem_counts(study.events, data.catalog) == expected


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_lazy_validation_raises_the_in_memory_error(engine, studies, request):
    events = studies["simulated"].events.astype({"stage": str, "channel": str})
    events.loc[[3, 10], "stage"] = "checkout-page"
    if engine == "duckdb":
        import duckdb

        frame = duckdb.from_df(events)
    else:
        frame = _spark_events(request.getfixturevalue("spark"), events)
    with pytest.raises(UnknownCategoryError) as lazy:
        cxlab.lazy_study(frame, customers=studies["simulated"].customers)
    with pytest.raises(UnknownCategoryError) as memory:
        cxlab.load_events(events)
    assert lazy.value.n_rows == memory.value.n_rows == 2
    assert lazy.value.column == memory.value.column == "stage"
    assert "checkout-page" in str(lazy.value) and lazy.value.example_ids
    assert lazy.value.fix == memory.value.fix


def test_lazy_validation_counts_missing_ids_and_duplicates():
    import duckdb

    events = cxlab.simulate(n_customers=200, random_state=2).events.astype(
        {"stage": str, "channel": str}
    )
    with_gaps = events.astype({"customer_id": "Int64"})
    with_gaps.loc[[0, 5, 7], "customer_id"] = pd.NA
    with pytest.raises(DataError, match="customer_id is missing in 3 rows"):
        cxlab.lazy_study(duckdb.from_df(with_gaps))
    copies = pd.concat([events, events.iloc[[1, 2]]])
    with pytest.raises(DataError, match="appears more than once") as err:
        cxlab.lazy_study(duckdb.from_df(copies))
    assert err.value.n_rows == 2


def test_models_fit_on_a_lazy_study(studies, tmp_path):
    data = studies["simulated"]
    data.save(tmp_path)
    study = cxlab.load(tmp_path, engine="duckdb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = cxlab.survival_table(study)
        churn = cxlab.ChurnModel(covariates=["support_contacts"]).fit(table)
        X = cxlab.customer_features(study, features=["channels"])
        personas = cxlab.PersonaModel(n_personas=2, n_bootstrap=0, random_state=0).fit(X)
    assert np.isfinite(churn.summary().to_numpy(dtype=float, na_value=0)).all()
    assert personas.n_personas_ == 2


def test_auto_engine_keeps_small_studies_in_memory(tmp_path, monkeypatch):
    data = cxlab.simulate(n_customers=300, random_state=4)
    data.save(tmp_path)
    assert isinstance(cxlab.load(tmp_path), cxlab.CXData)
    monkeypatch.setattr("cxlab.engines._load.AUTO_DUCKDB_BYTES", 1)
    assert isinstance(cxlab.load(tmp_path), cxlab.LazyStudy)


def test_load_reads_globs_and_partition_folders(tmp_path):
    from cxlab.simulation import simulate_to_parquet

    folder = simulate_to_parquet(tmp_path / "big", 900, random_state=3, chunk_customers=400)
    assert len(list((folder / "events").glob("*.parquet"))) == 3
    whole = cxlab.load(folder, engine="duckdb")
    with pytest.warns(cxlab.exceptions.DataWarning, match="no customers table"):
        glob = cxlab.load(str(folder / "events" / "*.parquet"), engine="duckdb")
    assert whole.n_events() == glob.n_events() == whole.truth.params["n_events"]
    assert len(glob.customers) == 900


def test_unknown_engine_is_refused():
    with pytest.raises(cxlab.exceptions.ParameterError, match="engine='spark'"):
        cxlab.load("data/demo", engine="spark")


CHAINS = {
    "buyer": dict(journey="buyer"),
    "all-order-2": dict(order=2),
    "buyer-order-2-collapsed": dict(journey="buyer", order=2, collapse_repeats=True),
    "channel-buyer": dict(state=["stage", "channel"], journey="buyer"),
    "churn-bootstrap": dict(
        absorbing=["churn"], n_bootstrap=30, ci_method="bootstrap", random_state=5
    ),
}


def _assert_same_chain(expected, got) -> None:
    assert got.states_ == expected.states_
    assert got.counts_.equals(expected.counts_)
    assert got.n_customers_ == expected.n_customers_
    info = {k: v for k, v in expected.fit_info_.items() if k != "was_sorted"}
    assert {k: v for k, v in got.fit_info_.items() if k != "was_sorted"} == info
    for name in (
        "transition_matrix_",
        "transition_se_",
        "transition_ci_low_",
        "transition_ci_high_",
    ):
        _assert_same(getattr(expected, name), getattr(got, name))
    _assert_same(expected.dwell_, got.dwell_)
    if expected.bootstrap_counts_ is not None:
        np.testing.assert_array_equal(got.bootstrap_counts_, expected.bootstrap_counts_)
    a, b = expected.absorption(random_state=0), got.absorption(random_state=0)
    _assert_same(a.summary(), b.summary())


@pytest.mark.parametrize("chain", list(CHAINS))
@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES[1:])
def test_markov_chain_same_on_every_engine(engine, name, chain, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.MarkovChain(**CHAINS[chain]).fit(studies[name])
        got = cxlab.MarkovChain(**CHAINS[chain]).fit(study)
    _assert_same_chain(expected, got)


def test_markov_chain_in_duckdb_orders_ties_and_leaves_out_customers_as_in_memory():
    """Tied times (ordered by stage), owner's-journey events before the purchase (customer
    left out, with the same warning), events after it, and single-event journeys."""
    import duckdb

    t = pd.Timestamp("2025-03-01")
    rows = [  # customer, days, stage, channel
        (1, 0, "consideration", "web"),
        (1, 0, "awareness", "ads"),
        (1, 2, "purchase", "web"),
        (1, 5, "use", "app"),
        (2, 0, "awareness", "ads"),
        (2, 1, "use", "app"),
        (2, 3, "purchase", "store"),
        (3, 0, "purchase", "web"),
        (3, 0, "onboarding", "app"),
        (4, 0, "awareness", "social"),
        (5, 0, "awareness", "ads"),
        (5, 1, "awareness", "email"),
        (5, 1, "purchase", "web"),
        (5, 2, "purchase", "store"),
    ]
    raw = pd.DataFrame(rows, columns=["customer_id", "days", "stage", "channel"])
    raw = raw[raw["stage"].isin(cxlab.DEFAULT_CATALOG.stages)]
    raw["timestamp"] = t + pd.to_timedelta(raw.pop("days"), unit="D")
    events = cxlab.load_events(raw.sample(frac=1, random_state=0))
    lazy = cxlab.lazy_study(
        duckdb.from_df(events.astype({"stage": str, "channel": str})),
        validate=False,
        customers=pd.DataFrame({"customer_id": [1, 2, 3, 4, 5]}),
    )
    for params in ({"journey": "buyer"}, {"journey": "buyer", "state": "channel"}, {}):
        with pytest.warns(cxlab.exceptions.DataWarning) as memory:
            expected = cxlab.MarkovChain(**params).fit(events)
        with pytest.warns(cxlab.exceptions.DataWarning) as engine:
            got = cxlab.MarkovChain(**params).fit(lazy)
        assert [str(w.message) for w in engine] == [str(w.message) for w in memory]
        _assert_same_chain(expected, got)
    assert got.fit_info_["n_ties"] == 2
    buyer = cxlab.MarkovChain(journey="buyer").fit(lazy)
    assert buyer.fit_info_["n_customers_excluded"] == 1  # customer 2: use before purchase


ATTRIBUTIONS = {
    "channels": dict(n_bootstrap=30, random_state=3),
    "order-2": dict(order=2, n_bootstrap=20, random_state=1),
    "collapsed": dict(collapse_repeats=True, n_bootstrap=0),
    "stage-channel": dict(state=["stage", "channel"], n_bootstrap=10, random_state=0),
}


@pytest.mark.parametrize("setting", list(ATTRIBUTIONS))
@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES[1:])
def test_channel_attribution_same_on_every_engine(
    engine, name, setting, studies, tmp_path_factory, request
):
    study = _study(engine, name, studies, tmp_path_factory, request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.channel_attribution(studies[name], **ATTRIBUTIONS[setting])
        got = cxlab.channel_attribution(study, **ATTRIBUTIONS[setting])
    _assert_same(expected.table, got.table)
    _assert_same(expected.removal_effects, got.removal_effects)
    assert got.conversion_probability.keys() == expected.conversion_probability.keys()
    for key, value in expected.conversion_probability.items():
        assert got.conversion_probability[key] == pytest.approx(value, rel=RTOL, abs=0)
    assert (got.n_paths, got.n_journeys) == (expected.n_paths, expected.n_journeys)
    assert got.total_value == pytest.approx(expected.total_value, rel=RTOL, abs=0)


@pytest.mark.parametrize("state", ["channel", ("stage", "channel")])
@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES[1:])
def test_conversion_paths_same_on_every_engine(
    engine, name, state, studies, tmp_path_factory, request
):
    study = _study(engine, name, studies, tmp_path_factory, request)
    state = state if isinstance(state, str) else list(state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.conversion_paths(studies[name], state=state)
        got = cxlab.conversion_paths(study, state=state)
    assert len(expected) > 50
    _assert_same(expected, got)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: cxlab.markov_order_test(s, max_order=2),
        lambda s: cxlab.MarkovChain().fit_groups(s, by="segment"),
    ],
)
def test_analyses_that_need_memory_say_so_on_a_lazy_study(call, studies):
    import duckdb

    data = studies["demo"]
    study = cxlab.lazy_study(
        duckdb.from_df(data.events.astype({"stage": str, "channel": str})),
        customers=data.customers,
        catalog=data.catalog,
        validate=False,
    )
    with pytest.raises(cxlab.exceptions.ParameterError, match=r"study\.to_memory\(\)"):
        call(study)
