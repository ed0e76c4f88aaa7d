"""Manifest pieces and notebook clean-up, without kernels."""

from __future__ import annotations

import hashlib
import subprocess

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from cxlab.report import manifest
from cxlab.report.errors import NotebookExecutionError
from cxlab.report.execute import _locate_failure, strip_volatile


def test_hash_paths_recurses_dedupes_and_matches_hashlib(tmp_path):
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "a.csv").write_bytes(b"x,y\n1,2\n")
    (tmp_path / "d" / "e" / "b.parquet").write_bytes(bytes(range(256)) * 5000)
    records = manifest.hash_paths([(tmp_path / "d" / "a.csv", "first"), (tmp_path / "d", "folder")])
    assert [r["role"] for r in records] == ["first", "folder"]  # a.csv once, first role kept
    assert [r["path"] for r in records] == [
        str(tmp_path / "d" / "a.csv"),
        str(tmp_path / "d" / "e" / "b.parquet"),
    ]
    for r in records:
        data = open(r["path"], "rb").read()
        assert r["sha256"] == hashlib.sha256(data).hexdigest() and r["bytes"] == len(data)


def test_hash_paths_skips_huge_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest, "MAX_FILES_PER_PATH", 3)
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(str(i))
    (record,) = manifest.hash_paths([(tmp_path, "parameter data_path")])
    assert record["path"] == str(tmp_path) and "more than 3 files" in record["skipped"]


def test_git_state_without_git_or_outside_a_repository(tmp_path, monkeypatch):
    assert manifest.git_state(tmp_path) == {"commit": None, "dirty": None, "available": False}

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    assert manifest.git_state(tmp_path) == {"commit": None, "dirty": None, "available": False}


def test_git_state_in_a_repository(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    try:
        git("init", "-q")
    except (OSError, subprocess.CalledProcessError):  # pragma: no cover - no git here
        return
    (tmp_path / "f.txt").write_text("a")
    git("add", "f.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x")
    state = manifest.git_state(tmp_path)
    assert state["available"] and len(state["commit"]) == 40 and state["dirty"] is False
    (tmp_path / "untracked.txt").write_text("ignored by dirty")
    assert manifest.git_state(tmp_path)["dirty"] is False
    (tmp_path / "f.txt").write_text("b")
    assert manifest.git_state(tmp_path)["dirty"] is True


def test_package_versions_marks_missing_packages():
    versions = manifest.package_versions(["numpy", "no-such-distribution-xyz"])
    assert versions["numpy"] and versions["no-such-distribution-xyz"] is None


def _executed_notebook():
    params = new_code_cell("seed = 0  # seed")
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('out_dir = "/r/x.tmp/nb"')
    injected.metadata["tags"] = ["injected-parameters"]
    ok = new_code_cell("print(1)", execution_count=2)
    ok.outputs = [new_output("stream", name="stdout", text="/r/x.tmp/nb/tables/t.csv\n")]
    bad = new_code_cell("1/0", execution_count=3)
    bad.outputs = [new_output("error", ename="ZeroDivisionError", evalue="division by zero")]
    nb = new_notebook(cells=[params, injected, ok, bad])
    for cell in nb.cells:
        cell.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00", "duration": 0.1}
        cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:01"}
    nb.metadata["papermill"] = {
        "parameters": {"out_dir": "/r/x.tmp/nb"},
        "start_time": "2026-01-01T00:00:00",
        "input_path": "/somewhere",
        "version": "2.7.0",
    }
    return nb


def test_strip_volatile_drops_timings_and_shows_final_paths():
    nb = strip_volatile(_executed_notebook(), replace={"/r/x.tmp": "/r/x"})
    text = nbformat.writes(nb)
    assert "2026-01-01" not in text and "/somewhere" not in text and "x.tmp" not in text
    assert nb.metadata["papermill"] == {"parameters": {"out_dir": "/r/x/nb"}, "version": "2.7.0"}
    assert nb.cells[1].source == 'out_dir = "/r/x/nb"'
    assert nb.cells[2].outputs[0].text == "/r/x/nb/tables/t.csv\n"
    assert nb.cells[0].source == "seed = 0  # seed"  # the notebook's own cells are kept


def test_locate_failure_counts_cells_as_written():
    nb = _executed_notebook()
    index, count, output = _locate_failure(nb)
    assert (index, count, output.ename) == (2, 3, "ZeroDivisionError")  # injected cell skipped


def test_one_line_error_message():
    err = NotebookExecutionError(
        "notebooks/01.ipynb", "ValueError", "bad\n  value", cell_index=4, execution_count=6
    )
    assert err.one_line() == "notebooks/01.ipynb: cell 4 (In [6]): ValueError: bad value"
    assert "\n" not in NotebookExecutionError("n", "E", "x" * 1000).one_line()
    assert NotebookExecutionError("n", "OSError", "").one_line() == (
        "n: before any cell ran: OSError"
    )
