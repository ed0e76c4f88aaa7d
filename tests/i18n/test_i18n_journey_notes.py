"""Notes (caveats) of journey and Markov results in the reader's language; English as before."""

from __future__ import annotations

import re

import pytest

import cxlab
from cxlab.i18n import use_language
from cxlab.i18n._tables import reader_names, reader_quoted

#: a Latin word a Persian reader should not meet (symbols of formulas and test names allowed)
LATIN_WORD = re.compile(r"(?<![A-Za-z])(?!BIC\b|AIC\b|NaN\b)[A-Za-z]{3,}")
LATIN_DIGIT = re.compile(r"[0-9]")


@pytest.fixture(scope="module")
def study():
    return cxlab.simulate(n_customers=400, random_state=3)


def _both(make):
    """The notes of one analysis run in English and in Persian."""
    english = make()
    with use_language("fa"):
        persian = make()
    return english, persian


def _no_latin(notes):
    for note in notes:
        assert not LATIN_WORD.search(note), note
        assert not LATIN_DIGIT.search(note), note


def test_names_in_running_text():
    assert reader_names(["awareness", "purchase"], "en") == "['awareness', 'purchase']"
    assert reader_names(["awareness", "purchase"], "fa") == "آگاهی، خرید"
    assert reader_quoted("purchase", "en") == "'purchase'"
    assert reader_quoted("purchase", "fa") == "«خرید»"


def test_funnel_notes(study):
    english, persian = _both(lambda: cxlab.funnel(study, within="30D").notes)
    assert english[0] == (
        "open funnel over ['awareness', 'consideration', 'purchase']; conversion = customers "
        "reaching the step / customers who entered the funnel (ever reached it); "
        "95% Wilson intervals."
    )
    assert "a step counts only when reached within 30 days 00:00:00 of entering." in english
    assert english[-1].endswith("by='first_event')) or use within=.")
    assert len(persian) == len(english)
    assert persian[0].startswith("قیف باز روی آگاهی، بررسی، خرید")
    _no_latin([n for n in persian if "30 days" not in n])


def test_closed_funnel_notes(study):
    english, persian = _both(lambda: cxlab.funnel(study, kind="closed").notes)
    assert english[1] == (
        "a closed funnel only counts customers whose first funnel event is the first step."
    )
    _no_latin(persian)


def test_variants_paths_sankey_notes(study):
    english, persian = _both(lambda: cxlab.variants(study).notes)
    assert english[2] == (
        "paths are the steps before the first 'purchase' event; conversion_rate = share of "
        "journeys with that path that reached 'purchase'; '(none)' = journeys that began with it."
    )
    assert re.fullmatch(
        r"400 customer journeys, \d+ distinct variants; the table shows \d+ "
        r"\(covering \d+\.\d% of journeys\)\.",
        english[0],
    )
    _no_latin(persian)
    english, persian = _both(
        lambda: cxlab.paths_from(study, "purchase", direction="backward").notes
    )
    assert re.fullmatch(
        r"\d+ first visits to 'purchase'; backward paths of 3 steps \(\d+ distinct\); "
        r"95% Wilson intervals\.",
        english[0],
    )
    assert "«خرید»" in persian[0] and "رو به عقب" in persian[0]
    _no_latin(persian)
    english, persian = _both(lambda: cxlab.sankey_table(study, collapse=True).notes)
    assert english == [
        "first 4 steps of 400 journeys by stage (repeats collapsed); "
        "'(end)' = the journey stops there."
    ]
    _no_latin(persian)


def test_designed_vs_lived_notes(study):
    english, persian = _both(lambda: cxlab.designed_vs_lived(study).notes)
    assert english[0].startswith("design: awareness > consideration > purchase; 400 journeys")
    assert english[3] == "events outside the design are ignored (other='detour' counts them)."
    _no_latin(persian)


def test_markov_notes_and_titles(study):
    def chain_notes():
        chain = cxlab.MarkovChain(journey="buyer", n_draws=50, random_state=0).fit(study)
        order = cxlab.markov_order_test(study, journey="buyer", max_order=2)
        test = cxlab.markov_homogeneity_test(study, by="segment", journey="buyer")
        return chain.absorption().notes, order, test

    (absorb_en, order_en, test_en), (absorb_fa, order_fa, test_fa) = _both(chain_notes)
    assert absorb_en[0].startswith("Absorption probabilities and expected steps are exact")
    assert order_en.notes[0] == "Row m tests order m against order m+1 (H0: order m is enough)."
    assert test_en.notes == [
        "H0: every group has the same transition probabilities.",
        "max_abs_diff shows how large the differences are; with many journeys a small, "
        "unimportant difference is already significant.",
    ]
    assert repr(test_en).startswith(
        "homogeneity test across groups ['consumer', 'business'] (likelihood ratio (G-test)): p"
    )
    assert test_fa.name == test_en.name  # the data keeps its English name
    assert not LATIN_WORD.search(absorb_fa[0])  # a formula: N = (I - Q)^-1, B = N R, t = N 1
    _no_latin(absorb_fa[1:] + order_fa.notes + test_fa.notes)
    with use_language("fa"):
        title = repr(test_fa).splitlines()[0]
    assert title.startswith("آزمون همگنی میان گروه‌های مصرف‌کننده، کسب‌وکار")
    assert not LATIN_WORD.search(title)


def test_attribution_notes(study):
    def notes():
        return cxlab.channel_attribution(study, n_bootstrap=20, random_state=0).notes

    english, persian = _both(notes)
    assert english[0] == (
        "Markov credit = total conversions x removal effect / sum of removal effects; "
        "removal effects are exact functions of the fitted chain (no simulation)."
    )
    assert english[2] == "Intervals: 20 bootstrap resamples of journeys (percentile, 95%)."
    _no_latin(persian)
    result = cxlab.channel_attribution(study, n_bootstrap=0)
    assert "first_touch" in result._readable().text()
    with use_language("fa"):
        shown = result._readable().text()
    assert "نخستین تماس" in shown and "first_touch" not in shown


def test_journey_graph_says_stays_in_the_language(study):
    import matplotlib.pyplot as plt

    from cxlab.markov._plots import plot_journey_graph

    chain = cxlab.MarkovChain(journey="buyer", n_draws=20, random_state=0).fit(study)

    def stays():
        ax = plot_journey_graph(chain)
        texts = [t.get_text() for t in ax.texts]
        plt.close(ax.figure)
        return [t for t in texts if "stays" in t or "ماندن" in t]

    english, persian = _both(stays)
    assert english and all(re.fullmatch(r"stays 0\.\d\d", t) for t in english)
    assert persian and all("stays" not in t and not LATIN_DIGIT.search(t) for t in persian)


def test_attribution_legend_names_the_methods_in_persian():
    import matplotlib.pyplot as plt

    import cxlab
    from cxlab.i18n import use_language

    data = cxlab.simulate(n_customers=400, random_state=3)
    result = cxlab.channel_attribution(data, n_bootstrap=0)
    english = [t.get_text() for t in result.plot().get_legend().get_texts()]
    assert "first touch" in english
    with use_language("fa"):
        persian = [t.get_text() for t in result.plot().get_legend().get_texts()]
    assert not any("touch" in label or "markov" in label for label in persian), persian
    assert any("نخستین تماس" in label for label in persian)
    plt.close("all")
