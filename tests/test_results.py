"""The results base: a table with numbered notes, as text and as escaped HTML."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

from cxlab._results import NotedResult


@dataclass(repr=False)
class _Result(NotedResult):
    table: pd.DataFrame
    notes: list = field(default_factory=list)
    _title = "Two <b>groups</b>"


def _result():
    table = pd.DataFrame({"estimate": [0.25, 0.5]}, index=pd.Index(["<a>", "b & c"], name="group"))
    return _Result(table, ["intervals assume <independence>", "n < 30 in 'b & c'"])


def test_text_numbers_the_notes_under_the_table():
    text = repr(_result())
    assert text.splitlines()[0] == "Two <b>groups</b>"
    assert "[1] intervals assume <independence>" in text
    assert text.rstrip().endswith("[2] n < 30 in 'b & c'")


def test_html_escapes_labels_title_and_notes_and_numbers_the_notes():
    html = _result()._repr_html_()
    assert "<a>" not in html and "&lt;a&gt;" in html
    assert "Two &lt;b&gt;groups&lt;/b&gt;" in html
    assert "<ol><li>intervals assume &lt;independence&gt;</li><li>n &lt; 30" in html


def test_result_classes_share_the_base():
    import cxlab
    from cxlab.btyd._checks import FitCheck
    from cxlab.markov._attribution import AttributionResult
    from cxlab.personas._journeys import PersonaJourneys
    from cxlab.survival._clv import CLVResult
    from cxlab.survival._cox import AssumptionReport
    from cxlab.value._results import ValueRanking, WhatIfResult

    for cls in (PersonaJourneys, WhatIfResult, ValueRanking, CLVResult, AssumptionReport):
        assert issubclass(cls, NotedResult)
    assert issubclass(FitCheck, NotedResult) and issubclass(AttributionResult, NotedResult)
    assert cxlab  # the top level stays importable with the base in place


SCRIPT = "<script>alert(1)</script> customers in 'b & c'"


def _clv():
    from cxlab.survival._clv import CLVResult

    table = pd.DataFrame(
        {"n": [120], "clv": [310.5], "se": [20.0], "lower": [270.0], "upper": [350.0]},
        index=pd.Index(["<b>vip</b>"], name="segment"),
    )
    return CLVResult(table, pd.DataFrame(), {"horizon_days": 365}, [SCRIPT])


def _assumptions():
    from cxlab.survival._cox import AssumptionReport

    index = pd.MultiIndex.from_tuples([("csat", "rank")], names=["covariate", "transform"])
    table = pd.DataFrame({"test_statistic": [5.1], "p": [0.0002], "violated": [True]}, index)
    return AssumptionReport(table, [SCRIPT])


def _fit_check():
    from cxlab.btyd._checks import FitCheck

    table = pd.DataFrame(
        {"observed": [50, 30], "expected": [48.2, 31.9]}, index=pd.Index(["0", "1+"], name="x")
    )
    return FitCheck("frequency", table, {"chi2": 0.3, "df": 1, "p": 0.58}, [SCRIPT])


def _attribution():
    from cxlab.markov._attribution import AttributionResult

    table = pd.DataFrame(
        {
            "method": ["first_touch", "markov"] * 2,
            "channel": ["<b>vip</b>", "<b>vip</b>", "web", "web"],
            "conversions": [30.0, 25.5, 70.0, 74.5],
        }
    )
    return AttributionResult(table, pd.DataFrame(), {}, 100.0, 0.0, 40, 400.0, 1, 0.95, [SCRIPT])


@pytest.mark.parametrize("make", [_clv, _assumptions, _fit_check, _attribution])
def test_notes_render_escaped_through_the_base(make):
    result = make()
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<ol><li>&lt;script&gt;" in html  # numbered, by the one renderer
    assert "<b>vip</b>" not in html
    text = repr(result)
    assert text.splitlines()[0].startswith(type(result).__name__ + "(")
    assert text.rstrip().endswith(f"[1] {SCRIPT}")


def test_texts_keep_their_heads_and_read_like_every_other_table():
    assert repr(_clv()).splitlines()[0] == "CLVResult(horizon_days=365)"
    assert "310.5 (270.0–350.0)" in repr(_clv())  # the interval beside the estimate
    assert repr(_assumptions()).splitlines()[0] == "AssumptionReport(ok=False)"
    assert "<0.001" in repr(_assumptions())
    assert repr(_fit_check()).splitlines()[0] == "FitCheck(frequency; chi2=0.3, df=1, p=0.58)"
