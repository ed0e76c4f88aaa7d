"""Shared plumbing of cxlab's churn regressions (Cox and AFT): checks, design, predictions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab._estimator import Estimator
from cxlab.exceptions import NotFittedError, ParameterError, StatisticalWarning
from cxlab.survival._checks import check_durations, design_matrix

__all__ = ["DEFAULT_COVARIATES"]

#: Covariates used when none are given (all built by :func:`cxlab.survival_table`).
DEFAULT_COVARIATES = ("loyalty_member", "support_contacts", "csat")


def ratio_table(summary: pd.DataFrame, alpha: float, name: str) -> pd.DataFrame:
    """``exp(coef)`` with its interval and p-value from a lifelines summary, one row a covariate."""
    level = f"{100 * (1 - alpha):g}%"
    out = pd.DataFrame(
        {
            name: summary["exp(coef)"],
            "lower": summary[f"exp(coef) lower {level}"],
            "upper": summary[f"exp(coef) upper {level}"],
            "p": summary["p"],
        }
    )
    out.index.name = "covariate"
    return out


class SurvivalRegression(Estimator):
    """Shared plumbing of the Cox and AFT churn models (checks, design, predictions)."""

    _model_name = "the model"
    _allow_zero = True

    @property
    def _alpha(self) -> float:
        """1 - ``confidence``, the level lifelines takes (0.95 gives 0.05 exactly)."""
        return round(1 - self.confidence, 12)

    def _fit_options(self) -> dict:
        """``fit_options`` checked: a dict (or None) passed on to lifelines' ``fit``."""
        opts = self.fit_options
        if opts is None:
            return {}
        if not isinstance(opts, dict):
            raise ParameterError(
                f"fit_options={opts!r} must be a dict of lifelines fit options, e.g. "
                "{'precision': 1e-10} (Cox) or {'gtol': 1e-8} (AFT)."
            )
        return dict(opts)

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "lifelines_"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet; call fit(table) before {method}()."
            )

    def _prepare(self, table: pd.DataFrame):
        covariates = (
            list(DEFAULT_COVARIATES)
            if self.covariates is None and not self.categorical
            else list(self.covariates or [])
        )
        check_durations(
            table,
            self.duration_col,
            self.event_col,
            allow_zero=self._allow_zero,
            what=self._model_name,
        )
        X, keep = design_matrix(table, covariates, self.categorical, missing=self.missing)
        sub = table.loc[keep] if not keep.all() else table
        d = sub[self.duration_col].to_numpy(dtype=float)
        e = sub[self.event_col].to_numpy(dtype=float)
        if not e.any():
            check_durations(sub, self.duration_col, self.event_col, what=self._model_name)
        self._covariate_columns = covariates
        return X, d, e

    def _design_for(self, table: pd.DataFrame) -> pd.DataFrame:
        """The design matrix of new rows, with the columns seen in fit."""
        X, _ = design_matrix(table, self._covariate_columns, self.categorical, missing="raise")
        return X.reindex(columns=self.covariates_, fill_value=0.0)

    def _now(self, table: pd.DataFrame, conditional: bool) -> np.ndarray:
        if not conditional:
            return np.zeros(len(table))
        if self.duration_col not in table:
            raise ParameterError(
                f"conditional predictions need the current tenure in {self.duration_col!r}; "
                "pass conditional=False for customers who start now."
            )
        now = table[self.duration_col].to_numpy(dtype=float)
        if self.event_col in table:
            churned = table[self.event_col].to_numpy(dtype=bool)
            if churned.any():
                warnings.warn(
                    f"{int(churned.sum()):,} of the customers have already churned; their "
                    "predictions are as if they were still active at that tenure.",
                    StatisticalWarning,
                    stacklevel=3,
                )
        return now

    def predict_survival(self, table: pd.DataFrame, times=None, *, conditional: bool = True):
        """Survival curves of given customers (lifelines ``predict_survival_function``).

        Parameters
        ----------
        table : DataFrame
            Rows of the survival table (the covariates; the tenure so far when
            ``conditional``).
        times : array-like, optional
            Days ahead at which to evaluate; default the fitted timeline.
        conditional : bool, default=True
            Curves of the *remaining* lifetime given survival to the current
            tenure (time 0 = now). False: from the start.

        For the Cox model the curve is NaN beyond the longest tenure in the
        training data (its baseline is not estimated there); use
        :class:`cxlab.AFTChurnModel` to extrapolate under a parametric shape.

        Returns
        -------
        DataFrame
            Index: days (ahead, when conditional); one column per customer.
        """
        self._check_fitted("predict_survival")
        X = self._design_for(table)
        now = self._now(table, conditional)
        kw = {"conditional_after": now} if conditional else {}
        out = self.lifelines_.predict_survival_function(X, times=times, **kw)
        limit = self._prediction_limit()
        if limit is not None:
            ahead = out.index.to_numpy(dtype=float)[:, None]
            out = out.where(ahead + now[None, :] <= limit)
        return out

    def _prediction_limit(self) -> float | None:
        """Longest tenure the model can speak for (None: parametric, no limit)."""
        return None

    def predict_median_remaining(self, table: pd.DataFrame) -> pd.DataFrame:
        """Median remaining lifetime of active customers, given their tenure so far.

        Parameters
        ----------
        table : DataFrame
            Customers to predict for, with the model's covariates and duration
            column.

        Returns
        -------
        DataFrame
            Per customer: ``tenure_days`` (now) and ``median_remaining_days``
            (lifelines ``predict_median`` with ``conditional_after``). ``inf``
            means the predicted curve stays above 0.5 over the whole range the
            data cover: the median lies beyond what the data can tell.
        """
        self._check_fitted("predict_median_remaining")
        X = self._design_for(table)
        now = self._now(table, True)
        med = self.lifelines_.predict_median(X, conditional_after=now)
        med = np.asarray(med, dtype=float).reshape(-1)
        return pd.DataFrame({"tenure_days": now, "median_remaining_days": med}, index=table.index)
