"""Discounted customer lifetime value where nobody cancels: purchases x spend.

For each customer, the expected discounted margin over the next ``horizon``
time units is

``CLV = margin * E[spend per purchase] * sum_k exp(-delta k) (E[Y(k)] - E[Y(k - 1)])``

with ``E[Y(t)]`` the purchase model's (BG/NBD or Pareto/NBD) expected number
of purchases in the next ``t`` given the customer's history, ``E[spend]``
the Gamma-Gamma conditional mean spend, and ``delta = log(1 + d) /
periods_per_year`` the continuous rate equivalent to the annual discount rate
``d``. Multiplying the two expectations assumes spend and purchase timing are
independent (the Gamma-Gamma assumption; its check is in
``GammaGamma.correlation_``). This is the calculation of Fader, Hardie & Lee
(2005, "RFM and CLV") on a grid of ``step`` units instead of in closed form,
so it works for either purchase model and any horizon.

Intervals come from joint draws of both models' parameters from their
asymptotic normal distributions (independent between the two models, which
are fitted on different likelihoods); ``random_state`` fixes them. They cover
parameter uncertainty, not the Poisson and spend noise of a single customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.btyd._base import draw_interval
from cxlab.exceptions import NotFittedError, ParameterError

__all__ = ["customer_value", "Valuation", "PERIODS_PER_YEAR"]

#: time units per year
PERIODS_PER_YEAR = {"days": 365.25, "weeks": 365.25 / 7}


def customer_value(
    purchases,
    spend,
    summary: pd.DataFrame,
    *,
    horizon: float,
    discount_rate: float = 0.10,
    margin: float = 1.0,
    step: float = 1.0,
    periods_per_year: float | None = None,
    n_draws: int = 200,
    random_state=None,
) -> pd.DataFrame:
    """Expected discounted margin per customer over ``horizon``, with intervals.

    Parameters
    ----------
    purchases : BGNBD, MBGNBD or ParetoNBD
        Fitted purchase model.
    spend : GammaGamma
        Fitted spend model.
    summary : DataFrame
        Customers (``frequency``, ``recency``, ``T``, ``monetary_value``).
    horizon : float
        In the summary's time unit (e.g. 52 for a year in weeks).
    discount_rate : float, default=0.10
        Annual rate (effective), e.g. 0.10 for 10% a year.
    margin : float, default=1.0
        Share of revenue that is margin.
    step : float, default=1.0
        Grid of the discounting, in time units.
    periods_per_year : float, optional
        Time units per year; default from the model's time unit (52.18 for
        weeks, 365.25 for days).
    n_draws : int, default=200
        Parameter draws for the intervals (0: no intervals).
    random_state : int, Generator or None

    Returns
    -------
    DataFrame
        Per customer: ``p_alive``, ``expected_purchases`` (undiscounted, over
        the horizon), ``expected_spend``, ``clv``, ``lower``, ``upper``.
        ``attrs["total"]`` holds the sum of ``clv`` over the customers with its
        interval (from the same draws).
    """
    v = Valuation(purchases, spend, summary, horizon, discount_rate, margin, step, periods_per_year)
    periods_per_year = v.periods_per_year
    inv2, ux, ut, uT = v.inv, v.x, v.t_x, v.T
    parts = v.parts
    th_p = purchases.params_.to_numpy()
    th_s = spend.params_.to_numpy()
    n_buy, e_spend, clv = parts(th_p, th_s)
    counts = v.counts
    out = pd.DataFrame(
        {
            "p_alive": purchases._p_alive(th_p, ux, ut, uT)[inv2],
            "expected_purchases": n_buy[inv2],
            "expected_spend": e_spend[inv2],
            "clv": clv[inv2],
        },
        index=summary.index,
    )
    total = {"clv": float(counts @ clv)}
    if n_draws:
        rng = np.random.default_rng(random_state)
        draws_p = purchases.param_draws(n_draws, rng)
        draws_s = spend.param_draws(n_draws, rng)
        with np.errstate(all="ignore"):
            vals = np.stack([parts(a, b)[2] for a, b in zip(draws_p, draws_s)])
        lower, upper = draw_interval(vals, purchases.confidence)
        out["lower"], out["upper"] = lower[inv2], upper[inv2]
        tot = np.where(np.isfinite(vals).all(axis=1), vals @ counts, np.nan)
        total["lower"], total["upper"] = (
            float(b) for b in draw_interval(tot, purchases.confidence)
        )
    out.attrs["total"] = total
    out.attrs["customer_value"] = {
        "horizon": horizon,
        "discount_rate": discount_rate,
        "margin": margin,
        "periods_per_year": periods_per_year,
        "n_draws": n_draws,
    }
    return out


class Valuation:
    """The checked inputs of a CLV calculation and its value at given parameters.

    Customers are reduced to distinct ``(x, t_x, T, m_x)`` rows (``inv`` maps
    them back, ``counts`` counts them). :meth:`parts` gives, at purchase-model
    parameters ``th_p`` and spend parameters ``th_s``, the undiscounted expected
    purchases over the horizon, the expected spend and the discounted margin
    per distinct row. ``keep`` (default 1) multiplies every customer's drop-out
    (BG/NBD's p, Pareto/NBD's mu) from now on; the models' expected purchases
    then become ``E[Y(keep * t)] / keep`` (see :func:`cxlab.retention_whatif`).

    Parameters
    ----------
    purchases, spend, summary, horizon, discount_rate, margin, step, periods_per_year
        As for :func:`customer_value`.
    """

    def __init__(
        self, purchases, spend, summary, horizon, discount_rate, margin, step, periods_per_year
    ):
        for model, what in ((purchases, "purchases"), (spend, "spend")):
            if not hasattr(model, "params_"):
                raise NotFittedError(f"{what} model is not fitted yet; call fit(summary) first.")
        if not horizon > 0 or not step > 0:
            raise ParameterError(f"horizon={horizon} and step={step} must be > 0.")
        if not discount_rate >= 0 or not margin > 0:
            raise ParameterError(
                f"discount_rate={discount_rate} must be >= 0 and margin={margin} > 0."
            )
        if periods_per_year is None:
            unit = getattr(purchases, "time_unit_", "unknown")
            if unit not in PERIODS_PER_YEAR:
                raise ParameterError(
                    f"the purchase model's time unit is {unit!r}; pass periods_per_year= "
                    "(e.g. 52.18 for weeks)."
                )
            periods_per_year = PERIODS_PER_YEAR[unit]
        self.purchases, self.margin, self.periods_per_year = purchases, margin, periods_per_year
        delta = np.log1p(discount_rate) / periods_per_year
        x, t_x, T, inv = purchases._unique_customers(summary)
        from cxlab.btyd._gamma_gamma import spend_columns

        fx, mx = spend_columns(summary)
        mx = np.where(fx > 0, mx, 0.0)
        keys = np.stack([x[inv], t_x[inv], T[inv], mx], axis=1)
        uniq, inv2 = np.unique(keys, axis=0, return_inverse=True)
        self.inv = inv2.reshape(-1)
        self.x, self.t_x, self.T, self.m = uniq.T
        self.counts = np.bincount(self.inv, minlength=len(self.x))
        self.grid = np.arange(step, horizon + step / 2, step)
        self.disc = np.exp(-delta * self.grid)

    def parts(self, th_purchase, th_spend, keep: float = 1.0):
        """Expected purchases (horizon), expected spend, discounted margin; per distinct row."""
        ux = self.x
        g = self.grid[:, None] * keep
        cum = self.purchases._conditional(th_purchase, ux, self.t_x, self.T, g) / keep
        inc = np.diff(np.vstack([np.zeros(len(ux)), cum]), axis=0)
        p, q, gam = th_spend
        with np.errstate(divide="ignore", invalid="ignore"):
            spend_ = np.where(
                (q > 1) | (ux > 0), p * (gam + ux * self.m) / (p * ux + q - 1), np.inf
            )
        return cum[-1], spend_, self.margin * spend_ * (self.disc @ inc)
