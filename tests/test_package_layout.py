"""The package's floor plan: topic subpackages behind public faces, no import cycles,
no public name shadowed by a submodule, and every top-level name reachable."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import cxlab

PACKAGE = Path(cxlab.__file__).parent
TOP_LEVEL = {"__init__.py", "cli.py", "exceptions.py"}


def _modules() -> list[str]:
    return ["cxlab"] + sorted(m.name for m in pkgutil.walk_packages(cxlab.__path__, "cxlab."))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(path: Path) -> set[str]:
    """Modules of cxlab that ``path`` imports when it is loaded (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("cxlab"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.startswith("cxlab"):
                    found.add(base)
                    # ``from cxlab.data import _io`` imports the module cxlab.data._io
                    found.update(f"{base}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If):
                test = node.test
                if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
                    continue
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    found.discard(here)
    return found


def _all_imports(path: Path) -> set[str]:
    """Modules of cxlab that ``path`` imports anywhere, inside functions too."""
    here = _module_name(path)
    anchor = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("cxlab"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            if base.startswith("cxlab"):
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
    found.discard(here)
    return found


def _graph(imports=None) -> dict[str, set[str]]:
    imports = imports or _module_level_imports
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        edges = set()
        for target in imports(path):
            # importing a.b.c loads a and a.b first: an edge to each package on the way
            parts = target.split(".")
            for i in range(2, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if prefix in files and prefix != name and not name.startswith(prefix + "."):
                    edges.add(prefix)
        graph[name] = edges
    return graph


def test_top_level_holds_only_the_face_and_shared_private_modules():
    loose = sorted(
        p.name
        for p in PACKAGE.glob("*.py")
        if p.name not in TOP_LEVEL and not p.name.startswith("_")
    )
    assert loose == [], f"public modules at the top of cxlab/ (move them into a topic): {loose}"


def test_topic_modules_are_private():
    public = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.glob("*/*.py")
        if not p.name.startswith("_") and p.parent.name not in {"report"}
    )
    assert public == [], f"modules behind a topic's face should start with '_': {public}"


def test_no_import_cycles_between_modules():
    """Modules, loaded top down, never import a module that (through others) imports them.

    Imports inside functions are not counted: they run after every module is loaded.
    A package imported on the way (``cxlab.markov`` for ``cxlab.markov._chain``) counts
    only when the importer lies outside it."""
    cycles = _cycles(_graph())
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def walk(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                walk(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node, [])
    return cycles


#: Topics whose modules form no cycle even counting imports deferred into functions
#: (a deferred import that closes a cycle hides the cycle, it does not remove it).
ACYCLIC_TOPICS = ("cxlab.markov", "cxlab.sequences", "cxlab.journeys")


@pytest.mark.parametrize("topic", ACYCLIC_TOPICS)
def test_no_import_cycles_in_a_topic_even_inside_functions(topic):
    graph = _graph(_all_imports)
    inside = {m: {t for t in e if t.startswith(topic + ".")} for m, e in graph.items()}
    inside = {m: e for m, e in inside.items() if m == topic or m.startswith(topic + ".")}
    cycles = _cycles(inside)
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", ["cxlab.data", "cxlab.markov", "cxlab.survival", "cxlab.cli"])
def test_each_topic_imports_alone_in_a_fresh_interpreter(module):
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, timeout=120)


def test_no_public_name_is_shadowed_by_a_submodule():
    """The trap: ``from pkg.funnel import funnel`` in a face, then ``import pkg.funnel``
    somewhere replaces the function ``pkg.funnel`` with the module."""
    shadowed = []
    for name in _modules():
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", ()):
            if isinstance(getattr(module, public), types.ModuleType):
                shadowed.append(f"{name}.{public}")
    assert shadowed == []


def test_every_top_level_name_resolves_and_each_topic_is_reachable():
    for name in cxlab.__all__:
        assert getattr(cxlab, name) is not None, name
    for topic in cxlab._TOPICS:
        assert isinstance(getattr(cxlab, topic), types.ModuleType)
        assert getattr(cxlab, topic).__name__ == f"cxlab.{topic}"
    with pytest.raises(AttributeError, match="no attribute 'markov_chain'"):
        cxlab.markov_chain  # noqa: B018


def test_every_exported_name_comes_from_a_public_module_that_lists_it():
    for name, module in cxlab._EXPORTS.items():
        face = importlib.import_module(module)
        assert name in getattr(face, "__all__", ()), f"{module} does not list {name} in __all__"


def test_type_checking_imports_match_the_lazy_table():
    """The names IDEs see under TYPE_CHECKING are exactly the lazy table's, from the same modules."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    seen = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                for alias in imp.names:
                    seen[alias.name] = imp.module
    assert seen == cxlab._EXPORTS


def test_import_cxlab_loads_no_topic():
    code = "import sys, cxlab; print(sorted(m for m in sys.modules if m.startswith('cxlab')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['cxlab']"


# none left: a helper another module needs is shared under a name without ``_``
PRIVATE_IMPORTS_LEFT: set = set()


def test_no_private_name_is_imported_from_another_module():
    """A helper another module needs is shared: it loses its ``_`` (the module stays private)."""
    files = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cxlab")):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and f"{node.module}.{alias.name}" not in files:
                    found.add((_module_name(path), alias.name))
    assert found <= PRIVATE_IMPORTS_LEFT, sorted(found - PRIVATE_IMPORTS_LEFT)
