"""The machinery behind :class:`~cxlab.personas.PersonaModel`: preparing the
feature matrix, fitting one clustering with a given number of personas, the
criteria for choosing that number, and bootstrap stability.

Methods
-------
``"latent_class"``
    Latent class model (:mod:`cxlab.personas`): multinomial count blocks,
    Bernoulli 0/1 columns, normal continuous columns; missing values are
    marginalised. The default, because channel habits are counts.
``"gmm"``
    scikit-learn ``GaussianMixture`` on the standardised columns.
``"kmeans"``
    scikit-learn ``KMeans`` on the standardised columns (``MiniBatchKMeans``
    past ``minibatch_threshold`` customers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, silhouette_score

from cxlab.personas._lca import MixedData, fit_latent_class, log_joint

__all__ = [
    "METHODS",
    "Prepared",
    "FitResult",
    "column_stats",
    "prepare",
    "fit_one",
    "criteria",
    "choose_k",
    "bootstrap",
    "select_k",
    "stability",
]

METHODS = ("latent_class", "gmm", "kmeans")
#: Above this many customers, mixture starts run on a random subsample of this size.
INIT_SAMPLE = 50_000
#: Column names of count blocks: ``n_<block>__<cell>`` (customer_features' channel counts).
COUNT_COLUMN = re.compile(r"^(n_.+?)__(.+)$")


def feature_kinds(values: np.ndarray, names, method: str) -> pd.Series:
    """Kind of every column: ``count:<block>``, ``binary`` or ``continuous``.

    Only the latent class model distinguishes kinds; for the other methods every
    column is ``continuous`` (standardised).
    """
    kinds = {}
    for j, col in enumerate(names):
        if method != "latent_class":
            kinds[col] = "continuous"
            continue
        x = values[:, j]
        obs = x[~np.isnan(x)]
        m = COUNT_COLUMN.match(str(col))
        if m and len(obs) == len(x) and (obs >= 0).all() and (obs == np.round(obs)).all():
            kinds[col] = f"count:{m.group(1)}"
        elif np.isin(obs, (0.0, 1.0)).all():
            kinds[col] = "binary"
        else:
            kinds[col] = "continuous"
    return pd.Series(kinds, name="kind", dtype=object)


@dataclass
class Prepared:
    """The used features, ready for a method: standardised matrix ``z`` (imputed)
    and, for the latent class model, the mixed-type data."""

    z: np.ndarray
    mixed: MixedData | None

    @property
    def n(self) -> int:
        return self.z.shape[0]

    def take(self, idx) -> Prepared:
        return Prepared(self.z[idx], None if self.mixed is None else self.mixed.take(idx))


def column_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median of the observed values (the fill for missing ones), and the mean and
    standard deviation of each column after filling. One column at a time, so no
    full-size temporaries."""
    p = values.shape[1]
    fill, center, scale = np.zeros(p), np.zeros(p), np.zeros(p)
    n = values.shape[0]
    for j in range(p):
        col = values[:, j]
        nan = np.isnan(col)
        m = int(nan.sum())
        obs = col[~nan] if m else col
        if len(obs) == 0:
            continue
        fill[j] = np.median(obs)
        center[j] = (obs.sum() + m * fill[j]) / n
        scale[j] = np.sqrt((((obs - center[j]) ** 2).sum() + m * (fill[j] - center[j]) ** 2) / n)
    return fill, center, scale


def prepare(values: np.ndarray, kinds: pd.Series, center, scale, fill, method: str) -> Prepared:
    """Standardise (after filling NaN with ``fill``) and, for latent_class, split by kind."""
    z = values - center[None, :]
    z /= scale[None, :]
    nan = np.isnan(z)
    if nan.any():
        np.copyto(z, np.broadcast_to((fill - center) / scale, z.shape), where=nan)
    del nan
    if method != "latent_class":
        return Prepared(z, None)
    kind = kinds.to_numpy().astype(str)
    is_count = np.char.startswith(kind, "count:")
    is_bin = kind == "binary"
    is_cont = kind == "continuous"
    mixed = MixedData(
        counts=values[:, is_count].astype(float),
        blocks=pd.factorize(kind[is_count])[0],
        binary=values[:, is_bin].astype(float),
        # standardised, NaN kept: the model marginalises missing values
        continuous=(values[:, is_cont] - center[is_cont]) / scale[is_cont],
    )
    return Prepared(z, mixed)


@dataclass
class FitResult:
    """One clustering with ``k`` personas."""

    method: str
    k: int
    model: object
    labels: np.ndarray
    proba: np.ndarray | None
    bic: float = np.nan
    loglik: float = np.nan
    n_iter: int = 0

    def predict(self, prep: Prepared) -> np.ndarray:
        if self.method == "latent_class":
            return log_joint(prep.mixed, self.model).argmax(axis=1)
        return self.model.predict(prep.z)

    def predict_proba(self, prep: Prepared) -> np.ndarray | None:
        if self.method == "latent_class":
            lj = log_joint(prep.mixed, self.model)
            lj -= lj.max(axis=1, keepdims=True)
            p = np.exp(lj)
            return p / p.sum(axis=1, keepdims=True)
        if self.method == "gmm":
            return self.model.predict_proba(prep.z)
        return None

    @property
    def entropy(self) -> float:
        """Classification entropy ``-sum p log p`` over customers (0 for hard methods)."""
        if self.proba is None:
            return np.nan
        p = np.clip(self.proba, 1e-300, 1.0)
        return float(-(self.proba * np.log(p)).sum())


def start_sample(n_init: int) -> int:
    """Customers the starts run on when there are more: INIT_SAMPLE for up to 10 starts,
    fewer (down to 10,000) for more starts, so the screening costs at most about
    ten starts on INIT_SAMPLE customers."""
    return min(INIT_SAMPLE, max(10_000, INIT_SAMPLE * 10 // max(1, n_init)))


def fit_one(prep: Prepared, k: int, opts: dict, rng: np.random.Generator) -> FitResult:
    """Fit ``opts["method"]`` with ``k`` personas on prepared data."""
    method = opts["method"]
    seed = int(rng.integers(2**31 - 1))
    n_init = max(1, int(opts["n_init"]))
    n_start = start_sample(n_init)
    if method == "latent_class":
        params, resp = fit_latent_class(
            prep.mixed,
            k,
            init_features=prep.z,
            n_init=n_init,
            max_iter=opts["max_iter"],
            init_sample=n_start,
            random_state=rng,
        )
        bic = -2 * params.loglik + prep.mixed.n_parameters(k) * np.log(prep.n)
        return FitResult(
            method, k, params, resp.argmax(axis=1), resp, bic, params.loglik, params.n_iter
        )
    if method == "gmm":
        from sklearn.mixture import GaussianMixture

        kw = dict(covariance_type=opts["covariance_type"], max_iter=opts["max_iter"])
        z = prep.z
        if prep.n > n_start:  # starts on a subsample, then one EM run on everyone
            sub = np.sort(rng.choice(prep.n, size=n_start, replace=False))
            start = GaussianMixture(k, n_init=n_init, random_state=seed, **kw).fit(z[sub])
            gm = GaussianMixture(
                k,
                n_init=1,
                weights_init=start.weights_,
                means_init=start.means_,
                precisions_init=start.precisions_,
                random_state=seed,
                **kw,
            ).fit(z)
        else:
            gm = GaussianMixture(k, n_init=n_init, random_state=seed, **kw).fit(z)
        proba = gm.predict_proba(prep.z)
        loglik = float(gm.score(prep.z) * prep.n)
        return FitResult(
            method, k, gm, proba.argmax(axis=1), proba, gm.bic(prep.z), loglik, gm.n_iter_
        )
    from sklearn.cluster import KMeans, MiniBatchKMeans

    threshold = opts.get("minibatch_threshold")
    if threshold is not None and prep.n > threshold:
        km = MiniBatchKMeans(
            k, n_init=n_init, batch_size=4096, max_iter=opts["max_iter"], random_state=seed
        ).fit(prep.z)
    elif prep.n > n_start:  # starts on a subsample, then one Lloyd run on everyone
        sub = np.sort(rng.choice(prep.n, size=n_start, replace=False))
        start = KMeans(k, n_init=n_init, max_iter=opts["max_iter"], random_state=seed)
        start = start.fit(prep.z[sub])
        km = KMeans(
            k, init=start.cluster_centers_, n_init=1, max_iter=opts["max_iter"], random_state=seed
        ).fit(prep.z)
    else:
        km = KMeans(k, n_init=n_init, max_iter=opts["max_iter"], random_state=seed).fit(prep.z)
    return FitResult(
        method, k, km, km.labels_.astype(np.int64), None, np.nan, -float(km.inertia_), km.n_iter_
    )


def criteria(prep: Prepared, res: FitResult, sample: int, rng: np.random.Generator) -> dict:
    """BIC, ICL (mixtures), silhouette (on a subsample) and Calinski-Harabasz of one fit."""
    labels = res.labels
    n_used = len(np.unique(labels))
    row = {
        "k": res.k,
        "n_nonempty": n_used,
        "loglik": res.loglik,
        "bic": res.bic,
        "icl": res.bic + 2 * res.entropy if res.proba is not None else np.nan,
        "silhouette": np.nan,
        "calinski_harabasz": np.nan,
        "smallest_share": float(np.bincount(labels, minlength=res.k).min() / len(labels)),
    }
    if n_used >= 2:
        idx = (
            np.sort(rng.choice(prep.n, size=sample, replace=False))
            if prep.n > sample
            else np.arange(prep.n)
        )
        if len(np.unique(labels[idx])) >= 2:
            row["silhouette"] = float(silhouette_score(prep.z[idx], labels[idx]))
        row["calinski_harabasz"] = float(calinski_harabasz_score(prep.z[idx], labels[idx]))
    return row


#: criterion -> (direction, used for which methods)
CRITERIA = {
    "bic": ("min", ("latent_class", "gmm")),
    "icl": ("min", ("latent_class", "gmm")),
    "silhouette": ("max", METHODS),
    "calinski_harabasz": ("max", ("kmeans",)),
}
PRIMARY = {"latent_class": "bic", "gmm": "bic", "kmeans": "silhouette"}

DECISION_RULE = (
    "Only k whose smallest persona holds at least min_share of the customers are "
    "eligible (tiny personas are not actionable and mark an over-split). Among them, "
    "each criterion votes for its best k: BIC, ICL and silhouette for mixtures "
    "(latent_class, gmm); silhouette and Calinski-Harabasz for kmeans. The k with "
    "the most votes wins; a tie goes to the primary criterion (BIC for mixtures, "
    "silhouette for kmeans). When the votes are split, a StatisticalWarning says so."
)


def choose_k(table: pd.DataFrame, method: str, min_share: float = 0.0) -> tuple[int, dict]:
    """Apply :data:`DECISION_RULE` to a selection table. Returns k and each criterion's vote."""
    eligible = table["smallest_share"] >= min_share
    if eligible.any():
        table = table[eligible]
    votes = {}
    for name, (direction, methods) in CRITERIA.items():
        if method not in methods:
            continue
        col = table[name]
        if col.notna().sum() == 0:
            continue
        best = col.idxmin() if direction == "min" else col.idxmax()
        votes[name] = int(table.loc[best, "k"])
    if not votes:
        return int(table["k"].iloc[0]), votes
    tally = pd.Series(list(votes.values())).value_counts()
    top = sorted(tally[tally == tally.max()].index.tolist())
    primary = votes.get(PRIMARY[method])
    k = top[0] if len(top) == 1 else (primary if primary in top else top[0])
    return int(k), votes


def _jaccard_best(orig: np.ndarray, boot: np.ndarray, k: int, kb: int) -> np.ndarray:
    """For each original cluster, the best Jaccard similarity with a bootstrap cluster."""
    table = np.bincount(orig * kb + boot, minlength=k * kb).reshape(k, kb).astype(float)
    size_o = table.sum(axis=1, keepdims=True)
    size_b = table.sum(axis=0, keepdims=True)
    union = size_o + size_b - table
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, table / union, 0.0)
    out = jac.max(axis=1)
    out[size_o[:, 0] == 0] = np.nan
    return out


def bootstrap(
    prep: Prepared,
    labels: np.ndarray,
    k: int,
    opts: dict,
    n_boot: int,
    sample: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Hennig's clusterwise bootstrap: Jaccard per persona and ARI per replicate.

    On a random subsample of at most ``sample`` customers, each replicate draws
    customers with replacement, refits the same method with ``k`` personas from
    scratch, and compares its clusters with the fitted personas on the distinct
    customers drawn.

    Returns
    -------
    jaccard : ndarray of shape (n_boot, k)
    ari : ndarray of shape (n_boot,)
    """
    base = np.sort(rng.choice(prep.n, size=sample, replace=False)) if prep.n > sample else None
    sub = prep if base is None else prep.take(base)
    lab = labels if base is None else labels[base]
    jac = np.full((n_boot, k), np.nan)
    ari = np.full(n_boot, np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, sub.n, size=sub.n)
        res = fit_one(sub.take(idx), k, opts, rng)
        uniq = np.unique(idx)
        boot_labels = res.predict(sub.take(uniq))
        jac[b] = _jaccard_best(lab[uniq], boot_labels, k, k)
        ari[b] = adjusted_rand_score(lab[uniq], boot_labels)
    return jac, ari


def stability_table(jac: np.ndarray, ari: np.ndarray, threshold: float) -> pd.DataFrame:
    """Per-persona summary of bootstrap Jaccard similarities (Hennig 2007 verdicts)."""
    mean = np.nanmean(jac, axis=0)
    verdict = np.select(
        [mean >= 0.85, mean >= 0.75, mean >= threshold],
        ["highly stable", "stable", "pattern, membership doubtful"],
        "unstable",
    )
    out = pd.DataFrame(
        {
            "jaccard_mean": mean,
            "jaccard_low": np.nanquantile(jac, 0.025, axis=0),
            "jaccard_high": np.nanquantile(jac, 0.975, axis=0),
            "dissolved_share": np.nanmean(jac < 0.5, axis=0),
            "verdict": verdict,
        },
        index=pd.RangeIndex(jac.shape[1], name="persona"),
    )
    return out


def select_k(
    prep, opts, k_bounds, *, min_share, selection_sample, silhouette_sample, rng, final_opts=None
):
    """Fit every k in ``k_bounds`` (on a subsample when large), score, apply the rule.

    Returns
    -------
    k : int
    table : DataFrame
        One row per k: criteria, ``eligible``.
    votes : dict
        Criterion -> its best k.
    best : FitResult
        The fit with k personas on all of ``prep``.
    """
    sel = prep
    if prep.n > selection_sample:
        sel = prep.take(np.sort(rng.choice(prep.n, size=selection_sample, replace=False)))
    rows, fits = [], {}
    for k in range(k_bounds[0], k_bounds[1] + 1):
        fits[k] = fit_one(sel, k, opts, rng)
        rows.append(criteria(sel, fits[k], silhouette_sample, rng))
    table = pd.DataFrame(rows)
    k, votes = choose_k(table, opts["method"], min_share)
    table["eligible"] = table["smallest_share"] >= min_share
    if final_opts is not None:  # the chosen k again, with more starts
        best = fit_one(prep, k, final_opts, rng)
    else:
        best = fits[k] if sel is prep else fit_one(prep, k, opts, rng)
    return k, table, votes, best


def stability(prep, labels, k, opts, n_boot, sample, threshold, rng):
    """Bootstrap stability: per-persona table and the summary of per-replicate ARI."""
    jac, ari = bootstrap(prep, labels, k, opts, n_boot, sample, rng)
    ari_summary = pd.Series(
        {
            "mean": float(np.nanmean(ari)),
            "low": float(np.nanquantile(ari, 0.025)),
            "high": float(np.nanquantile(ari, 0.975)),
            "n_bootstrap": int(n_boot),
        },
        name="adjusted_rand_index",
    )
    return stability_table(jac, ari, threshold), ari_summary
