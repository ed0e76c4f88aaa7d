"""Comment themes: Persian-safe tokens, agreement with the simulator's themes, sentiment, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.exceptions import (
    DataTypeError,
    EmptyTableError,
    NotFittedError,
    ParameterError,
    SmallSampleWarning,
)
from cxlab.feedback._themes import normalize_text, sentiment_from_score, tokenize

ZWNJ = "\u200c"


@pytest.fixture(scope="module")
def study():
    """20,000 customers: about 1,700 comments, a quarter of them in Persian."""
    return cxlab.simulate(n_customers=20_000, random_state=0)


# -- tokenization -------------------------------------------------------------------------


def test_persian_zwnj_is_a_split_point_by_default():
    text = f"قیمت{ZWNJ}ها خیلی بالاست"  # "prices are very high"
    tokens = tokenize(text)
    assert tokens[0] == "قیمت"  # the stem is shared with the bare word "قیمت"
    assert all(ZWNJ not in t and t for t in tokens)
    kept = tokenize(text, zwnj="keep")
    assert kept[0] == f"قیمت{ZWNJ}ها"  # one word, joiner inside
    assert tokenize(f"می{ZWNJ}شود") == ["می", "شود"]


def test_persian_letters_digits_and_diacritics():
    assert tokenize("كيفيت") == tokenize("کیفیت") == ["کیفیت"]  # Arabic yeh/kaf folded
    assert tokenize("مُشکل") == ["مشکل"]  # diacritic (damma) removed, word not broken
    assert tokenize("خیــلی") == ["خیلی"]  # tatweel removed
    assert tokenize("۳ روز دیر، ۲۰۲۵!") == ["روز", "دیر"]  # Persian digits and punctuation dropped
    assert normalize_text("ﻗﯿﻤﺖ") == "قیمت"  # presentation forms folded by NFKC


def test_sentiment_from_score():
    got = sentiment_from_score(
        [0, 6, 7, 8, 9, 2, 3, 4, 4, 5], ["nps"] * 5 + ["csat"] * 3 + ["ces"] * 2
    )
    assert got.tolist() == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "positive",
        "negative",
        "neutral",
        "positive",
        "neutral",
        "positive",
    ]
    assert sentiment_from_score([5], [None])[0] is None


# -- agreement with the simulator's themes ---------------------------------------------------


def test_themes_agree_with_truth_when_over_clustered(study):
    # Ten themes per language: each true theme splits into its praise and complaint
    # templates (they share few words), so purity is high. Chance purity is ~0.22.
    themes = cxlab.CommentThemes(n_themes=10, random_state=0).fit(study)
    agree = themes.agreement(study.truth.comment_theme).set_index("language")
    assert set(agree.index) == {"en", "fa", "(all)"}
    assert (agree.loc[["en", "fa"], "purity"] >= 0.85).all(), agree
    assert (agree.loc[["en", "fa"], "adjusted_rand"] >= 0.5).all(), agree
    assert agree.loc["fa", "n"] > 300  # Persian comments were themed, not dropped


def test_themes_with_the_true_number_of_themes(study):
    # Five themes (the truth): measured ARI 0.58 (en) and 0.62 (fa), purity 0.78/0.74.
    themes = cxlab.CommentThemes(n_themes=5, random_state=0).fit(study)
    agree = themes.agreement(study.truth.comment_theme).set_index("language")
    assert (agree.loc[["en", "fa"], "adjusted_rand"] >= 0.45).all(), agree
    assert (
        agree.loc[["en", "fa"], "purity"] >= 2.5 * agree.loc[["en", "fa"], "chance_purity"]
    ).all()


def test_theme_table_contents_and_reproducibility(study):
    a = cxlab.CommentThemes(n_themes=6, random_state=0).fit(study)
    b = cxlab.CommentThemes(n_themes=6, random_state=0).fit(study)
    pd.testing.assert_frame_equal(a.themes_, b.themes_)
    t = a.themes_
    assert len(t) == 12 and t.groupby("language")["share"].sum().round(6).eq(1).all()
    assert (t["n"] > 0).all() and t["examples"].str.len().gt(0).all()
    assert t[["negative", "neutral", "positive"]].sum(axis=1).round(6).eq(1).all()
    assert (t["nps_lower"] <= t["nps"]).all() and (t["nps"] <= t["nps_upper"]).all()
    # complaints come from detractors: the theme with most negative writers has a low NPS
    worst = t.loc[t["negative"].idxmax()]
    assert worst["nps"] < 0
    fa = t[t["language"] == "fa"]
    assert fa["top_terms"].str.contains("[\u0600-\u06ff]").all()
    assert not fa["top_terms"].str.contains(ZWNJ).any()


def test_transform_new_comments(study):
    themes = cxlab.CommentThemes(n_themes=10, random_state=0).fit(study)
    new = ["The app keeps crashing at login", f"اپلیکیشن موقع ورود مدام بسته می{ZWNJ}شود", "zzz"]
    out = themes.transform(new)
    assert out["language"].tolist() == ["other", "fa", "other"]
    # "other" was not a fitted language (the study's languages are en/fa)
    assert out.loc[1, "theme"].startswith("fa:")
    out_en = themes.transform(new[:1], languages=["en"])
    assert out_en.loc[0, "theme"].startswith("en:")


def test_plain_list_of_comments_without_languages():
    comments = ["fast delivery", "delivery late", "late delivery again", "app crashes"] * 5
    comments += ["ارسال دیر رسید", "ارسال سریع بود"] * 5
    themes = cxlab.CommentThemes(n_themes=2, random_state=0).fit(
        comments, scores=[9, 2, 3, 1] * 5 + [2, 10] * 5, metric="nps"
    )
    assert set(themes.themes_["language"]) == {"other", "fa"}
    assert themes.assignments_["sentiment"].notna().all()


# -- bad input --------------------------------------------------------------------------------


def test_theme_errors():
    with pytest.raises(EmptyTableError, match="no comments"):
        cxlab.CommentThemes().fit(pd.DataFrame({"comment": [None, None], "score": [1, 2]}))
    with pytest.raises(DataTypeError, match="text"):
        cxlab.CommentThemes().fit(pd.Series([1.5, "ok"], dtype=object))
    with pytest.raises(EmptyTableError, match="no terms left"), pytest.warns(SmallSampleWarning):
        cxlab.CommentThemes(min_df=5).fit(["one two", "three four"])
    with pytest.raises(NotFittedError, match="fit"):
        cxlab.CommentThemes().summary()
    with pytest.raises(ParameterError, match="zwnj"):
        tokenize("x", zwnj="drop")
    with pytest.warns(SmallSampleWarning, match="only 3 comments"):
        cxlab.CommentThemes(n_themes=5, min_df=1).fit(["a bb", "bb cc", "cc dd"])


def test_comment_rows_of_one_metric(study):
    fb = study.feedback.copy()
    # put a few comments on CSAT rows: metric="csat" themes only those
    rows = fb.index[fb["metric"] == "csat"][:40]
    fb.loc[rows, "comment"] = np.where(np.arange(40) % 2, "checkout was slow", "great checkout")
    themes = cxlab.CommentThemes(n_themes=2, random_state=0).fit(fb, metric="csat")
    assert len(themes.assignments_) == 40
    assert set(themes.assignments_["metric"]) == {"csat"}


def test_language_without_terms_is_skipped_with_a_warning():
    comments = ["delivery late", "late delivery", "delivery fast", "fast app"] * 3 + ["و در"]
    with pytest.warns(SmallSampleWarning) as caught:
        themes = cxlab.CommentThemes(n_themes=2, random_state=0).fit(comments)
    assert any("no terms left for language 'fa'" in str(w.message) for w in caught)
    assert themes.assignments_.loc[12, "theme"] is None
    assert set(themes.themes_["language"]) == {"other"}
