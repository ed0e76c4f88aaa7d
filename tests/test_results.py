"""The results base: a table with numbered notes, as text and as escaped HTML."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

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
    from cxlab.personas._journeys import PersonaJourneys
    from cxlab.value._results import ValueRanking, WhatIfResult

    for cls in (PersonaJourneys, WhatIfResult, ValueRanking):
        assert issubclass(cls, NotedResult)
    assert cxlab  # the top level stays importable with the base in place
