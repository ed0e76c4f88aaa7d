"""Parameter inspection and checking for report runs: everything before a kernel starts."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from cxlab.cli import main as cxlab_main
from cxlab.exceptions import CxlabError, ParameterError
from cxlab.report import run as run_module
from cxlab.report.errors import (
    NotebookParameterError,
    ParameterTypeError,
    ReportUsageError,
    UnknownParameterError,
)
from cxlab.report.parameters import (
    CliValue,
    format_parameters,
    inspect_parameters,
    load_params_file,
    parse_cli_params,
    resolve_parameters,
)

FIXTURES = Path(__file__).parent / "notebooks"
SUMMARY = FIXTURES / "summary.ipynb"
SLEEPS = FIXTURES / "sleeps.ipynb"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cxlab_main(["run", *argv])
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to execute a notebook."""

    def _boom(*args, **kwargs):
        raise AssertionError("a notebook was executed although the parameters were bad")

    monkeypatch.setattr(run_module, "execute_notebook", _boom)


def test_inspect_reads_defaults_types_and_comments():
    params = inspect_parameters(SUMMARY)
    assert list(params) == ["data_path", "out_dir", "seed", "n", "scale", "label", "log_scale"]
    assert params["n"].default == 50 and params["n"].type_name == "int"
    assert params["scale"].default == 1.0 and params["scale"].type_name == "float"
    assert params["label"].default == "demo" and params["label"].source == '"demo"'
    assert params["log_scale"].default is False and params["log_scale"].type_name == "bool"
    # a second '=' in the comment (papermill's own inspector skips such lines)
    assert params["out_dir"].help == (
        "where cxlab run puts exported tables/figures; empty = don't export"
    )
    assert params["data_path"].help == "folder whose files are listed (empty = none)"


def test_inspect_handles_annotations_expressions_and_no_parameters_cell(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cell = new_code_cell(
        "k: int = 3  # clusters\nwhen = 2 * 3  # not a literal\nitems = [1,\n  2]  # a list"
    )
    cell.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_code_cell("import os"), cell])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    params = inspect_parameters(path)
    assert params["k"].type_name == "int" and params["k"].help == "clusters"
    assert params["when"].literal is False and params["when"].type_name == "any"
    assert params["when"].recorded == "2 * 3"
    assert params["items"].default == [1, 2] and params["items"].help == "a list"

    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), path)
    assert inspect_parameters(path) == {}


def test_cli_values_are_read_by_the_default_type():
    declared = {"nb": inspect_parameters(SUMMARY)}
    given = parse_cli_params(
        ["n=80", "scale=2", "label=2024", "log_scale=true", "seed=7", "data_path=data/x"]
    )
    assert all(isinstance(v, CliValue) for v in given.values())
    values = resolve_parameters(declared, given)["nb"]
    assert values == {
        "n": 80,
        "scale": 2.0,
        "label": "2024",  # a str default keeps the text as typed
        "log_scale": True,
        "seed": 7,
        "data_path": "data/x",
    }
    assert type(values["scale"]) is float and type(values["label"]) is str
    more = resolve_parameters(declared, parse_cli_params(["scale=1e-3", "n=1_000", "label=yes"]))
    assert more["nb"] == {"scale": 0.001, "n": 1000, "label": "yes"}


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("n", "abc", "'abc' is str, not int"),
        ("n", "1.5", "1.5 is float, not int"),
        ("log_scale", "2", "2 is int, not bool"),
        ("seed", "true", "True is bool, not int"),
    ],
)
def test_wrong_type_is_an_error_listing_the_parameters(name, value, shown):
    declared = {"nb.ipynb": inspect_parameters(SUMMARY)}
    with pytest.raises(ParameterTypeError) as info:
        resolve_parameters(declared, parse_cli_params([f"{name}={value}"]))
    msg = str(info.value)
    assert f"parameter {name!r} of nb.ipynb: {shown}" in msg
    for listed in ("data_path (str", "seed (int, default 0)", "scale (float", "number of draws"):
        assert listed in msg
    assert isinstance(info.value, ParameterError) and isinstance(info.value, CxlabError)


def test_python_values_from_a_params_file_are_checked_too():
    declared = {"nb": inspect_parameters(SUMMARY)}
    assert resolve_parameters(declared, {"scale": 3})["nb"] == {"scale": 3.0}
    with pytest.raises(ParameterTypeError, match="2024 is int, not str"):
        resolve_parameters(declared, {"label": 2024})


def test_unknown_name_suggests_close_matches():
    declared = {"summary.ipynb": inspect_parameters(SUMMARY)}
    with pytest.raises(UnknownParameterError) as info:
        resolve_parameters(declared, {"sed": 1})
    msg = str(info.value)
    assert "unknown parameter 'sed'" in msg and "Did you mean 'seed'?" in msg
    assert "summary.ipynb: its parameters are:" in msg and "label (str" in msg


def test_name_in_some_notebooks_applies_to_those_only():
    declared = {"summary": inspect_parameters(SUMMARY), "sleeps": inspect_parameters(SLEEPS)}
    values = resolve_parameters(declared, {"seconds": CliValue("1.5"), "n": CliValue("9")})
    assert values == {"summary": {"n": 9}, "sleeps": {"seconds": 1.5}}
    with pytest.raises(UnknownParameterError) as info:
        resolve_parameters(declared, {"secnds": 1})
    msg = str(info.value)
    assert "no notebook declares it. Did you mean 'seconds'" in msg
    assert "seconds (float, default 0.0): how long the second cell sleeps  [only in sleeps]" in msg


def test_out_dir_is_reserved():
    with pytest.raises(NotebookParameterError, match="set by cxlab run"):
        resolve_parameters({"nb": inspect_parameters(SUMMARY)}, {"out_dir": "x"})


def test_parse_cli_params_rejects_malformed_items():
    assert parse_cli_params(["a=b=c", "empty="]) == {"a": "b=c", "empty": ""}
    for bad in ("seed", "=3", "not a name=3"):
        with pytest.raises(NotebookParameterError, match="NAME=VALUE"):
            parse_cli_params([bad])


def test_params_file(tmp_path):
    good = tmp_path / "p.yaml"
    good.write_text("seed: 3\nlabel: 'x'\n")
    assert load_params_file(good) == {"seed": 3, "label": "x"}
    (tmp_path / "empty.yaml").write_text("")
    assert load_params_file(tmp_path / "empty.yaml") == {}
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(NotebookParameterError, match="must be a mapping"):
        load_params_file(tmp_path / "list.yaml")
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    with pytest.raises(NotebookParameterError, match="not valid YAML"):
        load_params_file(tmp_path / "bad.yaml")
    with pytest.raises(NotebookParameterError, match="no such file"):
        load_params_file(tmp_path / "missing.yaml")


def test_list_prints_parameters_with_defaults_and_comments():
    rc, out, err = run_cli("--list", str(SUMMARY), str(SLEEPS))
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("tests/report/notebooks/summary.ipynb")
    assert "  n          int    = 50      # number of draws" in lines
    assert any(
        line.startswith("  out_dir") and line.endswith("[set by cxlab run]") for line in lines
    )
    assert any(line.endswith("tests/report/notebooks/sleeps.ipynb") for line in lines)
    assert format_parameters("x", {}) == "x\n  (no cell tagged 'parameters')"


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-p", "sed=1"], "Did you mean 'seed'?"),
        (["-p", "n=abc"], "'abc' is str, not int"),
        (["-p", "seed"], "expected NAME=VALUE"),
        (["--params", "/nonexistent/p.yaml"], "no such file"),
        (["--log", "/"], "error: --log /: Is a directory"),
        (["--jobs", "0"], "jobs=0: must be at least 1"),
        (
            ["--kernel", "no-such-kernel-xyz"],
            "Jupyter kernel 'no-such-kernel-xyz' is not installed",
        ),
    ],
)
def test_cli_usage_errors_exit_2_before_any_kernel(tmp_path, argv, expected):
    out = tmp_path / "report"
    rc, _, err = run_cli(str(SUMMARY), "--out", str(out), *argv)
    assert rc == 2
    assert expected in err
    assert not out.exists() and not (tmp_path / "report.lock").exists()


@pytest.mark.usefixtures("no_kernel")
def test_cli_notebook_and_selection_errors(tmp_path):
    rc, _, err = run_cli("no-such-notebook-xyz")
    assert rc == 2 and "notebook 'no-such-notebook-xyz' not found" in err
    rc, _, err = run_cli()
    assert rc == 2 and "name notebooks or pass --all" in err
    rc, _, err = run_cli("--all", str(SUMMARY))
    assert rc == 2
    copy = tmp_path / "summary.ipynb"
    copy.write_bytes(SUMMARY.read_bytes())
    rc, _, err = run_cli(str(SUMMARY), str(copy))
    assert rc == 2 and "share a name (summary)" in err


@pytest.mark.usefixtures("no_kernel")
def test_output_folder_that_is_not_a_report_is_refused(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    rc, _, err = run_cli(str(SUMMARY), "--out", str(precious))
    assert rc == 2 and "not a cxlab report" in err
    assert (precious / "thesis.tex").read_text() == "do not delete"


def test_find_notebooks_all_and_names(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module.paths, "NOTEBOOKS_DIR", tmp_path)
    with pytest.raises(ReportUsageError, match="no notebooks"):
        run_module.find_notebooks(None)
    for name in ("02-b", "01-a"):
        (tmp_path / f"{name}.ipynb").write_bytes(SLEEPS.read_bytes())
    found = run_module.find_notebooks(None)
    assert [p.name for p in found] == ["01-a.ipynb", "02-b.ipynb"]
    assert run_module.find_notebooks(["02-b"]) == [tmp_path / "02-b.ipynb"]
    assert run_module.default_out(None, found) == run_module.paths.REPORTS_DIR / "all"
    assert run_module.default_out(["x"], found).name == "01-a+02-b"


def test_relative_paths_given_from_elsewhere_become_absolute(tmp_path, monkeypatch):
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path)
    assert run_module._absolute_if_local("exports") == str(tmp_path / "exports")
    assert run_module._absolute_if_local("no/such/folder") == "no/such/folder"
    assert run_module._absolute_if_local("") == ""
    assert run_module._absolute_if_local(3) == 3


def test_input_paths_resolve_like_the_kernel_does(tmp_path, monkeypatch):
    nbdir = tmp_path / "nbs"
    (nbdir / "local").mkdir(parents=True)
    monkeypatch.setattr(run_module.paths, "PROJECT_DIR", tmp_path)
    (tmp_path / "data" / "demo").mkdir(parents=True)
    assert run_module._input_path("local", nbdir) == nbdir / "local"  # next to the notebook
    assert run_module._input_path("data/demo", nbdir) == tmp_path / "data/demo"  # project
    assert run_module._input_path("missing", nbdir) is None
    assert run_module._input_path("", nbdir) is None
    assert run_module._input_path(0.5, nbdir) is None
