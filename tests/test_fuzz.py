"""Property tests: whatever the input, only cxlab errors (and cxlab warnings) come out.

Generated tables and raw bytes go through the loaders; generated small journeys go
through the main estimators. A result must be well formed; a failure must be a
:class:`~cxlab.exceptions.CxlabError` (whose message names a fix), never a raw
pandas, numpy or lifelines exception. Runs are derandomized so CI sees the same
examples every time.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxlab
from cxlab.exceptions import CxlabError, CxlabWarning

FUZZ = settings(
    max_examples=int(os.environ.get("CXLAB_FUZZ_EXAMPLES", "60")),  # raise for a deeper run
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STAGES = list(cxlab.DEFAULT_CATALOG.stages)
CHANNELS = list(cxlab.DEFAULT_CATALOG.channels)


@contextlib.contextmanager
def only_cxlab_problems():
    """Let a CxlabError pass; fail on any other exception or a non-cxlab warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except CxlabError as exc:
            assert str(exc)
    foreign = [
        w
        for w in caught
        if not issubclass(w.category, CxlabWarning | DeprecationWarning | FutureWarning)
    ]
    assert not foreign, [f"{w.category.__name__}: {w.message}" for w in foreign]


# -- values a messy export holds --------------------------------------------------

_dates = st.datetimes(
    min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2030, 12, 31)
)
_text_dates = st.one_of(
    _dates.map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    _dates.map(lambda d: d.strftime("%d/%m/%Y")),
    _dates.map(lambda d: d.strftime("%m/%d/%Y %H:%M")),
    _dates.map(lambda d: d.isoformat() + "+03:30"),
    _dates.map(lambda d: d.strftime("%b %d, %Y")),
)
_junk = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.booleans(),
    st.just(decimal.Decimal("sNaN")),
    st.just(pd.NaT),
)
_timestamp = st.one_of(_text_dates, _dates, _junk)
_stage = st.one_of(st.sampled_from(STAGES), _junk)
_channel = st.one_of(st.sampled_from(CHANNELS), _junk)
_revenue = st.one_of(st.floats(allow_nan=True, allow_infinity=True), _junk)
_ids = st.one_of(st.integers(0, 5), st.sampled_from(["a", "b", "c"]), _junk)


@st.composite
def event_frames(draw):
    n = draw(st.integers(0, 8))

    def column(values, homogeneous):
        if draw(st.booleans()):  # a clean column of one kind
            return [draw(homogeneous) for _ in range(n)]
        return [draw(values) for _ in range(n)]

    cols = {
        "customer_id": column(_ids, st.integers(0, 5)),
        "timestamp": column(_timestamp, _text_dates),
        "stage": column(_stage, st.sampled_from(STAGES)),
        "channel": column(_channel, st.sampled_from(CHANNELS)),
    }
    if draw(st.booleans()):
        cols["revenue"] = column(_revenue, st.floats(0, 100))
    drop = draw(st.sets(st.sampled_from(sorted(cols)), max_size=1))
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items() if k not in drop})


@FUZZ
@given(event_frames(), st.sampled_from(["raise", "drop", "sum"]), st.sampled_from([None, True]))
def test_load_events_on_generated_frames(df, on_duplicates, dayfirst):
    with only_cxlab_problems():
        out = cxlab.load_events(df, on_duplicates=on_duplicates, dayfirst=dayfirst)
        assert out["timestamp"].dtype == "datetime64[ns]"
        assert np.isfinite(out["revenue"].to_numpy(dtype=float)).all()
        assert len(out) <= len(df)


_CSV_HEAD = b"customer_id,timestamp,stage,channel,revenue\n"


@st.composite
def csv_bytes(draw):
    kind = draw(st.sampled_from(["random", "rows", "mutated"]))
    if kind == "random":
        return draw(st.binary(max_size=200))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        ts = draw(_text_dates)
        rows.append(
            f"{draw(st.integers(0, 4))},{ts},{draw(st.sampled_from(STAGES))},"
            f"{draw(st.sampled_from(CHANNELS))},{draw(st.floats(0, 50, allow_nan=False)):.2f}"
        )
    body = _CSV_HEAD + "\n".join(rows).encode()
    if kind == "mutated" and body:
        pos = draw(st.integers(0, len(body) - 1))
        body = body[:pos] + draw(st.binary(min_size=1, max_size=4)) + body[pos + 1 :]
    encoding = draw(st.sampled_from([None, "utf-16", "latin-1"]))
    return body if encoding is None else body.decode("utf-8", "replace").encode(encoding, "replace")


@FUZZ
@given(csv_bytes(), st.booleans())
def test_load_on_raw_csv_bytes(content, with_catalog):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "events.csv").write_bytes(content)
        if with_catalog:
            (folder / "catalog.json").write_bytes(content[:40])
        with only_cxlab_problems():
            data = cxlab.load(folder)
            assert len(data.events) and len(data.customers)
        with only_cxlab_problems():
            cxlab.validate(folder)


# -- estimators on generated small journeys ---------------------------------------------


@st.composite
def journeys(draw):
    """A valid small study: each customer a short sequence of catalog stages."""
    n_customers = draw(st.integers(1, 12))
    rows = []
    for cid in range(n_customers):
        t = pd.Timestamp("2025-01-01") + pd.Timedelta(days=draw(st.integers(0, 30)))
        for _ in range(draw(st.integers(1, 6))):
            t += pd.Timedelta(hours=draw(st.integers(1, 24 * 60)))
            rows.append(
                (
                    cid,
                    t,
                    draw(st.sampled_from(STAGES)),
                    draw(st.sampled_from(CHANNELS)),
                    draw(st.sampled_from([0.0, 0.0, 9.5, 120.0])),
                )
            )
    events = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "channel", "revenue"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxlabWarning)
        events = cxlab.load_events(events, observation_end="2030-01-01")
    customers = events[["customer_id"]].drop_duplicates().reset_index(drop=True)
    customers["loyalty_member"] = [draw(st.booleans()) for _ in range(len(customers))]
    customers["segment"] = [draw(st.sampled_from(["a", "b"])) for _ in range(len(customers))]
    scores = [draw(st.integers(0, 10)) for _ in range(len(customers))]
    feedback = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "timestamp": pd.Timestamp("2025-06-01"),
            "metric": pd.Categorical(["nps"] * len(customers)),
            "score": np.asarray(scores, dtype=np.int64),
        }
    )
    return cxlab.CXData(events=events, customers=customers, feedback=feedback)


@FUZZ
@given(journeys(), st.sampled_from(["all", "buyer"]))
def test_markov_chain_on_generated_journeys(data, journey):
    with only_cxlab_problems():
        chain = cxlab.MarkovChain(journey=journey).fit(data)
        p = chain.transition_matrix_.to_numpy()
        assert np.allclose(p.sum(axis=1)[p.sum(axis=1) > 0], 1.0)


@FUZZ
@given(journeys(), st.sampled_from(["open", "closed"]))
def test_funnel_on_generated_journeys(data, kind):
    with only_cxlab_problems():
        table = cxlab.funnel(data, kind=kind).summary()
        assert (table["customers"].diff().dropna() <= 0).all() or kind == "open"


@FUZZ
@given(journeys(), st.sampled_from(["event", "inactivity", "either"]))
def test_survival_table_and_churn_model_on_generated_journeys(data, churn):
    with only_cxlab_problems():
        kw = {} if churn == "event" else {"inactivity_days": 30}
        table = cxlab.survival_table(data, churn=churn, **kw)
        assert (table["tenure_days"] >= 0).all()
        cxlab.ChurnModel(covariates=["loyalty_member", "support_contacts"]).fit(table)


_scores = st.one_of(
    st.integers(-3, 13),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(decimal.Decimal("sNaN")),
    st.just(decimal.Decimal("7")),
    st.none(),
    st.text(max_size=3),
)


@FUZZ
@given(st.lists(_scores, max_size=40))
def test_nps_on_generated_scores(scores):
    with only_cxlab_problems():
        est = cxlab.nps(pd.Series(scores, dtype=object), n_bootstrap=50, random_state=0)
        assert -100 <= est.score <= 100


@FUZZ
@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=True, width=32), min_size=30, max_size=30)
)
def test_churn_model_with_extreme_covariates(x):
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "tenure_days": rng.uniform(1, 300, 30),
            "churned": rng.random(30) < 0.6,
            "x": x,
        }
    )
    with only_cxlab_problems():
        cxlab.ChurnModel(covariates=["x"]).fit(table)


@pytest.mark.parametrize("n", [0, 1])
def test_fuzz_helpers_accept_a_clean_study(n):
    """The generators build valid studies (a check of the tests themselves)."""
    data = cxlab.simulate(n_customers=60, random_state=n)
    with only_cxlab_problems():
        cxlab.MarkovChain().fit(data)
