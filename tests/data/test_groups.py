"""The one reading of ``by=`` (cxlab.data.customer_groups): every form and every error."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from cxlab.data import customer_groups
from cxlab.exceptions import (
    DataError,
    DataWarning,
    GroupColumnError,
    MissingColumnError,
    ParameterError,
)


@pytest.fixture
def customers():
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4"],
            "segment": pd.Categorical(["b", "a", "b", "a"], categories=["b", "a"]),
            "region": ["n", "n", "s", None],
        }
    )


def test_no_grouping_gives_none(customers):
    assert customer_groups(None, customers) is None
    assert customer_groups("", customers) is None


def test_a_column_keeps_its_category_order(customers):
    g = customer_groups("segment", customers)
    assert g.to_dict() == {"c1": "b", "c2": "a", "c3": "b", "c4": "a"}
    assert list(g.cat.categories) == ["b", "a"]
    assert g.name == "segment"


def test_several_columns_are_crossed_and_a_missing_value_can_form_a_group(customers):
    with pytest.warns(DataWarning, match="1 customers have no 'region'"):
        g = customer_groups(["segment", "region"], customers, missing="group")
    assert g.tolist() == ["b / n", "a / n", "b / s", "a / (missing)"]
    assert list(g.cat.categories) == sorted(set(g))


def test_a_table_indexed_by_customer(customers):
    table = customers.set_index("customer_id")
    assert customer_groups("segment", table).index.tolist() == ["c1", "c2", "c3", "c4"]


def test_series_and_dict_map_customer_to_group():
    s = pd.Series({"c1": "x", "c2": "y"}, name="persona")
    assert customer_groups(s).to_dict() == {"c1": "x", "c2": "y"}
    assert customer_groups(s).name == "persona"
    assert customer_groups({"c1": "x"}).name == "group"


def test_an_events_column_constant_within_customers(customers):
    events = pd.DataFrame({"customer_id": ["c1", "c1", "c2"], "campaign": ["p", "p", "q"]})
    g = customer_groups("campaign", customers, events=events)
    assert g.to_dict() == {"c1": "p", "c2": "q"}


def test_error_an_events_column_that_varies_within_a_customer(customers):
    events = pd.DataFrame({"customer_id": ["c1", "c1", "c2"], "channel": ["web", "app", "web"]})
    with pytest.raises(DataError, match="changes within a customer's journey") as err:
        customer_groups("channel", customers, events=events)
    assert err.value.example_ids == ["c1"]
    assert err.value.n_rows == 1
    assert "period=" in str(err.value)  # how to compare over time instead


def test_error_unknown_columns_name_what_the_table_has(customers):
    with pytest.raises(ParameterError, match=r"by=\['nope'\] are not columns of the customers"):
        customer_groups(["segment", "nope"], customers, what="customers table")
    with pytest.raises(
        MissingColumnError, match=r"groups='nope' is not a column of the table \(it"
    ):
        customer_groups("nope", customers, param="groups")
    with pytest.raises(ParameterError, match="no customers table to look it up in") as err:
        customer_groups("segment", None, what="customers table")
    assert isinstance(err.value, MissingColumnError) and err.value.column == "segment"


def test_error_unknown_column_names_the_events_columns_too(customers):
    events = pd.DataFrame({"customer_id": ["c1"], "channel": ["web"]})
    with pytest.raises(GroupColumnError, match=r"nor of the events \(they have \['customer_id'"):
        customer_groups("colour", customers, events=events)
    with pytest.raises(GroupColumnError, match="and there is no table"):
        customer_groups("colour", None, events=events)


def test_ids_choose_and_order_the_customers(customers):
    g = customer_groups("segment", customers, ids=["c3", "c1"])
    assert g.index.tolist() == ["c3", "c1"] and g.tolist() == ["b", "b"]
    assert list(g.cat.categories) == ["b"]  # only the groups present
    # c4 has no region but is not asked for
    assert customer_groups("region", customers, ids=["c1", "c3"]).tolist() == ["n", "s"]


def test_error_ids_without_a_group_name_their_table(customers):
    s = pd.Series({"c1": "x", "c2": "y"}, name="team")
    with pytest.raises(DataError, match="have no 'team' group") as err:
        customer_groups(s, ids=["c1", "c9", "c2", "c8"], ids_table="events")
    assert err.value.table == "events" and err.value.example_ids == ["c9", "c8"]
    assert err.value.n_rows == 2


def test_error_missing_group_values_by_default(customers):
    with pytest.raises(DataError, match="customers have no 'region' group") as err:
        customer_groups("region", customers)
    assert err.value.example_ids == ["c4"]
    assert "filter_customers" in str(err.value)


def test_error_a_customer_in_two_groups():
    s = pd.Series(["x", "y"], index=["c1", "c1"])
    with pytest.raises(DataError, match="several groups to the same customer") as err:
        customer_groups(s)
    assert err.value.example_ids == ["c1"]


def test_error_wrong_types():
    with pytest.raises(ParameterError, match="by must be None, a column name"):
        customer_groups(3)
    with pytest.raises(ParameterError, match="missing='drop'"):
        customer_groups("segment", missing="drop")


def test_the_missing_group_warning_points_at_the_caller(customers):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        customer_groups("region", customers, missing="group")
    assert caught[0].filename == __file__
