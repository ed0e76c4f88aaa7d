"""The pip and conda set-ups install the same pinned packages; notebooks are stored clean."""

from __future__ import annotations

import json
import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cxlab._paths import NOTEBOOKS_DIR, PROJECT_DIR


def _pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_DIR / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def _requirements() -> list[Requirement]:
    meta = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["dev"]
    return [Requirement(r) for r in reqs]


def test_every_dependency_is_pinned_within_its_range():
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}"
        )


def test_constraints_pin_exact_versions_only():
    for line in (PROJECT_DIR / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line.strip()), line


def test_constraints_pin_each_package_once():
    """Two pins of one package make a fresh install fail (pip cannot resolve them)."""
    names = [
        canonicalize_name(line.partition("==")[0])
        for line in (PROJECT_DIR / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"pinned more than once in constraints.txt: {twice}"


def test_conda_environment_installs_the_same_pins():
    env = yaml.safe_load((PROJECT_DIR / "environment.yml").read_text())
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    meta = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    assert python.split("=")[-1] in ("3.11", "3.12")
    assert meta["requires-python"] == ">=3.11"
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-c constraints.txt" in pip_section
    assert "-e .[dev]" in pip_section
    conda_pkgs = [d for d in deps if isinstance(d, str) and d not in ("pip",)]
    assert conda_pkgs == [python], "other conda packages would bypass constraints.txt"


def test_ci_runs_the_readme_test_command():
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    readme = (PROJECT_DIR / "README.md").read_text()
    assert "python3 dev.py test" in ci
    assert "python3 dev.py test" in readme and "python3 dev.py report" in readme


def test_notebooks_are_stored_clean_and_parameterized():
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, f"{path.name} has no code"
        assert "parameters" in code[0]["metadata"].get("tags", []), path.name
        for cell in code:
            assert not cell.get("outputs"), f"{path.name} is committed with outputs"
            assert not cell.get("execution_count"), f"{path.name} has execution counts"
            src = "".join(cell["source"])
            assert not re.search(r"^\s*(def|class)\s", src, re.M), (
                f"{path.name} defines a function or class; move it into cxlab/"
            )
        params = "".join(code[0]["source"])
        for name in ("data_path", "out_dir", "seed"):
            assert re.search(rf"^{name}\s*=", params, re.M), f"{path.name} lacks {name}"
