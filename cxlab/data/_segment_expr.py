"""A small, safe expression language for segment filters.

``filter_segment(data, "segment == 'business' and region in ['north', 'south']")``
used to hand the string to :meth:`pandas.DataFrame.eval`, which runs arbitrary
Python (``@pd.io.common.os.system(...)``). Here the string is parsed with
:mod:`ast` and only this grammar is evaluated, column by column, vectorised:

- column names (a bare name must be a true/false column), and literals: strings,
  numbers, ``True``, ``False``, ``None``, and lists or tuples of them;
- comparisons ``== != < <= > >=`` (chained too: ``18 <= age < 65``), ``in`` and
  ``not in`` a list (``col == [...]`` means ``in`` as in pandas queries);
- ``and``, ``or``, ``not`` (also ``&``, ``|``, ``~``) and parentheses.

Anything else (calls, attributes, subscripts, ``@`` variables, arithmetic) is a
:class:`~cxlab.exceptions.ParameterError` that lists what is allowed.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"age": [20, 40, 70], "region": ["north", "west", "north"]})
>>> eval_segment(df, "region in ['north'] and not age > 65").tolist()
[True, False, False]
"""

from __future__ import annotations

import ast
import operator

import numpy as np
import pandas as pd

from cxlab.exceptions import MissingColumnError, ParameterError

__all__ = ["eval_segment"]

ALLOWED = (
    "column names, literals (strings, numbers, True, False, None, lists of them), "
    "comparisons (== != < <= > >= in, not in), and/or/not (& | ~) and parentheses"
)
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_LITERALS = (str, int, float, bool, type(None))


class _Literal:
    """A literal value (or list of them), kept apart from column Series."""

    def __init__(self, value):
        self.value = value


def _refuse(expr: str, what: str) -> ParameterError:
    return ParameterError(
        f"segment {expr!r}: {what} is not allowed in a segment expression; it may use {ALLOWED}. "
        "Or pass a dict such as {'segment': 'business', 'region': ['north', 'south']}."
    )


def eval_segment(df: pd.DataFrame, expr: str) -> np.ndarray:
    """Evaluate a segment expression on ``df``; return a boolean array, one value per row.

    Parameters
    ----------
    df : DataFrame
        The table whose columns the expression names (the customers table).
    expr : str
        An expression in the grammar of this module's docstring.

    Returns
    -------
    ndarray of bool

    Raises
    ------
    ParameterError
        The expression does not parse, or uses anything outside the grammar.
    MissingColumnError
        It names a column ``df`` does not have.
    """
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise ParameterError(
            f"segment {expr!r} is not a valid expression ({exc.msg}); it may use {ALLOWED}, "
            f"over the columns {list(df.columns)}. Or pass a dict such as "
            "{'segment': 'business', 'region': ['north', 'south']}."
        ) from None
    out = _Evaluator(df, expr).run(tree.body)
    if isinstance(out, _Literal):
        raise _refuse(expr, "an expression without any column")
    return _as_bool(out, expr)


def _as_bool(values: pd.Series, expr: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.fillna(False).to_numpy(dtype=bool)
    raise ParameterError(
        f"segment {expr!r}: column {values.name!r} holds {values.dtype} values, not true/false; "
        f"compare it, e.g. {values.name} == 'value'."
    )


class _Evaluator:
    def __init__(self, df: pd.DataFrame, expr: str):
        self.df, self.expr = df, expr

    def run(self, node):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _refuse(self.expr, f"{type(node).__name__} ({ast.unparse(node)!r})")
        return method(node)

    def _bool(self, node) -> np.ndarray:
        value = self.run(node)
        if isinstance(value, _Literal):
            if isinstance(value.value, bool):
                return np.full(len(self.df), value.value)
            raise _refuse(self.expr, f"the literal {value.value!r} as a condition")
        return _as_bool(value, self.expr)

    def _Name(self, node):
        if node.id not in self.df.columns:
            raise MissingColumnError(
                f"segment {self.expr!r} names {node.id!r}, which the customers table does not "
                f"have; it has {list(self.df.columns)}",
                table="customers",
                column=node.id,
                fix="use one of those columns (a dict filter takes any column name)",
            )
        return self.df[node.id]

    def _Constant(self, node):
        if not isinstance(node.value, _LITERALS):
            raise _refuse(self.expr, f"the literal {node.value!r}")
        return _Literal(node.value)

    def _List(self, node):
        values = [self.run(e) for e in node.elts]
        if not all(isinstance(v, _Literal) and not isinstance(v.value, list) for v in values):
            raise _refuse(self.expr, "a list of anything but literals")
        return _Literal([v.value for v in values])

    _Tuple = _List

    def _UnaryOp(self, node):
        if isinstance(node.op, ast.Not | ast.Invert):
            return pd.Series(~self._bool(node.operand), index=self.df.index)
        value = self.run(node.operand)
        if isinstance(node.op, ast.USub) and isinstance(value, _Literal):
            if isinstance(value.value, int | float) and not isinstance(value.value, bool):
                return _Literal(-value.value)
        raise _refuse(self.expr, f"the operator in {ast.unparse(node)!r}")

    def _BoolOp(self, node):
        parts = [self._bool(v) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return pd.Series(combine.reduce(parts), index=self.df.index)

    def _BinOp(self, node):
        if not isinstance(node.op, ast.BitAnd | ast.BitOr):
            raise _refuse(self.expr, f"arithmetic ({ast.unparse(node)!r})")
        left, right = self._bool(node.left), self._bool(node.right)
        out = left & right if isinstance(node.op, ast.BitAnd) else left | right
        return pd.Series(out, index=self.df.index)

    def _Compare(self, node):
        result = np.ones(len(self.df), dtype=bool)
        left = self.run(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.run(right_node)
            result &= self._compare(left, op, right, node)
            left = right
        return pd.Series(result, index=self.df.index)

    def _compare(self, left, op, right, node) -> np.ndarray:
        if isinstance(left, _Literal) and isinstance(right, _Literal):
            raise _refuse(self.expr, f"a comparison without a column ({ast.unparse(node)!r})")
        if isinstance(op, ast.In | ast.NotIn) or (
            isinstance(op, ast.Eq | ast.NotEq) and isinstance(getattr(right, "value", None), list)
        ):
            if not isinstance(left, pd.Series) or not isinstance(right, _Literal):
                raise _refuse(self.expr, "'in' other than 'column in [values]'")
            values = right.value if isinstance(right.value, list) else [right.value]
            hit = left.isin(values).to_numpy()
            return ~hit if isinstance(op, ast.NotIn | ast.NotEq) else hit
        fn = _COMPARE.get(type(op))
        if fn is None:
            raise _refuse(self.expr, f"the comparison {type(op).__name__}")
        a = left.value if isinstance(left, _Literal) else left
        b = right.value if isinstance(right, _Literal) else right
        try:
            out = fn(a, b)
        except TypeError as exc:
            raise ParameterError(
                f"segment {self.expr!r}: cannot compare {ast.unparse(node)!r} ({exc}); "
                "compare a column with a value of its type, e.g. age > 30 or region == 'north'."
            ) from None
        return np.asarray(pd.Series(out).fillna(False), dtype=bool)
