"""Parametric churn models: accelerated failure time (Weibull, log-normal, log-logistic).

Where the Cox model (:class:`cxlab.ChurnModel`) leaves the baseline free and
so cannot say anything beyond the longest observed tenure, an AFT model
assumes a shape for the lifetime distribution. That buys predictions beyond
the data (median remaining lifetime, CLV over long horizons) at the price of
the assumption, so compare the shapes by AIC (:func:`compare_aft_models`) and
check the winner against the Kaplan-Meier curve. Coefficients are on the
log-time scale: ``exp(coef)`` is a *time ratio* (> 1: customers stay longer).
All fitting is lifelines' (``WeibullAFTFitter``, ``LogNormalAFTFitter``,
``LogLogisticAFTFitter``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab._deprecation import alpha_to_confidence, renamed_parameter
from cxlab._plots import plot_doc
from cxlab.exceptions import ConvergenceError, ParameterError, StatisticalWarning
from cxlab.survival._checks import diagnose_design, raise_design_problems
from cxlab.survival._regression import SurvivalRegression, ratio_table

__all__ = ["AFTChurnModel", "compare_aft_models", "AFT_DISTRIBUTIONS"]

#: distribution name -> (lifelines class name, name of its location parameter)
AFT_DISTRIBUTIONS = {
    "weibull": ("WeibullAFTFitter", "lambda_"),
    "lognormal": ("LogNormalAFTFitter", "mu_"),
    "loglogistic": ("LogLogisticAFTFitter", "alpha_"),
}


class AFTChurnModel(SurvivalRegression):
    """Accelerated failure time model of churn (wraps lifelines' AFT fitters).

    Parameters
    ----------
    distribution : {"weibull", "lognormal", "loglogistic"}, default="weibull"
    covariates, categorical, duration_col, event_col, confidence, missing
        As in :class:`cxlab.ChurnModel`.
    penalizer : float, default=0.0
        Ridge penalty passed to lifelines.
    fit_options : dict, optional
        Passed to the lifelines fitter's ``fit(fit_options=...)`` (scipy
        ``minimize`` options such as ``{"gtol": 1e-8}``); default lifelines' own.
        On lifelines' ``rossi`` data the default and ``gtol=1e-10`` give the same
        Weibull estimates to all digits.

    Attributes
    ----------
    lifelines_ : lifelines AFT fitter
    time_ratios_ : DataFrame
        ``ratio`` (exp(coef) of the location parameter), ``lower``, ``upper``, ``p``.
    aic_, log_likelihood_ : float
        From lifelines (full likelihood, comparable across distributions).
    n_, n_events_ : int

    Examples
    --------
    >>> import cxlab
    >>> table = cxlab.survival_table(cxlab.simulate(n_customers=3000, random_state=2))
    >>> m = cxlab.AFTChurnModel(distribution="weibull", covariates=["csat"]).fit(table)
    >>> bool(m.time_ratios_.loc["csat", "ratio"] > 1)  # happier customers stay longer
    True
    """

    _model_name = "an AFT model"
    _allow_zero = False

    @renamed_parameter("alpha", "confidence", transform=alpha_to_confidence)
    def __init__(
        self,
        *,
        distribution: str = "weibull",
        covariates=None,
        categorical=None,
        duration_col: str = "tenure_days",
        event_col: str = "churned",
        penalizer: float = 0.0,
        confidence: float = 0.95,
        missing: str = "raise",
        fit_options: dict | None = None,
    ):
        self.distribution = distribution
        self.covariates = covariates
        self.categorical = categorical
        self.duration_col = duration_col
        self.event_col = event_col
        self.penalizer = penalizer
        self.confidence = confidence
        self.missing = missing
        self.fit_options = fit_options

    def __repr__(self) -> str:
        state = f"aic={self.aic_:.1f}" if hasattr(self, "aic_") else "unfitted"
        return f"AFTChurnModel(distribution={self.distribution!r}, {state})"

    def fit(self, table: pd.DataFrame) -> AFTChurnModel:
        """Fit on a survival table; durations must be positive (AFT models log-time).

        Parameters
        ----------
        table : DataFrame
            A survival table, one row per customer (:func:`cxlab.survival_table`);
            durations must be positive.

        Raises
        ------
        DataError
            Zero or negative durations, missing values, no churn.
        ConvergenceError
            Constant, collinear or separating covariates, or a failed fit.
        """
        import lifelines
        from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError

        if self.distribution not in AFT_DISTRIBUTIONS:
            raise ParameterError(
                f"distribution={self.distribution!r}; use one of {list(AFT_DISTRIBUTIONS)}."
            )
        cls_name, loc = AFT_DISTRIBUTIONS[self.distribution]
        X, d, e = self._prepare(table)
        probs = diagnose_design(X, e)
        if not (self.penalizer > 0 and not (probs.constant or probs.collinear)):
            raise_design_problems(probs, model=f"the {self.distribution} AFT model")
        df = X.copy()
        df["__duration"] = d
        df["__event"] = e
        fitter = getattr(lifelines, cls_name)(penalizer=self.penalizer, alpha=self._alpha)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fitter.fit(df, "__duration", "__event", fit_options=self._fit_options() or None)
            except (LifelinesConvergenceError, np.linalg.LinAlgError) as exc:
                err = ConvergenceError(
                    f"lifelines could not fit the {self.distribution} AFT model "
                    f"({str(exc).splitlines()[0][:200]}). Fix: check the covariates "
                    f"{list(X.columns)} for near-collinearity or rare levels, scale large "
                    "values, or pass penalizer=0.1."
                )
                err.covariates = list(X.columns)
                raise err from exc
        for w in caught:
            if not issubclass(w.category, DeprecationWarning | FutureWarning):
                warnings.warn(f"lifelines: {str(w.message).strip()}", StatisticalWarning, 2)
        self.lifelines_ = fitter
        self.covariates_ = list(X.columns)
        self.n_ = len(df)
        self.n_events_ = int(e.sum())
        self.aic_ = float(fitter.AIC_)
        self.log_likelihood_ = float(fitter.log_likelihood_)
        self._loc = loc
        self.time_ratios_ = ratio_table(
            fitter.summary.xs(loc, level="param"), self._alpha, "ratio"
        ).drop(index="Intercept", errors="ignore")
        return self

    def summary(self) -> pd.DataFrame:
        """Tidy table of every parameter (location and shape), from lifelines."""
        self._check_fitted("summary")
        s = self.lifelines_.summary
        level = f"{100 * self.confidence:g}%"
        out = pd.DataFrame(
            {
                "coef": s["coef"],
                "se": s["se(coef)"],
                "coef_lower": s[f"coef lower {level}"],
                "coef_upper": s[f"coef upper {level}"],
                "ratio": s["exp(coef)"],
                "ratio_lower": s[f"exp(coef) lower {level}"],
                "ratio_upper": s[f"exp(coef) upper {level}"],
                "z": s["z"],
                "p": s["p"],
            }
        )
        out.index.names = ["parameter", "covariate"]
        return out

    @property
    def concordance_(self) -> float:
        self._check_fitted("concordance_")
        return float(self.lifelines_.concordance_index_)

    @plot_doc
    def plot(self, ax=None, **kw):
        """Forest plot of time ratios (> 1: customers stay longer).

        Parameters
        ----------
        %(ax)s
        %(kw)s
        """
        from cxlab.survival._plots import forest_plot

        self._check_fitted("plot")
        return forest_plot(self.time_ratios_, ax=ax, label="time ratio", **kw)


def compare_aft_models(
    table: pd.DataFrame,
    *,
    distributions=tuple(AFT_DISTRIBUTIONS),
    covariates=None,
    categorical=None,
    **kw,
) -> pd.DataFrame:
    """Fit several AFT distributions and rank them by AIC (lower is better).

    Parameters
    ----------
    table : DataFrame
        The survival table.
    distributions : sequence of str, default all three
    covariates, categorical, **kw
        Passed to :class:`AFTChurnModel`.

    Returns
    -------
    DataFrame
        Index ``distribution``; ``aic``, ``delta_aic`` (to the best),
        ``akaike_weight``, ``log_likelihood``, ``n_params``, ``concordance``
        and ``model`` (the fitted :class:`AFTChurnModel`). A ``delta_aic``
        under about 2 means the data do not tell the two shapes apart.

    Examples
    --------
    >>> import cxlab
    >>> table = cxlab.survival_table(cxlab.simulate(n_customers=2000, random_state=2))
    >>> cxlab.compare_aft_models(table, covariates=["csat"]).columns[:3].tolist()
    ['aic', 'delta_aic', 'akaike_weight']
    """
    rows = {}
    for dist in distributions:
        m = AFTChurnModel(distribution=dist, covariates=covariates, categorical=categorical, **kw)
        m.fit(table)
        rows[dist] = {
            "aic": m.aic_,
            "log_likelihood": m.log_likelihood_,
            "n_params": int(len(m.lifelines_.params_)),
            "concordance": m.concordance_,
            "model": m,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "distribution"
    out["delta_aic"] = out["aic"] - out["aic"].min()
    w = np.exp(-0.5 * out["delta_aic"].astype(float))
    out["akaike_weight"] = w / w.sum()
    out = out.sort_values("aic")
    return out[
        ["aic", "delta_aic", "akaike_weight", "log_likelihood", "n_params", "concordance", "model"]
    ]
