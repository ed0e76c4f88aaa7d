"""The base class of cxlab's estimators: scikit-learn's ``BaseEstimator``.

It gives every model ``get_params``/``set_params`` (so ``sklearn.base.clone``
and grid searches work) from the keyword-only ``__init__`` parameters. A model
still shows as its own short ``__repr__`` in a notebook, not as scikit-learn's
HTML diagram.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator

__all__ = ["Estimator"]


class Estimator(BaseEstimator):
    """``sklearn.base.BaseEstimator`` that displays as its ``__repr__`` text.

    Subclasses store each ``__init__`` parameter unchanged under its own name
    (scikit-learn's rule), so ``get_params()`` returns what the model was
    built with.
    """

    # IPython skips display hooks that are not callable and falls back to __repr__
    _repr_html_ = None
    _repr_mimebundle_ = None
