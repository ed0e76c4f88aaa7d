"""Input checks and bookkeeping tables of :class:`~cxlab.personas.PersonaModel`."""

from __future__ import annotations

import warnings
from contextlib import nullcontext

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from threadpoolctl import threadpool_limits

from cxlab.exceptions import (
    DataError,
    DataTypeError,
    DataWarning,
    MissingColumnError,
    NotFittedError,
    ParameterError,
)

__all__ = [
    "PersonaNotFittedError",
    "as_frame",
    "missing_table",
    "feature_roles",
    "threads",
    "select_features",
    "check_missing",
    "take_columns",
    "check_params",
    "new_data",
]


def threads(n):
    """Limit BLAS/OpenMP threads to ``n`` (None: leave them alone)."""
    if n is None:
        return nullcontext()
    return threadpool_limits(limits=int(n))


class PersonaNotFittedError(NotFittedError, SklearnNotFittedError):
    """cxlab's NotFittedError that scikit-learn also recognises as its own."""


def as_frame(X) -> pd.DataFrame:
    """A numeric DataFrame view of X; errors name non-numeric columns and infinities."""
    from scipy import sparse

    if sparse.issparse(X):
        raise DataTypeError(
            "sparse input is not supported (personas need dense customer features)",
            fix="convert with X.toarray(), or build features with cxlab.customer_features",
        )
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise DataError(
                f"X must be 2-D (customers x features), got shape {arr.shape}",
                fix="Reshape your data, e.g. X.reshape(-1, 1) for a single feature",
            )
        frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    if frame.shape[1] == 0:
        raise DataError(
            f"X has 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required",
            fix="pass at least one feature",
        )
    if any(pd.api.types.is_complex_dtype(t) for t in frame.dtypes):
        raise DataTypeError("Complex data not supported", fix="pass real numbers")
    numbers = {"floating", "integer", "mixed-integer-float", "boolean"}
    numeric_objects = [
        c
        for c in frame.columns
        if frame[c].dtype == object and pd.api.types.infer_dtype(frame[c], skipna=True) in numbers
    ]
    if numeric_objects:  # Python numbers held as objects: numbers all the same, not text
        frame = frame.astype({c: float for c in numeric_objects})
    bad = [
        str(c)
        for c in frame.columns
        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]
    if bad:
        col = bad[0]
        examples = frame[col].dropna().astype(str).unique()[:3].tolist()
        raise DataTypeError(
            f"non-numeric features {bad} (e.g. values {examples}); a feature's argument must "
            "be neither text (a string) nor another object, but a number",
            column=col,
            n_rows=len(frame),
            fix="one-hot encode categories (pd.get_dummies, or customer_features(attributes=...)) "
            "or drop the column",
        )
    if any(pd.api.types.is_bool_dtype(t) for t in frame.dtypes):
        frame = frame.astype(float)
    values = frame.to_numpy(dtype=float)
    inf = np.isinf(values)
    if inf.any():
        col = str(frame.columns[inf.any(axis=0)][0])
        rows = inf[:, list(frame.columns.astype(str)).index(col)]
        raise DataError(
            "infinite values",
            column=col,
            n_rows=int(inf.any(axis=1).sum()),
            example_ids=list(frame.index[rows][:5]),
            fix="replace them with NaN (missing) or a finite value",
        )
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    return frame


def missing_table(frame: pd.DataFrame, used, method: str) -> pd.DataFrame:
    n_missing = frame.isna().sum()
    action = np.where(
        ~frame.columns.isin(used),
        "profile only: means over observed values",
        np.where(
            n_missing.to_numpy() == 0,
            "",
            "marginalised (latent class likelihood skips it)"
            if method == "latent_class"
            else "filled with the column median",
        ),
    )
    return pd.DataFrame(
        {
            "n_missing": n_missing.astype(np.int64),
            "share_missing": n_missing / max(len(frame), 1),
            "used": frame.columns.isin(used),
            "action": action,
        }
    ).rename_axis("feature")


def feature_roles(columns, used, constant, kinds) -> pd.Series:
    out = {}
    dropped = {c for c, flag in zip(used, constant) if flag}
    for c in columns:
        c = str(c)
        if c in dropped:
            out[c] = "dropped (constant)"
        elif c in kinds.index:
            out[c] = kinds[c]
        else:
            out[c] = "profile only"
    return pd.Series(out, name="role").rename_axis("feature")


def is_auto_feature(col: str, method: str) -> bool:
    """Persona-defining columns of customer_features under ``features="auto"``."""
    if col.startswith("segment_"):
        return True
    if method == "latent_class":
        return col.startswith("n_") and "__" in col  # channel counts by stage
    return col.startswith("share_")  # channel mix, for methods that need continuous columns


def select_features(frame: pd.DataFrame, features, method: str) -> list[str]:
    """Names of the persona-defining columns (see PersonaModel's ``features``)."""
    cols = [str(c) for c in frame.columns]
    if features is None:
        return cols
    if isinstance(features, str):
        if features != "auto":
            raise ParameterError(
                f"features={features!r}; use 'auto', None or a list of column names."
            )
        auto = [c for c in cols if is_auto_feature(c, method)]
        return auto or cols
    wanted = [str(f) for f in features]
    missing = [f for f in wanted if f not in cols]
    if missing:
        raise MissingColumnError(
            f"features {missing} are not columns of X",
            column=missing[0],
            fix=f"X has {cols[:8]}{' ...' if len(cols) > 8 else ''}",
        )
    return wanted


def take_columns(frame: pd.DataFrame, names) -> np.ndarray:
    """``frame[names]`` as a float array, without pandas' copy of the selection."""
    pos = frame.columns.get_indexer(list(names))
    return frame.to_numpy(dtype=float)[:, pos]


def check_missing(values: np.ndarray, names, index, missing: str, method: str) -> None:
    """Errors for all-missing features (and any missing one under ``missing='error'``)."""
    nan = np.isnan(values)
    n_missing = pd.Series(nan.sum(axis=0), index=list(names))
    n = values.shape[0]
    empty = n_missing.index[n_missing == n]
    if len(empty):
        raise DataError(
            f"feature {empty[0]!r} is missing for every customer",
            column=str(empty[0]),
            n_rows=n,
            example_ids=list(index[:5]),
            fix="leave it out (features=[...]) or build it on data that has it",
        )
    if missing == "error" and n_missing.any():
        col = n_missing.idxmax()
        raise DataError(
            f"feature {col!r} has missing values and missing='error'",
            column=str(col),
            n_rows=int(n_missing[col]),
            example_ids=list(index[nan[:, list(names).index(col)]][:5]),
            fix="use missing='impute' or fill the values explicitly",
        )
    heavy = n_missing.index[n_missing > 0.5 * n]
    if len(heavy) and method != "latent_class":
        warnings.warn(
            f"features {list(heavy)} are missing for more than half the customers; their "
            "median fills pull those customers together. Consider using them for "
            "profiles only, or method='latent_class' (which marginalises missing values)",
            DataWarning,
            stacklevel=4,
        )


def check_params(model, methods) -> None:
    """ParameterError for invalid PersonaModel settings."""
    if model.method not in methods:
        raise ParameterError(f"method={model.method!r}; use one of {list(methods)}.")
    if model.n_personas != "auto":
        if isinstance(model.n_personas, bool) or not isinstance(model.n_personas, int | np.integer):
            raise ParameterError(f"n_personas={model.n_personas!r}; use 'auto' or an int >= 1.")
        if model.n_personas < 1:
            raise ParameterError(f"n_personas={model.n_personas} must be at least 1.")
    lo, hi = model.k_range
    if not (1 <= int(lo) <= int(hi)):
        raise ParameterError(f"k_range={model.k_range} must be (low, high) with 1 <= low <= high.")
    if model.missing not in ("impute", "error"):
        raise ParameterError(f"missing={model.missing!r}; use 'impute' or 'error'.")


def new_data(model, X) -> pd.DataFrame:
    """New customers' features, checked against a fitted model (absent count columns = 0)."""
    frame = as_frame(X)
    if not isinstance(X, pd.DataFrame) and frame.shape[1] != model.n_features_in_:
        raise DataError(
            f"X has {frame.shape[1]} features, but PersonaModel is expecting "
            f"{model.n_features_in_} features as input",
            fix="pass the same columns as for fit",
        )
    cols = set(map(str, frame.columns))
    absent = [c for c in model.features_used_ if c not in cols]
    counts = [c for c in absent if str(model._kinds.get(c, "")).startswith("count:")]
    other = [c for c in absent if c not in counts]
    if other:
        raise MissingColumnError(
            f"X lacks features the personas were fitted on: {other[:5]}",
            column=other[0],
            fix="build X the same way as for fit (cxlab.customer_features with the same features)",
        )
    if counts:  # a (stage, channel) pair absent from new data means zero events
        frame = frame.assign(**{c: 0 for c in counts})
    return frame
