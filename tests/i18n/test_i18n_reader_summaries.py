"""What a Persian reader still met in English: generated persona names, feature and
parameter names, one-line summaries, plain numbers, notes of personas and BTYD, and two
figure labels. English is unchanged throughout."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import cxlab
from cxlab._display import readable
from cxlab.i18n import use_language
from cxlab.i18n._summaries import reader_summary
from cxlab.i18n._tables import column_header, reader_cell, reader_label
from cxlab.personas._profiles import persona_display_name

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
LATIN_DIGIT = re.compile(r"[0-9]")


@pytest.fixture(scope="module")
def study():
    return cxlab.simulate(600, random_state=3)


# --- persona names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("chat & app customers", "مشتریان (چت آنلاین و اپلیکیشن)"),
        ("small-basket web & app buyers", "خریداران با سبد کوچک (وب\u200cسایت و اپلیکیشن)"),
        ("high-value phone loyalists (2)", "وفاداران پرارزش (تلفن) (۲)"),
        ("mixed-channel browsers", "بازدیدکنندگانِ بی\u200cخرید (چندکاناله)"),
    ],
)
def test_generated_persona_names_read_in_persian(name, expected):
    assert persona_display_name(name, "fa") == expected
    assert persona_display_name(name, "en") == name
    assert reader_label(name, "fa") == expected
    assert reader_label(f"persona[{name}]", "fa") == "پرسونا: " + expected


@pytest.mark.parametrize(
    "name", ["my own persona", "kiosk & app customers", "customers", "busy big-ticket"]
)
def test_other_names_are_shown_as_given(name):
    assert persona_display_name(name, "fa") == name


def test_every_word_a_generated_name_can_hold_has_a_persian_message():
    from cxlab.i18n import message_keys
    from cxlab.personas._profiles import NOUNS, QUALIFIERS

    keys = message_keys("fa")
    assert {f"persona.qualifier.{w}" for w in QUALIFIERS.values()} <= keys
    assert {f"persona.noun.{w}" for w in NOUNS} <= keys


def test_persona_model_names_in_a_persian_table(study):
    features = cxlab.customer_features(study)
    model = cxlab.PersonaModel(n_personas=3, n_bootstrap=0, random_state=0).fit(features)
    cards = model.summary()[["name", "n_customers"]]
    with use_language("fa"):
        shown = readable(cards).frame()
    assert list(shown.iloc[:, 0]) == [persona_display_name(n, "fa") for n in model.names_]
    assert not [n for n in shown.iloc[:, 0] if LATIN_WORD.search(n)]
    assert list(readable(cards).frame()["name"]) == list(model.names_)  # English as before


# --- feature, parameter and column names ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("share_web", "سهم وب\u200cسایت"),
        ("n_awareness__ads", "رویدادهای آگاهی در تبلیغات"),
        ("reached_purchase", "به خرید رسیده"),
        ("frequency_holdout", "تکرار خرید در دوره\u200cی آزمون"),
        ("nps_last", "آخرین پاسخ NPS"),
        ("first_purchase", "نخستین خرید"),
        ("p_alive_pareto", "احتمال فعال بودن (Pareto/NBD)"),
    ],
)
def test_feature_names_as_headers_and_row_labels(name, expected):
    assert column_header(name, "fa") == expected
    assert reader_cell(name, "fa") == expected
    assert column_header(name, "en") == name


@pytest.mark.parametrize("name", ["share_kiosk", "n_browse__kiosk", "reached_nowhere", "x_holdout"])
def test_made_names_with_unknown_parts_stay_as_given(name):
    assert column_header(name, "fa") == name


def test_parameters_keep_their_symbol_with_a_gloss():
    table = pd.DataFrame(
        {"estimate": [0.24, 4.4, 0.79, 2.4]},
        index=pd.Index(["r", "alpha", "a", "b"], name="parameter"),
    )
    with use_language("fa"):
        labels = list(readable(table).frame().index)
    assert labels[0].startswith("r (") and labels[1].startswith("α")
    assert all(not LATIN_WORD.search(label) for label in labels)
    assert list(readable(table).frame().index) == ["r", "alpha", "a", "b"]


def test_four_ps_column_and_p_values():
    owners = cxlab.touchpoint_owners()
    with use_language("fa"):
        shown = readable(owners).frame()
        p_values = readable(pd.DataFrame({"p": [0.0004, 0.2]})).frame()
    assert "P آمیخته\u200cی بازاریابی" in shown.columns and "p" not in shown.columns
    assert not LATIN_WORD.search(" ".join(shown.iloc[:, 3]))
    assert list(p_values.columns) == ["p"]  # a p-value column keeps its header
    assert list(readable(owners).frame().columns) == list(owners.columns)


# --- one-line summaries ----------------------------------------------------------------


def test_study_summary(study):
    english = repr(study)
    assert english.startswith("CXData(events=")
    with use_language("fa"):
        shown = repr(study)
    assert shown == reader_summary(study, "fa")
    assert shown.startswith("داده\u200cهای CX: ") and "۱۴۰۳/" in shown
    assert not LATIN_DIGIT.search(shown)
    assert repr(study) == english


def test_score_summary_names_its_method_in_persian():
    estimate = cxlab.nps(counts=(14, 26, 40))
    assert reader_summary(estimate, "fa") == (
        "NPS +۳۲٫۵ (بازه\u200cی اطمینان ۹۵٪ از +۱۵٫۱ تا +۴۷٫۶، روش والد تعدیل\u200cشده، ۸۰ پاسخ)"
    )
    assert reader_summary(estimate, "en") == repr(estimate)


def test_score_repr_outside_a_notebook_is_the_persian_summary():
    estimate = cxlab.nps(counts=(14, 26, 40))
    english = repr(estimate)
    assert english.startswith("NPS +32.5 (95% CI")
    with use_language("fa"):
        shown = repr(estimate)
    assert shown == reader_summary(estimate, "fa") and not LATIN_DIGIT.search(shown)
    assert repr(estimate) == english


def test_unknown_object_has_no_summary():
    with pytest.raises(TypeError, match="no reader summary for list"):
        reader_summary([1], "fa")


@pytest.fixture(scope="module")
def fitted_btyd():
    sim = cxlab.simulate_purchases(400, random_state=1)
    model = cxlab.BGNBD()
    model.fit(sim.summary)
    return model, sim.summary


def test_fit_check_summary_table_and_notes(fitted_btyd):
    model, summary = fitted_btyd
    with use_language("fa"):
        check = cxlab.frequency_check(model, summary)
        shown = repr(check)
    assert shown.startswith("بررسی برازش (تکرار خرید): ")
    assert not LATIN_WORD.search(shown)
    english = cxlab.frequency_check(model, summary)
    assert repr(english).startswith("FitCheck(frequency; chi2=")
    assert english.notes[0].startswith("Chi-square ")


# --- notes ------------------------------------------------------------------------------

KEPT = {"Pareto", "NBD", "Hessian"}


def test_btyd_notes_in_persian_and_english_as_before(fitted_btyd):
    _, summary = fitted_btyd
    english = cxlab.BGNBD().fit(summary).notes_
    assert english[0].startswith("Standard errors from the observed information")
    assert english[1] == "Times are in days; rates are per day." or "weeks" in english[1]
    with use_language("fa"):
        persian = cxlab.BGNBD().fit(summary).notes_
    assert len(persian) == len(english)
    for note in persian:
        assert not set(LATIN_WORD.findall(note)) - KEPT, note


def test_gamma_gamma_notes(fitted_btyd):
    _, summary = fitted_btyd
    repeat = summary[summary["frequency"] > 0]
    english = cxlab.GammaGamma().fit(repeat).notes_
    assert english[1].startswith("Independence check: correlation of frequency and mean spend r = ")
    assert "95% CI" in english[1]
    with use_language("fa"):
        persian = cxlab.GammaGamma().fit(repeat).notes_
    assert "۹۵٪" in persian[1] and not LATIN_DIGIT.search(persian[0])


# --- plain numbers in a notebook ----------------------------------------------------------

IPython = pytest.importorskip("IPython")


def _plain(ip, obj):
    return ip.display_formatter.format(obj)[0]


def test_numbers_tuples_and_summaries_in_a_persian_notebook(shell, study):
    import numpy as np

    values = (0.657, np.float64(0.657), 1883, (20.6, np.float64(24.9)), True, ("a", 1))
    english = [_plain(shell, v)["text/plain"] for v in values]
    cxlab.set_language("fa")
    shown = [_plain(shell, v)["text/plain"] for v in values]
    assert shown[:4] == ["۰٫۶۵۷", "۰٫۶۵۷", "۱٬۸۸۳", "(۲۰٫۶، ۲۴٫۹)"]
    assert shown[4:] == ["True", "('a', 1)"]  # booleans and mixed tuples as Python writes them
    data = _plain(shell, study)
    assert data["text/plain"].startswith("داده\u200cهای CX")
    assert data["text/html"].startswith('<p class="cxlab-summary">\u200fداده')
    cxlab.set_language("en")
    assert [_plain(shell, v)["text/plain"] for v in values] == english
    assert _plain(shell, study)["text/plain"].startswith("CXData(")
    assert "text/html" not in _plain(shell, study)


# --- figures -----------------------------------------------------------------------------


def test_interval_pair_in_a_figure_uses_the_persian_comma():
    from cxlab.i18n import localize_figure

    fig, ax = plt.subplots()
    ax.text(0, 0, "0.81\n[0.80, 0.82]")
    with use_language("fa"):
        localize_figure(ax)
    assert "[۰٫۸۰، ۰٫۸۲]" in ax.texts[0].get_text()
    plt.close(fig)


def test_the_all_row_of_a_scores_figure_is_named_once(study):
    scores = cxlab.score_table(study, "nps", by=["segment"])
    with use_language("fa"):
        ax = cxlab.plot_scores(scores)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert not [label for label in labels if label.count("(همه)") > 1]
    assert any("(همه)" in label for label in labels)
    plt.close(ax.figure)
    english = [t.get_text() for t in cxlab.plot_scores(scores).get_yticklabels()]
    assert any(label.startswith("(all): (all)") for label in english)  # English as it was
    plt.close("all")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("nps_first", "NPS: نخستین"), ("csat_last_time", "CSAT: زمان آخرین"), ("foo_n", "foo_n")],
)
def test_summaries_of_a_column_per_customer(name, expected):
    assert column_header(name, "fa") == expected


def test_proportional_hazards_check_in_persian():
    from cxlab.survival._cox import AssumptionReport

    report = AssumptionReport(pd.DataFrame({"violated": [False]}), notes=["x"])
    assert repr(report).startswith("AssumptionReport(ok=True)")
    with use_language("fa"):
        head, shown = repr(report), report._repr_html_()
    assert head.startswith("بررسی فرض خطرهای متناسب") and "بله" in head
    assert "AssumptionReport" not in shown and "x</li></ol>" in shown


def test_persona_card_features_and_verdicts_in_persian():
    cell = "n_awareness__social +2.1 sd, share_app +1.5 sd"
    assert reader_label(cell, "fa") == (
        "رویدادهای آگاهی در شبکه\u200cهای اجتماعی +۲٫۱ انحراف معیار، سهم اپلیکیشن +۱٫۵ انحراف معیار"
    )
    assert reader_label("foo +1.2 sd, bar +1 sd", "fa") == "foo +۱٫۲ sd, bar +۱ sd"
    assert reader_label("highly stable", "fa") == "بسیار پایدار"
    assert reader_label(cell, "en") == cell


def test_a_list_of_notes_reads_as_numbered_notes():
    notes = ["First 1,234 customers.", "Second."]
    assert readable(notes).text() == "Notes:\n[1] First 1,234 customers.\n[2] Second."
    with use_language("fa"):
        shown = readable(notes).html()
    assert "۱٬۲۳۴" in shown and "<ol>" in shown


def test_poorly_determined_parameters_are_named_by_their_symbol():
    from cxlab.btyd._base import _parameter_names

    assert _parameter_names(["s", "beta"]) == "s, beta"
    with use_language("fa"):
        assert _parameter_names(["s", "beta"]) == "s (شکل نرخ ریزش)، β (بتا)"


def test_persona_selection_rule_and_titles_in_english_as_before():
    from cxlab.i18n import t
    from cxlab.personas._engine import DECISION_RULE

    assert t("note.personas.decision_rule", "en") == DECISION_RULE
    title = readable(
        pd.DataFrame({"n": [1]}), title=t("title.persona_journeys", "fa", k=4, n=5000, p="p<0.001")
    )
    with use_language("fa"):
        assert not LATIN_DIGIT.search(title.text().splitlines()[0])
    for text in ("profile only: means over observed values", "dropped (constant)"):
        assert not LATIN_WORD.search(reader_label(text, "fa"))


def test_a_small_p_value_in_a_fit_check_reads_as_in_tables():
    from cxlab.btyd._checks import FitCheck

    check = FitCheck("frequency", pd.DataFrame({"observed": [1]}), {"p": 7.4e-08}, [])
    assert reader_summary(check, "fa").endswith("p: <۰٫۰۰۱")


def test_titles_and_notes_starting_with_latin_stay_right_to_left():
    table = readable(pd.DataFrame({"n": [1]}), title="BG/NBD", notes=["a, b ..."])
    assert table.html().startswith("<p><b>BG/NBD</b></p>")
    with use_language("fa"):
        shown = table.html()
    assert shown.startswith("<p><b>\u200fBG/NBD</b></p>") and "<li>\u200fa, b" in shown


def test_lazy_study_summary(study, tmp_path):
    pytest.importorskip("duckdb")
    lazy = cxlab.load(study.save(tmp_path / "study"), engine="duckdb")
    shown = reader_summary(lazy, "fa")
    assert shown.startswith("مطالعه در موتور duckdb: ۶۰۰ مشتری")
    assert reader_summary(lazy, "en").startswith("LazyStudy(engine='duckdb'")
    with use_language("fa"):
        assert repr(lazy) == shown
    assert repr(lazy).startswith("LazyStudy(engine='duckdb'")
