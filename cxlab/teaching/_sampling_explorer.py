"""Sampling explorer: estimates and intervals tighten around the truth as a study grows.

Pure parts (tested: nested studies, widths shrinking with the square root of
n, the estimates equal to the package's own estimators on the same customers):

- :class:`SamplingPopulation`: a simulated population, one row per customer
  (bought?, NPS answer, tenure and churn), and its truth from the simulator's
  hidden facts;
- :func:`sample_estimates`: conversion rate (Wilson interval), NPS of
  purchasers (:func:`cxlab.nps`) and retention at a horizon (Kaplan-Meier,
  lifelines) for nested studies of growing size drawn from the population;
- :func:`plot_sampling_state`: one panel per estimate, intervals against n.

:func:`sampling_explorer` wires them to sliders (see :mod:`cxlab.teaching._lab`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlab._deprecation import renamed_parameter
from cxlab.exceptions import ParameterError
from cxlab.teaching._lab import Explorer, log_axis, message, new_figure, slider

__all__ = ["SamplingPopulation", "sample_estimates", "plot_sampling_state", "sampling_explorer"]

LADDER = (100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000)


@dataclass(frozen=True)
class SamplingPopulation:
    """A simulated population, one entry per customer, and its true values.

    Attributes
    ----------
    purchased : ndarray of bool
    nps_answer : ndarray of float
        The customer's NPS answer (NaN: none).
    tenure, churned : ndarray
        Survival-table tenure (days) and churn flag (NaN / False for non-buyers).
    truth : Series
        ``conversion``, ``nps`` and ``retention`` of the whole population, from the
        simulator's hidden facts (every purchaser's true NPS and churn time).
    horizon_days : float
    """

    purchased: np.ndarray
    nps_answer: np.ndarray
    tenure: np.ndarray
    churned: np.ndarray
    truth: pd.Series
    horizon_days: float

    @property
    def size(self) -> int:
        return len(self.purchased)

    @classmethod
    def from_data(cls, data, *, horizon_days: float = 365.0) -> SamplingPopulation:
        """Build from simulated data (``data.truth`` needed)."""
        from cxlab.survival._table import survival_table

        truth = getattr(data, "truth", None)
        if truth is None:
            raise ParameterError(
                "the sampling explorer needs simulated data with known truth "
                "(cxlab.simulate(...) or cxlab.load of a simulated folder); data.truth is None."
            )
        t = truth.customers
        ids = t.index.to_numpy()
        fb = data.feedback
        answers = fb[(fb["metric"] == "nps").to_numpy()]
        first = answers.drop_duplicates("customer_id").set_index("customer_id")["score"]
        table = survival_table(data)
        buyers = t[t["purchased"]]
        promoters = np.mean(buyers["nps_true"] >= 9)
        detractors = np.mean(buyers["nps_true"] <= 6)
        churn_at = t["churn_after_days"].reindex(table.index).to_numpy()
        return cls(
            purchased=t["purchased"].to_numpy(bool),
            nps_answer=first.reindex(ids).to_numpy(float),
            tenure=table["tenure_days"].reindex(ids).to_numpy(float),
            churned=table["churned"].reindex(ids).astype("boolean").fillna(False).to_numpy(bool),
            truth=pd.Series(
                {
                    "conversion": 100 * float(t["purchased"].mean()),
                    "nps": 100 * float(promoters - detractors),
                    "retention": 100 * float(np.mean(churn_at > horizon_days)),
                }
            ),
            horizon_days=float(horizon_days),
        )


def study_sizes(n: int) -> list:
    """The ladder of study sizes shown up to ``n`` (and ``n`` itself)."""
    return sorted({*(k for k in LADDER if k < n), int(n)})


def sample_estimates(pop: SamplingPopulation, n: int, *, draw: int = 0) -> pd.DataFrame:
    """Estimates with 95% intervals for nested studies of growing size, up to ``n`` customers.

    The customers are a random order of the population (``draw`` seeds it);
    a study of size ``k`` is the first ``k`` of them, so each bigger study
    contains the smaller ones, like a study that keeps collecting data.

    Returns
    -------
    DataFrame
        One row per (``metric``, ``n``): ``estimate``, ``lower``, ``upper``,
        ``truth``, ``width`` and ``covered``; in percent (NPS in points).
    """
    from cxlab._stats import wilson
    from cxlab.exceptions import SmallSampleWarning
    from cxlab.feedback._scores import nps

    if not 10 <= int(n) <= pop.size:
        raise ParameterError(f"n={n} must be between 10 and the population size {pop.size:,}.")
    order = np.random.default_rng(draw).permutation(pop.size)
    rows = []
    h = pop.horizon_days
    for k in study_sizes(n):  # loop over a handful of study sizes
        idx = order[:k]
        bought = pop.purchased[idx]
        lo, hi = wilson(bought.sum(), k)
        rows.append(("conversion", k, 100 * bought.mean(), 100 * float(lo), 100 * float(hi)))
        scores = pop.nps_answer[idx]
        scores = scores[~np.isnan(scores)].astype(int)
        if len(scores):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SmallSampleWarning)
                est = nps(scores)
            rows.append(("nps", k, est.score, est.lower, est.upper))
        buyers = idx[bought]
        if len(buyers) and np.nanmax(pop.tenure[buyers]) >= h and pop.churned[buyers].any():
            rows.append(("retention", k, *_km_at(pop.tenure[buyers], pop.churned[buyers], h)))
    out = pd.DataFrame(rows, columns=["metric", "n", "estimate", "lower", "upper"])
    out["truth"] = pop.truth.reindex(out["metric"]).to_numpy()
    out["width"] = out["upper"] - out["lower"]
    out["covered"] = (out["lower"] <= out["truth"]) & (out["truth"] <= out["upper"])
    return out


def _km_at(tenure, churned, h: float, z: float = 1.959964) -> tuple:
    """Kaplan-Meier retention at ``h`` (percent) with lifelines' log-log (exponential
    Greenwood) 95% interval, from statsmodels' product-limit estimator (fast on numpy)."""
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(tenure, churned.astype(float))
    pos = np.searchsorted(sf.surv_times, h, side="right") - 1
    if pos < 0:
        return 100.0, 100.0, 100.0
    s, se = sf.surv_prob[pos], sf.surv_prob_se[pos]
    if s <= 0 or s >= 1:
        return 100 * s, 100 * s, 100 * s
    sigma = se / s / abs(np.log(s))  # sd of log(-log S) (delta method)
    return 100 * s, 100 * s ** np.exp(z * sigma), 100 * s ** np.exp(-z * sigma)


def plot_sampling_state(est: pd.DataFrame, pop: SamplingPopulation, axes=None):
    """One panel per estimate: intervals against study size (log scale), the truth dashed."""
    metrics = list(dict.fromkeys(est["metric"]))
    if axes is None:
        _, axes = new_figure(11, 3.3, ncols=len(metrics))
    axes = np.atleast_1d(axes)
    titles = {
        "conversion": message("conversion"),
        "nps": message("nps_purchasers"),
        "retention": message("retention", h=pop.horizon_days),
    }
    n_now = est["n"].max()
    for ax, m in zip(axes, metrics):
        e = est[est["metric"] == m]
        now = (e["n"] == n_now).to_numpy()
        for sel, color in ((~now, "grey"), (now, "tab:blue")):
            n, est_, lo, hi = (
                e.loc[sel, c].to_numpy(float) for c in ("n", "estimate", "lower", "upper")
            )
            ax.errorbar(n, est_, yerr=[est_ - lo, hi - est_], fmt="o", color=color, capsize=3)
        ax.axhline(pop.truth[m], color="black", ls="--", lw=1, label=message("truth"))
        log_axis(ax, [t for t in LADDER if t <= pop.size])
        ax.set_xlim(60, pop.size * 1.3)
        ax.set_title(titles[m], fontsize=10)
        ax.set_xlabel(message("n_customers"))
    axes[0].legend(fontsize=8, loc="lower right")
    return axes


@renamed_parameter("seed", "random_state")
def sampling_explorer(population=None, *, n: int = 500, n_population: int = 20_000,
                      random_state: int = 0, horizon_days: float = 365.0):  # fmt: skip
    """A slider for the study size (and the draw): estimates and intervals against the truth.

    Parameters
    ----------
    population : CXData, optional
        Simulated data to draw studies from. Default:
        ``cxlab.simulate(n_population, random_state=random_state)``.
    n : int, default=500
        Starting study size.
    n_population : int, default=20000
        Size of the simulated population when ``population`` is not given.
    random_state : int, default=0
        Seed of the simulated population. ``seed=`` is a deprecated alias.
    horizon_days : float, default=365

    Returns
    -------
    Explorer

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.teaching._sampling_explorer import sampling_explorer
    >>> ex = sampling_explorer(cxlab.simulate(2000, random_state=3), n=200)
    >>> ex.controls["n"].value = 1600
    >>> float(ex.table.loc["conversion rate (%)", "interval width"]) < 6
    True
    """
    from cxlab.simulation._simulate import simulate

    if population is None:
        population = simulate(n_population, random_state=random_state)
    pop = SamplingPopulation.from_data(population, horizon_days=horizon_days)
    top = min(pop.size, 20_000)
    controls = {
        "n": slider(message("n_customers"), int(np.clip(n, 50, top)), 50, top, 50, width="420px"),
        "draw": slider(message("draw"), 0, 0, 20, 1, width="240px"),
    }
    titles = {
        "conversion": message("conversion"),
        "nps": message("nps_purchasers"),
        "retention": message("retention", h=pop.horizon_days),
    }

    def compute(n, draw):
        est = sample_estimates(pop, n, draw=draw)
        now = est[est["n"] == est["n"].max()].set_index("metric")
        table = pd.DataFrame(
            {
                message("truth"): now["truth"],
                message("estimate"): now["estimate"],
                message("nps_interval"): [
                    f"{lo:.1f} to {hi:.1f}" for lo, hi in zip(now["lower"], now["upper"])
                ],
                message("width"): now["width"],
                message("covered"): ["yes" if c else "no" for c in now["covered"]],
            }
        )
        table.index = [titles[m] for m in table.index]
        fig, axes = new_figure(11, 3.3, ncols=len(now))
        plot_sampling_state(est, pop, axes=axes)
        notes = [
            message("sampling_note_draw", size=pop.size),
            message("sampling_note_metrics"),
        ]
        return table, fig, notes

    return Explorer(
        title=message("sampling_title"),
        intro=message("sampling_intro"),
        controls=controls,
        compute=compute,
    )
