"""Fit checks for BG/NBD and Pareto/NBD that a reader can look at (Fader, Hardie & Lee 2005).

:func:`frequency_check`
    How many customers made 0, 1, 2, ... repeat purchases in the calibration
    period, observed and expected under the model (each customer's own ``T``),
    with a chi-square goodness-of-fit test (df = bins - 1 - parameters).
:func:`holdout_check`
    Customers grouped by their calibration frequency: the mean number of
    purchases they made in the hold-out period next to the model's prediction
    for them (given their history). The test a model has to pass to be used
    for forecasting.
:func:`tracking_check`
    Repeat purchases of the whole base per period over calendar time, observed
    and expected (cumulative and per period), across calibration and hold-out:
    ``expected(d) = sum_c n_c E[X((d - c) / unit)]`` over the cohorts ``c`` of
    customers by first-purchase day, a convolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._display import p_text
from cxlab._plots import plot_doc
from cxlab._results import NotedResult
from cxlab.btyd._summary import TIME_UNITS, repeat_purchases_by_day
from cxlab.exceptions import MissingColumnError, NotFittedError, ParameterError
from cxlab.i18n._language import get_language
from cxlab.i18n._messages import t as _t

__all__ = ["FitCheck", "compare_fits", "frequency_check", "holdout_check", "tracking_check"]


@dataclass(repr=False)
class FitCheck(NotedResult):
    """A table of observed against expected, with its test and notes.

    Attributes
    ----------
    kind : str
        ``"frequency"``, ``"holdout"`` or ``"tracking"``.
    table : DataFrame
    stats : dict
        The test (``chi2``, ``df``, ``p`` for the frequency check; mean
        absolute errors for the others).
    notes : list of str
    """

    kind: str
    table: pd.DataFrame
    stats: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        return self.table

    @plot_doc
    def plot(self, ax=None, **kw):
        """The check as a figure (bars or lines); returns the Axes.

        Parameters
        ----------
        %(ax)s
        %(kw)s
        """
        from cxlab.btyd import _plots

        if self.kind == "frequency":
            return _plots.frequency_plot(self.table, ax=ax, **kw)
        if self.kind == "holdout":
            return _plots.holdout_plot(self.table, ax=ax, **kw)
        return _plots.tracking_plot(self.table, ax=ax, **kw)

    def _head(self) -> str:
        from cxlab.i18n._language import get_language

        if get_language() != "en":  # a sentence in the reader's language
            from cxlab.i18n._summaries import reader_summary

            return reader_summary(self)
        stats_ = ", ".join(f"{k}={v:.4g}" for k, v in self.stats.items())
        return f"FitCheck({self.kind}; {stats_})"


def _fitted(model, what):
    if not hasattr(model, "params_"):
        raise NotFittedError(f"the model is not fitted yet; call fit(summary) before {what}.")


def frequency_check(model, summary: pd.DataFrame, *, x_max: int = 7) -> FitCheck:
    """Observed and expected numbers of customers by repeat purchases (0..x_max-1, x_max+).

    Bins with fewer than 5 expected customers are merged into the top bin for
    the chi-square test.

    Parameters
    ----------
    model : BGNBD or ParetoNBD
        A fitted purchase model.
    summary : DataFrame
        Customer summary with ``frequency``, ``recency`` and ``T``
        (:func:`cxlab.purchase_summary`).
    x_max : int, default=7
        Largest repeat-purchase count shown (the last class holds the rest).
    """
    _fitted(model, "frequency_check")
    if int(x_max) < 2:
        raise ParameterError(f"x_max={x_max} must be >= 2.")
    x_max = int(x_max)
    from cxlab.btyd._base import customer_arrays

    x, _, T = customer_arrays(summary)
    uT, inv = np.unique(T, return_inverse=True)
    probs = model.frequency_pmf(uT, x_max)  # (n_T, x_max + 1)
    expected = np.bincount(inv.reshape(-1), minlength=len(uT)) @ probs
    observed = np.bincount(np.minimum(x, x_max).astype(int), minlength=x_max + 1)
    labels = [str(i) for i in range(x_max)] + [f"{x_max}+"]
    table = pd.DataFrame(
        {"observed": observed, "expected": expected}, index=pd.Index(labels, name="frequency")
    )
    # merge sparse top bins for the test
    o, e = observed.astype(float).copy(), expected.copy()
    while len(e) > 2 and e[-1] < 5:
        o[-2] += o[-1]
        e[-2] += e[-1]
        o, e = o[:-1], e[:-1]
    chi2 = float(np.sum((o - e) ** 2 / e))
    df = max(len(e) - 1 - len(model.params_), 1)
    p = float(stats.chi2.sf(chi2, df))
    shown = f"p = {p:.3g}" if get_language() == "en" else p_text(p)  # 7.41e-08 or p<0.001
    notes = [_t("note.check.chi2", chi2=chi2, df=df, p=shown, bins=len(e))]
    return FitCheck("frequency", table, {"chi2": chi2, "df": df, "p": p}, notes)


def holdout_check(model, summary: pd.DataFrame, *, x_max: int = 7) -> FitCheck:
    """Mean hold-out purchases by calibration frequency: observed and predicted.

    Needs a summary with a hold-out (``purchase_summary(..., calibration_end=...)``).

    Parameters
    ----------
    model : BGNBD or ParetoNBD
        A model fitted on the calibration period.
    summary : DataFrame
        A summary with a hold-out (``purchase_summary(..., calibration_end=...)``).
    x_max : int, default=7
        Largest calibration purchase count shown (the last class holds the rest).
    """
    _fitted(model, "holdout_check")
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in summary:
            raise MissingColumnError(
                f"the summary has no hold-out column {col!r}",
                column=col,
                fix="build it with purchase_summary(..., calibration_end=<a date before "
                "observation_end>)",
            )
    t = float(summary["duration_holdout"].iloc[0])
    pred = model.predict(summary, t, n_draws=0)["expected_purchases"].to_numpy()
    group = np.minimum(summary["frequency"].to_numpy(), x_max).astype(int)
    n = np.bincount(group, minlength=x_max + 1)
    obs = np.bincount(group, weights=summary["frequency_holdout"].to_numpy(), minlength=x_max + 1)
    exp = np.bincount(group, weights=pred, minlength=x_max + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {"customers": n, "observed": obs / n, "expected": exp / n},
            index=pd.Index([str(i) for i in range(x_max)] + [f"{x_max}+"], name="frequency"),
        )
    total_obs, total_exp = float(obs.sum()), float(exp.sum())
    mae = float(np.nanmean(np.abs(table["observed"] - table["expected"])))
    change = 100 * (total_exp / max(total_obs, 1) - 1)
    notes = [
        _t("note.check.holdout", t=t, observed=total_obs, expected=total_exp, change=change),
        _t("note.check.p_alive"),
    ]
    return FitCheck(
        "holdout", table, {"observed": total_obs, "expected": total_exp, "mae": mae}, notes
    )


def compare_fits(models: dict, summary: pd.DataFrame) -> pd.DataFrame:
    """Fitted purchase models side by side: log-likelihood, customers and, when the
    summary has a hold-out, the hold-out purchases observed and expected.

    Parameters
    ----------
    models : dict of str to fitted model
        E.g. ``{"BG/NBD": bgnbd, "MBG/NBD": mbgnbd, "Pareto/NBD": pareto}`` (all
        have four parameters, so the log-likelihoods compare directly). A model that could not be
        fitted on this study (a :class:`cxlab.notices.Skipped`, falsy) is left out.
    summary : DataFrame
        The :func:`cxlab.purchase_summary` the models were fitted on.

    Returns
    -------
    DataFrame
        One row per model: ``log_likelihood``, ``customers`` and, with a hold-out,
        ``holdout_observed``, ``holdout_expected``, ``holdout_mae`` (mean absolute
        error over the frequency groups of :func:`holdout_check`).

    Examples
    --------
    >>> import cxlab
    >>> sim = cxlab.simulate_purchases(n_customers=1500, random_state=1)
    >>> s = cxlab.purchase_summary(sim.transactions, observation_end=sim.observation_end)
    >>> compare_fits({"BG/NBD": cxlab.BGNBD().fit(s)}, s).columns.tolist()
    ['log_likelihood', 'customers']
    """
    rows = {}
    for name, model in models.items():
        if not model:
            continue
        _fitted(model, "compare_fits")
        row = {"log_likelihood": model.log_likelihood_, "customers": model.n_}
        if "frequency_holdout" in summary:
            stats_ = holdout_check(model, summary).stats
            row.update({f"holdout_{k}": v for k, v in stats_.items()})
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")


def tracking_check(model, summary: pd.DataFrame, *, period_days: int = 7) -> FitCheck:
    """Repeat purchases per period over calendar time: observed, expected, cumulative.

    Needs a summary from :func:`cxlab.purchase_summary` (it carries the
    daily repeat purchases and each customer's first purchase).

    Parameters
    ----------
    model : BGNBD or ParetoNBD
        A fitted purchase model.
    summary : DataFrame
        A summary from :func:`cxlab.purchase_summary` (with the daily repeat
        purchases and each customer's first purchase).
    period_days : int, default=7
        Days per tracking period.
    """
    _fitted(model, "tracking_check")
    observed = repeat_purchases_by_day(summary)
    info = summary.attrs["purchase_summary"]
    unit = TIME_UNITS[info["time_unit"]]
    d0 = observed.index[0]
    first = ((summary["first_purchase"] - d0).dt.days).to_numpy()
    span = len(observed)
    cohorts = np.bincount(first, minlength=span)[:span]
    lags = np.arange(span) / unit
    cum_new = model._unconditional(model.params_.to_numpy(), lags)
    # expected cumulative repeat purchases up to each day: a purchase k days after the
    # first has t = k / unit in the summary, the convention the model was fitted on
    exp_cum = np.convolve(cohorts, cum_new)[:span]
    per = np.arange(span) // int(period_days)
    obs_p = np.bincount(per, weights=observed.to_numpy())
    exp_p = np.diff(np.r_[0.0, exp_cum[np.r_[np.flatnonzero(np.diff(per)), span - 1]]])
    start = observed.index[np.r_[0, np.flatnonzero(np.diff(per)) + 1]]
    table = pd.DataFrame(
        {
            "observed": obs_p,
            "expected": exp_p,
            "observed_cumulative": np.cumsum(obs_p),
            "expected_cumulative": np.cumsum(exp_p),
        },
        index=pd.Index(start, name="period_start"),
    )
    cal_end = pd.Timestamp(info["calibration_end"])
    table.attrs["calibration_end"] = str(cal_end)
    hold = table.index > cal_end
    notes = [_t("note.check.tracking")]
    stats_ = {"mae_per_period": float(np.mean(np.abs(obs_p - exp_p)))}
    if hold.any():
        o, e = table.loc[hold, "observed"].sum(), table.loc[hold, "expected"].sum()
        stats_["holdout_observed"], stats_["holdout_expected"] = float(o), float(e)
        change = 100 * (e / max(o, 1) - 1)
        notes.append(_t("note.check.tracking_holdout", observed=o, expected=e, change=change))
    return FitCheck("tracking", table, stats_, notes)
