"""Themes in free-text comments, in any language, without downloading a model.

:class:`CommentThemes` fits TF-IDF (scikit-learn ``TfidfVectorizer``) and a
non-negative matrix factorisation (``NMF``) per language, and describes each
theme by its top terms, example comments and the sentiment of the people who
wrote them, read from their score (detractor/passive/promoter for NPS, 1-2/3/4-5
for CSAT, 1-3/4/5-7 for CES), not guessed from the words.

Text is normalised so Persian (and Arabic-script) comments tokenize cleanly:

- Unicode NFKC (folds Arabic presentation forms), Arabic yeh/kaf to Persian
  (``ي`` -> ``ی``, ``ك`` -> ``ک``), diacritics and tatweel removed;
- the zero-width non-joiner (U+200C), which joins a Persian word to its
  suffix (``قیمت‌ها`` = price + plural), is by default a split point, so the
  stem is shared with the bare word and the suffix falls to the stop list
  (``zwnj="keep"`` keeps such words whole);
- tokens are runs of Unicode letters (``[^\\W\\d_]``), so digits in any script
  and punctuation never become terms.

Themes found by word co-occurrence are not the themes a human would name:
comments that share no words with others cannot be grouped correctly, and
praise and complaints about the same thing often use different words. Fitting
somewhat more themes than you expect (and reading their top terms) works better
than forcing the expected number.
"""

from __future__ import annotations

import re
import unicodedata
import warnings

import numpy as np
import pandas as pd

from cxlab._estimator import Estimator
from cxlab._plots import plot_doc
from cxlab.exceptions import (
    DataTypeError,
    EmptyTableError,
    NotFittedError,
    ParameterError,
    SmallSampleWarning,
)

__all__ = [
    "CommentThemes",
    "normalize_text",
    "tokenize",
    "sentiment_from_score",
    "PERSIAN_STOP_WORDS",
]

ZWNJ = "\u200c"
TOKEN_PATTERN = r"(?u)[^\W\d_]{2,}"
_TOKEN_ZWNJ = re.compile(r"[^\W\d_](?:[^\W\d_]|\u200c)*[^\W\d_]")
_TOKEN = re.compile(TOKEN_PATTERN)
_ARABIC_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "\u0640": None})
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")

#: Frequent Persian function words and suffixes (after ZWNJ splitting).
PERSIAN_STOP_WORDS = frozenset(
    """
    و در به از که این آن را با است بود برای یک تا می نمی ها های هم یا اما اگر هر
    شد شده شود کرد کرده کند کنم کنید ما من شما او آنها ای ام اند ایم اید بر نیز
    دیگر چه چون پس باید خیلی همه بی ترین تر""".split()
)

#: Score bands: (highest negative score, highest neutral score) per metric.
SENTIMENT_BANDS = {"nps": (6, 8), "csat": (2, 3), "ces": (3, 4)}


def normalize_text(text: str, *, zwnj: str = "split") -> str:
    """Lower-case, NFKC, Persian letter folding, no diacritics; ZWNJ split or kept.

    Examples
    --------
    >>> from cxlab.feedback._themes import normalize_text
    >>> normalize_text("قیمت\u200cها بالاست") == "قیمت ها بالاست"
    True
    """
    if zwnj not in ("split", "keep"):
        raise ParameterError(f"zwnj={zwnj!r}; use 'split' or 'keep'.")
    t = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD).lower()
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Mn")
    return t.replace(ZWNJ, " ") if zwnj == "split" else t


def tokenize(text: str, *, zwnj: str = "split") -> list[str]:
    """Terms of a comment: runs of 2+ Unicode letters after :func:`normalize_text`.

    Examples
    --------
    >>> from cxlab.feedback._themes import tokenize
    >>> tokenize("Delivery was LATE, 3 days!")
    ['delivery', 'was', 'late', 'days']
    >>> tokenize("ارسال یک هفته دیر رسید")
    ['ارسال', 'یک', 'هفته', 'دیر', 'رسید']
    """
    t = normalize_text(text, zwnj=zwnj)
    if zwnj == "keep":
        return [m.group(0) for m in _TOKEN_ZWNJ.finditer(t)]
    return _TOKEN.findall(t)


def sentiment_from_score(scores, metrics) -> np.ndarray:
    """``"negative"``, ``"neutral"`` or ``"positive"`` from each answer's score and metric."""
    scores = np.asarray(scores, dtype=float)
    metrics = np.broadcast_to(np.asarray(metrics, dtype=object), scores.shape)
    neg = np.full(scores.shape, np.nan)
    neu = np.full(scores.shape, np.nan)
    for m, (a, b) in SENTIMENT_BANDS.items():
        sel = metrics == m
        neg[sel], neu[sel] = a, b
    out = np.where(scores <= neg, "negative", np.where(scores <= neu, "neutral", "positive"))
    return np.where(np.isnan(neg) | np.isnan(scores), None, out).astype(object)


def _language(text: pd.Series) -> np.ndarray:
    """Script-based language guess when no language column exists: ``fa`` or ``other``."""
    return np.where(text.str.contains(_ARABIC_SCRIPT), "fa", "other").astype(object)


class CommentThemes(Estimator):
    """Comment themes from TF-IDF + NMF, per language, with sentiment from the score.

    Parameters
    ----------
    n_themes : int, default=8
        Themes per language (fewer when a language has few comments).
    by_language : bool, default=True
        Fit each language separately (vocabularies of different languages do
        not overlap, so a joint fit mostly separates languages).
    analyzer : {"word", "char_wb"}, default="word"
        Word terms (readable top terms) or character 3-5-grams (robust to
        inflection, less readable).
    min_df : int, default=2
        Ignore terms in fewer comments.
    max_features : int, default=5000
    stop_words : "auto", list or None, default="auto"
        ``"auto"``: scikit-learn's English list plus :data:`PERSIAN_STOP_WORDS`.
    zwnj : {"split", "keep"}, default="split"
        How the zero-width non-joiner is treated (see the module doc).
    n_terms : int, default=8
        Top terms reported per theme.
    n_examples : int, default=3
        Example comments per theme (the most typical distinct ones).
    random_state : int, Generator or None, default=None
        Seeds NMF's initialisation (``nndsvda`` is deterministic; this only
        matters for random restarts), so results are reproducible.
    max_iter : int, default=500

    Attributes
    ----------
    themes_ : DataFrame
        One row per theme: ``theme``, ``language``, ``label``, ``top_terms``,
        ``n``, ``share`` (of that language's comments), ``negative``,
        ``neutral``, ``positive`` (shares), ``mean_score`` per metric present,
        ``nps`` with ``nps_lower``/``nps_upper`` when NPS answers carry
        comments, and ``examples``.
    assignments_ : DataFrame
        Per comment (index of the input rows): ``language``, ``theme``,
        ``weight`` (share of the comment's NMF weight on that theme; 0 when the
        comment has no known term), ``sentiment``, ``metric``, ``score``.
    vocabulary_size_ : dict
        Terms kept per language.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=4000, random_state=0)
    >>> themes = cxlab.CommentThemes(n_themes=6, random_state=0).fit(data)
    >>> sorted(themes.themes_["language"].unique())
    ['en', 'fa']
    """

    def __init__(
        self,
        *,
        n_themes: int = 8,
        by_language: bool = True,
        analyzer: str = "word",
        min_df: int = 2,
        max_features: int = 5000,
        stop_words="auto",
        zwnj: str = "split",
        n_terms: int = 8,
        n_examples: int = 3,
        random_state=None,
        max_iter: int = 500,
    ):
        self.n_themes = n_themes
        self.by_language = by_language
        self.analyzer = analyzer
        self.min_df = min_df
        self.max_features = max_features
        self.stop_words = stop_words
        self.zwnj = zwnj
        self.n_terms = n_terms
        self.n_examples = n_examples
        self.random_state = random_state
        self.max_iter = max_iter

    # -- input ------------------------------------------------------------------------
    def _inputs(self, data, scores, languages, metric) -> pd.DataFrame:
        if hasattr(data, "feedback"):
            data = data.feedback
        if isinstance(data, pd.DataFrame):
            if "comment" not in data.columns:
                raise EmptyTableError(
                    "the feedback table has no 'comment' column", column="comment", n_rows=0
                )
            fb = data[data["comment"].notna()]
            if metric is not None and "metric" in fb.columns:
                fb = fb[(fb["metric"].astype(str) == metric).to_numpy()]
            df = pd.DataFrame({"comment": fb["comment"]}, index=fb.index)
            df["score"] = fb["score"] if "score" in fb.columns else np.nan
            df["metric"] = fb["metric"].astype(str) if "metric" in fb.columns else metric
            df["language"] = fb["language"] if "language" in fb.columns else None
        else:
            text = pd.Series(data)
            df = pd.DataFrame({"comment": text})
            df["score"] = np.nan if scores is None else np.asarray(scores, dtype=float)
            df["metric"] = metric
            df["language"] = None if languages is None else np.asarray(languages, dtype=object)
            df = df[df["comment"].notna()]
        if len(df) == 0:
            raise EmptyTableError(
                "there are no comments to find themes in",
                column="comment",
                n_rows=0,
                fix="check that the feedback table has a filled 'comment' column",
            )
        non_text = ~df["comment"].map(lambda v: isinstance(v, str))
        if non_text.any():
            raise DataTypeError(
                "comments must be text",
                column="comment",
                n_rows=int(non_text.sum()),
                example_ids=df.index[non_text.to_numpy()][:5].tolist(),
                fix="convert the column with .astype('string') or drop non-text values",
            )
        df["comment"] = df["comment"].astype(str)
        missing = df["language"].isna()
        if missing.any():
            df.loc[missing, "language"] = _language(df.loc[missing, "comment"])
        if not self.by_language:
            df["language"] = "all"
        df["language"] = df["language"].astype(str)
        return df

    def _vectorizer(self):
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

        if self.analyzer not in ("word", "char_wb"):
            raise ParameterError(f"analyzer={self.analyzer!r}; use 'word' or 'char_wb'.")
        stop = self.stop_words
        if isinstance(stop, str) and stop == "auto":
            stop = sorted(ENGLISH_STOP_WORDS | PERSIAN_STOP_WORDS)
        kw = dict(
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            preprocessor=lambda t: normalize_text(t, zwnj=self.zwnj),
        )
        if self.analyzer == "word":
            kw.update(
                tokenizer=lambda t: (
                    _TOKEN_ZWNJ.findall(t) if self.zwnj == "keep" else _TOKEN.findall(t)
                ),
                token_pattern=None,
                stop_words=list(stop) if stop is not None else None,
            )
        else:
            kw.update(analyzer="char_wb", ngram_range=(3, 5))
        return TfidfVectorizer(**kw)

    # -- fitting ------------------------------------------------------------------------
    def fit(self, data, scores=None, languages=None, *, metric: str | None = None):
        """Find themes.

        Parameters
        ----------
        data : CXData, feedback DataFrame, or sequence of str
            Rows without a comment are ignored (they are not comments).
        scores, languages : array-like, optional
            With a plain sequence of comments: each comment's score and language.
        metric : str, optional
            Only comments of this metric (default: all; with plain comments,
            the metric of ``scores``, needed for sentiment).

        Returns
        -------
        self
        """
        from sklearn.decomposition import NMF
        from sklearn.utils import check_random_state

        if int(self.n_themes) < 1:
            raise ParameterError(f"n_themes={self.n_themes} must be at least 1.")
        df = self._inputs(data, scores, languages, metric)
        df["sentiment"] = sentiment_from_score(df["score"].to_numpy(), df["metric"].to_numpy())
        rs = check_random_state(self.random_state)
        rows, assign, skipped, self.vocabulary_size_ = [], [], [], {}
        self.models_ = {}
        for lang, part in df.groupby("language", sort=True):  # loop over languages
            k = min(int(self.n_themes), max(len(part) - 1, 1))
            if k < int(self.n_themes):
                warnings.warn(
                    f"only {len(part)} comments in language {lang!r}: fitting {k} themes "
                    f"instead of {self.n_themes}.",
                    SmallSampleWarning,
                    stacklevel=2,
                )
            vec = self._vectorizer()
            try:
                x = vec.fit_transform(part["comment"])
            except ValueError:  # empty vocabulary: too few comments or all stop words
                skipped.append(f"{lang!r} ({len(part)} comments)")
                assign.append(
                    pd.DataFrame({"language": lang, "theme": None, "weight": 0.0}, index=part.index)
                )
                continue
            k = min(k, x.shape[1])
            nmf = NMF(
                n_components=k,
                init="nndsvda",
                random_state=rs.randint(np.iinfo(np.int32).max),
                max_iter=self.max_iter,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=UserWarning)
                w = nmf.fit_transform(x)
            self.models_[lang] = (vec, nmf)
            self.vocabulary_size_[lang] = x.shape[1]
            total = w.sum(axis=1)
            theme = w.argmax(axis=1)
            names = [f"{lang}:{i + 1}" for i in range(k)]
            a = pd.DataFrame(
                {
                    "language": lang,
                    "theme": np.where(total > 0, np.asarray(names, dtype=object)[theme], None),
                    "weight": np.where(total > 0, w.max(axis=1) / np.where(total > 0, total, 1), 0),
                },
                index=part.index,
            )
            assign.append(a)
            terms = vec.get_feature_names_out()
            for i in range(k):
                rows.append(self._describe(names[i], lang, i, nmf, terms, part, a, w))
        if not rows:
            raise EmptyTableError(
                f"no terms left in the {len(df)} comments after min_df={self.min_df} and stop "
                "words",
                column="comment",
                n_rows=len(df),
                fix="lower min_df, or pass stop_words=None",
            )
        if skipped:
            warnings.warn(
                f"no terms left for language {', '.join(skipped)} after min_df={self.min_df} "
                "and stop words: those comments get no theme.",
                SmallSampleWarning,
                stacklevel=2,
            )
        self.assignments_ = pd.concat(assign).join(df[["sentiment", "metric", "score"]])
        self.assignments_ = self.assignments_.reindex(df.index)
        self.themes_ = pd.DataFrame(rows)
        unassigned = int(self.assignments_["theme"].isna().sum())
        self.themes_.attrs["notes"] = [
            "Themes come from word co-occurrence (TF-IDF + NMF per language): read the top "
            "terms and examples before naming them; one real topic may split into praise "
            "and complaint themes.",
            "Sentiment is read from each writer's score, not from the words.",
            *([f"{unassigned} comments had no known term and no theme."] if unassigned else []),
        ]
        return self

    def _describe(self, name, lang, i, nmf, terms, part, assign, w) -> dict:
        from cxlab.feedback._scores import nps as nps_estimate

        top = np.argsort(nmf.components_[i])[::-1][: self.n_terms]
        mine = (assign["theme"] == name).to_numpy()
        sub = part[mine]
        order = np.argsort(-w[mine, i], kind="stable")
        examples = pd.unique(sub["comment"].to_numpy()[order])[: self.n_examples].tolist()
        sent = sub["sentiment"].value_counts(normalize=True)
        row = {
            "theme": name,
            "language": lang,
            "label": f"{lang}: " + " / ".join(terms[top[:3]]),
            "top_terms": ", ".join(terms[top]),
            "n": int(mine.sum()),
            "share": float(mine.mean()),
            **{s: float(sent.get(s, 0.0)) for s in ("negative", "neutral", "positive")},
        }
        nps_rows = sub[sub["metric"] == "nps"]["score"].dropna()
        row["nps"] = row["nps_lower"] = row["nps_upper"] = np.nan
        if len(nps_rows):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SmallSampleWarning)
                est = nps_estimate(nps_rows.astype(int).to_numpy())
            row.update(nps=est.score, nps_lower=est.lower, nps_upper=est.upper)
        row["examples"] = " | ".join(examples)
        return row

    # -- results ---------------------------------------------------------------------------
    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "themes_"):
            raise NotFittedError(f"CommentThemes.{method}() needs fit(...) first.")

    def summary(self) -> pd.DataFrame:
        """The themes table (``themes_``) with its notes."""
        self._check_fitted("summary")
        return self.themes_.copy()

    def transform(self, comments, languages=None) -> pd.DataFrame:
        """Theme and weight of new comments (language guessed from the script if not given).

        Parameters
        ----------
        comments : sequence of str
            New comments.
        languages : sequence of str, optional
            Language of each comment; guessed from the script when None.
        """
        self._check_fitted("transform")
        df = self._inputs(list(comments), None, languages, None)
        out = pd.DataFrame(index=df.index, columns=["language", "theme", "weight"], dtype=object)
        for lang, part in df.groupby("language", sort=True):
            if lang not in self.models_:
                out.loc[part.index, "language"] = lang
                continue
            vec, nmf = self.models_[lang]
            w = nmf.transform(vec.transform(part["comment"]))
            total = w.sum(axis=1)
            names = np.asarray([f"{lang}:{i + 1}" for i in range(w.shape[1])], dtype=object)
            out.loc[part.index, "language"] = lang
            out.loc[part.index, "theme"] = np.where(total > 0, names[w.argmax(axis=1)], None)
            out.loc[part.index, "weight"] = np.where(
                total > 0, w.max(axis=1) / np.maximum(total, 1e-300), 0
            )
        return out

    def agreement(self, truth: pd.Series) -> pd.DataFrame:
        """Agreement with known themes (e.g. ``data.truth.comment_theme``), per language.

        Returns adjusted Rand index and purity (share of comments whose theme's
        majority true label is theirs) per language and overall.

        Parameters
        ----------
        truth : Series
            Known theme per comment (e.g. ``data.truth.comment_theme``).
        """
        from sklearn.metrics import adjusted_rand_score

        self._check_fitted("agreement")
        a = self.assignments_.join(truth.rename("truth"), how="inner").dropna(subset=["theme"])
        rows = []
        for lang, part in [*a.groupby("language", sort=True), ("(all)", a)]:
            ct = pd.crosstab(part["theme"], part["truth"])
            rows.append(
                {
                    "language": lang,
                    "n": len(part),
                    "adjusted_rand": adjusted_rand_score(part["truth"], part["theme"])
                    if lang != "(all)"
                    else np.nan,
                    "purity": ct.max(axis=1).sum() / len(part),
                    "chance_purity": part["truth"].value_counts(normalize=True).iloc[0],
                }
            )
        return pd.DataFrame(rows)

    @plot_doc
    def plot(self, ax=None):
        """Share of comments per theme, split by the writers' sentiment; returns the Axes.

        Parameters
        ----------
        %(ax)s
        """
        self._check_fitted("plot")
        from cxlab.feedback._plots import plot_themes

        return plot_themes(self.themes_, ax=ax)

    def __repr__(self) -> str:
        if not hasattr(self, "themes_"):
            return f"CommentThemes(n_themes={self.n_themes}, unfitted)"
        return f"CommentThemes({len(self.themes_)} themes, {len(self.assignments_):,} comments)"
