"""Old parameter names kept working for one release, with a DeprecationWarning.

cxlab speaks one vocabulary in public signatures: ``confidence=`` for every
interval level, ``n_bootstrap=`` for every resample count and ``random_state=``
for every seed. A function whose parameter was renamed is decorated with
:func:`renamed_parameter`, which maps the old keyword onto the new one.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable

from cxlab.exceptions import ParameterError

__all__ = ["renamed_parameter"]


def renamed_parameter(old: str, new: str, *, transform: Callable | None = None):
    """Accept ``old=`` as a deprecated spelling of ``new=``.

    Parameters
    ----------
    old : str
        The former keyword.
    new : str
        The keyword the function takes now.
    transform : callable, optional
        Turns an ``old`` value into a ``new`` one when the meaning flipped
        (``alpha=0.05`` is ``confidence=0.95``). Default: the value as given.

    Returns
    -------
    callable
        A decorator. The wrapped function lists its renamed keywords in
        ``__deprecated_parameters__`` (``{old: new}``).

    Raises
    ------
    ParameterError
        At call time, when both ``old=`` and ``new=`` are given.

    Examples
    --------
    >>> @renamed_parameter("n_boot", "n_bootstrap")
    ... def f(*, n_bootstrap=100):
    ...     return n_bootstrap
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     f(n_boot=5)
    5
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if old in kwargs:
                name = func.__qualname__.removesuffix(".__init__")
                if new in kwargs:
                    raise ParameterError(
                        f"{name}() got {old}= and {new}=, the old and the new name of one "
                        f"parameter. Fix: pass {new}= only, not both."
                    )
                warnings.warn(
                    f"{name}(): {old}= is deprecated and will be removed in the next release; "
                    f"use {new}= instead.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                value = kwargs.pop(old)
                kwargs[new] = value if transform is None else transform(value)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    return func(*args, **kwargs)
            finally:
                _replay(caught, sys._getframe(1))

        wrapper.__deprecated_parameters__ = {
            **getattr(func, "__deprecated_parameters__", {}),
            old: new,
        }
        return wrapper

    return decorate


def _replay(caught, caller) -> None:
    """Issue again the warnings ``func`` gave, as if this wrapper were not there.

    A warning the function aims at its caller (``stacklevel=2``) lands on this
    wrapper's frame; it is moved to the wrapper's caller, so users (and
    notebook outputs) see their own line, as without the decorator.
    """
    for w in caught:
        if w.filename == __file__:
            filename, lineno, module_globals = (
                caller.f_code.co_filename,
                caller.f_lineno,
                caller.f_globals,
            )
        else:
            filename, lineno, module_globals = w.filename, w.lineno, _globals_of(w.filename)
        registry = (
            None if module_globals is None else module_globals.setdefault("__warningregistry__", {})
        )
        warnings.warn_explicit(
            w.message,
            w.category,
            filename,
            lineno,
            module=None if module_globals is None else module_globals.get("__name__"),
            registry=registry,
            module_globals=module_globals,
            source=w.source,
        )


def _globals_of(filename: str) -> dict | None:
    """The namespace of the loaded module from ``filename`` (for its warning registry)."""
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == filename:
            return vars(module)
    return None


def alpha_to_confidence(alpha):
    """``confidence`` from a former ``alpha`` (``0.05`` gives ``0.95``)."""
    return round(1 - alpha, 12)
