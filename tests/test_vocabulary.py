"""One vocabulary over the public surface: ``confidence=`` for interval levels,
``n_bootstrap=`` for resample counts, ``random_state=`` for seeds; and a numpy-style
Parameters section that lists every parameter of every public function and method."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import cxlab
from tests.public_surface import documented, parameters, public_callables

# old name -> the name that replaced it; a function may keep an old name only as a deprecated
# alias (cxlab._deprecation.renamed_parameter), which leaves it out of the signature
RETIRED = {
    "level": "confidence",
    "alpha": "confidence",
    "n_boot": "n_bootstrap",
    "seed": "random_state",
}

# ``alpha`` is kept where it is not a significance or interval level (a model's own parameter)
ALPHA_MEANS_SOMETHING_ELSE: set[str] = set()


SURFACE = list(public_callables())


def test_the_surface_is_walked():
    names = {q for q, _, _ in SURFACE}
    assert {"load", "validate", "nps", "KaplanMeier.__init__", "MarkovChain.fit"} <= names
    assert len(SURFACE) > 300


def test_no_retired_parameter_name_in_a_public_signature():
    bad = []
    for qual, func, _ in SURFACE:
        for p in parameters(func):
            if p in RETIRED and not (p == "alpha" and qual in ALPHA_MEANS_SOMETHING_ELSE):
                bad.append(f"{func.__module__}.{qual}({p}=) -> {RETIRED[p]}=")
    assert not bad, "old names in public signatures (rename; keep the old one with "
    "cxlab._deprecation.renamed_parameter):\n" + "\n".join(bad)


def test_deprecated_aliases_point_at_names_in_the_signature():
    for qual, func, _ in SURFACE:
        for old, new in getattr(func, "__deprecated_parameters__", {}).items():
            assert old not in parameters(func), qual
            assert new in parameters(func), f"{qual}: {old}= maps to {new}=, not a parameter"


def _doc_for(qual, func, owner):
    if owner is not None and func.__name__ == "__init__":
        # the class documents its constructor; a results record lists its fields as Attributes
        # (a subclass inherits the fields its bases document)
        docs = [inspect.getdoc(c) for c in owner.__mro__ if c.__module__.startswith("cxlab")]
        sections = [documented(d, t) for d in docs for t in ("Parameters", "Attributes")]
        if all(s is None for s in sections):
            return None
        return set().union(*(s for s in sections if s is not None))
    return documented(inspect.getdoc(func))


def _undocumented():
    out = []
    for qual, func, owner in SURFACE:
        params = parameters(func)
        if not params:
            continue
        names = _doc_for(qual, func, owner)
        missing = [p for p in params if names is None or p not in names]
        if missing:
            out.append(f"{func.__module__}.{qual}: {', '.join(missing)}")
    return out


def test_every_public_function_documents_its_parameters():
    missing = _undocumented()
    assert not missing, "Parameters sections missing or incomplete:\n" + "\n".join(missing)


def test_shared_plot_entries_are_filled_in_and_written_once():
    from cxlab._plots import PLOT_PARAMETERS

    unfilled = [
        f"{func.__module__}.{qual}"
        for qual, func, _ in SURFACE
        if re.search(r"%\(\w+\)s", inspect.getdoc(func) or "")
    ]
    assert not unfilled, "docstrings with a %(name)s line but no @plot_doc:\n" + "\n".join(unfilled)
    ax = PLOT_PARAMETERS["ax"]
    uses = [f for _, f, _ in SURFACE if ax in (inspect.getdoc(f) or "")]
    assert len(uses) > 20  # plot functions and plot methods of every topic
    # the entry is written once, in cxlab/_plots.py, not copied into the modules
    copies = [
        str(p) for p in Path(cxlab.__file__).parent.rglob("*.py") if ax in p.read_text("utf-8")
    ]
    assert [Path(c).name for c in copies] == ["_plots.py"] and "cxlab/_plots.py" in copies[0]
