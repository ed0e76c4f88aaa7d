"""One-line summaries of studies, models and scores for a reader of another language.

A result's ``repr`` (``CXData(events=12,345, ...)``, ``ValueModel(...)``, the NPS
with its interval) is English written for a researcher at a console. In another
language :func:`reader_summary` writes the same facts as a sentence of the
message catalog (``summary.<kind>``), numbers with the language's digits and
separators, dates in its calendar, names of the catalog in the language; and
:func:`summary_html` shows it as a paragraph (right to left where the language
reads so). English keeps the ``repr`` as it is: these are used only when the
language is not English.

Objects cxlab shows this way: ``CXData``, ``LazyStudy``, ``ValueModel``,
``PersonaModel``, ``FitCheck`` and the score estimates (``cxlab.nps``, ...).
"""

from __future__ import annotations

import html
import math

from cxlab.i18n._language import resolve_language
from cxlab.i18n._messages import display_name, t, word
from cxlab.i18n._numbers import format_number

__all__ = ["SUMMARIZED", "reader_summary", "summary_html"]


def _n(value, language: str, decimals: int | None = None) -> str:
    return format_number(value, decimals, language=language)


def _yes_no(flag, language: str) -> str:
    return t("value.yes" if flag else "value.no", language)


def _span(events, language: str) -> str:
    if not len(events):
        return ""
    from cxlab.i18n._dates import format_date

    times = events["timestamp"]
    return t(
        "summary.span",
        language,
        start=format_date(times.min(), language=language),
        end=format_date(times.max(), language=language),
    )


def _cxdata(data, code: str) -> str:
    return t(
        "summary.cxdata",
        code,
        events=_n(len(data.events), code),
        customers=_n(len(data.customers), code),
        feedback=_n(len(data.feedback), code),
        span=_span(data.events, code),
        truth=_yes_no(data.truth is not None and bool(data.truth), code),
    )


def _lazy_study(study, code: str) -> str:
    return t(
        "summary.lazy_study",
        code,
        engine=study.engine,
        customers=_n(len(study.customers), code),
        feedback=_n(len(study.feedback), code),
        truth=_yes_no(study.truth is not None and bool(study.truth), code),
    )


def _value_model(model, code: str) -> str:
    return t(
        "summary.value_model",
        code,
        leads=_n(model.n_leads_, code),
        purchasers=_n(len(model.owners_), code),
        groups=_n(len(model.groups_), code),
        conversion=_n(model.conversion_, code, 3),
        n_boot=_n(int(model.n_bootstrap), code),
    )


def _persona_model(model, code: str) -> str:
    return t(
        "summary.persona_model",
        code,
        k=_n(int(model.n_personas_), code),
        n=_n(len(model.labels_), code),
    )


def _stat(name: str, value, code: str) -> str:
    from cxlab.i18n._tables import column_header

    if name == "p":  # a p-value as every table shows it: <0.001, else 3 decimals
        from cxlab._display import format_p
        from cxlab.i18n._numbers import localize_numbers

        shown = localize_numbers(format_p(value), code)
    elif isinstance(value, float) and not math.isnan(value) and not value.is_integer():
        shown = _n(value, code, None if abs(value) < 0.001 else 3)
    else:
        shown = _n(value, code)
    return t("summary.stat", code, name=column_header(name, code), value=shown)


def _fit_check(check, code: str) -> str:
    stats = t("list.separator", code).join(_stat(k, v, code) for k, v in check.stats.items())
    return t("summary.fit_check", code, kind=word("value", check.kind, code), stats=stats)


def _score(estimate, code: str) -> str:
    sign = estimate.metric == "nps"
    decimals = 2 if estimate.metric == "ces" else 1

    def number(x):
        text = _n(x, code, decimals)
        return "+" + text if sign and x >= 0 else text

    unit = t("summary.percent_unit", code) if estimate.metric == "csat" else ""
    return t(
        "summary.score",
        code,
        metric=display_name(estimate.metric, None, code, kind="metric"),
        score=number(estimate.score) + unit,
        confidence=estimate.confidence,
        lower=number(estimate.lower),
        upper=number(estimate.upper),
        method=word("value", estimate.method, code),
        n=_n(int(estimate.n), code),
    )


#: (module, class name) -> the summary of an object of that class
SUMMARIZED = {
    ("cxlab.data._model", "CXData"): _cxdata,
    ("cxlab.engines._study", "LazyStudy"): _lazy_study,
    ("cxlab.value._model", "ValueModel"): _value_model,
    ("cxlab.personas._model", "PersonaModel"): _persona_model,
    ("cxlab.btyd._checks", "FitCheck"): _fit_check,
    ("cxlab.feedback._scores", "ScoreEstimate"): _score,
}


#: models: the attribute a fitted one has (an unfitted one is summarized as such)
FITTED = {"ValueModel": "conversion_", "PersonaModel": "labels_"}


def reader_summary(obj, language: str | None = None) -> str:
    """The one-line summary of ``obj`` in ``language`` (a sentence of the catalog).

    Parameters
    ----------
    obj : CXData, LazyStudy, ValueModel, PersonaModel, FitCheck or ScoreEstimate
    language : str or None, default=None
        Defaults to the current setting; English gives ``repr(obj)``.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``obj`` is of a class without a summary.
    """
    code = resolve_language(language)
    if code == "en":
        return repr(obj)
    for cls in type(obj).__mro__:
        make = SUMMARIZED.get((cls.__module__, cls.__name__))
        if make is None:
            continue
        fitted_attribute = FITTED.get(cls.__name__)
        if fitted_attribute is not None and not hasattr(obj, fitted_attribute):
            return t("summary.unfitted", code, name=cls.__name__)
        return make(obj, code)
    raise TypeError(
        f"no reader summary for {type(obj).__name__}; summaries exist for "
        f"{', '.join(name for _, name in SUMMARIZED)}."
    )


def summary_html(text: str, body: str = "") -> str:
    """A summary line as an HTML paragraph (escaped), followed by ``body`` (already HTML).

    Parameters
    ----------
    text : str
        The summary (from :func:`reader_summary`).
    body : str, default=""
        HTML shown under it (e.g. a table and its notes).
    """
    from cxlab._display import RLM, right_to_left

    mark = RLM if right_to_left() else ""  # "NPS +۳۲٫۵ ..." is a right-to-left line
    return f'<p class="cxlab-summary">{mark}{html.escape(text)}</p>{body}'
