"""Readable display of results: exact formatting, full precision underneath, escaped HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab._display import (
    format_count,
    format_interval,
    format_number,
    format_p,
    readable,
    readable_frame,
)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.live = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "svg"):
            self.live.append(tag)
        self.live += [name for name, _ in attrs if name.startswith("on")]


def _live(html: str) -> list[str]:
    """Tags and event handlers in the page that a browser would run or load."""
    parser = _Tags()
    parser.feed(html)
    return parser.live


# -- single numbers -----------------------------------------------------------------
def test_p_values():
    assert format_p(0.0001) == "<0.001"
    assert format_p(0.000999) == "<0.001"
    assert format_p(0.001) == "0.001"
    assert format_p(0.04321) == "0.043"
    assert format_p(1.0) == "1.000"
    assert format_p(np.nan) == ""
    assert format_p(None) == ""


def test_counts_and_numbers():
    assert format_count(4064.0) == "4,064"
    assert format_count(1234567) == "1,234,567"
    assert format_count(np.nan) == ""
    assert format_number(123456.789, 0) == "123,457"
    assert format_number(0.53333, 3) == "0.533"
    assert format_number(-0.0001, 3) == "0.000"
    assert format_number(0.000123, None) == "0.000123"
    assert format_number(np.inf, 2) == "\u221e"


def test_interval_next_to_estimate():
    assert format_interval(0.5333, 0.49, 0.57) == "0.533 (0.490\u20130.570)"
    assert format_interval(0.5333, np.nan, np.nan) == "0.533"
    assert format_interval(np.nan, np.nan, np.nan) == ""


# -- tables -------------------------------------------------------------------------
@pytest.fixture
def table():
    return pd.DataFrame(
        {
            "group": ["a", "b"],
            "n": [4064.0, 12.0],
            "estimate": [0.53333, 0.1],
            "lower": [0.4912, 0.05],
            "upper": [0.5701, 0.2],
            "share": [0.123456, np.nan],
            "share_lower": [0.1, np.nan],
            "share_upper": [0.15, np.nan],
            "p": [0.0001, 0.2],
            "revenue": [123456.7, 5.0],
            "median_days": [4.1344, 12.5],
            "covered": pd.array([True, pd.NA], dtype="boolean"),
        }
    )


def test_table_rules(table):
    frame = readable_frame(table)
    assert list(frame.columns) == [
        "group",
        "n",
        "estimate",
        "share",
        "p",
        "revenue",
        "median_days",
        "covered",
    ]
    row = frame.iloc[0].to_dict()
    assert row == {
        "group": "a",
        "n": "4,064",
        "estimate": "0.533 (0.491\u20130.570)",
        "share": "0.123 (0.100\u20130.150)",
        "p": "<0.001",
        "revenue": "123,457",
        "median_days": "4.1",
        "covered": "yes",
    }
    # a missing share and its missing bounds show empty, not NaN; no truth: covered empty
    assert frame.iloc[1]["share"] == ""
    assert frame.iloc[1]["covered"] == ""
    assert frame.iloc[1]["p"] == "0.200"
    assert "nan" not in readable(table).text().lower()


def test_full_precision_kept(table):
    shown = readable(table, columns=["group", "estimate"])
    assert shown.data is table
    pd.testing.assert_frame_equal(shown.summary(), table)
    assert shown.summary().loc[0, "estimate"] == 0.53333
    assert list(shown.frame().columns) == ["group", "estimate"]


def test_rows_of_different_quantities():
    t = pd.DataFrame(
        {"before": [0.4891, 2445.0, 81234.5], "after": [0.51, 2550.0, 84500.25]},
        index=pd.Index(["conversion_rate", "purchasers", "revenue"], name="metric"),
    )
    frame = readable_frame(t, by_row=True)
    assert frame.loc["conversion_rate"].tolist() == ["0.489", "0.510"]
    assert frame.loc["purchasers"].tolist() == ["2,445", "2,550"]
    assert frame.loc["revenue"].tolist() == ["81,234", "84,500"]


def test_boolean_labels_readable():
    t = pd.DataFrame({"n": [3.0, 4.0]}, index=pd.Index([False, True], name="loyalty_member"))
    assert readable_frame(t).index.tolist() == ["no", "yes"]


def test_escaped_everywhere():
    t = pd.DataFrame({SCRIPT: [IMG]}, index=pd.Index([IMG], name=SCRIPT))
    html = readable(t, title=SCRIPT, notes=[IMG]).html()
    assert _live(html) == []
    assert "&lt;script&gt;" in html and "&lt;img" in html


# -- result objects -----------------------------------------------------------------
@pytest.fixture(scope="module")
def html_names():
    """A simulated study whose segment and persona names are HTML."""
    data = cxlab.simulate(n_customers=800, random_state=3)
    seg = data.customers["segment"].astype(str).map({"consumer": SCRIPT, "business": IMG})
    data.customers["segment"] = seg
    personas = data.truth.persona.astype(str).map(
        dict(zip(sorted(data.truth.persona.astype(str).unique()), [SCRIPT, IMG] * 4))
    )
    return data, personas


def test_funnel_display_is_readable_and_escaped(html_names):
    data, _ = html_names
    res = cxlab.funnel(data, ["awareness", "consideration", "purchase"], by="segment")
    html = res._repr_html_()
    assert _live(html) == []
    assert "&lt;script&gt;" in html
    shown = res._readable(50).frame()
    # counts as integers with separators, conversion with its interval, no raw bounds
    full = res.summary()
    assert "conversion_ci_low" not in shown.columns
    n = full["entered"].iloc[0]
    assert shown["entered"].iloc[0] == f"{int(n):,}"
    c, lo, hi = full[["conversion", "conversion_ci_low", "conversion_ci_high"]].iloc[1]
    assert shown["conversion"].iloc[1] == f"{c:.3f} ({lo:.3f}\u2013{hi:.3f})"
    assert full["conversion"].dtype == float  # the data keeps full precision


def test_homogeneity_and_persona_journeys_escaped(html_names):
    data, personas = html_names
    test = cxlab.markov_homogeneity_test(data, by=personas, journey="buyer")
    html = test._repr_html_()
    assert _live(html) == []
    assert "p_value" in html
    assert "&lt;0.001" in html  # the overall p-value, in the title
    pj = cxlab.persona_journeys(data, personas, random_state=0)
    html = pj._repr_html_()
    assert _live(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shown = pj._readable().frame()
    full = pj.summary()
    n = full["n_customers"].iloc[0]
    assert shown["n_customers"].iloc[0] == f"{int(n):,}"
    p, lo, hi = full[["p_purchase", "p_purchase_low", "p_purchase_high"]].iloc[0]
    assert shown["p_purchase"].iloc[0] == f"{p:.3f} ({lo:.3f}\u2013{hi:.3f})"


def test_value_results_escaped():
    data = cxlab.simulate(n_customers=1500, random_state=2)
    model = cxlab.ValueModel(n_bootstrap=20, random_state=0).fit(data)
    a = cxlab.Scenario.churn(0.9, name=SCRIPT)
    b = cxlab.Scenario.churn(0.8, name=IMG)
    res = model.what_if(a)
    assert _live(res._repr_html_()) == []
    ranking = model.rank([a, b])
    assert _live(ranking._repr_html_()) == []
    shown = ranking._readable().frame()
    full = ranking.summary()
    v, lo, hi = full.iloc[0][["value_created", "lower", "upper"]]
    assert shown.iloc[0]["value_created"] == f"{v:,.0f} ({lo:,.0f}\u2013{hi:,.0f})"


def test_funnel_legend_names_boolean_groups():
    import matplotlib.pyplot as plt

    data = cxlab.simulate(n_customers=1000, random_state=1)
    res = cxlab.funnel(data, ["awareness", "purchase"], kind="closed", by="loyalty_member")
    ax = res.plot()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "not loyalty member",
        "loyalty member",
    ]
    assert set(res._readable(50).frame()["loyalty_member"]) == {"no", "yes"}
    plt.close("all")


def test_identifiers_are_shown_as_given():
    df = pd.DataFrame(
        {"customer_id": [4442, 99999], "revenue": [1234.0, 5678.0]},
        index=pd.Index([4442, 12345], name="customer_id"),
    )
    html = cxlab.readable(df)._repr_html_()
    assert "4,442" not in html and "12,345" not in html and "99,999" not in html
    assert ">4442<" in html and ">12345<" in html and "1,234" in html


def test_caveats_collects_statistical_warnings_and_passes_others_on():
    import warnings

    from cxlab.exceptions import DataWarning, StatisticalWarning

    with pytest.warns(DataWarning, match="rows dropped"):
        with cxlab.caveats() as notes:
            warnings.warn("interval may be too narrow", StatisticalWarning, stacklevel=1)
            warnings.warn("interval may be too narrow", StatisticalWarning, stacklevel=1)
            warnings.warn("rows dropped", DataWarning, stacklevel=1)
    assert notes == ["interval may be too narrow"]


def test_group_label_names_boolean_groups_of_a_one_column_list_in_the_language():
    from cxlab._display import group_label
    from cxlab.i18n import use_language

    assert group_label(True, ["loyalty_member"]) == "loyalty member"
    assert group_label(False, ("loyalty_member",)) == "not loyalty member"
    assert group_label(False, ["loyalty_member", "segment"]) == "False"  # crossed groups
    with use_language("fa"):
        assert group_label(True, ["loyalty_member"]) == "عضو باشگاه وفاداری: بله"
        assert group_label("False", "loyalty_member") == "عضو باشگاه وفاداری: خیر"
