"""What moves likelihood to recommend: NPS driver analysis with an ordinal logit.

The 0-10 answer is ordinal, so the model is the proportional-odds (cumulative
logit) model ``P(score <= k) = logistic(theta_k - x @ beta)``
(statsmodels ``OrderedModel``), the same form the simulator draws from, so
``coef_`` is directly comparable with ``data.truth.nps_effects``. A positive
coefficient moves answers up the scale; ``exp(coef)`` is the odds ratio of
answering above any cut point.

Relative importance comes two ways, both with uncertainty:

- **deviance share**: how much the model's fit worsens (likelihood-ratio
  chi-square, with its p-value) when a driver (all its columns) is dropped,
  as a share of the sum over drivers; a bootstrap gives intervals
  (``n_bootstrap``);
- **standardized coefficients**: ``coef * sd(x)`` for numeric drivers (the
  effect of one standard deviation), with Wald intervals.

Use :func:`~cxlab.driver_table` to build one row per NPS respondent from a study:
post-purchase CSAT, support contacts in the onboarding window, loyalty
membership, purchase channel and persona.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._deprecation import renamed_parameter
from cxlab._estimator import Estimator
from cxlab._plots import plot_doc
from cxlab.exceptions import (
    ConvergenceError,
    DataWarning,
    MissingColumnError,
    NotFittedError,
    ParameterError,
    SmallSampleWarning,
)

__all__ = ["NPSDrivers", "DEFAULT_DRIVERS"]


#: Drivers :class:`NPSDrivers` uses when none are given (those present in the table).
DEFAULT_DRIVERS = ("csat", "support_contacts", "loyalty_member", "purchase_channel", "persona")


class NPSDrivers(Estimator):
    """Proportional-odds model of the 0-10 answer on its drivers, with importance.

    Parameters
    ----------
    drivers : list of str, optional
        Columns of the table to use. Default: those of :data:`DEFAULT_DRIVERS`
        present in the table.
    categorical : list of str, optional
        Drivers to dummy-code (first category is the reference). Default:
        non-numeric, non-boolean columns.
    confidence : float, default=0.95
        Confidence level of every interval. ``level=`` is a deprecated alias.
    importance : {"deviance", None}, default="deviance"
        Compute drop-one likelihood-ratio importance (one extra fit per driver).
    n_bootstrap : int, default=0
        Bootstrap replicates for intervals of the deviance shares (each costs
        ``1 + len(drivers)`` fits; 50-200 is typical). 0 skips them.
    random_state : int, Generator or None, default=None
        For the bootstrap.
    maxiter : int, default=2000
        Iterations of the BFGS optimiser.

    Attributes
    ----------
    coef_ : DataFrame
        Per term: ``driver``, ``coef``, ``se``, ``lower``, ``upper``, ``z``,
        ``p_value``, ``odds_ratio``, ``or_lower``, ``or_upper``, ``sd``,
        ``std_coef``, ``std_lower``, ``std_upper``.
    thresholds_ : Series
        Cut points ``theta_k`` (index ``"k/k+1"``).
    importance_ : DataFrame or None
        Per driver: ``lr_chi2``, ``df``, ``p_value``, ``share`` (of the summed
        chi-squares), ``share_lower``/``share_upper`` (bootstrap), and
        ``pct_of_explained`` (drop in deviance / deviance explained by the full model).
    n_, n_dropped_ : int
        Rows used, and rows dropped for missing driver values (warned).
    llf_, llnull_ : float
        Log-likelihoods of the model and of thresholds only.
    result_ : statsmodels results

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=4000, random_state=0)
    >>> model = cxlab.NPSDrivers().fit(cxlab.driver_table(data))
    >>> bool(model.coef_.loc["csat", "lower"] < 0.8 < model.coef_.loc["csat", "upper"])
    True
    """

    @renamed_parameter("level", "confidence")
    def __init__(
        self,
        *,
        drivers=None,
        categorical=None,
        confidence: float = 0.95,
        importance: str | None = "deviance",
        n_bootstrap: int = 0,
        random_state=None,
        maxiter: int = 2000,
    ):
        self.drivers = drivers
        self.categorical = categorical
        self.confidence = confidence
        self.importance = importance
        self.n_bootstrap = n_bootstrap
        self.random_state = random_state
        self.maxiter = maxiter

    # -- fitting ---------------------------------------------------------------------
    def fit(self, table: pd.DataFrame, y: str = "nps") -> NPSDrivers:
        """Fit on a driver table (e.g. from :func:`driver_table`); returns self.

        Parameters
        ----------
        table : DataFrame
            A driver table (:func:`driver_table`): one row per answer with the
            drivers and the score.
        y : str, default="nps"
            Column of the 0-10 score.
        """
        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence={self.confidence} must be between 0 and 1.")
        if self.importance not in ("deviance", None):
            raise ParameterError(f"importance={self.importance!r}; use 'deviance' or None.")
        if y not in table.columns:
            raise MissingColumnError(f"outcome column {y!r} missing", column=y)
        drivers = self._drivers(table)
        endog, exog, groups, sd = self._design(table, y, drivers)
        self.drivers_ = drivers
        self.groups_ = groups
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            res = self._fit_ordinal(endog, exog)
            self.result_ = res
            k = exog.shape[1]
            params, bse = res.params.iloc[:k], res.bse.iloc[:k]
            z = stats.norm.ppf(0.5 + self.confidence / 2)
            coef = pd.DataFrame({"driver": [groups[c] for c in exog.columns]}, index=exog.columns)
            coef["coef"], coef["se"] = params.to_numpy(), bse.to_numpy()
            coef["lower"], coef["upper"] = (
                coef["coef"] - z * coef["se"],
                coef["coef"] + z * coef["se"],
            )
            coef["z"] = coef["coef"] / coef["se"]
            coef["p_value"] = 2 * stats.norm.sf(np.abs(coef["z"]))
            for src, dst in (("coef", "odds_ratio"), ("lower", "or_lower"), ("upper", "or_upper")):
                coef[dst] = np.exp(coef[src])
            coef["sd"] = sd.reindex(coef.index).to_numpy()
            for src, dst in (("coef", "std_coef"), ("lower", "std_lower"), ("upper", "std_upper")):
                coef[dst] = coef[src] * coef["sd"]
            coef.index.name = "term"
            self.coef_ = coef
            cuts = res.model.transform_threshold_params(res.params.to_numpy())[1:-1]
            levels = np.sort(np.unique(endog))
            self.thresholds_ = pd.Series(
                cuts, index=[f"{a}/{b}" for a, b in zip(levels[:-1], levels[1:])], name="threshold"
            )
            self.llf_ = float(res.llf)
            counts = np.bincount(endog)
            counts = counts[counts > 0]
            self.llnull_ = float(np.sum(counts * np.log(counts / counts.sum())))
            self.importance_ = None
            if self.importance == "deviance":
                self.importance_ = self._importance(endog, exog, res)
        return self

    def _drivers(self, table) -> list[str]:
        if self.drivers is None:
            drivers = [d for d in DEFAULT_DRIVERS if d in table.columns and table[d].notna().any()]
        else:
            drivers = list(self.drivers)
            missing = [d for d in drivers if d not in table.columns]
            if missing:
                raise MissingColumnError(
                    f"driver column{'s' if len(missing) > 1 else ''} {missing} not in the table; "
                    f"it has {list(table.columns)}",
                    column=missing[0],
                    fix="build the table with cxlab.driver_table(data) or add the columns",
                )
        if not drivers:
            raise ParameterError("no drivers: pass drivers=[...] naming columns of the table.")
        return drivers

    def _design(self, table, y, drivers):
        from cxlab.feedback._core import check_scores

        cat = self.categorical
        if cat is None:
            cat = [
                d
                for d in drivers
                if not (
                    pd.api.types.is_numeric_dtype(table[d]) or pd.api.types.is_bool_dtype(table[d])
                )
            ]
        used = table[[y, *drivers]]
        bad = used.isna().any(axis=1).to_numpy()
        self.n_dropped_ = int(bad.sum())
        if bad.any():
            per = used.isna().sum()
            detail = ", ".join(f"{c}: {int(v)}" for c, v in per[per > 0].items())
            warnings.warn(
                f"{self.n_dropped_:,} of {len(table):,} rows have missing driver values "
                f"({detail}) and are left out of the fit.",
                DataWarning,
                stacklevel=3,
            )
        used = used.loc[~bad]
        ids = table.loc[~bad, "customer_id"].to_numpy() if "customer_id" in table else None
        endog = check_scores(used[y], "nps", ids)
        self.n_ = len(endog)
        parts, groups = [], {}
        for d in drivers:
            col = used[d]
            if d in cat:
                values = (
                    pd.Categorical(col.astype(str))
                    if not isinstance(col.dtype, pd.CategoricalDtype)
                    else col.cat.remove_unused_categories()
                )
                dummies = pd.get_dummies(values, drop_first=True, dtype=float)
                dummies.columns = [f"{d}[{c}]" for c in dummies.columns]
                dummies.index = used.index
                small = pd.Series(values).value_counts()
                if (small < 10).any():
                    warnings.warn(
                        f"driver {d!r} has categories with fewer than 10 respondents "
                        f"({small[small < 10].to_dict()}): their coefficients are unreliable.",
                        SmallSampleWarning,
                        stacklevel=3,
                    )
                parts.append(dummies)
                groups.update({c: d for c in dummies.columns})
            else:
                parts.append(col.astype(float).rename(d).to_frame())
                groups[d] = d
        exog = pd.concat(parts, axis=1)
        const = exog.columns[exog.std(ddof=0).to_numpy() == 0]
        if len(const):
            raise ParameterError(
                f"drivers {list(const)} do not vary among the {self.n_:,} respondents, so their "
                "effect cannot be estimated; leave them out (drivers=[...])."
            )
        sd = exog.std(ddof=1)
        sd[[c for c in exog.columns if groups[c] in cat]] = np.nan
        return endog, exog, groups, sd

    def _fit_ordinal(self, endog, exog, start_params=None):
        model = _ordered_logit_class()(endog, exog, distr="logit")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optimiser chatter; convergence is checked below
            res = model.fit(
                method="bfgs", disp=False, maxiter=self.maxiter, start_params=start_params
            )
        if not res.mle_retvals.get("converged", True):
            raise ConvergenceError(
                f"the ordinal model did not converge in {self.maxiter} iterations on "
                f"{len(endog):,} answers; drivers with rare categories or huge values are the "
                "usual cause: merge rare categories, rescale, or raise maxiter."
            )
        return res

    def _drop_one(self, endog, exog, res) -> pd.Series:
        """Likelihood-ratio chi-square of each driver group (drop its columns, refit)."""
        k = exog.shape[1]
        cuts = res.params.to_numpy()[k:]
        out = {}
        for d in self.drivers_:
            keep = [c for c in exog.columns if self.groups_[c] != d]
            if keep:
                start = np.r_[res.params[keep].to_numpy(), cuts]
                llf = self._fit_ordinal(endog, exog[keep], start).llf
            else:
                counts = np.bincount(endog)
                counts = counts[counts > 0]
                llf = np.sum(counts * np.log(counts / counts.sum()))
            out[d] = max(2 * (res.llf - llf), 0.0)
        return pd.Series(out)

    def _importance(self, endog, exog, res) -> pd.DataFrame:
        chi2 = self._drop_one(endog, exog, res)
        df = pd.Series({d: sum(self.groups_[c] == d for c in exog.columns) for d in self.drivers_})
        imp = pd.DataFrame({"lr_chi2": chi2, "df": df})
        imp["p_value"] = stats.chi2.sf(imp["lr_chi2"], imp["df"])
        imp["share"] = imp["lr_chi2"] / imp["lr_chi2"].sum()
        imp["pct_of_explained"] = 100 * imp["lr_chi2"] / (2 * (self.llf_ - self.llnull_))
        imp["share_lower"], imp["share_upper"] = np.nan, np.nan
        if int(self.n_bootstrap) > 0:
            rng = np.random.default_rng(self.random_state)
            shares = []
            for _ in range(int(self.n_bootstrap)):  # loop over replicates
                pick = rng.integers(0, len(endog), len(endog))
                e, x = endog[pick], exog.iloc[pick].reset_index(drop=True)
                try:
                    r = self._fit_ordinal(e, x, res.params.to_numpy())
                    c = self._drop_one(e, x, r)
                except (ConvergenceError, np.linalg.LinAlgError, ValueError):
                    continue
                shares.append(c / c.sum())
            if shares:
                boot = pd.DataFrame(shares)
                tail = (1 - self.confidence) / 2
                imp["share_lower"] = boot.quantile(tail).reindex(imp.index)
                imp["share_upper"] = boot.quantile(1 - tail).reindex(imp.index)
                imp.attrs["n_bootstrap_ok"] = len(shares)
        imp.index.name = "driver"
        return imp.sort_values("share", ascending=False)

    # -- results -------------------------------------------------------------------------
    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                f"NPSDrivers.{method}() needs a fitted model: call fit(table) first."
            )

    def summary(self) -> pd.DataFrame:
        """Coefficients with intervals, odds ratios and standardized effects (tidy)."""
        self._check_fitted("summary")
        out = self.coef_.reset_index()
        out.attrs["notes"] = [
            f"Proportional-odds logit on {self.n_:,} answers (statsmodels OrderedModel); "
            f"{self.confidence:.0%} Wald intervals.",
            "Coefficients are associations given the other drivers, not proven causes: "
            "drivers left out (e.g. persona) bias those kept in.",
            "std_coef: effect of one standard deviation of a numeric driver.",
        ]
        if self.n_dropped_:
            out.attrs["notes"].append(f"{self.n_dropped_:,} rows with missing drivers left out.")
        return out

    def compare(self, truth: pd.Series) -> pd.DataFrame:
        """Estimates next to known effects (e.g. ``data.truth.nps_effects``), with coverage.

        Parameters
        ----------
        truth : Series
            True coefficients by driver (e.g. ``data.truth.nps_effects``).
        """
        self._check_fitted("compare")
        out = self.coef_[["coef", "lower", "upper"]].join(truth.rename("truth"), how="left")
        covered = (out["lower"] <= out["truth"]) & (out["truth"] <= out["upper"])
        out["covered"] = covered.astype("boolean").mask(out["truth"].isna())  # empty: no truth
        return out

    def predict_proba(self, table: pd.DataFrame) -> pd.DataFrame:
        """P(score = k) for each row of a driver table (columns: the observed scores).

        Parameters
        ----------
        table : DataFrame
            Driver values, one row per customer.
        """
        self._check_fitted("predict_proba")
        exog = self._exog_like(table)
        probs = self.result_.model.predict(self.result_.params.to_numpy(), exog=exog.to_numpy())
        levels = np.sort(np.unique(self.result_.model.endog))
        labels = self.result_.model.labels if hasattr(self.result_.model, "labels") else levels
        return pd.DataFrame(probs, index=table.index, columns=list(labels))

    def expected_nps(self, table: pd.DataFrame) -> float:
        """NPS the model expects for the rows of ``table`` (e.g. after a what-if change).

        Parameters
        ----------
        table : DataFrame
            Driver values of the customers, one row each.
        """
        p = self.predict_proba(table)
        cols = np.asarray(p.columns, dtype=float)
        return float(
            100 * (p.loc[:, cols >= 9].sum(axis=1) - p.loc[:, cols <= 6].sum(axis=1)).mean()
        )

    def _exog_like(self, table) -> pd.DataFrame:
        cols = self.coef_.index
        out = pd.DataFrame(0.0, index=table.index, columns=cols)
        for c in cols:
            d = self.groups_[c]
            if d == c:
                out[c] = table[d].astype(float).to_numpy()
            else:
                level = c[len(d) + 1 : -1]
                out[c] = (table[d].astype(str) == level).astype(float).to_numpy()
        if out.isna().any().any():
            raise ParameterError("the table has missing driver values; fill or drop them first.")
        return out

    @plot_doc
    def plot(self, ax=None, *, standardized: bool = True):
        """Forest plot of the effects with intervals; returns the Axes.

        Parameters
        ----------
        %(ax)s
        standardized : bool, default=True
            Plot effects per standard deviation of each driver (else per unit).
        """
        self._check_fitted("plot")
        from cxlab.feedback._plots import plot_drivers

        return plot_drivers(self, ax=ax, standardized=standardized)

    def __repr__(self) -> str:
        if not hasattr(self, "coef_"):
            return "NPSDrivers(unfitted)"
        return f"NPSDrivers(n={self.n_:,}, drivers={self.drivers_})"


_ORDERED_LOGIT = None


def _ordered_logit_class():
    """statsmodels' OrderedModel with an analytic score (gradient).

    ``OrderedModel`` differentiates its log-likelihood numerically (about
    ``2 * n_params`` likelihood evaluations per gradient), which makes a fit
    on a few thousand answers take seconds. The likelihood, the results and
    the predictions stay statsmodels'; only the gradient is given in closed
    form (checked against the numerical one in the tests) and the Hessian is
    the numerical derivative of that gradient.
    """
    global _ORDERED_LOGIT
    if _ORDERED_LOGIT is not None:
        return _ORDERED_LOGIT
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.numdiff import approx_fprime

    class OrderedLogit(OrderedModel):
        def score_obs(self, params):
            params = np.asarray(params, dtype=float)
            low, upp = self._bounds(params)
            prob = self.prob(low, upp) + 1e-20
            f_low, f_upp = self.pdf(low), self.pdf(upp)
            k_cut = self.k_levels - 1
            y = np.asarray(self.endog, dtype=np.int64)
            rows = np.arange(len(y))
            g_cut = np.zeros((len(y), k_cut))
            up = y < k_cut
            g_cut[rows[up], y[up]] += f_upp[up] / prob[up]
            lo = y > 0
            g_cut[rows[lo], y[lo] - 1] -= f_low[lo] / prob[lo]
            # cut_j = a_1 + sum_{m<=j, m>1} exp(a_m): chain rule to the optimiser's params
            tail = np.cumsum(g_cut[:, ::-1], axis=1)[:, ::-1]
            g_a = tail * np.r_[1.0, np.exp(params[-k_cut:][1:])]
            if self.k_vars:
                g_beta = -((f_upp - f_low) / prob)[:, None] * self.exog
                return np.column_stack([g_beta, g_a])
            return g_a

        def score(self, params):
            return self.score_obs(params).sum(axis=0)

        def hessian(self, params):
            h = approx_fprime(np.asarray(params, dtype=float), self.score, centered=True)
            return (h + h.T) / 2

    _ORDERED_LOGIT = OrderedLogit
    return OrderedLogit
