"""customer_features: hand-worked values, agreement with plain pandas and with the
simulator's truth, the missing-value report, and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.data._catalog import DEFAULT_CATALOG
from cxlab.data._model import CXData
from cxlab.exceptions import DataError, DataWarning, MissingColumnError, ParameterError
from cxlab.personas._features import customer_features, feature_catalog, missing_report


def _events(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "timestamp", "stage", "channel", "revenue"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["stage"] = pd.Categorical(df["stage"], categories=list(DEFAULT_CATALOG.stages))
    df["channel"] = pd.Categorical(df["channel"], categories=list(DEFAULT_CATALOG.channels))
    return df


@pytest.fixture
def tiny():
    """Three customers worked out by hand."""
    events = _events(
        [
            # 1: two research events, buys on day 4, one support call, a repeat order, churns day 14
            (1, "2025-01-01", "awareness", "social", 0.0),
            (1, "2025-01-02", "consideration", "app", 0.0),
            (1, "2025-01-05", "purchase", "app", 50.0),
            (1, "2025-01-06", "service", "call_centre", 0.0),
            (1, "2025-01-10", "loyalty", "app", 30.0),
            (1, "2025-01-15", "churn", "app", 0.0),
            # 2: one awareness event, nothing else
            (2, "2025-01-03", "awareness", "email", 0.0),
            # 3: three research events over 6 days, no purchase
            (3, "2025-01-02", "awareness", "search", 0.0),
            (3, "2025-01-05", "consideration", "web", 0.0),
            (3, "2025-01-08", "consideration", "web", 0.0),
            # 4: buys on first contact? no: starts at consideration, buys 2 days later
            (4, "2025-01-10", "consideration", "store", 0.0),
            (4, "2025-01-12", "purchase", "store", 100.0),
            (4, "2025-01-21", "use", "web", 0.0),
        ]
    )
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "segment": pd.Categorical(
                ["consumer", "business", "consumer", "business"],
                categories=["consumer", "business"],
            ),
            "loyalty_member": [True, False, False, False],
        }
    )
    feedback = pd.DataFrame(
        {
            "customer_id": [1, 1, 4, 4],
            "timestamp": pd.to_datetime(["2025-01-05", "2025-01-09", "2025-01-12", "2025-01-20"]),
            "metric": ["csat", "nps", "csat", "nps"],
            "score": [4, 9, 2, 6],
        }
    )
    return CXData(events=events, customers=customers, feedback=feedback)


def test_hand_worked_values(tiny):
    X = customer_features(tiny)
    assert list(X.index) == [1, 2, 3, 4]
    one, two, three, four = (X.loc[i] for i in [1, 2, 3, 4])
    # channel mix
    assert one["share_app"] == pytest.approx(4 / 6)
    assert one["share_social"] == pytest.approx(1 / 6)
    assert two["share_email"] == 1.0
    assert three["share_web"] == pytest.approx(2 / 3)
    assert X.filter(like="share_").sum(axis=1).to_numpy() == pytest.approx(np.ones(4))
    # channel counts by stage: only pairs that occur are columns
    assert one["n_consideration__app"] == 1 and one["n_purchase__app"] == 1
    assert "n_awareness__store" not in X.columns
    assert three["n_consideration__web"] == 2
    # journey
    assert list(X["n_events"]) == [6, 1, 3, 3]
    assert list(X["n_buyer_events"]) == [2, 1, 3, 1]
    assert list(X["purchased"]) == [1, 0, 0, 1]
    assert one["days_to_purchase"] == 4.0 and four["days_to_purchase"] == 2.0
    assert np.isnan(two["days_to_purchase"]) and np.isnan(three["days_to_purchase"])
    # buyer gaps: customer 1 four days over two gaps; 3 six days over two gaps; 2 has none
    assert one["buyer_gap_days"] == 2.0 and three["buyer_gap_days"] == 3.0
    assert four["buyer_gap_days"] == 2.0 and np.isnan(two["buyer_gap_days"])
    assert list(X["support_contacts"]) == [1, 0, 0, 0]
    assert one["n_stages"] == 6 and two["n_stages"] == 1
    assert one["reached_churn"] == 1 and four["reached_use"] == 1
    # value: tenure to the churn event, or to the end of the log (2025-01-21)
    assert list(X["orders"]) == [2, 0, 0, 1]
    assert list(X["revenue"]) == [80.0, 0.0, 0.0, 100.0]
    assert one["avg_order_value"] == 40.0 and np.isnan(two["avg_order_value"])
    assert one["tenure_days"] == 10.0 and four["tenure_days"] == 9.0
    assert np.isnan(three["tenure_days"])
    assert list(X["churned"]) == [1, 0, 0, 0]
    assert list(X["loyalty_member"]) == [1.0, 0.0, 0.0, 0.0]
    assert list(X["segment_business"]) == [0.0, 1.0, 0.0, 1.0]
    # feedback
    assert one["nps"] == 9 and one["csat"] == 4 and four["nps"] == 6 and four["csat"] == 2
    assert X["nps"].isna().sum() == 2 and X["ces"].isna().all()


def test_end_sets_tenure_of_active_customers(tiny):
    X = customer_features(tiny, end="2025-01-31")
    assert X.loc[4, "tenure_days"] == 19.0
    assert X.loc[1, "tenure_days"] == 10.0  # churned: the churn event ends the tenure


def test_selection_by_group_and_name(tiny):
    X = customer_features(tiny, features=["channels", "revenue", "n_use__web"])
    assert list(X.columns) == [f"share_{c}" for c in DEFAULT_CATALOG.channels] + [
        "revenue",
        "n_use__web",
    ]
    assert customer_features(tiny, features="value").columns[0] == "orders"
    # a count pair that never occurs is a column of zeros when asked for by name
    assert customer_features(tiny, features=["n_awareness__store"]).sum().iloc[0] == 0


def test_missing_report_names_reasons(tiny):
    X = customer_features(tiny)
    rep = missing_report(X)
    assert rep.loc["days_to_purchase", "n_missing"] == 2
    assert rep.loc["days_to_purchase", "missing_when"] == "no purchase"
    assert rep.loc["ces", "share_missing"] == 1.0
    assert rep.loc["revenue", "n_missing"] == 0 and rep.loc["revenue", "policy"] == ""
    assert "(no events)" not in rep.index


def test_customers_without_events_are_reported(tiny):
    tiny.customers = pd.concat(
        [tiny.customers, pd.DataFrame({"customer_id": [9], "loyalty_member": [False]})],
        ignore_index=True,
    )
    with pytest.warns(DataWarning, match="1 customers have no events"):
        X = customer_features(tiny)
    assert 9 not in X.index
    assert X.attrs["customers_without_events"] == [9]
    assert missing_report(X).loc["(no events)", "n_missing"] == 1


def test_string_ids_and_unsorted_log_give_the_same_table(small_data):
    X = customer_features(small_data)
    shuffled = small_data.events.sample(frac=1.0, random_state=1)
    ids = shuffled["customer_id"].map(lambda i: f"c{i:05d}")
    other = CXData(
        events=shuffled.assign(customer_id=ids),
        customers=small_data.customers.assign(
            customer_id=small_data.customers["customer_id"].map(lambda i: f"c{i:05d}")
        ),
        feedback=small_data.feedback.assign(
            customer_id=small_data.feedback["customer_id"].map(lambda i: f"c{i:05d}")
        ),
    )
    Y = customer_features(other)
    assert list(Y.index[:2]) == ["c00001", "c00002"]
    np.testing.assert_allclose(Y.to_numpy(dtype=float), X.to_numpy(dtype=float))


def test_agrees_with_plain_pandas(small_data):
    X = customer_features(small_data)
    ev = small_data.events
    shares = pd.crosstab(ev["customer_id"], ev["channel"], normalize="index")
    np.testing.assert_allclose(
        X[[f"share_{c}" for c in shares.columns]].to_numpy(), shares.to_numpy(), atol=1e-12
    )
    revenue = ev.groupby("customer_id")["revenue"].sum()
    np.testing.assert_allclose(X["revenue"], revenue.reindex(X.index))
    first = ev.groupby("customer_id")["timestamp"].min()
    bought = ev[ev["stage"] == "purchase"].groupby("customer_id")["timestamp"].min()
    ttp = ((bought - first.reindex(bought.index)) / pd.Timedelta(days=1)).reindex(X.index)
    np.testing.assert_allclose(X["days_to_purchase"], ttp)
    cells = ev.groupby(["customer_id", "stage", "channel"], observed=True).size()
    for (stage, channel), col in [(("consideration", "store"), "n_consideration__store")]:
        expected = cells.xs((stage, channel), level=("stage", "channel")).reindex(X.index)
        np.testing.assert_array_equal(X[col], expected.fillna(0).astype(int))


def test_agrees_with_truth(small_data):
    X = customer_features(small_data)
    truth = small_data.truth.customers.reindex(X.index)
    np.testing.assert_array_equal(X["purchased"], truth["purchased"].astype(int))
    # every observed NPS and CSAT answer is the customer's true score
    answered = X["nps"].notna()
    np.testing.assert_array_equal(X.loc[answered, "nps"], truth.loc[answered, "nps_true"])
    rated = X["csat"].notna()
    np.testing.assert_array_equal(X.loc[rated, "csat"], truth.loc[rated, "csat"])
    # support contacts in the log never exceed the simulated ones (the window cuts some)
    buyers = truth["purchased"].to_numpy()
    assert (X.loc[buyers, "support_contacts"] <= truth.loc[buyers, "support_contacts"]).all()
    assert (X["support_contacts"] == truth["support_contacts"].fillna(0)).mean() > 0.97
    # the missing-value report counts exactly the non-purchasers
    rep = missing_report(X)
    assert rep.loc["tenure_days", "n_missing"] == (~truth["purchased"]).sum()
    np.testing.assert_array_equal(X["loyalty_member"], truth["loyalty_member"].astype(float))


def test_feature_catalog_documents_every_column(small_data):
    X = customer_features(small_data)
    table = feature_catalog()
    documented = set(table.index)
    undocumented = [c for c in X.columns if c not in documented and not c.startswith("segment_")]
    assert undocumented == []
    assert (table["description"].str.len() > 10).all()


def test_numpy_counts_in_memory_equal_the_engine_plan(small_data):
    """pandas in memory takes numpy counts; the narwhals plan gives the same features.

    On shuffled rows with text stages and channels and times cut to the day (many events
    share an instant: "before the first purchase" then follows the catalog's stage order).
    """
    import narwhals as nw

    events = small_data.events.sample(frac=1.0, random_state=2).reset_index(drop=True)
    events = events.assign(timestamp=events["timestamp"].dt.floor("D"))
    events = events.astype({"stage": str, "channel": str})
    tables = [
        customer_features(
            CXData(events=ev, customers=small_data.customers, feedback=small_data.feedback)
        )
        for ev in (events, nw.from_native(events).lazy())  # numpy; narwhals on pandas
    ]
    # the engine path returns compact dtypes (int32 counts, int8 flags): values compared
    pd.testing.assert_frame_equal(
        tables[0], tables[1], check_exact=False, rtol=1e-12, check_dtype=False
    )
    assert events.duplicated(["customer_id", "timestamp"]).sum() > 100  # the ties are there


def test_errors(tiny):
    with pytest.raises(ParameterError, match="unknown feature or group 'colour'"):
        customer_features(tiny, features=["colour"])
    with pytest.raises(MissingColumnError, match="region"):
        customer_features(tiny, attributes=["region"])
    broken = CXData(
        events=tiny.events.drop(columns="channel"), customers=tiny.customers, feedback=tiny.feedback
    )
    with pytest.raises(MissingColumnError, match="channel"):
        customer_features(broken)
    odd = tiny.events.assign(stage=tiny.events["stage"].astype(str).replace("use", "usage"))
    with pytest.raises(DataError, match="usage") as err:
        customer_features(CXData(events=odd, customers=tiny.customers, feedback=tiny.feedback))
    assert err.value.column == "stage" and err.value.n_rows == 1
    empty = CXData(events=tiny.events.iloc[:0], customers=tiny.customers, feedback=tiny.feedback)
    with pytest.raises(DataError, match="empty"):
        customer_features(empty)


def test_attributes_with_several_levels(tiny):
    tiny.customers["region"] = ["north", "south", None, "east"]
    X = customer_features(tiny, attributes=["segment", "region"])
    assert {"region_east", "region_north", "region_south"} <= set(X.columns)
    assert np.isnan(X.loc[3, "region_north"])  # a missing attribute stays missing
    assert X.loc[1, "region_north"] == 1.0


def test_demo_data_builds_quickly_and_completely():
    data = cxlab.load("data/demo")
    X = cxlab.customer_features(data)
    assert len(X) == data.customers["customer_id"].nunique()
    assert X["n_events"].sum() == len(data.events)
