"""Likelihood-ratio tests for Markov chains of journeys: order and homogeneity.

:func:`markov_order_test`
    Is a first-order chain enough? For ``m = 1 .. max_order - 1`` it compares
    the order-``m`` chain with the order-``m+1`` chain fitted to the same
    transitions (histories padded with ``(start)``, so every transition is
    used by both): ``G2 = 2 * sum n(h, x) log(p_{m+1}(x | h) / p_m(x | h'))``,
    ``h'`` the last ``m`` states of ``h``, with degrees of freedom the
    difference in free parameters (non-zero cells minus one, per observed
    history; Anderson & Goodman 1957). AIC and BIC of every order are given too.

:func:`markov_homogeneity_test`
    Do groups (personas, segments, acquisition channels) or periods share one
    chain? For every history row, a G-test of independence of the next state
    and the group (``df = (groups - 1)(next states - 1)`` over non-empty rows
    and columns), summed over rows.

Both tests assume the transitions are independent given the chain, i.e. that
the chain is right within each group. With many customers tiny differences
become significant; the tables therefore also give the size of the largest
difference in probabilities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxlab.engines._study import require_memory
from cxlab.exceptions import DataError, ParameterError
from cxlab.i18n._messages import t as _t
from cxlab.i18n._tables import reader_names
from cxlab.markov._chain import MarkovChain
from cxlab.markov._data import prepare
from cxlab.markov._groups import chain_groups
from cxlab.markov._results import ChainResult
from cxlab.markov._transitions import group_codes, transitions

__all__ = ["markov_order_test", "markov_homogeneity_test"]


def _chain(chain, params):
    if chain is None:
        return MarkovChain(**params)
    if params:
        raise ParameterError("pass either chain= or chain parameters, not both.")
    return chain


def _events(X, what: str = "this test"):
    require_memory(X, what)
    return X.events if hasattr(X, "events") and not isinstance(X, pd.DataFrame) else X


def _loglik(counts: np.ndarray) -> tuple[float, int]:
    n_row = counts.sum(axis=1, keepdims=True)
    pos = counts > 0
    ll = float(np.sum(counts[pos] * np.log((counts / np.where(n_row > 0, n_row, 1))[pos])))
    k = int(np.sum(np.maximum(pos.sum(axis=1) - 1, 0)))
    return ll, k


def markov_order_test(X, *, max_order: int = 3, chain=None, **params) -> ChainResult:
    """Compare chain orders 1..max_order by likelihood-ratio tests, AIC and BIC.

    Parameters
    ----------
    X : DataFrame, CXData or iterable of sequences
    max_order : int, default=3
    chain : MarkovChain, optional
        Settings to use (state, journey, ...); its ``order`` is ignored.
        Or pass the settings as keyword arguments.
    **params
        MarkovChain settings (``state``, ``journey``, ...) when ``chain`` is not given.

    Returns
    -------
    ChainResult
        ``.table``: one row per order with ``loglik``, ``n_params``, ``aic``,
        ``bic`` and the test of that order against the next one up (``g2``,
        ``df``, ``p_value``). ``.estimate`` is the order BIC prefers.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=1000, random_state=0, personas=cxlab.default_personas()[:1])
    >>> res = cxlab.markov_order_test(data, journey="buyer", max_order=2)
    >>> res.table["order"].tolist()
    [1, 2]
    """
    chain = _chain(chain, params)
    if int(max_order) < 2:
        raise ParameterError(f"max_order={max_order} must be at least 2 to compare orders.")
    data = prepare(_events(X, "markov_order_test"), chain._spec(X))
    rows = []
    prev = None
    for m in range(1, int(max_order) + 1):
        tr = transitions(data, m)
        counts = tr.counts().astype(float)
        ll, k = _loglik(counts)
        n = counts.sum()
        row = {"order": m, "n_histories": len(tr.rows), "loglik": ll, "n_params": k}
        row["aic"], row["bic"] = -2 * ll + 2 * k, -2 * ll + k * np.log(n)
        if prev is not None:
            g2 = 2 * (ll - prev["loglik"])
            df = k - prev["n_params"]
            prev["g2_vs_next"] = g2
            prev["df"] = df
            prev["p_value"] = float(stats.chi2.sf(g2, df)) if df > 0 else np.nan
        rows.append(row)
        prev = row
    table = pd.DataFrame(rows)
    for c in ("g2_vs_next", "df", "p_value"):
        if c not in table:
            table[c] = np.nan
    best = int(table.loc[table["bic"].idxmin(), "order"])
    notes = [
        _t("note.markov.order_rows"),
        _t("note.markov.order_bic", best=best),
        _t("note.markov.order_sparse"),
    ]
    return ChainResult(
        name="order test (likelihood ratio)",
        estimate=best,
        table=table,
        method="likelihood ratio",
        confidence=float(chain.confidence),
        notes=notes,
    )


def _g_test(tab: np.ndarray):
    """G statistic and df of a groups x outcomes table (empty rows/cols dropped)."""
    tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
    if tab.shape[0] < 2 or tab.shape[1] < 2:
        return 0.0, 0
    n = tab.sum()
    exp = tab.sum(axis=1, keepdims=True) * tab.sum(axis=0, keepdims=True) / n
    pos = tab > 0
    g = 2 * float(np.sum(tab[pos] * np.log(tab[pos] / exp[pos])))
    return g, (tab.shape[0] - 1) * (tab.shape[1] - 1)


def markov_homogeneity_test(
    X, *, by=None, period: str | None = None, customers=None, chain=None, **params
) -> ChainResult:
    """Test whether groups of customers, or periods of time, share one transition matrix.

    Parameters
    ----------
    X : DataFrame or CXData
        Event log.
    by : str, Series or dict, optional
        Customer groups, as in :meth:`cxlab.MarkovChain.fit_groups`.
    period : str, optional
        Instead of ``by``: a pandas period frequency (``"M"``, ``"Q"``, ``"Y"``);
        each transition belongs to the period of the event it leaves (the first
        event for start transitions).
    customers : DataFrame, optional
        Customer table holding the ``by`` column.
    chain : MarkovChain, optional
        Settings (state, journey, order); or pass them as keyword arguments.
    **params
        MarkovChain settings (``state``, ``journey``, ``order``, ...) when ``chain`` is
        not given.

    Returns
    -------
    ChainResult
        ``.table``: one row per history with ``g2``, ``df``, ``p_value``,
        ``max_abs_diff`` (largest gap between a group's probability and the
        pooled one) and a final ``(all)`` row with the overall test.
        ``.estimate`` is the overall p-value.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=3000, random_state=0)
    >>> res = cxlab.markov_homogeneity_test(data, by=data.truth.persona, journey="buyer")
    >>> bool(res.estimate < 0.001)
    True
    """

    chain = _chain(chain, params)
    if (by is None) == (period is None):
        raise ParameterError("give exactly one of by= (customer groups) or period= (e.g. 'Q').")
    data = prepare(_events(X, "markov_homogeneity_test"), chain._spec(X))
    tr = transitions(data, int(chain.order))
    if by is not None:
        codes, groups = group_codes(data, chain_groups(X, by, customers, data.customers))
        ev_g = np.repeat(codes, data.lengths())
        end_g = codes
    else:
        if data.times is None:
            raise DataError("period= needs timestamps; fit an event log, not sequences.")
        t = data.times
        prev_t = np.empty_like(t)
        prev_t[1:] = t[:-1]
        prev_t[data.offsets[:-1]] = t[data.offsets[:-1]]
        last_t = t[data.offsets[1:] - 1]
        per = pd.PeriodIndex(
            pd.to_datetime(np.r_[prev_t, last_t].view("datetime64[ns]")), freq=period
        )
        allc, uniq = pd.factorize(per, sort=True)
        ev_g, end_g = allc[: len(t)], allc[len(t) :]
        groups = [str(u) for u in uniq]
    k = len(groups)
    counts = tr.counts(ev_g, end_g, k).astype(float)  # (groups, rows, cols)
    pooled = counts.sum(axis=0)
    rows = []
    for i, h in enumerate(tr.rows):
        g2, df = _g_test(counts[:, i, :])
        n_g = counts[:, i, :].sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_g = counts[:, i, :] / n_g
        p = pooled[i] / pooled[i].sum()
        diff = np.nanmax(np.abs(p_g - p)) if (n_g > 0).sum() > 1 else 0.0
        rows.append(
            {
                "from": " > ".join(h) if len(h) > 1 else h[0],
                "n": int(pooled[i].sum()),
                "g2": g2,
                "df": df,
                "p_value": float(stats.chi2.sf(g2, df)) if df > 0 else np.nan,
                "max_abs_diff": float(diff),
            }
        )
    table = pd.DataFrame(rows)
    g2, df = float(table["g2"].sum()), int(table["df"].sum())
    overall = float(stats.chi2.sf(g2, df)) if df > 0 else np.nan
    total = {
        "from": "(all)",
        "n": int(pooled.sum()),
        "g2": g2,
        "df": df,
        "p_value": overall,
        "max_abs_diff": float(table["max_abs_diff"].max()),
    }
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    what = f"groups {groups[:8]}" if by is not None else f"{k} periods ({period})"
    if by is not None:
        title = _t("title.markov.homogeneity_groups", groups=reader_names(groups[:8]))
    else:
        title = _t("title.markov.homogeneity_periods", k=k, period=period)
    return ChainResult(
        name=f"homogeneity test across {what}",
        title=title,
        estimate=overall,
        table=table,
        method="likelihood ratio (G-test)",
        confidence=float(chain.confidence),
        notes=[_t("note.markov.homogeneity_h0"), _t("note.markov.homogeneity_size")],
    )
