"""The language setting: which language cxlab labels, numbers and dates are shown in.

The setting lives in a :class:`contextvars.ContextVar`, not in a module-level
variable: ``set_language`` changes it for the running context (a notebook
kernel keeps it from cell to cell), :func:`use_language` changes it for a
``with`` block only, and a new thread starts from the default, English.
Every helper also takes ``language=`` to override the setting for one call.

Languages are the message files ``cxlab/i18n/messages/<code>.json``; adding a
file adds a language (see ``docs/i18n.md``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from importlib import resources

from cxlab.exceptions import ParameterError

__all__ = [
    "DEFAULT_LANGUAGE",
    "available_languages",
    "get_language",
    "language_info",
    "resolve_language",
    "set_language",
    "use_language",
]

#: The language used when nothing else is set.
DEFAULT_LANGUAGE = "en"

_LANGUAGE: ContextVar[str] = ContextVar("cxlab_language", default=DEFAULT_LANGUAGE)


def _messages_dir():
    return resources.files("cxlab.i18n") / "messages"


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """Codes of the languages cxlab has a message file for, sorted.

    >>> available_languages()
    ('en', 'fa')
    """
    return tuple(
        sorted(
            p.name[: -len(".json")] for p in _messages_dir().iterdir() if p.name.endswith(".json")
        )
    )


@cache
def load_language_file(code: str) -> dict:
    text = (_messages_dir() / f"{code}.json").read_text(encoding="utf-8")
    return json.loads(text)


def resolve_language(language: str | None = None) -> str:
    """The language code to use: ``language`` if given, else the current setting.

    Parameters
    ----------
    language : str or None, default=None
        A language code such as ``"fa"``; a regional tag (``"fa-IR"``, ``"fa_IR"``)
        or another letter case is reduced to its language (``"fa"``).

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        The language has no message file; the message lists the available ones.
    """
    if language is None:
        return _LANGUAGE.get()
    if not isinstance(language, str):
        raise ParameterError(
            f"language must be a language code such as 'fa', got {type(language).__name__} "
            f"{language!r}. Available: {', '.join(available_languages())}."
        )
    code = language.strip().replace("_", "-").split("-")[0].lower()
    if code not in available_languages():
        raise ParameterError(
            f"language {language!r} is not available; available languages: "
            f"{', '.join(available_languages())}. Fix: pass one of these (e.g. language='fa' "
            "for the Persian edition), or add cxlab/i18n/messages/<code>.json (docs/i18n.md)."
        )
    return code


def get_language() -> str:
    """The current language code (``"en"`` unless set).

    >>> get_language()
    'en'
    """
    return _LANGUAGE.get()


def set_language(language: str) -> str:
    """Show cxlab labels, numbers and dates in ``language`` from now on.

    The setting holds for the running context: the rest of a script, or the
    following cells of a notebook. Use :func:`use_language` to change it for
    a block only. In IPython or Jupyter, a language other than English also
    shows plain pandas ``DataFrame``/``Series`` outputs in that language (a
    display copy; the data is unchanged); English removes that again.

    Parameters
    ----------
    language : str
        ``"en"`` (English, the default) or ``"fa"`` (Persian: right to left,
        Persian digits, Jalali dates).

    Returns
    -------
    str
        The language that was set before, so a caller can restore it.

    Raises
    ------
    ParameterError
        The language is not available.

    Examples
    --------
    >>> previous = set_language("fa")
    >>> get_language()
    'fa'
    >>> _ = set_language(previous)
    """
    code = resolve_language(language)
    previous = _LANGUAGE.get()
    _LANGUAGE.set(code)
    from cxlab.i18n._ipython import sync_formatters

    sync_formatters(code)  # plain pandas tables in a notebook follow the language
    return previous


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Use ``language`` inside a ``with`` block, then restore the previous setting.

    >>> with use_language("fa"):
    ...     get_language()
    'fa'
    >>> get_language()
    'en'

    Parameters
    ----------
    language : str
        Language code for the block (``"en"``, ``"fa"``).
    """
    token = _LANGUAGE.set(resolve_language(language))
    try:
        yield _LANGUAGE.get()
    finally:
        _LANGUAGE.reset(token)


def language_info(language: str | None = None) -> dict:
    """Facts about a language: name, text direction, calendar, digits, date format.

    >>> info = language_info("fa")
    >>> info["direction"], info["calendar"], info["digits"]
    ('rtl', 'jalali', 'persian')

    Parameters
    ----------
    language : str or None, default=None
        Language code; None uses the current setting (:func:`cxlab.get_language`).
    """
    return dict(load_language_file(resolve_language(language))["language"])
