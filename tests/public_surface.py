"""The public callables of cxlab: every name in the top level's and each topic's ``__all__``,
with the public methods of public classes (those defined in cxlab)."""

from __future__ import annotations

import importlib
import inspect
import re

import cxlab


def _faces():
    return [cxlab] + [importlib.import_module(f"cxlab.{t}") for t in cxlab._TOPICS]


def _from_cxlab(obj) -> bool:
    return getattr(obj, "__module__", "").startswith("cxlab")


def _overrides_foreign_api(cls, name: str) -> bool:
    """A method a non-cxlab base class defines (matplotlib's Formatter API, ...)."""
    return any(name in vars(base) for base in cls.__mro__[1:] if not _from_cxlab(base))


def public_callables():
    """``(qualified name, function, owner class or None)``, each function once."""
    seen = set()
    for face in _faces():
        for name in face.__all__:
            obj = getattr(face, name)
            if inspect.isclass(obj):
                if not _from_cxlab(obj):
                    continue
                init = next(k.__dict__["__init__"] for k in obj.__mro__ if "__init__" in k.__dict__)
                members = [("__init__", init)] if _from_cxlab(init) else []
                for klass in obj.__mro__:
                    if _from_cxlab(klass):
                        members += [(m, f) for m, f in vars(klass).items() if not m.startswith("_")]
                for m, f in members:
                    if isinstance(f, classmethod | staticmethod):
                        f = f.__func__
                    if not inspect.isfunction(f) or (
                        m != "__init__" and _overrides_foreign_api(obj, m)
                    ):
                        continue
                    if (f.__module__, f.__qualname__) not in seen:
                        seen.add((f.__module__, f.__qualname__))
                        yield f"{obj.__name__}.{m}", f, obj
            elif inspect.isfunction(obj) and _from_cxlab(obj):
                if (obj.__module__, obj.__qualname__) not in seen:
                    seen.add((obj.__module__, obj.__qualname__))
                    yield name, obj, None


def parameters(func) -> list[str]:
    """Names in the signature (the renamed ones of a deprecated alias are not there)."""
    sig = inspect.signature(func)
    return [p for p in sig.parameters if p not in ("self", "cls")]


_SECTION = r"^{title}\n-{{3,}}\n(.*?)(?=^\S[^\n]*\n-{{3,}}\n|\Z)"


def documented(doc: str | None, title: str = "Parameters") -> set[str] | None:
    """Names a numpy-style section lists (``a, b : int`` lists both); None without it."""
    m = re.search(_SECTION.format(title=title), doc or "", re.M | re.S)
    if not m:
        return None
    names = set()
    for line in m.group(1).splitlines():
        if line and not line[0].isspace():
            names.update(part.strip().lstrip("*") for part in line.split(" : ")[0].split(","))
    return names
