"""The message catalog: every label cxlab shows, in every language it speaks.

Messages live in ``cxlab/i18n/messages/<code>.json`` under dotted keys
(``stage.purchase``, ``column.estimate``, ``figure.funnel.title``, ...). A key
missing from a language falls back to English; a key missing from English is
a programming error and raises.
"""

from __future__ import annotations

import difflib
import numbers
import string
from collections.abc import Mapping
from functools import cache

from cxlab.data._catalog import DROP_STATE, END_STATE, START_STATE
from cxlab.exceptions import ParameterError
from cxlab.i18n._language import DEFAULT_LANGUAGE, load_language_file, resolve_language
from cxlab.i18n._numbers import localize_numeral

__all__ = ["display_name", "message_keys", "phrase", "phrasebook", "t", "word"]

_KINDS = ("stage", "channel", "touchpoint", "metric", "nps_category", "column")
_STATE_KEYS = {START_STATE: "state.start", DROP_STATE: "state.drop_off", END_STATE: "state.end"}


def _messages(code: str) -> dict[str, str]:
    return load_language_file(code)["messages"]


def message_keys(language: str | None = None) -> frozenset[str]:
    """The keys a language's message file defines.

    >>> "stage.purchase" in message_keys("fa")
    True

    Parameters
    ----------
    language : str or None, default=None
        Language code; None uses the current setting (:func:`cxlab.get_language`).
    """
    return frozenset(_messages(resolve_language(language)))


class _NumberFormatter(string.Formatter):
    """``str.format`` that writes numbers with the digits of the language."""

    def __init__(self, language: str):
        self.language = language

    def format_field(self, value, format_spec):
        text = super().format_field(value, format_spec)
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            return localize_numeral(text, self.language)
        return text


def t(key: str, language: str | None = None, **fmt) -> str:
    """The message ``key`` in ``language``, with ``fmt`` filled in.

    Numbers passed in ``fmt`` are written with the language's digits and
    separators (``{confidence:.0%}`` gives ``95%`` or ``۹۵٪``); text is
    inserted as given.

    Parameters
    ----------
    key : str
        A dotted message key, e.g. ``"column.estimate"``.
    language : str or None, default=None
        Defaults to the current setting (:func:`cxlab.get_language`).
    **fmt
        Values for the message's ``{placeholders}``.

    Returns
    -------
    str
        The message; English when the language lacks this key.

    Raises
    ------
    ParameterError
        ``key`` is unknown, or a placeholder has no value.

    Examples
    --------
    >>> t("stage.purchase", "fa")
    'خرید'
    >>> t("legend.interval", "fa", confidence=0.95)
    'بازه\\u200cی ۹۵٪'
    """
    code = resolve_language(language)
    template = _messages(code).get(key)
    if template is None:
        template = _messages(DEFAULT_LANGUAGE).get(key)
    if template is None:
        near = difflib.get_close_matches(key, list(_messages(DEFAULT_LANGUAGE)), n=3)
        hint = f" Did you mean {', '.join(repr(k) for k in near)}?" if near else ""
        raise ParameterError(
            f"no message {key!r} in the cxlab catalog.{hint} Fix: add it to "
            "cxlab/i18n/messages/en.json and every other language file."
        )
    if not fmt and "{" not in template:
        return template
    try:
        return _NumberFormatter(code).format(template, **fmt)
    except (KeyError, IndexError) as err:
        raise ParameterError(
            f"message {key!r} needs a value for {err.args[0]!r}: {template!r}. "
            f"Fix: call t({key!r}, {err.args[0]}=...)."
        ) from None


def word(prefix: str, text, language: str | None = None):
    """``text`` in ``language`` when the catalog has the message ``<prefix>.<text>``, else as given.

    >>> word("what", "conversions", "fa"), word("what", "clicks", "fa")
    ('تبدیل‌ها', 'clicks')
    """
    key = f"{prefix}.{text}"
    if isinstance(text, str) and key in _messages(DEFAULT_LANGUAGE):
        return t(key, language)
    return text


#: message groups whose English text is looked up as it stands in a figure
_PHRASE_PREFIXES = ("phrase.", "axis.", "legend.", "figure.")


def phrasebook(language: str | None = None) -> dict[str, str]:
    """English figure texts and their ``language`` version, for texts made without ``t()``.

    Messages under ``phrase.``, ``axis.``, ``legend.`` and ``figure.`` without
    placeholders, by their English text (as gettext keys messages by it).

    >>> phrasebook("fa")["share surviving"]
    'سهم ماندگار'
    """
    code = resolve_language(language)
    return _phrasebook(code)


@cache
def _phrasebook(code: str) -> dict[str, str]:
    english = _messages(DEFAULT_LANGUAGE)
    return {
        text: t(key, code)
        for key, text in english.items()
        if key.startswith(_PHRASE_PREFIXES) and "{" not in text
    }


def phrase(text: str, language: str | None = None, **fmt) -> str:
    """A sentence written in English, in the reader's language (gettext's ``_()``).

    Notebooks write their titles in English and wrap them in ``phrase``; the
    catalog keeps the translations under ``text.*`` keys whose English is the
    sentence. A sentence the catalog does not have is returned as written, so a
    researcher's own notebook works unchanged (in English) in every language.
    In a translated sentence, a text placeholder that is a name the catalog
    knows (a stage, channel or touchpoint of the default catalog, a column
    such as ``loyalty_member``) is shown in the language too; other text is
    inserted as given.

    Parameters
    ----------
    text : str
        The English sentence, with ``{placeholders}`` for ``fmt``.
    language : str or None, default=None
        Defaults to the current setting (:func:`cxlab.get_language`).
    **fmt
        Values for the placeholders (numbers get the language's digits).

    Returns
    -------
    str
        The sentence in ``language``.

    Examples
    --------
    >>> phrase("The {n} most valuable customers", "fa", n=10)
    'باارزش‌ترین ۱۰ مشتری'
    >>> phrase("My own title", "fa")
    'My own title'
    >>> phrase("Share still a customer, by {by}", "fa", by="loyalty_member")
    'سهم کسانی که هنوز مشتری\u200cاند، به تفکیک عضو باشگاه وفاداری'
    """
    key = _text_keys().get(text)
    if key is None:
        return text.format(**fmt) if fmt else text
    code = resolve_language(language)
    if code != DEFAULT_LANGUAGE:
        fmt = {name: _reader_value(value, code) for name, value in fmt.items()}
    return t(key, code, **fmt)


def _reader_value(value, code: str):
    """A text placeholder of a sentence: a name the catalog knows in ``code``, else as given."""
    if not isinstance(value, str):
        return value
    from cxlab.i18n._tables import column_header, reader_label

    shown = reader_label(value, code)
    return column_header(value, code) if shown == value else shown


@cache
def _text_keys() -> dict[str, str]:
    return {
        english: key
        for key, english in _messages(DEFAULT_LANGUAGE).items()
        if key.startswith("text.")
    }


def _catalog_names(catalog, code: str) -> Mapping[str, str]:
    names = getattr(catalog, "display_names", None) or {}
    if not isinstance(names, Mapping):
        raise ParameterError(
            "catalog.display_names must map a language code to {name: display name}, "
            f"e.g. {{'fa': {{'visit': 'بازدید'}}}}; got {type(names).__name__}."
        )
    return names.get(code) or {}


def display_name(name, catalog=None, language: str | None = None, *, kind: str = "stage") -> str:
    """How a stage, channel, touchpoint or metric name is shown to a reader.

    In order: the catalog's own display name for the language (a catalog may
    carry ``display_names = {"fa": {"visit": "بازدید"}}``), then the message
    catalog's name for a stage, channel, touchpoint or metric of the default
    catalog (touchpoints: those of the simulated demo, ``store_counter``)
    (and the Markov states ``(start)``, ``(drop-off)``, ``(end)``), and
    otherwise the name exactly as given: a user's own stages are never
    guessed at. English shows the default names unchanged.

    Parameters
    ----------
    name : str
        The name as it appears in the data.
    catalog : StageCatalog or None, default=None
        The study's catalog, read for an optional ``display_names`` mapping.
    language : str or None, default=None
        Defaults to the current setting.
    kind : {"stage", "channel", "touchpoint", "metric", "nps_category", "column"}, default="stage"

    Returns
    -------
    str

    Examples
    --------
    >>> display_name("call_centre", kind="channel", language="fa")
    'مرکز تماس'
    >>> display_name("renewal", language="fa")
    'renewal'
    """
    if kind not in _KINDS:
        raise ParameterError(f"kind must be one of {', '.join(_KINDS)}; got {kind!r}.")
    code = resolve_language(language)
    own = _catalog_names(catalog, code)
    if name in own:
        return str(own[name])
    key = _STATE_KEYS.get(name) if kind == "stage" else None
    key = key or f"{kind}.{name}"
    if isinstance(name, str) and key in _messages(DEFAULT_LANGUAGE):
        return t(key, code)
    return str(name)
