"""The language setting and the message catalog (cxlab/i18n/_language.py, _messages.py)."""

from __future__ import annotations

import contextvars
import re
import string
import threading
from types import SimpleNamespace

import pytest

import cxlab
from cxlab.data._catalog import DEFAULT_CATALOG, DROP_STATE, END_STATE, METRIC_SCALES, START_STATE
from cxlab.exceptions import CxlabError, ParameterError
from cxlab.i18n import _messages as messages_module
from cxlab.i18n import (
    available_languages,
    display_name,
    get_language,
    language_info,
    message_keys,
    resolve_language,
    set_language,
    t,
    use_language,
)

ZWNJ = "\u200c"


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    set_language("en")


# --- the setting -------------------------------------------------------------


def test_default_is_english_and_set_returns_previous():
    assert get_language() == "en"
    assert set_language("fa") == "en"
    assert get_language() == "fa"
    assert set_language("en") == "fa"


def test_package_face_exports_the_setting():
    assert cxlab.set_language is set_language
    assert cxlab.get_language is get_language
    cxlab.set_language("fa")
    assert cxlab.get_language() == "fa"


@pytest.mark.parametrize("tag", ["fa", "FA", "fa-IR", "fa_IR", " fa "])
def test_regional_tags_reduce_to_the_language(tag):
    assert resolve_language(tag) == "fa"


@pytest.mark.parametrize("bad", ["de", "persian", "", "xx-fa"])
def test_unknown_language_is_a_cxlab_error_listing_the_available_ones(bad):
    with pytest.raises(ParameterError, match=r"available languages: en, fa") as info:
        set_language(bad)
    assert isinstance(info.value, CxlabError)
    assert get_language() == "en"  # unchanged


def test_language_of_the_wrong_type():
    with pytest.raises(ParameterError, match="got int 3"):
        resolve_language(3)


def test_available_languages_are_the_message_files():
    assert available_languages() == ("en", "fa")


def test_use_language_restores_even_after_an_error():
    with pytest.raises(RuntimeError), use_language("fa"):
        assert get_language() == "fa"
        raise RuntimeError("boom")
    assert get_language() == "en"


def test_setting_is_context_local_not_global():
    seen = {}
    set_language("fa")
    thread = threading.Thread(target=lambda: seen.setdefault("thread", get_language()))
    thread.start()
    thread.join()
    assert seen["thread"] == "en"  # a new thread starts from the default
    ctx = contextvars.copy_context()
    ctx.run(set_language, "en")
    assert ctx.run(get_language) == "en"
    assert get_language() == "fa"  # the copy's change did not leak back


def test_explicit_language_overrides_the_setting():
    set_language("fa")
    assert t("stage.purchase") == "خرید"
    assert t("stage.purchase", language="en") == "purchase"


def test_language_info():
    fa = language_info("fa")
    assert (fa["direction"], fa["calendar"], fa["digits"]) == ("rtl", "jalali", "persian")
    en = language_info("en")
    assert (en["direction"], en["calendar"], en["digits"]) == ("ltr", "gregorian", "latin")


# --- the catalog files ---------------------------------------------------------


def _fields(template: str) -> set[tuple[str, str]]:
    return {(name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", ["fa"])
def test_every_language_has_exactly_the_english_keys(code):
    en, other = message_keys("en"), message_keys(code)
    assert sorted(en - other) == [], f"{code}.json lacks these English keys"
    assert sorted(other - en) == [], f"{code}.json has keys English lacks"


@pytest.mark.parametrize("code", ["fa"])
def test_placeholders_agree_with_english(code):
    for key in message_keys("en"):
        assert _fields(t_raw(key, code)) == _fields(t_raw(key, "en")), key


def t_raw(key, code):
    return messages_module._messages(code)[key]


def test_persian_messages_are_persian():
    """No empty message, no Latin digits (numbers come in through placeholders)."""
    for key in message_keys("fa"):
        text = t_raw(key, "fa")
        assert text.strip(), key
        assert not re.search(r"[0-9]", re.sub(r"\{[^}]*\}", "", text)), key


def test_default_catalog_names_have_messages_and_english_is_unchanged():
    for stage in (*DEFAULT_CATALOG.stages, START_STATE, DROP_STATE, END_STATE):
        assert display_name(stage, language="en") == stage
        assert display_name(stage, language="fa") != stage
    for channel in DEFAULT_CATALOG.channels:
        assert display_name(channel, kind="channel", language="en") == channel
        assert display_name(channel, kind="channel", language="fa") != channel
    for metric in METRIC_SCALES:
        assert display_name(metric, kind="metric", language="fa") == metric.upper()


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("awareness", "stage", "آگاهی"),
        ("purchase", "stage", "خرید"),
        ("churn", "stage", "ریزش"),
        (START_STATE, "stage", "(شروع)"),
        ("call_centre", "channel", "مرکز تماس"),
        ("social", "channel", f"شبکه{ZWNJ}های اجتماعی"),
        ("promoter", "nps_category", f"ترویج{ZWNJ}کننده"),
        ("detractor", "nps_category", "منتقد"),
        ("estimate", "column", "برآورد"),
        ("p_value", "column", "مقدار p"),
    ],
)
def test_persian_names(name, kind, expected):
    assert display_name(name, kind=kind, language="fa") == expected


@pytest.mark.parametrize("column", ["estimate", "lower", "upper", "n", "share", "p_value", "se"])
def test_common_result_headers_are_in_the_catalog(column):
    assert f"column.{column}" in message_keys("fa")


# --- t() -------------------------------------------------------------------------


def test_numbers_in_placeholders_take_the_language_digits():
    assert t("legend.interval", "fa", confidence=0.95) == f"بازه{ZWNJ}ی ۹۵٪"
    assert t("legend.interval", "en", confidence=0.95) == "95% interval"
    assert t("note.small_sample", "fa", n=30).startswith("کمتر از ۳۰ مشاهده")


def test_text_in_placeholders_is_inserted_as_given():
    assert t("report.title", "fa", status="run 2") == "گزارش cxlab: run 2"


def test_missing_key_falls_back_to_english(monkeypatch):
    real = messages_module._messages

    def without(code):
        found = dict(real(code))
        if code == "fa":
            found.pop("stage.purchase")
        return found

    monkeypatch.setattr(messages_module, "_messages", without)
    assert t("stage.purchase", "fa") == "purchase"
    assert t("stage.awareness", "fa") == "آگاهی"


def test_unknown_key_suggests_close_ones():
    with pytest.raises(ParameterError, match=r"no message 'stage.purchse'.*'stage.purchase'"):
        t("stage.purchse", "fa")


def test_missing_placeholder_names_it():
    with pytest.raises(ParameterError, match=r"needs a value for 'confidence'"):
        t("legend.interval", "fa")


# --- display_name with a user's catalog --------------------------------------------


def test_user_stage_names_are_shown_as_given():
    own = DEFAULT_CATALOG.with_stages(["visit", "trial", "purchase", "renewal"])
    assert display_name("renewal", own, "fa") == "renewal"
    assert display_name("visit", own, "fa") == "visit"


def test_a_catalog_may_carry_its_own_display_names():
    catalog = SimpleNamespace(display_names={"fa": {"visit": "بازدید", "purchase": "سفارش"}})
    assert display_name("visit", catalog, "fa") == "بازدید"
    assert display_name("purchase", catalog, "fa") == "سفارش"  # the catalog's word wins
    assert display_name("visit", catalog, "en") == "visit"  # no English names given
    assert display_name("trial", catalog, "fa") == "trial"


def test_bad_display_names_and_kind():
    with pytest.raises(ParameterError, match="display_names must map a language"):
        display_name("visit", SimpleNamespace(display_names=["visit"]), "fa")
    with pytest.raises(ParameterError, match="kind must be one of"):
        display_name("visit", kind="moment")


@pytest.mark.notebooks
def test_setting_holds_from_cell_to_cell_in_a_notebook_kernel():
    """Each notebook cell runs in the kernel's context: set once, seen by later cells."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import cxlab\ncxlab.set_language('fa')"),
        nbformat.v4.new_code_cell(
            "from cxlab.i18n import t\nprint(cxlab.get_language(), t('stage.purchase'))"
        ),
    ]
    NotebookClient(nb, kernel_name="cxlab", timeout=120).execute()
    assert nb.cells[1].outputs[0]["text"].strip() == "fa خرید"
