"""What a retention improvement is worth where nobody cancels: the change in discounted CLV.

A retention programme (better service recovery, a loyalty scheme) is valued as
the change it makes to each customer's expected discounted margin over the
horizon, through a fitted purchase model (BG/NBD, MBG/NBD or Pareto/NBD) and
the Gamma-Gamma spend model (:func:`cxlab.customer_value`).

The what-if lowers every customer's drop-out by the share ``x`` from now on:
BG/NBD's and MBG/NBD's probability ``p`` of leaving after a purchase, or
Pareto/NBD's rate ``mu`` of leaving per time unit, becomes ``(1 - x)`` times
its value. The past is unchanged: a customer who has already left (P(alive))
stays gone, so the programme only works on the customers still there.

Why it has a closed form: given alive and their own ``lambda`` and drop-out,
a customer's expected purchases in the next ``t`` are
``(1 - exp(-lambda p t)) / p`` (BG/NBD: each of the Poisson purchase
opportunities is taken if they stayed after the one before) or
``lambda (1 - exp(-mu t)) / mu`` (Pareto/NBD). Both are ``f(k t) / k`` when
the drop-out is multiplied by ``k``, for every ``lambda`` and drop-out, so
after averaging over the posterior of both:

``E_whatif[Y(t) | history] = E[Y(k t) | history] / k``, ``k = 1 - x``,

evaluated by the model's own (stable) expected purchases. The discounted
margin is then summed on the grid of :func:`cxlab.customer_value`.

The interval of the gain comes from the same joint draws of both models'
parameters for the current and the improved base, so their correlation is
kept; like CLV's, it covers parameter uncertainty, not which customers happen
to stay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.btyd._base import draw_interval
from cxlab.btyd._clv import Valuation
from cxlab.exceptions import ParameterError

__all__ = ["retention_whatif"]


def retention_whatif(
    purchases,
    spend,
    summary: pd.DataFrame,
    *,
    dropout_reduction: float,
    horizon: float,
    margin: float = 1.0,
    n_draws: int = 200,
    random_state=None,
    **valuation,
) -> pd.DataFrame:
    """Change in each customer's discounted CLV if drop-out fell by ``dropout_reduction``.

    Parameters
    ----------
    purchases : BGNBD, MBGNBD or ParetoNBD
        Fitted purchase model.
    spend : GammaGamma
        Fitted spend model.
    summary : DataFrame
        Customers (``frequency``, ``recency``, ``T``, ``monetary_value``).
    dropout_reduction : float
        Share by which every customer's drop-out (p per purchase for the BG/NBD
        family, mu per time unit for Pareto/NBD) falls from now on, in [0, 1);
        e.g. 0.2 for a fifth fewer customers leaving per purchase.
    horizon : float
        In the summary's time unit (e.g. 52 for a year in weeks).
    margin : float, default=1.0
        Share of revenue that is margin.
    n_draws : int, default=200
        Joint parameter draws for the intervals (0: none).
    random_state : int, Generator or None
    **valuation
        ``discount_rate`` (annual, default 0.10), ``step`` (grid of the
        discounting, default 1 time unit) and ``periods_per_year`` (default
        from the model's time unit), as for :func:`cxlab.customer_value`.

    Returns
    -------
    DataFrame
        Per customer: ``p_alive``, ``clv`` (as today), ``clv_whatif``, ``gain``
        and, with draws, ``gain_lower``, ``gain_upper``. ``attrs["total"]``
        holds the base's ``clv``, ``clv_whatif``, ``gain`` and ``gain_pct``
        with ``lower``/``upper`` intervals of each (``clv_lower``, ...);
        ``attrs["retention_whatif"]`` the settings.

    Raises
    ------
    ParameterError
        ``dropout_reduction`` outside [0, 1), or a setting of
        :func:`cxlab.customer_value` out of range.
    NotFittedError
        A model is not fitted.

    Examples
    --------
    >>> import cxlab
    >>> sim = cxlab.simulate_purchases(n_customers=2000, random_state=1)
    >>> bg = cxlab.BGNBD().fit(sim.summary)
    >>> gg = cxlab.GammaGamma().fit(sim.summary)
    >>> out = cxlab.retention_whatif(bg, gg, sim.summary, dropout_reduction=0.2,
    ...                              horizon=52, step=4, n_draws=0)
    >>> bool(out.attrs["total"]["gain"] > 0)
    True
    """
    if not 0 <= dropout_reduction < 1:
        raise ParameterError(
            f"dropout_reduction={dropout_reduction} must be in [0, 1): the share by which "
            "drop-out falls (0.2 for a fifth fewer customers leaving)."
        )
    unknown = set(valuation) - {"discount_rate", "step", "periods_per_year"}
    if unknown:
        raise ParameterError(
            f"retention_whatif() got unknown options {sorted(unknown)}; the valuation takes "
            "discount_rate, step and periods_per_year."
        )
    opts = {"discount_rate": 0.10, "step": 1.0, "periods_per_year": None, **valuation}
    v = Valuation(purchases, spend, summary, horizon, margin=margin, **opts)
    keep = 1.0 - float(dropout_reduction)

    def both(th_p, th_s):
        now = v.parts(th_p, th_s)[2]
        return np.stack([now, v.parts(th_p, th_s, keep)[2]])

    th_p, th_s = purchases.params_.to_numpy(), spend.params_.to_numpy()
    now, later = both(th_p, th_s)
    inv = v.inv
    out = pd.DataFrame(
        {
            "p_alive": purchases._p_alive(th_p, v.x, v.t_x, v.T)[inv],
            "clv": now[inv],
            "clv_whatif": later[inv],
            "gain": (later - now)[inv],
        },
        index=summary.index,
    )
    tot_now, tot_later = float(v.counts @ now), float(v.counts @ later)
    total = {
        "clv": tot_now,
        "clv_whatif": tot_later,
        "gain": tot_later - tot_now,
        "gain_pct": 100 * (tot_later / tot_now - 1),
    }
    if n_draws:
        rng = np.random.default_rng(random_state)
        draws_p = purchases.param_draws(n_draws, rng)
        draws_s = spend.param_draws(n_draws, rng)
        with np.errstate(all="ignore"):
            vals = np.stack([both(a, b) for a, b in zip(draws_p, draws_s)])  # (draw, 2, row)
        gain = vals[:, 1] - vals[:, 0]
        lower, upper = draw_interval(gain, purchases.confidence)
        out["gain_lower"], out["gain_upper"] = lower[inv], upper[inv]
        ok = np.isfinite(vals).all(axis=(1, 2))
        sums = np.where(ok[:, None], vals @ v.counts, np.nan)  # (draw, 2)
        per_draw = {
            "clv": sums[:, 0],
            "clv_whatif": sums[:, 1],
            "gain": sums[:, 1] - sums[:, 0],
            "gain_pct": 100 * (sums[:, 1] / sums[:, 0] - 1),
        }
        for name, col in per_draw.items():
            lo, hi = draw_interval(col, purchases.confidence)
            total[f"{name}_lower"], total[f"{name}_upper"] = float(lo), float(hi)
    out.attrs["total"] = total
    out.attrs["retention_whatif"] = {
        "dropout_reduction": dropout_reduction,
        "model": purchases._model_name,
        "horizon": horizon,
        "discount_rate": opts["discount_rate"],
        "margin": margin,
        "periods_per_year": v.periods_per_year,
        "n_draws": n_draws,
    }
    return out
