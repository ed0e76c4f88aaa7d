"""Names and sentences a Persian reader met in English: touchpoints, model terms, scenario
names, the value model's notes, records and negative intervals (English unchanged)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import cxlab
from cxlab._display import LRI, PDI, format_interval, readable
from cxlab.i18n import display_name, phrase, use_language
from cxlab.i18n._tables import reader_label

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
#: Latin words a Persian note may keep: names of methods, models and parameters
KEPT = {"CSAT", "NPS", "CLV", "cxlab", "PersonaModel", "mediated", "True", "groups", "onboarding"}


@pytest.fixture(scope="module")
def study():
    return cxlab.simulate(1500, random_state=2)


@pytest.fixture(scope="module")
def models(study):
    """The same value model fitted in English and in Persian (notes are made at fit)."""
    fitted = {}
    for code in ("en", "fa"):
        with use_language(code):
            model = cxlab.ValueModel(n_bootstrap=20, random_state=0, horizon_days=900)
            fitted[code] = model.fit(study, groups="auto")
    return fitted


# --- touchpoints -------------------------------------------------------------------------


def test_every_default_touchpoint_has_a_persian_name_and_english_is_unchanged():
    for touchpoint in cxlab.touchpoint_owners()["touchpoint"]:
        assert display_name(touchpoint, kind="touchpoint", language="en") == touchpoint
        shown = display_name(touchpoint, kind="touchpoint", language="fa")
        assert shown != touchpoint and not re.search("[a-z_]", shown), touchpoint
    assert display_name("store_counter", kind="touchpoint", language="fa") == "صندوق فروشگاه"


def test_touchpoints_in_tables_and_a_users_own_names():
    with use_language("fa"):
        frame = readable(pd.DataFrame({"touchpoint": ["store_counter", "kiosk"]})).frame()
    assert frame.iloc[:, 0].tolist() == ["صندوق فروشگاه", "kiosk"]  # a user's own: as given
    own = SimpleNamespace(display_names={"fa": {"kiosk": "کیوسک"}})
    assert display_name("kiosk", own, "fa", kind="touchpoint") == "کیوسک"


# --- model terms and group values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("persona[busy professionals]", "پرسونا: متخصصان پرمشغله"),
        ("segment[business]", "بخش مشتریان: کسب\u200cوکار"),
        ("purchase_channel[call_centre]", "کانال خرید: مرکز تماس"),
        ("persona[my own persona]", "پرسونا: my own persona"),  # a user's level: as given
        ("all groups", "همه\u200cی گروه\u200cها"),
        ("weibull", "وایبول"),
        ("consumer vs business", "مصرف\u200cکننده در برابر کسب\u200cوکار"),
        (
            "repeat_revenue_per_day[group=web buyers, loyalty_member=False]",
            "درآمد روزانه از خرید دوباره: گروه=خریداران (وب\u200cسایت)، عضو باشگاه وفاداری=خیر",
        ),
        ("a=b, c", "a=b, c"),  # not column filters: as given
        ("busy professionals  (n=298)", "متخصصان پرمشغله  (n=۲۹۸)"),  # a figure's group label
        ("social_post (37%)", "پست در شبکه\u200cهای اجتماعی (۳۷٪)"),
        ("checkout (24%), store_counter (22%)", "صفحه\u200cی پرداخت (۲۴٪)، صندوق فروشگاه (۲۲٪)"),
        ("web, my channel", "web, my channel"),  # not all known names: as given
    ],
)
def test_model_terms_and_group_values_in_persian(label, expected):
    assert reader_label(label, "fa") == expected
    assert reader_label(label, "en") == label


def test_covariate_names_in_table_cells():
    table = pd.DataFrame({"covariate": ["loyalty_member", "support_contacts", "my_column"]})
    with use_language("fa"):
        cells = readable(table).frame().iloc[:, 0].tolist()
    assert cells == ["عضو باشگاه وفاداری", "تماس\u200cهای پشتیبانی", "my_column"]


def test_dimension_column_words_in_persian():
    table = pd.DataFrame({"dimension": ["(all)", "segment"], "group": ["(all)", "business"]})
    with use_language("fa"):
        frame = readable(table).frame()
    assert frame.iloc[:, 0].tolist() == ["(همه)", "بخش مشتریان"]
    assert frame.iloc[:, 1].tolist() == ["(همه)", "کسب\u200cوکار"]


# --- scenario names a notebook gives --------------------------------------------------------


def test_scenario_names_of_notebook_06_in_persian_and_english_as_before():
    pair = {"source": "consideration", "target": "purchase"}
    sentence = "{source} -> {target}, fewer drop-offs"
    assert phrase(sentence, "en", **pair) == "consideration -> purchase, fewer drop-offs"
    assert phrase(sentence, "fa", **pair) == "بررسی ← خرید، با رهاکنندگان کمتر"
    for english in ("less churn after a support contact", "better purchase experience everywhere"):
        assert phrase(english, "en") == english
        assert not LATIN_WORD.search(phrase(english, "fa")), english


def test_text_placeholders_of_a_phrase_are_shown_as_the_reader_reads_them():
    title = "Share still a customer, by {by}"
    assert phrase(title, "fa", by="loyalty_member").endswith("عضو باشگاه وفاداری")
    assert phrase(title, "fa", by="my_column").endswith("my_column")
    assert phrase(title, "en", by="loyalty_member") == "Share still a customer, by loyalty_member"


def test_experience_scenario_at_a_touchpoint_names_it_in_persian():
    with use_language("fa"):
        name = cxlab.Scenario.experience(0.5, touchpoint="store_counter").name
    assert "صندوق فروشگاه" in name and "store_counter" not in name
    assert cxlab.Scenario.experience(0.5, touchpoint="store_counter").name == (
        "CSAT +0.5 at store_counter"
    )


# --- what-if figures -------------------------------------------------------------------------


def test_what_if_figure_names_its_metrics_in_persian(models):
    with use_language("fa"):
        result = models["fa"].what_if(cxlab.Scenario.churn(0.9))
        ax = result.plot()
        ax.figure.canvas.draw()
        labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels and not any(LATIN_WORD.search(label) for label in labels), labels
    assert "\u200fارزش طول عمر مشتری" in labels
    english = models["en"].what_if(cxlab.Scenario.churn(0.9)).plot()
    assert [label.get_text() for label in english.get_yticklabels()] == [
        "conversion_rate", "retention", "clv", "revenue", "value"
    ]  # fmt: skip
    plt.close("all")


# --- notes -----------------------------------------------------------------------------------


def test_value_model_notes_in_persian_and_english_as_before(models):
    with use_language("fa"):
        experience = models["fa"].what_if(cxlab.Scenario.experience(0.5))
    for note in experience.notes:
        assert not LATIN_WORD.search(re.sub(r"\b(" + "|".join(KEPT) + r")\b", "", note)), note
    english = models["en"].what_if(cxlab.Scenario.experience(0.5)).notes
    assert english[-1].startswith("every experience result leans on the one fitted CSAT effect")
    assert re.search(r"log hazard ratio -0\.\d{3}, 90% interval -0\.\d{3} to -0\.\d{3}\)", english[-1])
    assert (
        "new purchasers from a better buyer's journey are assumed to be worth as much as "
        "today's purchasers of their group (same churn and spend)."
    ) in english
    assert any(n.startswith("the horizon (900 days) is longer than") for n in english)


def test_proportional_hazards_notes_in_persian_and_english_as_before(study):
    table = cxlab.survival_table(study)
    kept = KEPT | {"lifelines", "strata", "Cox"}
    with use_language("fa"):
        model = cxlab.ChurnModel(covariates=["loyalty_member", "support_contacts"]).fit(table)
        report = model.check_assumptions()
        persian = report.notes
        assert "<ol><li>" in report._repr_html_()  # wraps right to left, not in a <pre>
    for note in persian:
        assert not LATIN_WORD.search(re.sub(r"\b(" + "|".join(kept) + r")\b", "", note)), note
    english = cxlab.ChurnModel(covariates=["loyalty_member", "support_contacts"]).fit(table)
    page = english.check_assumptions()._repr_html_()  # the results' one escaped renderer
    assert "<ol><li>No covariate shows evidence" in page and "p &gt;= 0.01" in page
    assert english.check_assumptions().notes[-1] == (
        "A baseline churn rate that changes with tenure (e.g. no churn during onboarding) is "
        "allowed: Cox leaves the baseline free. The assumption is only that each covariate "
        "multiplies it by the same factor at every tenure."
    )


def test_churn_drivers_figure_names_covariates_and_terms_in_persian(study):
    table = cxlab.survival_table(study)
    model = cxlab.ChurnModel(covariates=["loyalty_member"], categorical=["segment"]).fit(table)
    with use_language("fa"):
        ax = model.plot()
        ax.figure.canvas.draw()
        labels = [label.get_text() for label in ax.get_yticklabels()]
    assert "\u200fعضو باشگاه وفاداری" in labels
    assert "\u200fبخش مشتریان: کسب\u200cوکار" in labels
    plt.close("all")


def test_nps_drivers_figure_names_standardized_terms_in_persian(study):
    drivers = cxlab.NPSDrivers(random_state=0).fit(cxlab.driver_table(study))
    with use_language("fa"):
        ax = drivers.plot()
        ax.figure.canvas.draw()
        persian = [label.get_text() for label in ax.get_yticklabels()]
    english = [label.get_text() for label in drivers.plot().get_yticklabels()]
    assert "support_contacts (per SD)" in english
    assert "\u200fتماس\u200cهای پشتیبانی (به ازای یک انحراف معیار)" in persian
    assert not any("support_contacts" in label for label in persian)
    plt.close("all")


# --- records ---------------------------------------------------------------------------------

RECORD = {
    "churn": "event",
    "inactivity_days": 60,
    "observation_end": "2026-06-30 23:20:02",
    "start_stage": "purchase",
    "persona": "the true simulated persona (data.truth), not an estimate",
    "customers_without_start": 2555,
}


def test_a_record_is_shown_one_entry_a_row():
    english = readable(RECORD).frame()
    assert english.index.tolist() == list(RECORD)
    assert english.iloc[:, 0].tolist()[:2] == ["event", "60"]
    assert english.iloc[-1, 0] == "2,555"
    with use_language("fa"):
        persian = readable(RECORD).frame()
    text = " ".join([*persian.index, *persian.iloc[:, 0]]).replace("data.truth", "")
    assert not re.search(r"[0-9A-Za-z]", text), text
    assert "۱۴۰۵/۰۴/۰۹ ۲۳:۲۰" in persian.iloc[:, 0].tolist()  # the Jalali date


# --- negative intervals right to left --------------------------------------------------------


def test_negative_interval_bounds_are_isolated_in_a_right_to_left_language():
    assert format_interval(-1.9, -2.1, -1.7, 1) == "-1.9 (-2.1 to -1.7)"  # English unchanged
    with use_language("fa"):
        shown = readable(pd.DataFrame({"estimate": [-1.9], "lower": [-2.1], "upper": [-1.7]}))
        cell = shown.frame().iloc[0, 0]
        positive = format_interval(0.5, 0.4, 0.6, 1)
    minus = "\u200e\u2212"
    assert cell == f"{minus}۱٫۹۰۰ ({LRI}{minus}۲٫۱۰۰{PDI} تا {LRI}{minus}۱٫۷۰۰{PDI})"
    assert positive == "0.5 (0.4\u2013\u20600.6)"  # no isolation; no line break after the dash
