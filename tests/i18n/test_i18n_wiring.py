"""The Persian edition wired into what a reader sees: result tables, notices, figures drawn
by cxlab's plot functions, report pages and the index (English unchanged)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

import cxlab
from cxlab._display import readable
from cxlab._notices import MARKER, notice
from cxlab.i18n import figure_style, use_language
from cxlab.report.html import localize_page, notebook_language, notebook_to_html, write_index

LATIN_DIGIT = re.compile(r"[0-9]")
RLM = "\u200f"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def study():
    return cxlab.simulate(n_customers=400, random_state=3)


# --- tables ------------------------------------------------------------------------------

TABLE = pd.DataFrame(
    {
        "customer_id": ["12", "C7"],
        "stage": ["purchase", "renewal"],
        "path": ["awareness > purchase", "awareness > renewal"],
        "n": [1200, 35],
        "estimate": [0.5333, -0.25],
        "lower": [0.49, -0.5],
        "upper": [0.57, 0.1],
        "small_sample": [False, True],
        "first": pd.to_datetime(["2021-03-21", "2024-03-20"]),
    }
)


def test_readable_table_in_persian():
    with use_language("fa"):
        frame = readable(TABLE, notes=["Fewer than 30 answers."]).frame()
        html = readable(TABLE, notes=["Fewer than 30 answers."]).html()
    assert list(frame.columns) == [
        "مشتری", "مرحله", "مسیر", "حجم نمونه", "برآورد", "نمونه‌ی کوچک", "نخستین"
    ]  # fmt: skip
    first, second = frame.iloc[0].tolist(), frame.iloc[1].tolist()
    assert first == [
        "۱۲", "خرید", "آگاهی > خرید", "۱٬۲۰۰", "۰٫۵۳۳ (۰٫۴۹۰–\u2060۰٫۵۷۰)", "خیر", "۱۴۰۰/۰۱/۰۱"
    ]  # fmt: skip
    # a user's own stage and a mixed identifier stay as given; a negative bound: "تا"
    assert second[:3] == ["C7", "renewal", "آگاهی > renewal"]
    # each bound isolated (LRI ... PDI) so the lower one reads first, right to left
    assert second[4] == "\u200e\u2212۰٫۲۵۰ (\u2066\u200e\u2212۰٫۵۰۰\u2069 تا \u2066۰٫۱۰۰\u2069)"
    assert second[5:] == ["بله", "۱۴۰۳/۰۱/۰۱"]
    assert "<p>یادداشت‌ها:</p>" in html and "کمتر" not in html and "۳۰ answers" in html


def test_no_latin_digits_in_a_persian_result_display(study):
    funnel = cxlab.funnel(study, cxlab.observed_stages(study))
    with use_language("fa"):
        html = funnel._repr_html_()
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html, re.S)
    assert cells and not [c for c in cells if LATIN_DIGIT.search(c)]


def test_english_tables_are_unchanged():
    english = readable(TABLE).text()
    with use_language("en"):
        assert readable(TABLE).text() == english
    assert "0.533 (0.490–0.570)" in english and "-0.250 (-0.500 to 0.100)" in english
    assert "customer_id" in english and "2021-03-21" in english


def test_notices_in_the_language():
    assert notice("no feedback").text() == f"{MARKER} no feedback"
    with use_language("fa"):
        assert notice("no feedback").text().startswith("برای این مطالعه نشان داده نمی‌شود:")


# --- figures -----------------------------------------------------------------------------


def _width(text: str, fontsize: float) -> float:
    with figure_style("fa"):
        fig = plt.figure()
        return (
            fig.text(0, 0, text, fontsize=fontsize)
            .get_window_extent(fig.canvas.get_renderer())
            .width
        )


def test_a_cxlab_figure_in_persian_is_shaped_with_persian_names_and_digits(study):
    funnel = cxlab.funnel(study, ["awareness", "consideration", "purchase"])
    with use_language("fa"):
        ax = funnel.plot()
    ax.figure.canvas.draw()
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    # each Persian text starts with a right-to-left mark: laid out right to left even
    # when its first word is Latin ("NPS ...")
    assert [t.get_text() for t in labels] == [RLM + "آگاهی", RLM + "بررسی", RLM + "خرید"]
    word = labels[2]
    assert word.get_fontfamily()[0] == "Noto Sans Arabic"
    assert ax.title.get_fontfamily()[0] == "Noto Sans Arabic"
    assert ax.get_title() == RLM + "قیف باز (بازه‌های ویلسون ۹۵٪)"
    # drawn shaped: as wide as the joined presentation forms, not the isolated letters
    size = word.get_fontsize()
    width = word.get_window_extent(ax.figure.canvas.get_renderer()).width
    joined = "\ufea7\ufeae\ufef3\ufeaa"
    isolated = "\ufea5\ufead\ufef1\ufea9"
    assert width == pytest.approx(_width(joined, size), rel=0.05)
    assert _width(isolated, size) > 1.15 * width
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and not [t for t in ticks if LATIN_DIGIT.search(t)]
    assert not [t.get_text() for t in ax.texts if LATIN_DIGIT.search(t.get_text())]


def test_a_persian_title_starting_with_a_latin_word_reads_right_to_left(study):
    scores = cxlab.score_table(study, "nps", by=["segment"])
    with use_language("fa"):
        ax = cxlab.plot_scores(scores)
    assert ax.get_title() == RLM + "NPS با بازه‌های ۹۵٪"
    assert ax.get_xlabel() == RLM + "NPS (امتیاز)"
    # the dimension by its Persian header, the demo's segment by its catalog name, n in
    # Persian digits
    label = ax.get_yticklabels()[0].get_text()
    pattern = RLM + r"بخش مشتریان: (کسب\u200cوکار|مصرف\u200cکننده)  \(n=[۰-۹]+\)"
    assert re.fullmatch(pattern, label), label


def test_result_summaries_in_persian():
    estimate = cxlab.nps(counts=(14, 26, 40))
    assert repr(estimate) == "NPS +32.5 (95% CI +15.1 to +47.6, adjusted-wald, n=80)"
    with use_language("fa"):
        assert repr(estimate) == (  # the reader's sentence, as in a notebook
            "NPS +۳۲٫۵ (بازه\u200cی اطمینان ۹۵٪ از +۱۵٫۱ تا +۴۷٫۶، روش والد تعدیل\u200cشده، ۸۰ پاسخ)"
        )


def test_english_figures_are_drawn_as_before(study):
    funnel = cxlab.funnel(study, ["awareness", "consideration", "purchase"])
    ax = funnel.plot()
    ax.figure.canvas.draw()
    assert ax.get_title() == "open funnel (95% Wilson intervals)"
    assert ax.get_xlabel() == "share of customers who entered the funnel"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "awareness",
        "consideration",
        "purchase",
    ]
    assert ax.title.get_fontfamily() == plt.rcParams["font.family"]
    assert type(ax.xaxis.get_major_formatter()).__module__.startswith("matplotlib")


# --- report pages ------------------------------------------------------------------------


def _notebook(language=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1\nx")]
    nb.cells[0].outputs = [
        nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)
    ]
    if language:
        nb.metadata["papermill"] = {"parameters": {"language": language, "seed": 0}}
    return nb


def test_the_page_language_comes_from_the_notebook_parameter(tmp_path):
    assert notebook_language(_notebook()) == "en"
    assert notebook_language(_notebook("fa")) == "fa"
    with pytest.raises(cxlab.exceptions.ParameterError, match="not available"):
        notebook_language(_notebook("xx"))
    page = notebook_to_html(_notebook("fa"), tmp_path / "fa.html", when="2021-03-21").read_text()
    assert '<html lang="fa" dir="rtl">' in page
    assert "@font-face" in page and "Noto Sans Arabic" in page and "data:font/" in page
    assert 'datetime="2021-03-21"' in page and "۱۴۰۰/۰۱/۰۱" in page
    plain = _notebook()
    english = notebook_to_html(plain, tmp_path / "none.html").read_text()
    plain.metadata["papermill"] = {"parameters": {"language": "en"}}
    assert english == notebook_to_html(plain, tmp_path / "en.html").read_text()
    assert 'dir="rtl"' not in english and "@font-face" not in english
    assert "cxlab-report-date" not in english


def test_localize_page_leaves_english_alone():
    page = "<!DOCTYPE html>\n<html><head></head><body><p>x</p></body></html>"
    assert localize_page(page, "en") == page


MANIFEST = {
    "status": "succeeded",
    "started": "2021-03-21T08:00:00+00:00",
    "finished": "2021-03-21T08:01:05+00:00",
    "duration_seconds": 65.04,
    "git": {"commit": "abc123", "dirty": True},
    "environment": {"python": "3.12.1", "platform": "Linux"},
    "options": {"kernel": "cxlab"},
    "notebooks": [
        {
            "name": "01-journey-map",
            "status": "succeeded",
            "parameters": {"seed": 0, "language": "fa"},
            "files": {"html": "01-journey-map/01-journey-map.html"},
            "duration_seconds": 22.14,
        }
    ],
}


def test_index_in_the_runs_language(tmp_path):
    page = write_index(tmp_path / "index.html", MANIFEST).read_text()
    assert '<html lang="fa" dir="rtl">' in page
    assert "<h1>گزارش cxlab: موفق</h1>" in page or "گزارش cxlab" in page
    assert "۶۵٫۰ ثانیه" in page and "۱۴۰۰/۰۱/۰۱ ۰۸:۰۰:۰۰" in page
    assert '<small dir="ltr">' in page  # parameters are code
    english = dict(MANIFEST, notebooks=[dict(MANIFEST["notebooks"][0], parameters={"seed": 0})])
    page = write_index(tmp_path / "en.html", english).read_text()
    assert '<html lang="en">' in page and "rtl" not in page
    assert "<h1>cxlab report: succeeded</h1>" in page and "<dd>65.0 s</dd>" in page
    assert "<dd>abc123 (with uncommitted changes)</dd>" in page


@pytest.mark.notebooks
def test_every_persian_figure_of_a_notebook_is_shown():
    """The inline backend, loaded with the first figure, must not be undone by the
    Persian figure style: the second and later figures are shown too."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    setup = "import cxlab\ncxlab.set_language('fa')\nstudy = cxlab.simulate(n_customers=300, random_state=1)"
    plot = "cxlab.funnel(study, ['awareness', 'purchase']).plot();"
    nb.cells = [nbformat.v4.new_code_cell(code) for code in (setup, plot, plot, plot)]
    NotebookClient(nb, kernel_name="cxlab", timeout=120).execute()
    shown = [
        any("image/png" in out.get("data", {}) for out in cell.outputs) for cell in nb.cells[1:]
    ]
    assert shown == [True, True, True]


def _curves():
    return pd.DataFrame(
        {
            "group": ["all"] * 3,
            "time": [0.0, 30.0, 60.0],
            "survival": [1.0, 0.8, 0.6],
            "lower": [1.0, 0.7, 0.5],
            "upper": [1.0, 0.9, 0.7],
        }
    )


def test_fixed_figure_labels_by_their_english_text():
    from cxlab.survival import forest_plot, km_plot

    ax = km_plot(_curves())
    assert (ax.get_xlabel(), ax.get_ylabel()) == (
        "days since first purchase",
        "share still a customer",
    )
    with use_language("fa"):
        ax = km_plot(_curves())
    assert ax.get_xlabel() == RLM + "روز از نخستین خرید"
    assert ax.get_ylabel() == RLM + "سهم کسانی که هنوز مشتری‌اند"
    ratios = pd.DataFrame(
        {"hazard_ratio": [0.8, 1.2], "lower": [0.6, 1.0], "upper": [1.1, 1.4]},
        index=pd.Index(["loyalty_member", "support_contacts"]),
    )
    ax = forest_plot(ratios)
    assert ax.get_xlabel() == "hazard ratio (log scale; < 1 keeps customers, > 1 drives churn)"
    with use_language("fa"):
        ax = forest_plot(ratios)
    assert ax.get_xlabel().startswith(RLM + "نسبت خطر (مقیاس لگاریتمی")


def test_phrasebook_and_word():
    from cxlab.i18n._messages import phrasebook, word

    book = phrasebook("fa")
    assert book["share surviving"] == "سهم ماندگار" and book["Funnel by persona"]
    assert not [text for text in book if "{" in text]
    assert phrasebook("en")["share surviving"] == "share surviving"
    assert word("what", "conversions", "fa") == "تبدیل‌ها"
    assert word("what", "clicks", "fa") == "clicks"
    assert word("what", "conversions", "en") == "conversions"
