"""Feedback speed: NPS by group on 10 million answers, NPS drivers, comment themes (issue 6).

- ``score_table`` (NPS with adjusted-Wald intervals) by one and by three
  dimensions on 10M answers, against a plain pandas ``groupby`` that computes
  the bare NPS (no validation, no intervals) and polars (dev dependency);
- one ordinal-logit driver fit on 20k answers: cxlab's ``NPSDrivers`` (statsmodels
  ``OrderedModel`` with an analytic gradient) against plain ``OrderedModel``
  (numerical gradient), both BFGS, no importance;
- comment themes (TF-IDF + NMF per language) on about 20k templated comments.

No formal target in the issue; the aim is seconds at 10M answers. Peak memory
is the resident peak of a fresh child process (it includes about 150 MB of
interpreter and imports).
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pandas as pd
from _util import measure, timed

import cxlab
from cxlab.exceptions import SmallSampleWarning

ANSWERS = 10_000_000
DRIVER_ROWS = 20_000
COMMENTS = 20_000


def synthetic_feedback(n: int, seed: int = 0) -> pd.DataFrame:
    """NPS answers with channel, segment and month (categoricals), built without loops."""
    rng = np.random.default_rng(seed)
    cat = cxlab.DEFAULT_CATALOG
    probs = np.array([2, 1, 1, 2, 3, 5, 8, 15, 20, 20, 23], dtype=float)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, n // 2 + 2, size=n),
            "metric": pd.Categorical(["nps"] * 1, categories=list(cat.metrics)).repeat(n),
            "score": rng.choice(11, size=n, p=probs / probs.sum()).astype(np.int64),
            "channel": pd.Categorical.from_codes(
                rng.integers(0, len(cat.channels), n), categories=list(cat.channels)
            ),
            "segment": pd.Categorical.from_codes(
                rng.integers(0, 2, n), categories=["consumer", "business"]
            ),
            "month": pd.Categorical.from_codes(
                rng.integers(0, 18, n), categories=[f"m{i:02d}" for i in range(18)]
            ),
        }
    )


def _cxlab_table(fb, by):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return cxlab.score_table(fb, "nps", by=by)


def _pandas_nps(fb, by):
    s = fb["score"].to_numpy()
    coded = pd.Series(np.where(s >= 9, 1.0, np.where(s <= 6, -1.0, 0.0)), index=fb.index)
    return [coded.groupby(fb[b], observed=True).mean() * 100 for b in by]


def _polars_nps(fb, by):
    import polars as pl

    df = pl.from_pandas(fb[["score", *by]])
    coded = pl.when(pl.col("score") >= 9).then(1.0).when(pl.col("score") <= 6).then(-1.0)
    df = df.with_columns(coded.otherwise(0.0).alias("c"))
    return [df.group_by(b).agg((pl.col("c").mean() * 100).alias("nps")) for b in by]


def _measure_in_child(build, fn, by):
    """Build the table in a child process and time ``fn`` there (peak = that process)."""

    def job():
        fb = build()
        fn(fb, by)

    return measure(job)


def run(scale: float = 1.0) -> list[dict]:
    n = max(10_000, int(ANSWERS * scale))
    rows = []
    fb = synthetic_feedback(n)
    impls = [("cxlab score_table", _cxlab_table), ("pandas groupby (NPS only)", _pandas_nps)]
    if importlib.util.find_spec("polars") is not None:  # a dev dependency
        impls.append(("polars group_by (NPS only)", _polars_nps))
    groupings = (["channel"], ["channel", "segment", "month"])
    # peaks first, in forked children: forking after polars has started its thread pool
    # in this process can deadlock the child
    peaks = {
        (impl, tuple(by)): _measure_in_child(lambda: synthetic_feedback(n), fn, by)[1]
        for by in groupings
        for impl, fn in impls
    }
    notes_other = {
        "pandas groupby (NPS only)": "bare NPS, no intervals",
        "polars group_by (NPS only)": "bare NPS, no intervals; includes pl.from_pandas",
    }
    for by in groupings:
        for impl, fn in impls:
            seconds, _ = timed(fn, fb, by, repeat=2)
            note = "validated scores, adjusted-Wald intervals, small-group flags"
            rows.append(
                {
                    "task": f"NPS by {'+'.join(by)}",
                    "impl": impl,
                    "n": n,
                    "seconds": seconds,
                    "peak_mb": peaks[(impl, tuple(by))],
                    "note": note if impl.startswith("cxlab") else notes_other[impl],
                }
            )
    del fb
    rows += _drivers(max(2_000, int(DRIVER_ROWS * min(scale * 10, 1.0))))
    rows += _themes(max(2_000, int(COMMENTS * min(scale * 10, 1.0))))
    return rows


def _drivers(n_rows: int) -> list[dict]:
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    from cxlab.simulation._feedback import sample_ordinal
    from cxlab.simulation._simulate import NPS_THRESHOLDS

    rng = np.random.default_rng(1)
    x = np.column_stack(
        [rng.integers(1, 6, n_rows), rng.poisson(0.6, n_rows), rng.random(n_rows) < 0.35]
    ).astype(float)
    table = pd.DataFrame(x, columns=["csat", "support_contacts", "loyalty_member"])
    table["nps"] = sample_ordinal(x @ np.array([0.8, -0.35, 0.5]), NPS_THRESHOLDS, 0, rng)
    drivers = ["csat", "support_contacts", "loyalty_member"]
    model = cxlab.NPSDrivers(drivers=drivers, importance=None)
    t_ours, _ = timed(model.fit, table)

    def plain():
        m = OrderedModel(table["nps"].to_numpy(), table[drivers], distr="logit")
        return m.fit(method="bfgs", disp=False, maxiter=2000)

    t_plain, res = timed(plain)
    same = np.allclose(res.params.iloc[:3], model.coef_["coef"], atol=1e-4)
    return [
        {
            "task": "NPS driver fit (ordinal logit, 3 drivers)",
            "impl": impl,
            "n": n_rows,
            "seconds": secs,
            "peak_mb": None,
            "note": note,
        }
        for impl, secs, note in (
            ("cxlab NPSDrivers (analytic score)", t_ours, f"same estimates as plain: {same}"),
            ("statsmodels OrderedModel (numeric score)", t_plain, "BFGS, default settings"),
        )
    ]


def _themes(n_comments: int) -> list[dict]:
    data = cxlab.simulate(n_customers=int(n_comments * 11.5), random_state=3)
    comments = int(data.feedback["comment"].notna().sum())
    themes = cxlab.CommentThemes(n_themes=10, random_state=0)
    seconds, _ = timed(themes.fit, data)
    agree = themes.agreement(data.truth.comment_theme).set_index("language")["purity"]
    return [
        {
            "task": "comment themes (TF-IDF + NMF, en + fa)",
            "impl": "cxlab CommentThemes",
            "n": comments,
            "seconds": seconds,
            "peak_mb": None,
            "note": f"purity vs truth {agree.loc['(all)']:.2f}",
        }
    ]
