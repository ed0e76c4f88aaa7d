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


@pytest.mark.parametrize("churn", ["either", "event"])
@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_survival_table_same_on_every_engine(
    engine, name, churn, studies, tmp_path_factory, request
):
    study = _study(engine, name, studies, tmp_path_factory, request)
    days = None if churn == "event" else 60
    assert_same_survival(studies[name], study, churn=churn, inactivity_days=days)


def assert_same_survival(memory, study, **kw) -> pd.DataFrame:
    """``survival_table(study, **kw)`` equals the in-memory table (and its definition)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cxlab.survival_table(memory, **kw)
        got = cxlab.survival_table(study, **kw)
    _assert_same(expected, got)
    assert got.attrs["survival"] == expected.attrs["survival"]
    return got


def test_survival_table_ties_and_resolution_times_in_duckdb():
    """Events of one instant follow the stage order, however the rows are stored."""
    import duckdb

    catalog = cxlab.DEFAULT_CATALOG.with_stages([*cxlab.DEFAULT_CATALOG.stages, "resolved"])
    t0 = pd.Timestamp("2025-01-01")
    rows = [  # customer, day, stage, channel, revenue
        (1, 0, "purchase", "web", 50.0),
        (1, 0, "consideration", "email", 0.0),  # same instant, ranked before: outside
        (1, 0, "use", "app", 5.0),  # same instant, ranked after: inside, revenue after start
        (1, 2, "service", "chat", 0.0),
        (1, 3, "resolved", "chat", 0.0),
        (1, 30, "churn", "web", 0.0),
        (1, 30, "loyalty", "store", 7.0),  # the churn instant is inside the follow-up
        (2, 0, "purchase", "store", 10.0),
        (2, 0, "purchase", "app", 15.0),  # two start events at one instant: one start
        (2, 40, "use", "app", 0.0),
    ]
    events = pd.DataFrame(rows, columns=["customer_id", "day", "stage", "channel", "revenue"])
    events["timestamp"] = t0 + pd.to_timedelta(events.pop("day"), unit="D")
    memory = cxlab.CXData(
        events=events.astype(
            {
                "stage": pd.CategoricalDtype(catalog.stages),
                "channel": pd.CategoricalDtype(catalog.channels),
            }
        ),
        customers=pd.DataFrame({"customer_id": [1, 2]}),
        feedback=pd.DataFrame(
            {"customer_id": [], "timestamp": pd.to_datetime([]), "metric": [], "score": []}
        ),
        catalog=catalog,
    )
    lazy = cxlab.lazy_study(
        duckdb.from_df(events.iloc[::-1].reset_index(drop=True)),
        customers=memory.customers,
        catalog=catalog,
    )
    tables = [cxlab.survival_table(d, resolve_stage="resolved") for d in (memory, lazy)]
    for table in tables:
        assert table.loc[1, "tenure_days"] == 30 and table.loc[1, "churned"]
        assert table.loc[1, "first_revenue"] == 50 and table.loc[1, "revenue_after_start"] == 12
        assert table.loc[1, "n_channels"] == 4  # web, app, chat, store (email: before)
        assert table.loc[1, "time_to_resolve_days"] == 1
        assert table.loc[2, "first_revenue"] == 25 and table.loc[2, "n_channels"] == 2
        assert table.loc[2, "purchase_channel"] == min(
            ["store", "app"], key=list(catalog.channels).index
        )
    _assert_same(tables[0], tables[1])


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


FUNNELS = [
    {},
    {"kind": "closed"},
    {"steps": ["consideration", "purchase", "use"], "kind": "closed", "within": "30D"},
    {"steps": ["awareness", "purchase", "loyalty"], "by": "segment"},
]


def _journey_warnings():
    """Tie warnings come from the in-memory encoder only; nothing else may differ."""
    warnings.filterwarnings("ignore", message=".*share their timestamp")


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_funnel_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    _assert_same_funnels(studies[name], study, FUNNELS)


def _assert_same_funnels(memory, study, funnels) -> None:
    """Every funnel of ``funnels`` (keyword sets): table, notes and times per customer."""
    for options in funnels:
        with warnings.catch_warnings():
            _journey_warnings()
            expected = cxlab.funnel(memory, **options)
            got = cxlab.funnel(study, **options)
        _assert_same(expected.table, got.table)
        assert got.notes == expected.notes
        _assert_same(expected.per_customer(), got.per_customer())


@pytest.mark.parametrize("buckets", [1, 3])
def test_funnel_ties_follow_the_catalog_order_as_load_does(buckets, monkeypatch):
    """At equal times the study's order is catalog stage order (cxlab.load sorts so), in
    one pass over the customers or in customer buckets."""
    import duckdb

    from cxlab.journeys import _funnel

    monkeypatch.setattr(_funnel, "bucket_count", lambda frame, *args: buckets)

    t0 = pd.Timestamp("2025-01-01")
    raw = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 3, 3],
            "timestamp": [t0, t0, t0 + pd.Timedelta("1D"), t0, t0, t0, t0 + pd.Timedelta("2h")],
            # customer 1: purchase and awareness tie; 2: consideration ties with awareness
            "stage": [
                "purchase",
                "awareness",
                "consideration",
                "consideration",
                "awareness",
                "consideration",
                "awareness",
            ],
            "channel": "web",
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ties, and no customers table
        memory = cxlab.load_events(raw)
        lazy = cxlab.lazy_study(duckdb.from_df(raw), validate=False)
    for kind in ("open", "closed"):
        with warnings.catch_warnings():
            _journey_warnings()
            expected = cxlab.funnel(memory, kind=kind)
        got = cxlab.funnel(lazy, kind=kind)
        _assert_same(expected.table, got.table)
    closed = got.table.set_index("step")["customers"]
    # 1 and 2 enter at awareness (first in catalog order at the tie); 3 enters late
    assert closed.to_dict() == {"awareness": 2, "consideration": 2, "purchase": 0}
    assert any("1 customers entered at a later step" in n for n in got.notes)


@pytest.mark.parametrize(
    "analysis",
    [
        lambda s: cxlab.variants(s, gap="7D"),
        lambda s: cxlab.journey_sequences(s, gap="30min"),
        lambda s: cxlab.time_between_stages(s, column="revenue"),
    ],
    ids=["sessions", "journey_sessions", "waits_between_numbers"],
)
def test_in_memory_analyses_name_to_memory_on_a_lazy_study(analysis, studies, tmp_path):
    import duckdb

    data = studies["simulated"]
    events = duckdb.from_df(data.events.astype({"stage": str, "channel": str}))
    study = cxlab.lazy_study(events, customers=data.customers, catalog=data.catalog)
    with pytest.raises(cxlab.exceptions.InMemoryOnlyError, match="in memory") as err:
        analysis(study)
    assert "study.to_memory()" in str(err.value)


WAITS = [
    {},
    {"pairs": False, "by": "segment", "confidence": 0.9},
    {"collapse": True, "channel": True, "states": ["awareness", "consideration", "purchase"]},
    {"column": "channel", "collapse": True, "min_n": 5},
    {"column": "channel", "channel": True, "pairs": False},
    {"channel": True, "by": "truth"},
]


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_time_between_stages_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    data = studies[name]
    for options in WAITS:
        if options.get("by") == "truth":  # a Series customer_id -> group
            options = {**options, "by": data.truth.persona}
        with warnings.catch_warnings():
            _journey_warnings()
            expected = cxlab.time_between_stages(data, **options)
        got = cxlab.time_between_stages(study, **options)
        assert expected.table["n"].sum() > 100
        _assert_same(expected.table, got.table)
        assert got.notes == expected.notes and got.params == expected.params


def _tied_waits():
    """Four customers whose events tie in time (the lazy rows shuffled, so that only the
    catalog order can give the in-memory one)."""
    import duckdb

    t0 = pd.Timestamp("2025-01-01")
    rows = [  # customer, hours, stage, channel
        (1, 0, "purchase", "web"),
        (1, 0, "awareness", "ads"),  # ties with the purchase: first in catalog order
        (1, 0, "awareness", "email"),  # ties in time and stage: after ads (file order)
        (1, 24, "consideration", "web"),
        (1, 48, "purchase", "store"),
        (2, 0, "consideration", "web"),
        (2, 0, "awareness", "social"),
        (2, 12, "use", "app"),
        (3, 0, "awareness", "ads"),  # one event: no wait
        (4, 0, "awareness", "ads"),
        (4, 5, "awareness", "search"),  # one visit when runs collapse
    ]
    raw = pd.DataFrame(rows, columns=["customer_id", "hours", "stage", "channel"])
    raw["timestamp"] = t0 + pd.to_timedelta(raw.pop("hours"), unit="h")
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["a", "b", "a", "b"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ties
        memory = cxlab.CXData(
            cxlab.load_events(raw),
            customers,
            pd.DataFrame(
                {"customer_id": [], "timestamp": pd.to_datetime([]), "metric": [], "score": []}
            ),
        )
    lazy = cxlab.lazy_study(
        duckdb.from_df(raw.sample(frac=1, random_state=1).reset_index(drop=True)),
        customers=customers,
        validate=False,
    )
    return memory, lazy


def test_time_between_stages_ties_follow_the_catalog_order_as_load_does():
    memory, lazy = _tied_waits()
    for options in (
        {},
        {"collapse": True},
        {"collapse": True, "channel": True},
        {"pairs": False, "by": "segment"},
        {"column": "channel", "collapse": True},
    ):
        with warnings.catch_warnings():
            _journey_warnings()
            expected = cxlab.time_between_stages(memory, **options)
        got = cxlab.time_between_stages(lazy, **options)
        _assert_same(expected.table, got.table)
        assert got.notes == expected.notes
    waits = cxlab.time_between_stages(lazy).table.set_index(["from", "to"])
    assert waits["n"].to_dict() == {
        ("awareness", "awareness"): 2,  # customer 1 (0 h) and customer 4 (5 h)
        ("awareness", "consideration"): 1,  # customer 2, at the same instant
        ("awareness", "purchase"): 1,  # customer 1, at the same instant
        ("consideration", "purchase"): 1,
        ("consideration", "use"): 1,
        ("purchase", "consideration"): 1,
    }
    assert waits.loc[("awareness", "awareness"), "mean_days"] == pytest.approx(5 / 48)
    assert waits.loc[("consideration", "use"), "median_days"] == 0.5
    visits = cxlab.time_between_stages(lazy, collapse=True, channel=True).table
    first = visits.set_index(["from", "to"]).loc[("awareness", "purchase")]
    assert first["channel"] == "ads" and first["n"] == 1 and first["median_days"] == 0
    assert "2 customers have a single event" in " ".join(
        cxlab.time_between_stages(lazy, collapse=True).notes
    )


def test_time_between_stages_errors_on_a_lazy_study_are_the_memory_errors():
    memory, lazy = _tied_waits()
    with pytest.raises(UnknownCategoryError, match="checkout") as err:
        cxlab.time_between_stages(lazy, states=["awareness", "checkout"])
    assert err.value.column == "stage"
    single = cxlab.filter_customers(memory, [3, 4])
    lone = cxlab.filter_customers(lazy, [3, 4])
    errors = []
    for data in (single, lone):
        with pytest.raises(DataError, match="no customer has two events") as err:
            cxlab.time_between_stages(data, collapse=True)
        errors.append(err.value)
    assert errors[0].n_rows == errors[1].n_rows == 2
    assert errors[0].example_ids == errors[1].example_ids == [3, 4]
    with pytest.raises(cxlab.exceptions.MissingColumnError, match="revenue"):
        cxlab.time_between_stages(lazy, column="revenue")


TOUCHPOINT_JOURNEYS = {
    "variants": lambda d: cxlab.variants(d, column="touchpoint"),
    "variants_collapsed": lambda d: cxlab.variants(
        d, column="touchpoint", collapse=True, outcome=None, top=None
    ),
    "drop_off": lambda d: cxlab.drop_off(d, column="touchpoint"),
    "paths_from": lambda d: cxlab.paths_from(d, "account_portal", column="touchpoint", steps=3),
    "sankey": lambda d: cxlab.sankey_table(d, column="touchpoint", steps=3),
    "waits": lambda d: cxlab.time_between_stages(d, column="touchpoint", channel=True),
    "visits": lambda d: cxlab.time_between_stages(
        d, column="touchpoint", collapse=True, pairs=False, by="segment"
    ),
}


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_touchpoint_journeys_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    """Another text column than stage and channel: its states are its values, sorted."""
    study = _study(engine, name, studies, tmp_path_factory, request)
    for call in TOUCHPOINT_JOURNEYS.values():
        with warnings.catch_warnings():
            _journey_warnings()
            expected = call(studies[name])
        got = call(study)
        assert len(expected.table) > 3
        _assert_same(expected.table, got.table)
        assert got.notes == expected.notes


def test_touchpoint_journeys_errors_on_a_lazy_study(monkeypatch):
    import duckdb

    from cxlab.sequences import _engine

    data = cxlab.simulate(n_customers=200, random_state=3)
    events = data.events.astype({"stage": str, "channel": str, "touchpoint": str})
    events.loc[[4, 9, 11], "touchpoint"] = None
    lazy = cxlab.lazy_study(duckdb.from_df(events), customers=data.customers, validate=False)
    for call in (TOUCHPOINT_JOURNEYS["variants"], TOUCHPOINT_JOURNEYS["waits"]):
        with pytest.raises(UnknownCategoryError, match="touchpoint is missing") as err:
            call(lazy)
        assert err.value.n_rows == 3 and err.value.column == "touchpoint"
        assert set(err.value.example_ids) <= set(events.loc[[4, 9, 11], "customer_id"])
    events = data.events.astype({"stage": str, "channel": str, "touchpoint": str})
    lazy = cxlab.lazy_study(duckdb.from_df(events), customers=data.customers, validate=False)
    monkeypatch.setattr(_engine, "MAX_STATES", 5)
    with pytest.raises(cxlab.exceptions.InMemoryOnlyError, match="at most 5") as err:
        cxlab.variants(lazy, column="touchpoint")
    assert "study.to_memory()" in str(err.value)


DROP_OFFS = [
    {},
    {"channel": True, "inactive": "30D", "by": "segment"},
    {"column": "channel", "outcome": None},
]

VARIANTS = [
    {},
    {"outcome": None, "collapse": True, "max_steps": 4, "top": None},
    {"column": "channel", "top": 50},
    {"column": "channel", "outcome": None, "collapse": True},
]


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_paths_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    data = studies[name]
    with warnings.catch_warnings():
        _journey_warnings()
        for options in VARIANTS:
            expected = cxlab.variants(data, **options)
            got = cxlab.variants(study, **options)
            _assert_same(expected.table, got.table)
            assert got.notes == expected.notes and got.n_variants == expected.n_variants
            np.testing.assert_array_equal(got.variant_of, expected.variant_of)
            np.testing.assert_array_equal(got.customers, expected.customers)
        for call in (
            lambda d: cxlab.paths_from(d, "consideration", steps=3, collapse=True),
            lambda d: cxlab.paths_from(d, "store", direction="backward", column="channel"),
            lambda d: cxlab.sankey_table(d, steps=4),
        ):
            expected, got = call(data), call(study)
            _assert_same(expected.table, got.table)
            assert got.notes == expected.notes
        for options in DROP_OFFS:
            expected, got = cxlab.drop_off(data, **options), cxlab.drop_off(study, **options)
            _assert_same(expected.table, got.table)
            assert got.notes == expected.notes
        for options in ({}, {"collapse": True, "other": "detour", "by": "segment"}):
            expected = cxlab.designed_vs_lived(data, **options)
            got = cxlab.designed_vs_lived(study, **options)
            _assert_same(expected.table, got.table)
            _assert_same(expected.deviations, got.deviations)
            assert got.notes == expected.notes
        expected = cxlab.journey_sequences(data, collapse=True)
        got = cxlab.journey_sequences(study, collapse=True)
        _assert_same(expected.table, got.table)
        frame = got.to_frame()  # times per journey do not come back from an engine
        if engine != "pandas":
            assert list(frame.columns) == ["customer_id", "session", "path", "n_steps"]
        _assert_same(expected.to_frame()[frame.columns], frame)


@pytest.mark.parametrize("name", STUDIES)
@pytest.mark.parametrize("engine", ENGINES)
def test_score_tables_same_on_every_engine(engine, name, studies, tmp_path_factory, request):
    study = _study(engine, name, studies, tmp_path_factory, request)
    data = studies[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same(cxlab.journey_facts(data), cxlab.journey_facts(study))
        for metric in ("nps", "csat"):
            by = ["stage", "channel", "purchase_channel", "purchase_touchpoint", "segment"]
            expected = cxlab.score_table(data, metric, by=by, skip_unavailable=True)
            got = cxlab.score_table(study, metric, by=by, skip_unavailable=True)
            _assert_same(expected, got)
            assert got.attrs["notes"] == expected.attrs["notes"]


def test_engine_sequences_unpack_long_journeys_and_ties():
    """Journeys longer than one packed word, and ties in time, as the in-memory encoder has them."""
    import duckdb

    from cxlab.engines import to_lazy
    from cxlab.sequences import encode_events
    from cxlab.sequences._engine import encode_in_engine

    stages = list(cxlab.DEFAULT_CATALOG.stages)
    rng = np.random.default_rng(5)
    n = 95  # customer 7: 95 events, several words of 19 stages each
    t0 = pd.Timestamp("2025-01-01")
    raw = pd.DataFrame(
        {
            "customer_id": [7] * n + [3, 3, 3],
            "timestamp": [
                t0 + pd.Timedelta(hours=int(h)) for h in np.sort(rng.choice(400, n, replace=False))
            ]
            + [t0, t0, t0 + pd.Timedelta("1D")],
            "stage": [stages[i] for i in rng.integers(0, len(stages), n)]
            + ["purchase", "awareness", "use"],
            "channel": "web",
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = encode_events(cxlab.load_events(raw), "stage")
    lazy = encode_in_engine(to_lazy(duckdb.from_df(raw)), "stage", cxlab.DEFAULT_CATALOG)
    assert lazy.customers.tolist() == memory.customers.tolist() == [3, 7]
    assert lazy.to_lists() == memory.to_lists()
    assert lazy.to_lists()[0] == ["awareness", "purchase", "use"]  # the tie in catalog order
    assert lazy.n_ties == memory.n_ties > 0


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
