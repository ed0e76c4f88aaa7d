"""Scenario names are made in the language set when the scenario is built."""

from __future__ import annotations

import re

import pytest

from cxlab import Scenario
from cxlab.i18n import use_language

CASES = [
    (
        lambda: Scenario.transition("consideration", "purchase", add=0.05),
        "consideration -> purchase +5.0 pp",
        "بررسی ← خرید +۵٫۰ واحد درصد",
    ),
    (
        lambda: Scenario.transition("consideration", "(drop-off)", relative=-0.1),
        "consideration -> (drop-off) -10%",
        "بررسی ← (رها کردن مسیر) \u200e−۱۰٪",
    ),
    (lambda: Scenario.row("awareness", {"purchase": 0.2}), "new awareness row", "ردیف تازه‌ی آگاهی"),
    (
        lambda: Scenario.experience(0.5),
        "CSAT +0.5 at all purchases",
        "رضایت (CSAT) +۰٫۵ در همه‌ی خریدها",
    ),
    (
        lambda: Scenario.experience(0.5, touchpoint="store_counter"),
        "CSAT +0.5 at store_counter",
        "رضایت (CSAT) +۰٫۵ در صندوق فروشگاه",
    ),
    (
        lambda: Scenario.experience(1, channel=["web", "store"]),
        "CSAT +1 at web/store",
        "رضایت (CSAT) +۱ در وب‌سایت/فروشگاه حضوری",
    ),
    (
        lambda: Scenario.experience(0.5, who={"segment": "business"}),
        "CSAT +0.5 (segment=business)",
        "رضایت (CSAT) +۰٫۵ (بخش مشتریان=کسب\u200cوکار)",
    ),
    (lambda: Scenario.churn(0.9), "churn hazard x0.9", "خطر ریزش ×۰٫۹"),
    (
        lambda: Scenario.churn(0.8, who={"contacted_support": True, "visits": 3}),
        "churn hazard x0.8 (contacted_support=True, visits=3)",
        "خطر ریزش ×۰٫۸ (تماس با پشتیبانی داشته=بله، visits=۳)",
    ),
]


@pytest.mark.parametrize(("build", "english", "persian"), CASES)
def test_scenario_name_in_each_language(build, english, persian):
    assert build().name == english  # English names exactly as before
    with use_language("fa"):
        name = build().name
    assert name == persian
    assert not re.search("[0-9]", name.replace("CSAT", ""))


def test_a_given_name_is_kept_in_every_language():
    with use_language("fa"):
        assert Scenario.churn(0.9, name="fewer churners").name == "fewer churners"
