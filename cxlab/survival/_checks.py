"""Input checks shared by cxlab's survival estimators.

Durations and churn flags are checked before anything is fitted, and the
covariates are turned into a numeric design matrix whose problems (constant
columns, exact collinearity, separation) are found *before* lifelines gets
to fail on them, so the error can name the covariates to blame.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab.exceptions import (
    ConvergenceError,
    DataError,
    DataTypeError,
    DataWarning,
    InvalidValueError,
    MissingColumnError,
    ParameterError,
)

__all__ = [
    "check_durations",
    "design_matrix",
    "diagnose_design",
    "DesignProblems",
    "raise_design_problems",
]


def _ids(table: pd.DataFrame, mask) -> list:
    return table.index[np.asarray(mask)][:5].tolist()


def check_durations(
    table: pd.DataFrame,
    duration_col: str,
    event_col: str,
    *,
    allow_zero: bool = True,
    require_events: bool = True,
    what: str = "this model",
) -> tuple[np.ndarray, np.ndarray]:
    """Validate the duration and event columns; return them as float and bool arrays.

    Raises
    ------
    MissingColumnError, DataTypeError, DataError
        Missing columns, non-numeric or missing durations, negative durations,
        zero durations (when ``allow_zero`` is False), event flags that are not
        0/1, or no events at all (when ``require_events``).
    """
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(
            f"expected a DataFrame (e.g. from cxlab.survival_table), got {type(table).__name__}."
        )
    for col in (duration_col, event_col):
        if col not in table.columns:
            raise MissingColumnError(
                f"no column {col!r}; the table has {list(table.columns)[:12]}",
                column=col,
                fix="build the table with cxlab.survival_table or pass duration_col=/event_col=",
            )
    if len(table) == 0:
        raise DataError("the survival table has no rows", fix="check the filters you applied")
    dur = table[duration_col]
    if not (pd.api.types.is_numeric_dtype(dur) and not pd.api.types.is_bool_dtype(dur)):
        raise DataTypeError(
            f"durations must be numbers (days), not {dur.dtype}",
            column=duration_col,
            fix="convert to days, e.g. (end - start).dt.total_seconds() / 86400",
        )
    d = dur.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(d)
    if bad.any():
        raise DataError(
            "durations are missing or infinite",
            column=duration_col,
            n_rows=int(bad.sum()),
            example_ids=_ids(table, bad),
            fix="drop those rows or fill in the tenure",
        )
    neg = d < 0
    if neg.any():
        raise DataError(
            "durations are negative (churn or censoring before the start)",
            column=duration_col,
            n_rows=int(neg.sum()),
            example_ids=_ids(table, neg),
            fix="check the start and end timestamps of those customers",
        )
    zero = d == 0
    if zero.any():
        if not allow_zero:
            raise DataError(
                f"durations are zero, which {what} cannot use (it models log-time)",
                column=duration_col,
                n_rows=int(zero.sum()),
                example_ids=_ids(table, zero),
                fix=(
                    f"drop them (table[table[{duration_col!r}] > 0]) or, if they are "
                    "same-day churns, give them a small positive tenure such as 0.5 days "
                    "and say so in your report"
                ),
            )
        warnings.warn(
            f"{int(zero.sum()):,} customers have {duration_col} = 0 (churned or censored at the "
            f"start; e.g. {_ids(table, zero)}); they are at risk only at time 0.",
            DataWarning,
            stacklevel=3,
        )
    ev = table[event_col]
    if pd.api.types.is_bool_dtype(ev):
        e = ev.to_numpy(dtype=bool)
    else:
        values = pd.to_numeric(ev, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        wrong = ~np.isin(values, (0.0, 1.0))
        if wrong.any():
            raise DataError(
                "the churn flag must be True/False or 1/0",
                column=event_col,
                n_rows=int(wrong.sum()),
                example_ids=_ids(table, wrong),
                fix="set 1 (or True) for churned and 0 for censored",
            )
        e = values == 1.0
    if require_events and not e.any():
        raise DataError(
            f"all {len(e):,} customers are censored (no churn observed), so {what} "
            "has nothing to estimate",
            column=event_col,
            n_rows=len(e),
            fix="use a longer observation window or another churn definition "
            "(cxlab.survival_table(churn='inactivity', inactivity_days=...))",
        )
    return d, e


def design_matrix(
    table: pd.DataFrame,
    covariates,
    categorical=None,
    *,
    missing: str = "raise",
) -> tuple[pd.DataFrame, np.ndarray]:
    """Numeric covariates (categoricals as indicators, first level the reference).

    Returns the design matrix (float columns named ``col`` or ``col[level]``)
    and a boolean mask of the table rows it keeps (all, unless
    ``missing="drop"``).
    """
    covariates = list(covariates)
    categorical = list(categorical or [])
    if missing not in ("raise", "drop"):
        raise ParameterError(f"missing={missing!r}; use 'raise' or 'drop'.")
    unknown = [c for c in [*covariates, *categorical] if c not in table.columns]
    if unknown:
        raise MissingColumnError(
            f"covariates {unknown} are not columns of the table; it has {list(table.columns)}",
            column=unknown[0],
            fix="check the names, or join them with survival_table(extra=...)",
        )
    if not covariates and not categorical:
        raise ParameterError("no covariates given; pass covariates=[...] or categorical=[...].")
    dup = sorted({c for c in covariates if c in categorical})
    if dup:
        raise ParameterError(f"{dup} are listed in both covariates and categorical.")
    for col in covariates:
        s = table[col]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            raise DataTypeError(
                f"covariate is not numeric ({s.dtype}, e.g. {s.dropna().iloc[:3].tolist()})",
                column=col,
                fix=(
                    f"pass it as categorical=[{col!r}] to get one indicator per level "
                    "(first level = reference), or encode it as numbers yourself"
                ),
            )
        inf = np.isinf(s.to_numpy(dtype=float, na_value=0.0))
        if inf.any():
            raise InvalidValueError(
                f"covariate is infinite at row positions {np.flatnonzero(inf)[:5].tolist()}",
                column=col,
                n_rows=int(inf.sum()),
                example_ids=_ids(table, inf),
                fix="repair those values (often a division by zero upstream), cap them, "
                "or set them missing and pass missing='drop'",
            )
    cols = covariates + categorical
    na = {c: table[c].isna().to_numpy() for c in cols}
    keep = ~np.logical_or.reduce(list(na.values()))
    if not keep.all():
        counts = pd.Series({c: int(m.sum()) for c, m in na.items()})
        counts = counts[counts > 0]
        detail = ", ".join(f"{c}: {n:,}" for c, n in counts.items())
        if missing == "raise":
            raise DataError(
                f"covariates have missing values ({detail})",
                column=str(counts.index[0]),
                n_rows=int((~keep).sum()),
                example_ids=_ids(table, ~keep),
                fix="fill them (e.g. a 'no answer' level or an indicator), or pass "
                "missing='drop' to leave those customers out (with a warning)",
            )
        if not keep.any():
            raise DataError(
                f"every customer lacks a covariate ({detail}), so missing='drop' leaves no one",
                column=str(counts.index[0]),
                n_rows=len(keep),
                fix="leave those covariates out (e.g. 'csat' on a study without surveys)",
            )
        warnings.warn(
            f"{int((~keep).sum()):,} of {len(keep):,} customers left out for missing "
            f"covariates ({detail}; e.g. {_ids(table, ~keep)}).",
            DataWarning,
            stacklevel=3,
        )
    rows = table.loc[keep] if not keep.all() else table
    parts = {c: rows[c].to_numpy(dtype=float) for c in covariates}
    for col in categorical:
        cat = pd.Categorical(rows[col])
        levels = [
            lv
            for lv, n in zip(cat.categories, np.bincount(cat.codes, minlength=len(cat.categories)))
            if n > 0
        ]
        for level in levels[1:]:
            parts[f"{col}[{level}]"] = (rows[col] == level).to_numpy(dtype=float)
    X = pd.DataFrame(parts, index=rows.index)
    return X, keep


@dataclass
class DesignProblems:
    """What makes a design matrix impossible (or hard) to fit."""

    constant: list = field(default_factory=list)
    collinear: list = field(default_factory=list)  # lists of names
    separating: list = field(default_factory=list)  # (name, detail)
    near_collinear: list = field(default_factory=list)  # (a, b, r)

    @property
    def fatal(self) -> bool:
        return bool(self.constant or self.collinear or self.separating)


def diagnose_design(X: pd.DataFrame, events: np.ndarray, *, tol: float = 1e-9) -> DesignProblems:
    """Constant columns, exactly collinear sets and separating indicators.

    Collinearity is judged on the centred columns (a full set of indicators
    is collinear with the free baseline of a Cox model), via the eigenvalues of
    their correlation matrix; the covariates loading on a (near) zero eigenvalue
    are reported together.
    """
    probs = DesignProblems()
    A = X.to_numpy(dtype=float)  # a view when the frame is one float block
    names = list(X.columns)
    n = len(A)
    lo, hi = A.min(axis=0, initial=np.inf), A.max(axis=0, initial=-np.inf)
    const = lo == hi
    probs.constant = [nm for nm, c in zip(names, const) if c]
    live = np.flatnonzero(~const)
    if len(live) >= 2:
        Z = A[:, live] if len(live) < A.shape[1] else A
        mean = Z.sum(axis=0) / n
        cross = (Z.T @ Z) / n - np.outer(mean, mean)  # one BLAS pass for every pair
        scale = np.sqrt(np.clip(np.diag(cross), 1e-300, None))
        corr = cross / np.outer(scale, scale)
        vals, vecs = np.linalg.eigh(corr)
        for k in np.flatnonzero(vals < tol * max(1.0, vals.max())):
            v = vecs[:, k]
            members = [names[live[j]] for j in np.flatnonzero(np.abs(v) > 0.05)]
            if members and members not in probs.collinear:
                probs.collinear.append(members)
        iu = np.triu_indices(len(live), 1)
        for a, b in zip(*iu):
            r = corr[a, b]
            if abs(r) > 0.98 and not probs.collinear:
                probs.near_collinear.append((names[live[a]], names[live[b]], float(r)))
    e = np.asarray(events, dtype=bool)
    n_events = int(e.sum())
    for j in live:
        if lo[j] != 0.0 or hi[j] != 1.0:
            continue
        col = A[:, j]
        if not np.array_equal(col, np.round(col)):
            continue  # values between 0 and 1: not an indicator
        ones = col == 1.0
        ev1 = int(np.count_nonzero(ones & e))
        ev0 = n_events - ev1
        if ev1 == 0:
            probs.separating.append(
                (names[j], f"none of its {int(ones.sum()):,} customers churned")
            )
        elif ev0 == 0:
            probs.separating.append(
                (names[j], f"every churn ({n_events:,}) has it; none without it churned")
            )
    return probs


def raise_design_problems(probs: DesignProblems, *, model: str = "the Cox model") -> None:
    """Raise a :class:`ConvergenceError` that names the covariates to blame."""
    if not probs.fatal:
        return
    lines, names = [], []
    if probs.constant:
        names += probs.constant
        lines.append(
            f"constant covariates {probs.constant} (the same value for every customer; "
            "drop them, or check the filter that made them constant)"
        )
    for group in probs.collinear:
        names += group
        lines.append(
            f"exactly collinear covariates {group} (one is a linear combination of the "
            "others; with indicators, a full set of levels sums to 1 and is collinear with "
            "the baseline: drop one, or use categorical=[...] which drops the reference)"
        )
    for name, detail in probs.separating:
        names.append(name)
        lines.append(
            f"separating covariate {name!r}: {detail}, so its hazard ratio is 0 or "
            "infinite (merge it with another level, drop it, or pass penalizer=0.1)"
        )
    err = ConvergenceError(f"{model} cannot be estimated: " + "; ".join(lines) + ".")
    err.covariates = list(dict.fromkeys(names))
    raise err
