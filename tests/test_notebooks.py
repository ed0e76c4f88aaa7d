"""Every notebook in notebooks/ and its Persian edition in notebooks/fa/ runs top to bottom
on a small simulated study.

The notebooks are found when the tests are collected, so a notebook added later
is tested without touching this file (a Persian notebook runs with its own
``language = "fa"`` and has the id ``fa/<stem>``). Each runs through the same API as
``cxlab run`` (:func:`cxlab.report.run_notebooks`) with ``data_path`` pointing
at 400 simulated customers; the test checks that it succeeded and exported at
least one table.

A notebook whose defaults do not suit 400 customers (say, 8 clusters) gets
smaller values in ``OVERRIDES`` below, keyed by the notebook's file stem.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cxlab import _paths as paths

#: notebook stem -> parameters for the small test study, e.g. {"04-personas": {"k": 3}}
OVERRIDES: dict[str, dict] = {}

#: a cell that runs longer than this fails the test instead of hanging it
CELL_TIMEOUT = 300

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
PERSIAN = sorted((paths.NOTEBOOKS_DIR / "fa").glob("*.ipynb"))


@pytest.fixture(scope="session")
def small_study(tmp_path_factory) -> Path:
    """400 simulated customers (seed 1), saved once per session."""
    import cxlab

    folder = tmp_path_factory.mktemp("study400")
    cxlab.simulate(n_customers=400, random_state=1).save(folder)
    return folder


def test_overrides_name_existing_notebooks():
    stems = {p.stem for p in NOTEBOOKS}
    assert set(OVERRIDES) <= stems, f"OVERRIDES names no notebook: {set(OVERRIDES) - stems}"


@pytest.mark.notebooks
@pytest.mark.parametrize(
    "notebook",
    NOTEBOOKS + PERSIAN
    or [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks in notebooks/ yet"))],
    ids=[p.stem for p in NOTEBOOKS] + [f"fa/{p.stem}" for p in PERSIAN] or ["none"],
)
def test_notebook_runs_on_small_data(notebook, small_study, tmp_path):
    from cxlab.report import run_notebooks

    params = {"data_path": str(small_study), **OVERRIDES.get(notebook.stem, {})}
    result = run_notebooks(
        [notebook],
        params=params,
        out=tmp_path / "report",
        cell_timeout=CELL_TIMEOUT,
    )
    assert result.ok, "\n".join(nb.error.one_line() for nb in result.failures)
    (run,) = result.notebooks
    assert run.files["tables"], f"{notebook.name} exported no table (cxlab.export_table)"
    for rel in run.files["tables"] + run.files["figures"]:
        assert (result.folder / rel).stat().st_size > 0, rel
    page = (result.folder / run.files["html"]).read_text(encoding="utf-8")
    # the simulated study has every kind of data: no section may be left out
    from cxlab._notices import MARKER

    assert MARKER not in page, page[page.index(MARKER) : page.index(MARKER) + 400]


def _tables(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.rglob("*.csv")}


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_with_the_events_in_duckdb(notebook, small_study, tmp_path):
    """``-p engine=duckdb``: the events stay in DuckDB; what runs there gives the same tables.

    Sections whose analysis is not engine-aware yet say so (a notice) and the notebook
    goes on; every table both runs export is the same.
    """
    import pandas as pd

    from cxlab.report import run_notebooks

    runs = {}
    for engine in ("pandas", "duckdb"):
        params = {
            "data_path": str(small_study),
            "engine": engine,
            **OVERRIDES.get(notebook.stem, {}),
        }
        result = run_notebooks(
            [notebook], params=params, out=tmp_path / engine, cell_timeout=CELL_TIMEOUT
        )
        assert result.ok, "\n".join(nb.error.one_line() for nb in result.failures)
        runs[engine] = _tables(result.folder)
    assert runs["duckdb"], f"{notebook.name} exported no table with engine=duckdb"
    for name in sorted(set(runs["pandas"]) & set(runs["duckdb"])):
        expected = pd.read_csv(runs["pandas"][name])
        got = pd.read_csv(runs["duckdb"][name])
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, obj=name)
