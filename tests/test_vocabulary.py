"""One vocabulary over the public surface: ``confidence=`` for interval levels,
``n_bootstrap=`` for resample counts, ``random_state=`` for seeds; and a numpy-style
Parameters section that lists every parameter of every public function and method."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from tests.public_surface import documented, parameters, public_callables

# old name -> the name that replaced it; a function may keep an old name only as a deprecated
# alias (cxlab._deprecation.renamed_parameter), which leaves it out of the signature
RETIRED = {"level": "confidence", "alpha": "confidence", "n_boot": "n_bootstrap", "seed": "random_state"}

# ``alpha`` is kept where it is not a significance or interval level (a model's own parameter)
ALPHA_MEANS_SOMETHING_ELSE: set[str] = set()

# TEMPORARY: the modules of cxlab.markov, cxlab.sequences and cxlab.journeys move to the same
# vocabulary and documentation in a parallel change; delete these lists once it is merged.
PENDING_TOPICS = ("cxlab.markov.", "cxlab.sequences.", "cxlab.journeys.")

SURFACE = list(public_callables())


def _pending(func) -> bool:
    return func.__module__.startswith(PENDING_TOPICS)


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
        doc = inspect.getdoc(owner)
        if dataclasses.is_dataclass(owner) and documented(doc) is None:
            return documented(doc, "Attributes")  # a results record lists its fields there
        return documented(doc)
    return documented(inspect.getdoc(func))


def _undocumented(pending: bool):
    out = []
    for qual, func, owner in SURFACE:
        params = parameters(func)
        if not params or _pending(func) != pending:
            continue
        names = _doc_for(qual, func, owner)
        missing = [p for p in params if names is None or p not in names]
        if missing:
            out.append(f"{func.__module__}.{qual}: {', '.join(missing)}")
    return out


def test_every_public_function_documents_its_parameters():
    missing = _undocumented(pending=False)
    assert not missing, "Parameters sections missing or incomplete:\n" + "\n".join(missing)


@pytest.mark.xfail(reason="markov, sequences and journeys are documented in a parallel change")
def test_pending_topics_document_their_parameters():
    assert not _undocumented(pending=True)
