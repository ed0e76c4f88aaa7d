"""Notebook parameters: read them from the ``parameters`` cell and check what a run passes.

Everything here happens before a kernel starts, so a typo or a wrong type costs
nothing but an error message. Each notebook's parameters (name, default, type,
comment) are read from its ``parameters`` cell (:func:`inspect_parameters`);
defaults are read with :func:`ast.literal_eval`, so their Python type is known.

Values typed on the command line (``-p name=value``) arrive as :class:`CliValue`
and are read per notebook: as text where the default is a string (so
``-p segment=2024`` stays ``"2024"``), otherwise as a YAML scalar (``3`` is an
int, ``0.5`` a float, ``true`` a bool, ``[1, 2]`` a list, ``null`` None).
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from cxlab.report.errors import (
    NotebookParameterError,
    ParameterTypeError,
    UnknownParameterError,
)

__all__ = [
    "CliValue",
    "NotebookParameter",
    "RESERVED",
    "inspect_parameters",
    "parse_cli_params",
    "load_params_file",
    "resolve_parameters",
    "format_parameters",
]

#: Parameters ``cxlab run`` sets itself; a user may not pass them.
RESERVED = ("out_dir",)

_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}


class CliValue(str):
    """A parameter value as typed on the command line, read per notebook (see module doc)."""


@dataclass(frozen=True)
class NotebookParameter:
    """One assignment of a notebook's ``parameters`` cell.

    Parameters
    ----------
    name : str
        The variable's name.
    default : any
        Its value, when the default is a Python literal.
    source : str
        The default as written.
    type_name : str
        ``"int"``, ``"str"``, ... or ``"any"``.
    help : str
        The comment after the assignment.
    literal : bool, default=True
        False when the default is an expression (any value is accepted).
    """

    name: str
    default: Any  # the value, when the default is a Python literal
    source: str  # the default as written
    type_name: str  # "int", "str", ... or "any"
    help: str  # the comment after the assignment
    literal: bool = True  # False when the default is an expression (any value is accepted)

    @property
    def recorded(self) -> Any:
        """The default as a manifest records it: the value, or the expression's text."""
        return self.default if self.literal else self.source

    def describe(self) -> str:
        text = f"{self.name} ({self.type_name}, default {self.source})"
        return f"{text}: {self.help}" if self.help else text


def _comments(source: str) -> dict[int, str]:
    """Line number -> text of the comment on that line."""
    out = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def _assignments(source: str) -> list[tuple[str, str, str | None, str]]:
    """``(name, default source, annotation, comment)`` of each top-level assignment."""
    tree = ast.parse(source)
    comments = _comments(source)
    found = []
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation = node.targets[0].id, None
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            name, annotation = node.target.id, ast.unparse(node.annotation)
        else:
            continue
        text = ast.get_source_segment(source, node.value) or ast.unparse(node.value)
        found.append((name, text, annotation, comments.get(node.end_lineno, "")))
    return found


def _papermill_assignments(path: Path) -> list[tuple[str, str, str | None, str]]:
    import papermill

    return [
        (name, str(info.get("default", "")), info.get("inferred_type_name"), info.get("help", ""))
        for name, info in papermill.inspect_notebook(str(path)).items()
    ]


def inspect_parameters(notebook: str | Path) -> dict[str, NotebookParameter]:
    """Parameters of a notebook, in cell order.

    The first cell tagged ``parameters`` is parsed as Python: each top-level
    ``name = value`` (or ``name: type = value``) is a parameter, and the comment
    at the end of its line is its help. (papermill's own inspector skips lines
    with a second ``=``, as in ``# empty = don't export``; this one does not.)
    A cell that is not plain Python (e.g. has ``%magics``) falls back to
    papermill's inspector.

    Parameters
    ----------
    notebook : str or Path
        An ``.ipynb`` file. A notebook without a cell tagged ``parameters``
        has no parameters.

    Returns
    -------
    dict of str to NotebookParameter

    Example
    -------
    >>> params = inspect_parameters("notebooks/01-journeys.ipynb")  # doctest: +SKIP
    >>> params["seed"].default  # doctest: +SKIP
    0
    """
    path = Path(notebook)
    nb = nbformat.read(path, as_version=4)
    cell = next(
        (c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None
    )
    if cell is None:
        return {}
    try:
        found = _assignments(cell.source)
    except SyntaxError:
        found = _papermill_assignments(path)
    out = {}
    for name, source, annotation, help_ in found:
        source = source.strip()
        try:
            default, literal = ast.literal_eval(source), True
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            default, literal = None, False
        if annotation in _TYPES:
            type_name = annotation
        elif not literal or default is None:
            type_name = "any"
        else:
            type_name = type(default).__name__
        out[name] = NotebookParameter(
            name=name,
            default=default,
            source=source,
            type_name=type_name,
            help=str(help_ or "").strip(),
            literal=literal,
        )
    return out


def parse_cli_params(items: Iterable[str]) -> dict[str, CliValue]:
    """``["seed=3", "data_path=data/x"]`` -> ``{"seed": CliValue("3"), ...}``."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise NotebookParameterError(
                f"-p {item!r}: expected NAME=VALUE with NAME a Python identifier, e.g. -p seed=3"
            )
        out[name] = CliValue(value)
    return out


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML file of ``name: value`` lines."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookParameterError(f"--params {str(path)!r}: no such file") from None
    except yaml.YAMLError as exc:
        raise NotebookParameterError(f"--params {str(path)!r} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise NotebookParameterError(
            f"--params {str(path)!r} must be a mapping of parameter names to values, "
            "e.g. 'seed: 3' on one line and 'data_path: data/demo' on the next"
        )
    return data


_PLAIN = (str, int, float, bool, list, dict, type(None))


def _read_cli(text: str, expected: type | None) -> Any:
    """Command-line text as the value the notebook's default asks for."""
    if expected is str:
        return text
    if expected in (int, float):
        try:  # Python's own syntax: 1e-3, 1_000, inf (YAML 1.1 reads 1e-3 as text)
            return expected(text.strip())
        except ValueError:
            pass
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text
    return value if isinstance(value, _PLAIN) else text  # e.g. a YAML date stays text


def _convert(value: Any, param: NotebookParameter) -> Any:
    """The value a notebook gets; TypeError saying why when it does not fit."""
    expected = _TYPES.get(param.type_name)
    if isinstance(value, CliValue):
        value = _read_cli(str(value), expected)
    if expected is None:
        return value
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise TypeError(f"{value!r} is {type(value).__name__}, not {param.type_name}")
    return value


def _listing(params: Mapping[str, NotebookParameter]) -> str:
    if not params:
        return "it has no parameters (no cell tagged 'parameters')"
    return "its parameters are:\n" + "\n".join(f"  {p.describe()}" for p in params.values())


def _union_listing(declared: Mapping[str, Mapping[str, NotebookParameter]]) -> str:
    owners: dict[str, list[str]] = {}
    first: dict[str, NotebookParameter] = {}
    for label, params in declared.items():
        for name, param in params.items():
            owners.setdefault(name, []).append(label)
            first.setdefault(name, param)
    lines = []
    for name, param in first.items():
        line = f"  {param.describe()}"
        if len(owners[name]) < len(declared):
            line += f"  [only in {', '.join(owners[name])}]"
        lines.append(line)
    return "\n".join(lines)


def resolve_parameters(
    declared: Mapping[str, Mapping[str, NotebookParameter]],
    given: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """Check ``given`` against each notebook's parameters; return the values per notebook.

    A name is applied to the notebooks that declare it; a name no notebook
    declares is an error (with close matches suggested), as is a value whose type
    does not fit a notebook's default.

    Parameters
    ----------
    declared : mapping of notebook label to its parameters
        As returned by :func:`inspect_parameters`.
    given : mapping of name to value
        Python values, or :class:`CliValue` text from the command line.

    Returns
    -------
    dict of notebook label to dict of name to value
        Only the given names each notebook declares, converted.

    Raises
    ------
    UnknownParameterError, ParameterTypeError, NotebookParameterError
    """
    for name in given:
        if name in RESERVED:
            raise NotebookParameterError(
                f"parameter {name!r} is set by cxlab run (to each notebook's folder in the "
                "report); choose the report folder with --out instead"
            )
    known = {name for params in declared.values() for name in params}
    unknown = [name for name in given if name not in known]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        if len(declared) == 1:
            label, params = next(iter(declared.items()))
            listing = f"{label}: {_listing(params)}"
        else:
            listing = "the notebooks' parameters are:\n" + _union_listing(declared)
        raise UnknownParameterError(
            f"unknown parameter {name!r}: no notebook declares it.{hint}\n{listing}"
        )
    out: dict[str, dict[str, Any]] = {}
    for label, params in declared.items():
        values = {}
        for name, value in given.items():
            if name not in params:
                continue
            try:
                values[name] = _convert(value, params[name])
            except TypeError as exc:
                raise ParameterTypeError(
                    f"parameter {name!r} of {label}: {exc} (default {params[name].source}).\n"
                    f"{label}: {_listing(params)}"
                ) from None
        out[label] = values
    return out


def format_parameters(label: str, params: Mapping[str, NotebookParameter]) -> str:
    """Text for ``cxlab run --list``: one aligned line per parameter."""
    if not params:
        return f"{label}\n  (no cell tagged 'parameters')"
    rows = [(p.name, p.type_name, p.source, p.help) for p in params.values()]
    w_name = max(len(r[0]) for r in rows)
    w_type = max(len(r[1]) for r in rows)
    w_def = max(len(r[2]) for r in rows)
    lines = [label]
    for name, type_name, source, help_ in rows:
        line = f"  {name:<{w_name}}  {type_name:<{w_type}}  = {source:<{w_def}}"
        if help_:
            line += f"  # {help_}"
        if name in RESERVED:
            line += "  [set by cxlab run]"
        lines.append(line.rstrip())
    return "\n".join(lines)
