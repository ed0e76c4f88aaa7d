"""Studies that are not the demo: a purchase log, custom catalogs, missing tables.

Fast tests check the loading rules of a plain purchase log; the ``slow`` matrix runs
every notebook through ``cxlab run`` on several study shapes (``tests/studies.py``)
and checks that each report succeeds and says what it cannot show.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
import studies

import cxlab
from cxlab._notices import MARKER
from cxlab.exceptions import DataWarning, DuplicateEventError


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "revenue"])


def test_purchase_log_loads_with_default_stage_and_channel(tmp_path):
    log = studies.transaction_log(300, 5)
    assert log.duplicated(["customer_id", "timestamp"]).sum() > 0  # same-time purchases
    log.rename(columns={"amount": "revenue"}).to_csv(tmp_path / "events.csv", index=False)
    with pytest.warns(DataWarning) as record:
        data = cxlab.load(tmp_path)
    said = " ".join(str(w.message) for w in record)
    assert "no 'stage' column" in said and "no 'channel' column" in said
    assert "no customers table" in said
    assert len(data.events) == len(log)  # nothing lost
    assert data.events["revenue"].sum() == pytest.approx(log["amount"].sum(), rel=1e-12)
    assert set(data.events["stage"].astype(str)) == {data.catalog.purchase_stage}
    assert set(data.events["channel"].astype(str)) == {"unknown"}
    assert "unknown" in data.catalog.channels
    assert len(data.feedback) == 0


def test_same_time_purchases_of_other_amounts_are_kept():
    raw = _log([(1, "2025-01-01", 10.0), (1, "2025-01-01", 25.0), (2, "2025-01-02", 5.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ev = cxlab.load_events(raw)
    assert len(ev) == 3 and ev["revenue"].sum() == 40.0


@pytest.mark.parametrize(
    "on_duplicates, n, total", [("drop", 2, 15.0), ("sum", 2, 25.0)], ids=["drop", "sum"]
)
def test_exact_copies_raise_or_are_dropped_or_summed(on_duplicates, n, total):
    raw = _log([(1, "2025-01-01", 10.0), (1, "2025-01-01", 10.0), (2, "2025-01-02", 5.0)])
    with pytest.raises(DuplicateEventError, match="on_duplicates='sum'"):
        cxlab.load_events(raw)
    with pytest.warns(DataWarning, match="dropped 1|merged 1"):
        ev = cxlab.load_events(raw, on_duplicates=on_duplicates)
    assert len(ev) == n
    assert ev["revenue"].sum() == total


def test_notice_and_attempt():
    data = cxlab.simulate(n_customers=200, random_state=1)
    ok = cxlab.attempt(cxlab.funnel, data)
    assert ok.summary().shape[0] == 3
    bad = cxlab.attempt(cxlab.funnel, data, ["awareness", "nowhere"])
    assert not bad and MARKER in bad._repr_html_() and "nowhere" in str(bad)
    assert cxlab.attempt(cxlab.plot_scores, bad) is bad  # skipped input: skipped step
    assert cxlab.export_table(bad.summary(), "x", "unused") is None
    empty = cxlab.attempt(cxlab.time_between_stages, data, min_n=10**6)
    assert not empty and "min_n=1000000" in str(empty)


def test_churn_auto_uses_events_when_logged_else_inactivity():
    logged = cxlab.survival_table(studies.simulated(300, 2), churn="auto", inactivity_days=60)
    assert logged.attrs["survival"]["churn"] == "event"
    silent = cxlab.survival_table(studies.no_churn(300, 2), churn="auto", inactivity_days=60)
    assert silent.attrs["survival"]["churn"] == "inactivity"
    assert 0 < silent["churned"].mean() < 1


def test_available_and_skip_unavailable_say_what_is_left_out():
    data = studies.simulated(300, 2)
    data.truth = None  # real data: no personas
    with pytest.warns(DataWarning, match="left out: persona"):
        t = cxlab.score_table(data, "nps", by=["stage", "persona"], skip_unavailable=True)
    assert set(t["dimension"]) == {"(all)", "stage"}
    with pytest.raises(cxlab.CxlabError, match="no personas"):
        cxlab.score_table(data, "nps", by=["stage", "persona"])
    table = cxlab.survival_table(data)
    with pytest.warns(DataWarning, match="'persona'"):
        assert cxlab.available(table, ["csat", "persona"]) == ["csat"]


def test_stage_touchpoints_and_journey_without_touchpoints():
    from cxlab.teaching import _examples as teaching

    data = studies.simulated(300, 2)
    data.events = data.events.drop(columns="touchpoint")
    table = teaching.stage_touchpoints(data)
    assert table.loc["purchase", "main_touchpoints"].split(" ")[0] in data.catalog.channels
    assert len(teaching.journey_of(data)) > 0


# -- every notebook on several study shapes (slow) ------------------------------------
MATRIX = ("subscription", "persian", "transactions", "no_churn", "channels_only")
#: for each shape, a notebook whose report must say what this study cannot show
MUST_NOTICE = {
    "subscription": "00-cx-concepts",  # no truth in the folder: the truth comparisons
    "persian": "00-cx-concepts",
    "transactions": "05-feedback-nps",  # no feedback
    "no_churn": "05-feedback-nps",  # no feedback
    "channels_only": "05-feedback-nps",  # no feedback (nor stages, nor customer attributes)
}


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("shape", MATRIX)
def test_every_notebook_runs_on_study_shape(shape, tmp_path):
    folder = studies.save_shape(shape, tmp_path / "study", n=400, seed=11)
    out = tmp_path / "report"
    proc = subprocess.run(
        [Path(sys.executable).with_name("cxlab"), "run", "--all"]
        + ["-p", f"data_path={folder}", "--out", str(out), "--cell-timeout", "300"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    pages = {p.stem: p.read_text(encoding="utf-8") for p in out.rglob("*.html")}
    noticed = {stem for stem, page in pages.items() if MARKER in page}
    assert any(MUST_NOTICE[shape] in stem for stem in noticed), (shape, sorted(noticed))


def _readme_blocks(section: str) -> list[str]:
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return [b.split("```", 1)[0] for b in body.split("```python\n")[1:]]


def test_readme_bring_your_own_data_runs(tmp_path, monkeypatch):
    blocks = _readme_blocks("Bring your own data")
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_shop").mkdir()
    (tmp_path / "my_study").mkdir()
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        for block in blocks:
            exec(compile(block, "README.md", "exec"), ns)
    data = ns["data"]
    assert data.catalog.support_stage == "support"
    p = ns["chain"].absorption().probabilities.loc["(start)", "purchase"]
    assert p == pytest.approx(2 / 3)  # the README's number
    shop = cxlab.load(tmp_path / "my_shop")
    assert len(shop.events) == 6 and shop.events["revenue"].sum() == pytest.approx(177.5)


def test_churn_model_names_the_covariate_no_customer_has():
    data = studies.no_churn(300, 2)  # no feedback: csat is missing for everyone
    table = cxlab.survival_table(data, churn="inactivity", inactivity_days=60)
    model = cxlab.ChurnModel(covariates=["support_contacts", "csat"], missing="drop")
    with pytest.raises(cxlab.CxlabError, match="every customer lacks a covariate.*csat"):
        model.fit(table)
