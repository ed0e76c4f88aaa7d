"""Report runs end to end: real kernels on the tiny fixture notebooks in tests/report/notebooks/.

Each run is shared by several tests (once per session, also under pytest-xdist),
so the whole file starts about a dozen kernels.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock

from cxlab.cli import main as cxlab_main
from cxlab.report import run as run_module
from cxlab.report import run_notebooks
from cxlab.report.errors import NotebookExecutionError, RunLockedError
from cxlab.report.folder import ReportFolder

FIXTURES = Path(__file__).parent / "notebooks"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cxlab_main(["run", *argv])
    return rc, out.getvalue(), err.getvalue()


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def code_outputs(path: Path) -> list:
    """(source, execution_count, outputs) of every code cell: what a reader sees."""
    nb = nbformat.read(path, as_version=4)
    return [
        (c.source, c.execution_count, c.outputs)
        for c in nb.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]


def interval(nb: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(nb["started"]), datetime.fromisoformat(nb["finished"])


def once(tmp_path_factory, name: str, produce) -> dict:
    """Run ``produce(folder)`` once per test session, even with pytest-xdist workers.

    Each expensive run (kernels) is shared by several tests; under ``-n 2`` the
    first worker to need it runs it and the other reads its JSON result.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / f"cxlab-report-{name}"
    result = folder / "result.json"
    with FileLock(f"{folder}.lock"):
        if not result.is_file():
            folder.mkdir(exist_ok=True)
            result.write_text(json.dumps(produce(folder), default=str))
    return json.loads(result.read_text())


def _good_runs(base: Path) -> dict:
    data = base / "data"
    (data / "sub").mkdir(parents=True)
    (data / "events.csv").write_text("customer_id,stage\n1,awareness\n")
    (data / "sub" / "customers.csv").write_text("customer_id\n1\n")
    params = base / "nightly.yaml"
    params.write_text(f"data_path: {data}\nseed: 3\nlabel: nightly\n")
    nbdir = base / "notebooks"
    nbdir.mkdir()
    for name in ("summary", "sleeps"):
        (nbdir / f"{name}.ipynb").write_bytes((FIXTURES / f"{name}.ipynb").read_bytes())
    out = base / "report"
    runs = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run_module.paths, "NOTEBOOKS_DIR", nbdir)
        for i, extra in enumerate(([], ["--hide-code"])):
            argv = ["--all", "--params", str(params), "-p", "n=80", "-p", "seconds=1.5"]
            rc, stdout, stderr = run_cli(*argv, "--jobs", "2", "--out", str(out), *extra)
            files = base / f"run{i}"
            shutil.copytree(out, files)
            runs.append({"rc": rc, "files": str(files), "stdout": stdout, "stderr": stderr})
    return {
        "runs": runs,
        "out": str(out),
        "data": str(data),
        "params": str(params),
        "notebooks": str(nbdir),
    }


@pytest.fixture
def good(tmp_path_factory):
    """The same --all run twice into one folder (params file, -p, --jobs 2).

    The first run's report is copied aside (``files``) before the second, with
    --hide-code, replaces it.
    """
    shared = once(tmp_path_factory, "good", _good_runs)
    for key in ("out", "data", "params", "notebooks"):
        shared[key] = Path(shared[key])
    for run in shared["runs"]:
        run["files"] = Path(run["files"])
    return shared


def test_success_exit_status_and_layout(good):
    run = good["runs"][0]
    assert run["rc"] == 0, run["stderr"]
    out = run["files"]
    assert f"report: {good['out'] / 'index.html'}" in run["stdout"]
    for rel in (
        "index.html",
        "manifest.json",
        "summary/summary.ipynb",
        "summary/summary.html",
        "summary/tables/summary.csv",
        "summary/tables/files.csv",
        "summary/figures/histogram.png",
        "sleeps/sleeps.ipynb",
        "sleeps/tables/slept.csv",
    ):
        assert (out / rel).is_file(), rel
    # no staging, backup or failed folders left behind
    leftovers = sorted(p.name for p in good["out"].parent.iterdir() if p.name.startswith("report"))
    assert leftovers == ["report", "report.lock"]
    index = (out / "index.html").read_text()
    for target in ("summary/summary.html", "sleeps/sleeps.ipynb", "summary/tables/files.csv"):
        assert f'href="{target}"' in index
    assert "succeeded" in index


def test_parameters_reach_the_notebooks(good):
    out = good["runs"][0]["files"]
    files = (out / "summary/tables/files.csv").read_text().splitlines()
    assert files == [",file", "0,events.csv", "1,sub"]  # the notebook listed data_path
    summary = (out / "summary/tables/summary.csv").read_text()
    assert "nightly" in summary  # label from the params file
    count = sum(int(line.split(",")[1]) for line in summary.splitlines()[1:])
    assert count == 80  # n from -p, only given to the notebook that declares it
    assert (out / "sleeps/tables/slept.csv").read_text() == ",slept\n0,1.5\n"


def test_manifest_contents(good):
    out, inputs = good["out"], good
    m = manifest_of(good["runs"][0]["files"])
    assert m["status"] == "succeeded" and m["folder"] == str(out) and m["out"] == str(out)
    assert m["options"]["jobs"] == 2 and m["options"]["kernel"] == "cxlab"
    assert m["options"]["params_file"] == str(inputs["params"])
    assert m["command"] == [
        "cxlab", "run", "--all", "-p", "n=80", "-p", "seconds=1.5",
        "--params", str(inputs["params"]), "--out", str(out), "--jobs", "2", "--kernel", "cxlab",
    ]  # fmt: skip
    by_name = {nb["name"]: nb for nb in m["notebooks"]}
    assert list(by_name) == ["sleeps", "summary"]  # sorted, as --all runs them
    summary = by_name["summary"]
    assert summary["status"] == "succeeded" and summary["error"] is None
    assert summary["parameters"] == {
        "data_path": str(inputs["data"]),
        "out_dir": str(out / "summary"),
        "seed": 3,
        "n": 80,
        "scale": 1.0,
        "label": "nightly",
        "log_scale": False,
    }
    assert summary["given"] == ["data_path", "label", "n", "seed"]
    assert by_name["sleeps"]["parameters"] == {"out_dir": str(out / "sleeps"), "seconds": 1.5}
    for nb in m["notebooks"]:
        start, end = interval(nb)
        assert end > start and nb["duration_seconds"] > 0
    assert m["duration_seconds"] >= max(nb["duration_seconds"] for nb in m["notebooks"])

    # every input hashed, and the hashes are right
    roles = {rec["path"]: rec["role"] for rec in m["inputs"]}
    expected = {
        str(inputs["notebooks"] / "summary.ipynb"): "notebook",
        str(inputs["notebooks"] / "sleeps.ipynb"): "notebook",
        str(inputs["params"]): "params file",
        str(inputs["data"] / "events.csv"): "parameter data_path of summary",
        str(inputs["data"] / "sub" / "customers.csv"): "parameter data_path of summary",
    }
    assert roles == expected
    for rec in m["inputs"]:
        data = Path(rec["path"]).read_bytes()
        assert rec["sha256"] == hashlib.sha256(data).hexdigest()
        assert rec["bytes"] == len(data)
    for rec in m["outputs"]:
        data = (good["runs"][0]["files"] / rec["path"]).read_bytes()
        assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    assert {rec["path"] for rec in m["outputs"]} >= {"summary/figures/histogram.png"}

    env = m["environment"]
    assert env["python"] == platform.python_version() and env["platform"]
    for pkg in ("cxlab", "numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "papermill"):
        assert env["packages"][pkg], pkg
    assert env["kernel"]["name"] == "cxlab" and env["kernel"]["argv"]
    assert set(m["git"]) == {"commit", "dirty", "available"}
    if m["git"]["available"]:
        assert re.fullmatch(r"[0-9a-f]{40}", m["git"]["commit"])
        assert isinstance(m["git"]["dirty"], bool)


def test_jobs_2_runs_notebooks_at_the_same_time(good):
    nbs = manifest_of(good["runs"][0]["files"])["notebooks"]
    (s1, e1), (s2, e2) = (interval(nb) for nb in nbs)
    assert s1 < e2 and s2 < e1, "with --jobs 2 the two notebooks should overlap in time"


def test_reproducible_tables_figures_and_outputs(good):
    first, second = (run["files"] for run in good["runs"])
    assert good["runs"][1]["rc"] == 0, good["runs"][1]["stderr"]
    for rel in (
        "summary/tables/summary.csv",
        "summary/tables/files.csv",
        "summary/figures/histogram.png",
        "sleeps/tables/slept.csv",
    ):
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    for name in ("summary", "sleeps"):
        a = code_outputs(first / name / f"{name}.ipynb")
        b = code_outputs(second / name / f"{name}.ipynb")
        assert a == b
    assert any(outputs for _, _, outputs in a)


def test_executed_notebooks_carry_no_timing_metadata(good):
    files = good["runs"][0]["files"]
    text = (files / "summary/summary.ipynb").read_text()
    day = datetime.now().strftime("%Y-%m-%d")
    assert day not in text and '"duration"' not in text and "start_time" not in text
    nb = nbformat.read(files / "summary/summary.ipynb", as_version=4)
    assert set(nb.metadata["papermill"]) == {"parameters", "version"}
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    # the injected out_dir shows the report folder, not the staging folder it ran in; the
    # report is outside the project, so relative to the report folder
    assert 'out_dir = "summary"' in injected[0].source
    # ... and so do outputs (a cell ending in cxlab.export_table shows the file's path)
    text = (files / "sleeps/sleeps.ipynb").read_text()
    assert "report.tmp" not in text and "'sleeps/tables/slept.csv'" in text


def test_report_outside_the_project_shows_no_absolute_path(good):
    """--out and data_path outside the project: the pages show paths relative to the report
    folder (out_dir, exported files, the data folder), never the machine's folders."""
    files = good["runs"][0]["files"]
    base = str(good["out"].parent)
    for rel in ("summary/summary.html", "summary/summary.ipynb", "sleeps/sleeps.html"):
        text = (files / rel).read_text()
        assert base not in text, rel
    html = (files / "summary/summary.html").read_text()
    assert "../data" in html  # data_path, relative to the report folder
    # the manifest still records where the report and its inputs are
    assert base in (files / "manifest.json").read_text()


def test_hide_code_html_has_no_input(good):
    shown = (good["runs"][0]["files"] / "summary/summary.html").read_text()
    hidden = (good["runs"][1]["files"] / "summary/summary.html").read_text()
    assert "default_rng" in shown and "matplotlib" in shown
    assert "default_rng" not in hidden and "matplotlib" not in hidden
    code = 'class="highlight hl-ipython3"'  # a highlighted code input
    assert code not in hidden and shown.count(code) >= 4
    assert "data files" in hidden  # outputs are still there
    assert "<table" in hidden  # and the table the notebook showed


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _failed_run(base: Path) -> dict:
    out = base / "report"
    good = run_cli(str(FIXTURES / "sleeps.ipynb"), "--out", str(out), "--no-html")
    before = tree_hashes(out)
    log = base / "run.log"
    rc, _, stderr = run_cli(str(FIXTURES / "raises.ipynb"), "--out", str(out), "--log", str(log))
    return {
        "good": good,
        "before": before,
        "rc": rc,
        "stderr": stderr,
        "out": str(out),
        "log": log.read_text(),
    }


@pytest.fixture
def failed_run(tmp_path_factory):
    """A good report at OUT, then a run whose notebook raises into the same OUT."""
    shared = once(tmp_path_factory, "failed", _failed_run)
    shared["out"] = Path(shared["out"])
    return shared


def test_failure_exit_status_and_one_line_message(failed_run):
    assert failed_run["good"][0] == 0, failed_run["good"][2]
    assert failed_run["rc"] == 1
    lines = [line for line in failed_run["stderr"].splitlines() if "FAILED" in line]
    assert len(lines) == 1
    assert re.search(
        r"FAILED \S*tests/report/notebooks/raises\.ipynb: cell 3 \(In \[\d+\]\): "
        r"ZeroDivisionError: division by zero$",
        lines[0],
    ), lines[0]


def test_failure_is_in_the_log_file(failed_run):
    log = failed_run["log"].splitlines()
    assert any(line.endswith("running tests/report/notebooks/raises.ipynb") for line in log)
    failed = [line for line in log if "FAILED" in line]
    assert len(failed) == 1 and "ZeroDivisionError: division by zero" in failed[0]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ERROR ", failed[0])


def test_failure_keeps_the_last_good_report(failed_run):
    out = failed_run["out"]
    assert tree_hashes(out) == failed_run["before"]
    assert manifest_of(out)["notebooks"][0]["name"] == "sleeps"


def test_failure_keeps_the_executed_notebook(failed_run):
    out = failed_run["out"]
    (failed,) = out.parent.glob("report.failed-*")
    assert str(failed) in failed_run["stderr"]
    m = manifest_of(failed)
    assert m["status"] == "failed" and m["folder"] == str(failed)
    error = m["notebooks"][0]["error"]
    assert error["ename"] == "ZeroDivisionError" and error["cell_index"] == 3
    nb = nbformat.read(failed / "raises/raises.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "ename" in o]
    assert [o.ename for o in errors] == ["ZeroDivisionError"]
    # cells before the failure ran and exported; the index says what failed
    assert (failed / "raises/tables/before_failure.csv").is_file()
    assert (failed / "raises/raises.html").is_file()
    assert "failed" in (failed / "index.html").read_text()
    assert not (out.parent / "report.tmp").exists()


def _broken_kernels(base: Path) -> dict:
    out = base / "report"
    t0 = time.perf_counter()
    result = run_notebooks(
        [FIXTURES / "dies.ipynb", FIXTURES / "sleeps.ipynb"],
        params={"seconds": 600},
        out=out,
        jobs=2,
        cell_timeout=10,  # roomy: imports on a busy machine must not time out
        html=False,
    )
    seconds = time.perf_counter() - t0
    try:
        result.raise_for_status()
        raised = None
    except NotebookExecutionError as exc:
        raised = exc.notebook
    return {
        "status": result.status,
        "out_exists": result.out.exists(),
        "folder": str(result.folder),
        "seconds": seconds,
        "raised": raised,
        "notebooks": {
            nb.name: {"status": nb.status, **nb.error.to_dict(), "line": nb.error.one_line()}
            for nb in result.notebooks
        },
    }


@pytest.fixture
def broken(tmp_path_factory):
    """A kernel that dies and a cell over the time limit, side by side (--jobs 2)."""
    return once(tmp_path_factory, "broken", _broken_kernels)


def test_dead_kernel_is_a_failure_not_a_hang(broken):
    assert broken["status"] == "failed" and not broken["out_exists"]
    dies = broken["notebooks"]["dies"]
    assert dies["status"] == "failed"
    assert dies["ename"] == "DeadKernelError" and dies["cell_index"] == 3
    assert "dies.ipynb: cell 3" in dies["line"]
    nb = nbformat.read(Path(broken["folder"]) / "dies/dies.ipynb", as_version=4)
    assert nb.cells[3].outputs[0].text == "alive\n"  # the cell before the crash ran
    assert broken["raised"].endswith("dies.ipynb")  # RunResult.raise_for_status


def test_cell_timeout_is_a_failure_not_a_hang(broken):
    sleeps = broken["notebooks"]["sleeps"]
    assert sleeps["ename"] == "CellTimeoutError" and sleeps["cell_index"] == 3
    assert "longer than --cell-timeout 10 s" in sleeps["line"]
    assert broken["seconds"] < 120  # the 600 s sleep was cut off


def test_two_runs_into_one_folder_take_turns(tmp_path):
    out = tmp_path / "report"
    cmd = [
        sys.executable,
        "-m",
        "cxlab.cli",
        "run",
        str(FIXTURES / "sleeps.ipynb"),
        "-p",
        "seconds=1",
        "--out",
        str(out),
        "--no-html",
    ]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    waited = [err for _, err in results if "waiting for it to finish" in err]
    assert len(waited) == 1  # the second run waited for the lock, then ran
    m = manifest_of(out)
    assert m["status"] == "succeeded" and m["lock_waited_seconds"] > 0.5
    assert (out / "sleeps/tables/slept.csv").read_text() == ",slept\n0,1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "report.lock"]


def test_interrupted_swap_is_recovered(tmp_path):
    out = tmp_path / "report"
    old = tmp_path / "report.old"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    (tmp_path / "report.tmp").mkdir()
    (tmp_path / "report.tmp" / "half-written.csv").write_text("x")
    staging = ReportFolder(out).prepare()
    assert (out / "manifest.json").read_text() == "{}"
    assert not old.exists() and staging == tmp_path / "report.tmp"
    assert list(staging.iterdir()) == []


def test_lock_timeout_gives_up(tmp_path):
    folder = ReportFolder(tmp_path / "report")
    with folder.locked() as waited:
        assert waited < 1
        with pytest.raises(RunLockedError, match="for more than 0.2 s"):
            with ReportFolder(tmp_path / "report").locked(timeout=0.2):
                pass


#: manifest fields that differ between two runs of the same inputs (docs/report-runs.md)
TIMING_FIELDS = {"started", "finished", "duration_seconds", "lock_waited_seconds"}


def _without_timing(value):
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k not in TIMING_FIELDS}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def test_rerun_is_byte_identical_but_for_timings(tmp_path):
    """Two runs of one notebook, same inputs and seed: notebook, HTML, exports and manifest
    are byte for byte the same, except the manifest's and index.html's timings."""
    out = tmp_path / "report"
    argv = [str(FIXTURES / "summary.ipynb"), "-p", "n=60", "-p", "seed=5", "--out", str(out)]
    copies = []
    for i in range(2):
        rc, stdout, stderr = run_cli(*argv)
        assert rc == 0, stderr
        # progress without a terminal: a plain line as the notebook starts and ends
        lines = stdout.splitlines()
        assert lines[0] == "[1/1] start     summary", stdout
        assert re.fullmatch(r"\[1/1\] succeeded summary in \d+\.\d s", lines[1]), stdout
        copies.append(shutil.copytree(out, tmp_path / f"run{i}"))
    first, second = (tree_hashes(c) for c in copies)
    assert set(first) == set(second)
    differ = sorted(rel for rel in first if first[rel] != second[rel])
    assert set(differ) <= {"manifest.json", "index.html"}, differ
    a, b = (json.loads((c / "manifest.json").read_text()) for c in copies)
    assert _without_timing(a) == _without_timing(b)
    nb = nbformat.read(copies[0] / "summary" / "summary.ipynb", as_version=4)
    assert [c.id for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])] == [
        "injected-parameters"
    ]
