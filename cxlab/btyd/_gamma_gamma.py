"""What a purchase is worth: the Gamma-Gamma model of spend (Fader, Hardie & Lee 2005; Colombo & Jiang 1999).

Each purchase of a customer is worth ``z ~ Gamma(p, nu)`` (shape, rate), so
the customer's mean spend is ``p / nu``; across customers
``nu ~ Gamma(q, gamma)``. With ``x`` repeat purchases of mean value ``m_x``
(the first purchase left out) the likelihood is (Fader & Hardie 2013, eq. 3)

``log L = lnGamma(p x + q) - lnGamma(p x) - lnGamma(q) + q ln gamma + (p x - 1) ln m_x
+ p x ln x - (p x + q) ln(gamma + x m_x)``

and the expected mean spend of a customer given their history shrinks their
own mean towards the population mean ``p gamma / (q - 1)``:

``E[M | x, m_x] = p (gamma + x m_x) / (p x + q - 1)``.

The model assumes the spend per purchase is independent of how often a
customer buys; :meth:`GammaGamma.fit` reports the correlation of frequency and
mean spend (with a Fisher-z interval) as the check, and a note when it is
clearly not small.

Reference: Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma model of
monetary value. http://brucehardie.com/notes/025/ ; Fader, P. S., Hardie,
B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for
customer base analysis. *Journal of Marketing Research* 42(4), 415-430.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

from cxlab.btyd._base import Fitter, estimate_frame
from cxlab.exceptions import DataError, MissingColumnError, ParameterError, StatisticalWarning

__all__ = ["GammaGamma"]

_CORRELATION_NOTE = 0.3


class GammaGamma(Fitter):
    """Gamma-Gamma model of the mean spend per purchase (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    confidence : float, default=0.95
        Level of the intervals.

    Attributes
    ----------
    params_ : Series
        ``p``, ``q``, ``gamma``.
    se_, cov_, cov_log_, log_likelihood_, n_, notes_
        As for :class:`cxlab.BGNBD`; fitted on customers with frequency > 0.
    correlation_ : dict
        Pearson correlation of frequency and mean spend among them:
        ``r``, ``lower``, ``upper``, ``p``, ``n``.
    population_mean_ : float
        ``p gamma / (q - 1)`` (NaN when q <= 1).

    Examples
    --------
    >>> import cxlab
    >>> sim = cxlab.simulate_purchases(n_customers=3000, random_state=1)
    >>> summary = cxlab.purchase_summary(sim.transactions, observation_end=sim.observation_end)
    >>> gg = cxlab.GammaGamma().fit(summary)
    >>> list(gg.params_.index)
    ['p', 'q', 'gamma']
    """

    _param_names = ("p", "q", "gamma")
    _model_name = "Gamma-Gamma"

    def fit(self, summary: pd.DataFrame) -> GammaGamma:
        """Fit on the customers with at least one repeat purchase.

        Parameters
        ----------
        summary : DataFrame
            ``frequency`` and ``monetary_value`` (mean spend of the repeat
            purchases), e.g. from :func:`cxlab.purchase_summary`.

        Raises
        ------
        MissingColumnError
            No ``monetary_value`` column.
        DataError
            Non-positive mean spend of a repeat buyer; fewer than 10 repeat buyers.
        """
        self._check_confidence()
        x, mx = spend_columns(summary)
        keep = x > 0
        x, mx = x[keep], mx[keep]
        if len(x) < 10:
            raise DataError(
                f"only {len(x)} customers made a repeat purchase; the Gamma-Gamma model "
                "needs many more to estimate three parameters",
                column="frequency",
                fix="use a longer calibration period",
            )
        bad = ~np.isfinite(mx) | (mx <= 0)
        if bad.any():
            raise DataError(
                "repeat buyers with a mean spend that is missing or not positive",
                column="monetary_value",
                n_rows=int(bad.sum()),
                example_ids=summary.index[keep][bad][:5].tolist(),
                fix="drop zero-value purchases from the log or fix their amounts",
            )
        keys = np.stack([x, mx])
        uniq, inv, w = np.unique(keys, axis=1, return_inverse=True, return_counts=True)
        data = {"x": uniq[0], "m": uniq[1], "w": w.astype(float)}
        self._maximise(data)
        p, q, g = self.params_
        self.population_mean_ = float(p * g / (q - 1)) if q > 1 else float("nan")
        self.correlation_ = _correlation(x, mx, self.confidence)
        self.notes_ = self._notes()
        self._check_correlation()
        return self

    def _notes(self):
        c = self.correlation_
        from cxlab.i18n._messages import t

        notes = [
            t("note.gg.fitted", n=self.n_),
            t(
                "note.gg.independence",
                r=c["r"],
                level=100 * self.confidence,
                lower=c["lower"],
                upper=c["upper"],
            ),
        ]
        if self.params_["q"] <= 1:
            notes.append(t("note.gg.heavy_tail"))
        return notes

    def _check_correlation(self):
        c = self.correlation_
        if abs(c["r"]) > _CORRELATION_NOTE:
            warnings.warn(
                f"frequency and mean spend are correlated (r = {c['r']:.2f}); the Gamma-Gamma "
                "model assumes they are not, so its spend predictions are biased.",
                StatisticalWarning,
                stacklevel=3,
            )

    def _start(self, d):
        m = np.average(d["m"], weights=d["w"])
        return np.log([2.0, 3.0, m])

    def _loglik(self, theta, d) -> float:
        p, q, g = theta
        x, m, w = d["x"], d["m"], d["w"]
        px = p * x
        ll = (
            special.gammaln(px + q)
            - special.gammaln(px)
            - special.gammaln(q)
            + q * np.log(g)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(g + x * m)
        )
        return float(np.sum(w * ll))

    def _gradient(self, theta, d):
        p, q, g = theta
        x, m, w = d["x"], d["m"], d["w"]
        px = p * x
        dig = special.digamma
        lgx = np.log(g + x * m)
        g_p = x * (dig(px + q) - dig(px) + np.log(m) + np.log(x) - lgx)
        g_q = dig(px + q) - dig(q) + np.log(g) - lgx
        g_g = q / g - (px + q) / (g + x * m)
        return np.array([np.sum(w * v) for v in (g_p, g_q, g_g)])

    def expected_spend(self, summary: pd.DataFrame, *, n_draws: int = 0, random_state=None):
        """Expected mean spend per future purchase of each customer.

        Customers without a repeat purchase get the population mean
        ``p gamma / (q - 1)``.

        Parameters
        ----------
        summary : DataFrame
            Customer summary with ``frequency`` and ``monetary_value``.
        n_draws : int, default=0
            Parameter draws from the estimates' sampling distribution for an
            interval; 0 gives the point estimate only.
        random_state : int, Generator or None, default=None
            Seed of the draws.

        Returns
        -------
        DataFrame
            ``expected_spend`` (and ``lower``/``upper`` with draws).
        """
        self._check_fitted("expected_spend")
        x, mx = spend_columns(summary)
        mx = np.where(x > 0, mx, 0.0)
        keys = np.stack([x, mx])
        uniq, inv = np.unique(keys, axis=1, return_inverse=True)
        ux, um = uniq

        def spend(th):
            p, q, g = th
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(q > 1 or ux > 0, p * (g + ux * um) / (p * ux + q - 1), np.inf)

        est, lo, hi = self._interval(spend, n_draws, random_state)
        return estimate_frame(summary.index, inv.reshape(-1), "expected_spend", est, lo, hi)


def spend_columns(summary):
    if not isinstance(summary, pd.DataFrame):
        raise ParameterError(
            f"GammaGamma is fitted on a customer summary DataFrame, not a {type(summary).__name__}."
        )
    for col in ("frequency", "monetary_value"):
        if col not in summary:
            raise MissingColumnError(
                f"the summary has no column {col!r}",
                column=col,
                fix="build it with cxlab.purchase_summary(...) from a log with amounts",
            )
    return (
        summary["frequency"].to_numpy(dtype=float),
        summary["monetary_value"].to_numpy(dtype=float),
    )


def _correlation(x, m, confidence) -> dict:
    n = len(x)
    if n < 4 or np.std(x) == 0 or np.std(m) == 0:
        return {"r": float("nan"), "lower": float("nan"), "upper": float("nan"), "p": 1.0, "n": n}
    r, p = stats.pearsonr(x, m)
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    half = stats.norm.ppf(0.5 + confidence / 2) / np.sqrt(n - 3)
    return {
        "r": float(r),
        "lower": float(np.tanh(z - half)),
        "upper": float(np.tanh(z + half)),
        "p": float(p),
        "n": n,
    }
