"""What makes customers leave: a Cox proportional-hazards churn model (lifelines).

:class:`ChurnModel` wraps :class:`lifelines.CoxPHFitter` in the scikit-learn
style: keyword-only settings, ``fit(table)`` returns the model, fitted
attributes end in ``_``. Every number comes from lifelines unchanged; cxlab
adds input checks that name the covariates to blame, plain-language notes on
the proportional-hazards check, and predictions for customers who are still
active (conditional on their tenure so far).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._deprecation import alpha_to_confidence, renamed_parameter
from cxlab._plots import plot_doc
from cxlab._results import NotedResult
from cxlab.exceptions import ConvergenceError, ParameterError, StatisticalWarning
from cxlab.i18n._language import get_language
from cxlab.i18n._messages import t as _t
from cxlab.i18n._tables import reader_label
from cxlab.survival._checks import diagnose_design, raise_design_problems
from cxlab.survival._regression import DEFAULT_COVARIATES, SurvivalRegression, ratio_table

__all__ = ["ChurnModel", "AssumptionReport", "DEFAULT_COVARIATES", "COX_FIT_OPTIONS"]


_HUGE_COEF = 10.0

#: Newton-Raphson settings passed to lifelines unless ``fit_options`` overrides them:
#: tighter than lifelines' defaults (precision 1e-7, r_precision 1e-9), so the
#: estimates are the maximum of the partial likelihood to about 1e-9 relative and
#: match R's ``coxph`` (ties="efron") to all the digits it prints.
COX_FIT_OPTIONS = {"precision": 1e-10, "r_precision": 1e-14, "max_steps": 500}


@dataclass(repr=False)
class AssumptionReport(NotedResult):
    """The proportional-hazards check of a fitted :class:`ChurnModel`.

    Attributes
    ----------
    table : DataFrame
        Per covariate and time transform: ``test_statistic``, ``p``,
        ``violated`` (p below the threshold), from
        ``lifelines.statistics.proportional_hazard_test``.
    notes : list of str
        What the result means, in plain language.
    lifelines_output : str
        What lifelines' ``check_assumptions`` printed (captured, not printed).
    """

    table: pd.DataFrame
    notes: list = field(default_factory=list)
    lifelines_output: str = ""

    def summary(self) -> pd.DataFrame:
        return self.table

    @property
    def ok(self) -> bool:
        return not bool(self.table["violated"].any())

    def _head(self) -> str:
        if get_language() == "en":
            return f"AssumptionReport(ok={self.ok})"
        from cxlab.i18n._messages import t

        return t("summary.ph_check", verdict=t("value.yes" if self.ok else "value.no"))


class ChurnModel(SurvivalRegression):
    """Cox proportional-hazards model of churn (wraps ``lifelines.CoxPHFitter``).

    Parameters
    ----------
    covariates : list of str, optional
        Numeric or boolean columns of the survival table. Default
        ``["loyalty_member", "support_contacts", "csat"]`` (unless only
        ``categorical`` is given).
    categorical : list of str, optional
        Columns expanded into indicators ``col[level]``; the first level
        (category order, else sorted) is the reference.
    duration_col, event_col : str, default="tenure_days", "churned"
    penalizer : float, default=0.0
        Ridge/elastic-net penalty passed to lifelines; use a small value
        (0.01-0.1) when covariates separate or nearly collinear ones make the
        fit unstable. Penalised intervals are not exact.
    l1_ratio : float, default=0.0
        Share of the penalty that is lasso.
    strata : list of str, optional
        Columns to stratify on (a separate baseline per level), the remedy for
        a categorical covariate that breaks proportional hazards.
    confidence : float, default=0.95
        Confidence level of the intervals. ``alpha=`` (1 - confidence) is a
        deprecated alias.
    missing : {"raise", "drop"}, default="raise"
        Rows with missing covariates: error, or leave them out with a warning.
    fit_options : dict, optional
        Passed to ``lifelines.CoxPHFitter.fit(fit_options=...)`` (Newton-Raphson
        ``step_size``, ``precision``, ``r_precision``, ``max_steps``), on top of
        :data:`COX_FIT_OPTIONS` (``precision=1e-10``, ``r_precision=1e-14``),
        which reproduce R's ``coxph`` estimates.

    Attributes
    ----------
    lifelines_ : lifelines.CoxPHFitter
        The fitted lifelines model (every number below comes from it).
    coef_ : Series
        Log hazard ratios.
    hazard_ratios_ : DataFrame
        ``hazard_ratio``, ``lower``, ``upper``, ``p`` per covariate.
    covariates_ : list of str
        Design-matrix column names.
    n_, n_events_ : int
    concordance_ : float
        Harrell's C (computed by lifelines on first access).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=3000, random_state=2)
    >>> table = cxlab.survival_table(data)
    >>> model = cxlab.ChurnModel(covariates=["loyalty_member", "csat"]).fit(table)
    >>> model.hazard_ratios_.columns.tolist()
    ['hazard_ratio', 'lower', 'upper', 'p']
    """

    _model_name = "the Cox model"

    @renamed_parameter("alpha", "confidence", transform=alpha_to_confidence)
    def __init__(
        self,
        *,
        covariates=None,
        categorical=None,
        duration_col: str = "tenure_days",
        event_col: str = "churned",
        penalizer: float = 0.0,
        l1_ratio: float = 0.0,
        strata=None,
        confidence: float = 0.95,
        missing: str = "raise",
        fit_options: dict | None = None,
    ):
        self.covariates = covariates
        self.categorical = categorical
        self.duration_col = duration_col
        self.event_col = event_col
        self.penalizer = penalizer
        self.l1_ratio = l1_ratio
        self.strata = strata
        self.confidence = confidence
        self.missing = missing
        self.fit_options = fit_options

    def __repr__(self) -> str:
        state = f"n={self.n_:,}, events={self.n_events_:,}" if hasattr(self, "n_") else "unfitted"
        return f"ChurnModel(covariates={self.covariates!r}, penalizer={self.penalizer}, {state})"

    def fit(self, table: pd.DataFrame) -> ChurnModel:
        """Fit on a survival table (one row per customer).

        Parameters
        ----------
        table : DataFrame
            A survival table, one row per customer (:func:`cxlab.survival_table`).

        Raises
        ------
        DataError
            Negative durations, missing values, no churn at all.
        DataTypeError
            Non-numeric covariates not listed in ``categorical``.
        ConvergenceError
            Constant, exactly collinear or separating covariates (found before
            fitting), or lifelines failing to converge; the message names them.
        """
        from lifelines import CoxPHFitter
        from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError

        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence={self.confidence} must be between 0 and 1.")
        if self.penalizer < 0:
            raise ParameterError(f"penalizer={self.penalizer} must be >= 0.")
        options = {**COX_FIT_OPTIONS, **self._fit_options()}
        X, d, e = self._prepare(table)
        probs = diagnose_design(X, e)
        if self.penalizer > 0 and probs.separating and not (probs.constant or probs.collinear):
            warnings.warn(
                f"separating covariates {[n for n, _ in probs.separating]}: their hazard "
                f"ratios are held finite only by penalizer={self.penalizer}; report them "
                "as 'no churn observed' rather than as estimates.",
                StatisticalWarning,
                stacklevel=2,
            )
        else:
            raise_design_problems(probs, model=self._model_name)
        strata = [self.strata] if isinstance(self.strata, str) else list(self.strata or [])
        names = list(X.columns)
        df = X  # our own frame: add the lifelines columns in place, no copy
        for s in strata:
            df[s] = table.loc[X.index, s].to_numpy()
        df["__duration"] = d
        df["__event"] = e
        cph = CoxPHFitter(penalizer=self.penalizer, l1_ratio=self.l1_ratio, alpha=self._alpha)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                cph.fit(df, "__duration", "__event", strata=strata or None, fit_options=options)
            except (LifelinesConvergenceError, np.linalg.LinAlgError) as exc:
                raise self._convergence_error(X[names], e, probs, str(exc)) from exc
        self._relay_warnings(caught, cph, X, names, e)
        self.lifelines_ = cph
        self.covariates_ = names
        self.n_ = len(df)
        self.n_events_ = int(e.sum())
        self.coef_ = cph.params_.rename("coef")
        self.coef_.index.name = "covariate"
        self.hazard_ratios_ = ratio_table(cph.summary, self._alpha, "hazard_ratio")
        self._train = df
        self._strata = strata
        return self

    @property
    def concordance_(self) -> float:
        self._check_fitted("concordance_")
        return float(self.lifelines_.concordance_index_)

    def _prediction_limit(self) -> float:
        return float(self._train["__duration"].max())

    def summary(self) -> pd.DataFrame:
        """Tidy coefficient table (lifelines' summary with readable names)."""
        self._check_fitted("summary")
        s = self.lifelines_.summary
        level = f"{100 * self.confidence:g}%"
        out = pd.DataFrame(
            {
                "coef": s["coef"],
                "se": s["se(coef)"],
                "coef_lower": s[f"coef lower {level}"],
                "coef_upper": s[f"coef upper {level}"],
                "hazard_ratio": s["exp(coef)"],
                "hr_lower": s[f"exp(coef) lower {level}"],
                "hr_upper": s[f"exp(coef) upper {level}"],
                "z": s["z"],
                "p": s["p"],
            }
        )
        out.index.name = "covariate"
        return out

    def compare(self, true_coefficients: pd.Series) -> pd.DataFrame:
        """Estimates next to known log hazard ratios (e.g. ``data.truth.hazard_coefficients``).

        Parameters
        ----------
        true_coefficients : Series
            True log hazard ratios by covariate (e.g.
            ``data.truth.hazard_coefficients``).

        Returns
        -------
        DataFrame
            Per covariate: ``coef``, ``lower``, ``upper``, ``true`` and
            ``covered`` (the true value lies inside the interval). Covariates
            without a true value get NaN.
        """
        self._check_fitted("compare")
        s = self.summary()
        out = pd.DataFrame(
            {
                "coef": s["coef"],
                "lower": s["coef_lower"],
                "upper": s["coef_upper"],
                "true": pd.Series(true_coefficients, dtype=float).reindex(s.index),
            }
        )
        covered = (out["lower"] <= out["true"]) & (out["true"] <= out["upper"])
        out["covered"] = covered.astype("boolean").mask(out["true"].isna())
        return out

    def check_assumptions(
        self, table: pd.DataFrame | None = None, *, p_value_threshold: float = 0.01
    ) -> AssumptionReport:
        """Test proportional hazards and explain the result in plain words.

        Runs ``lifelines.statistics.proportional_hazard_test`` (scaled
        Schoenfeld residuals against rank- and KM-transformed time) and
        lifelines' ``check_assumptions`` (its printed advice is captured in
        ``lifelines_output``; nothing is printed).

        Parameters
        ----------
        table : DataFrame, optional
            Ignored unless given: the training data are used by default.
        p_value_threshold : float, default=0.01
        """
        from lifelines.statistics import proportional_hazard_test

        self._check_fitted("check_assumptions")
        df = self._train if table is None else self._training_frame(table)
        cph = self.lifelines_
        resid = cph.compute_residuals(df, kind="scaled_schoenfeld")
        res = proportional_hazard_test(
            cph, df, time_transform=["rank", "km"], precomputed_residuals=resid
        )
        tab = res.summary.reset_index()
        tab.columns = ["covariate", "time_transform", *tab.columns[2:]]
        tab = tab[["covariate", "time_transform", "test_statistic", "p"]].copy()
        tab["violated"] = tab["p"] < p_value_threshold
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph.check_assumptions(df, p_value_threshold=p_value_threshold, show_plots=False)
        notes = self._assumption_notes(tab, p_value_threshold)
        return AssumptionReport(table=tab, notes=notes, lifelines_output=buf.getvalue())

    def _training_frame(self, table):
        X, d, e = self._prepare(table)
        df = X.reindex(columns=self.covariates_, fill_value=0.0)
        for s in self._strata:
            df[s] = table.loc[X.index, s].to_numpy()
        df["__duration"] = d
        df["__event"] = e
        return df

    def _assumption_notes(self, tab: pd.DataFrame, threshold: float) -> list:
        worst = tab.groupby("covariate", sort=False)["p"].min()
        bad = worst[worst < threshold]
        hr = self.hazard_ratios_["hazard_ratio"]
        notes = []
        code = get_language()
        if bad.empty:
            notes.append(_t("note.ph.none", threshold=threshold))
        for name, p in bad.items():
            cat = name.split("[")[0] if "[" in name else None
            remedy = _t("note.ph.strata", cat=cat) if cat else _t("note.ph.periods")
            shown = reader_label(name, code)
            ratio = hr.get(name, np.nan)
            notes.append(_t("note.ph.violated", name=shown, hr=ratio, p=p, remedy=remedy))
        if len(bad) and self.n_ > 20_000:
            notes.append(_t("note.ph.large_n", n=self.n_))
        notes.append(_t("note.ph.baseline"))
        return notes

    @plot_doc
    def plot(self, ax=None, **kw):
        """Forest plot of hazard ratios with their intervals (log scale).

        Parameters
        ----------
        %(ax)s
        %(kw)s
        """
        self._check_fitted("plot")
        from cxlab.survival._plots import forest_plot

        return forest_plot(self.hazard_ratios_, ax=ax, **kw)

    # -- convergence trouble -------------------------------------------------
    def _convergence_error(self, X, e, probs, detail: str) -> ConvergenceError:
        suspects = [n for a, b, _ in probs.near_collinear for n in (a, b)]
        names = list(dict.fromkeys(suspects + _low_variance_given_event(X, e)))
        hint = f"suspects: {names}" if names else "no single covariate stands out; try scaling them"
        err = ConvergenceError(
            f"lifelines could not fit the Cox model ({detail.splitlines()[0][:200]}); {hint}. "
            "Fix: drop or merge those covariates, or pass penalizer=0.1."
        )
        err.covariates = names
        return err

    def _relay_warnings(self, caught, cph, X, names, e) -> None:
        from lifelines.exceptions import ConvergenceWarning

        trouble = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
        huge = [n for n, c in cph.params_.items() if abs(c) > _HUGE_COEF]
        if (trouble or huge) and self.penalizer == 0:
            suspects = list(dict.fromkeys(huge + _low_variance_given_event(X[names], e)))
            if huge or any("norm(delta)" in str(w.message) for w in trouble):
                err = ConvergenceError(
                    f"the Cox fit did not settle: covariates {suspects or names} have "
                    "(near) separating values, so their hazard ratios run off to 0 or infinity. "
                    "Fix: merge rare levels, drop them, or pass penalizer=0.1."
                )
                err.covariates = suspects
                raise err
        for w in caught:
            if not issubclass(w.category, DeprecationWarning | FutureWarning):
                warnings.warn(
                    f"lifelines: {str(w.message).strip()}", StatisticalWarning, stacklevel=3
                )


def _low_variance_given_event(X: pd.DataFrame, e: np.ndarray) -> list:
    """Covariates with (almost) no variance among churners or among the others."""
    out = []
    ev = np.asarray(e, dtype=bool)
    for c in X.columns:
        v = X[c].to_numpy()
        if ev.sum() > 1 and (~ev).sum() > 1 and (v[ev].var() < 1e-4 or v[~ev].var() < 1e-4):
            out.append(c)
    return out
